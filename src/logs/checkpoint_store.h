// CheckpointStore: the tailer's durable memory of how far each file instance
// has been acknowledged by the server (file identity -> offset).
//
// An offset is only ever recorded here after the server acknowledged every
// record before it, so after a crash (kill -9, power loss) the agent re-reads
// at most the unacknowledged tail: at-least-once, never a gap. Save() writes
// a temporary file, fsyncs it, renames it over the old one and fsyncs the
// directory, so the file on disk is always either the old or the new state.
// Format: docs/formats/agent-checkpoints.md.
//
// Thread-safety: not thread-safe; the agent's tailer owns it. Errors: Open()
// returns DataLoss naming the file and line when the file is corrupt,
// Internal for I/O errors; Save() returns Internal for I/O errors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "logs/file_identity.h"

namespace kelola {

struct Checkpoint {
  std::string stream_id;  // 16 hex digits, fixed for the life of the file instance
  FileIdentity identity;  // size is not stored
  uint64_t offset = 0;    // every byte before it has been acknowledged
  std::string path;       // last known path (informational; never contains '\n')
};

class CheckpointStore {
 public:
  // Loads `path` when it exists; a missing file is an empty store. The
  // directory must exist.
  static Result<CheckpointStore> Open(std::string path);

  // The checkpoint of the file with this device and inode, or nullptr.
  const Checkpoint* Find(uint64_t device, uint64_t inode) const;
  void Put(Checkpoint checkpoint);
  void Remove(uint64_t device, uint64_t inode);
  std::vector<Checkpoint> All() const;
  size_t size() const { return entries_.size(); }

  // Durably replaces the file with the current state.
  Status Save() const;

  // Text form of the state (what Save writes) and its parser; exposed for tests.
  std::string Serialize() const;
  static Result<std::map<std::pair<uint64_t, uint64_t>, Checkpoint>> Parse(std::string_view text,
                                                                           const std::string& name);

 private:
  explicit CheckpointStore(std::string path) : path_(std::move(path)) {}
  std::string path_;
  std::map<std::pair<uint64_t, uint64_t>, Checkpoint> entries_;  // by (device, inode)
};

// Writes `content` to `path` atomically and durably: temp file, fsync,
// rename, fsync of the directory.
Status WriteFileDurably(const std::string& path, std::string_view content);

}  // namespace kelola
