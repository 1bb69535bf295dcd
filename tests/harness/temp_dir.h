// TempDir: a scratch directory that is removed, with everything in it, when
// the object is destroyed. Test servers keep their config, data and logs in
// one, so a test leaves nothing behind.
//
// Thread-safety: not shared between threads. Errors: Create() returns
// Internal with the errno text when the directory cannot be made.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"

namespace kelola::harness {

class TempDir {
 public:
  // Makes $TMPDIR/<prefix>-XXXXXX (or /tmp) with mode 0700.
  static Result<std::unique_ptr<TempDir>> Create(const std::string& prefix = "kelola");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Keeps the directory after destruction (to inspect a failed test's logs).
  void Keep() { keep_ = true; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool keep_ = false;
};

// Writes `content` to `path` with `mode`, replacing any file there.
Status WriteFile(const std::string& path, const std::string& content, unsigned mode = 0644);
// Reads a whole file; NotFound or Internal with the path in the message.
Result<std::string> ReadFile(const std::string& path);
// The last `max_lines` lines of a file, for error messages ("" if unreadable).
std::string TailOfFile(const std::string& path, int max_lines = 20);

}  // namespace kelola::harness
