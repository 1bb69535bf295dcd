// DiskBuffer: the agent's optional on-disk queue of encoded frames, between
// the inputs and the server. With it, an input's records are safe once their
// frame is in the buffer (file checkpoints may advance, syslog/stdin records
// are no longer only in memory), so hours of server outage and agent
// restarts lose nothing. Format: docs/formats/agent-disk-buffer.md.
//
//   - Segment files `<first seq, 20 digits>.seg` in one directory; each entry
//     is [u32 length][u64 seq][u64 FNV-1a 64 of the payload][payload].
//   - Append() writes an entry; with fsync=always it fsyncs before
//     returning, with fsync=interval the data is durable once Sync() ran
//     (the agent calls it every interval and before it acknowledges inputs),
//     with fsync=never the page cache decides.
//   - Front()/PopFront(): the oldest entry not yet acknowledged by the
//     server. PopFront persists the acknowledged sequence in `acked`
//     (written atomically) and deletes segments that are entirely acknowledged.
//   - Size cap: Append returns ResourceExhausted while the buffer holds
//     max_bytes; the caller pauses its inputs (nothing is dropped).
//   - Open() rebuilds the queue from the segments: a torn entry at the end of
//     the last segment (a crash mid-write, never acknowledged to an input) is
//     cut off; an entry whose checksum fails elsewhere is skipped and counted
//     in corrupt_entries (the rest of that segment cannot be trusted to be
//     framed, so the reader moves on to the next segment).
//
// Thread-compatible: one thread (the agent's pipeline) uses it.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

enum class FsyncPolicy { kAlways, kInterval, kNever };

Result<FsyncPolicy> ParseFsyncPolicy(std::string_view text);

struct DiskBufferOptions {
  std::string dir;                             // created if missing
  uint64_t max_bytes = 1ULL << 30;             // cap on unacknowledged bytes on disk
  uint64_t segment_max_bytes = 16ULL << 20;    // a new segment starts past this size
  FsyncPolicy fsync = FsyncPolicy::kInterval;  // see above
};

struct DiskBufferStats {
  uint64_t entries = 0;  // unacknowledged
  uint64_t bytes = 0;    // unacknowledged, on disk, including entry headers
  uint64_t segments = 0;
  uint64_t corrupt_entries = 0;  // skipped by Open since the agent started
  uint64_t torn_bytes_truncated = 0;
};

class DiskBuffer {
 public:
  static Result<std::unique_ptr<DiskBuffer>> Open(DiskBufferOptions options);
  ~DiskBuffer();
  DiskBuffer(const DiskBuffer&) = delete;
  DiskBuffer& operator=(const DiskBuffer&) = delete;

  // Appends one frame; returns its sequence number. ResourceExhausted when
  // full; Internal when the disk write fails (then nothing was appended).
  Result<uint64_t> Append(std::string_view frame);
  // Makes every appended entry durable (no-op with fsync=never).
  Status Sync();
  // The oldest unacknowledged entry, read from disk; nullopt when empty.
  Result<std::optional<std::pair<uint64_t, std::string>>> Front();
  // Acknowledges the oldest entry (the server stored it).
  Status PopFront();

  bool empty() const;
  bool full() const;
  DiskBufferStats Stats() const;

 private:
  struct Impl;
  explicit DiskBuffer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kelola
