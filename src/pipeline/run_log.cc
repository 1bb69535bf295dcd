#include "pipeline/run_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

bool SafeId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

std::optional<RunLogLine> Decode(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  RunLogLine l;
  l.n = doc.value("n", int64_t{0});
  l.time = WallTime(std::chrono::milliseconds(doc.value("time", int64_t{0})));
  l.step = doc.value("step", "");
  l.stream = doc.value("stream", "");
  l.line = doc.value("line", "");
  return l;
}

}  // namespace

Result<std::string> RunLogPath(const std::string& dir, const std::string& run_id) {
  if (!SafeId(run_id)) return InvalidArgumentError("run id \"" + run_id + "\" is not a valid run id");
  return dir + "/" + run_id + ".log";
}

Result<std::unique_ptr<RunLogWriter>> RunLogWriter::Open(const std::string& dir, const std::string& run_id,
                                                         Clock& clock) {
  KELOLA_ASSIGN_OR_RETURN(std::string path, RunLogPath(dir, run_id));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InternalError("creating " + dir + ": " + ec.message());
  // A retry of an interrupted writer continues the numbering.
  int64_t next = 1;
  auto existing = ReadRunLog(path, 0, SIZE_MAX);
  if (existing.ok() && !existing->lines.empty()) next = existing->lines.back().n + 1;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("opening " + path + ": " + std::strerror(errno));
  return std::unique_ptr<RunLogWriter>(new RunLogWriter(fd, next, clock));
}

RunLogWriter::~RunLogWriter() {
  ::fsync(fd_);
  ::close(fd_);
}

void RunLogWriter::Append(std::string_view step, std::string_view stream, std::string_view line) {
  std::lock_guard<std::mutex> l(mu_);
  json doc = {{"n", next_n_++}, {"time", UnixMillis(clock_.Now())}, {"step", step}, {"stream", stream}, {"line", line}};
  std::string text = doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // disk full: the run goes on; its log is short
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void RunLogWriter::Sync() {
  std::lock_guard<std::mutex> l(mu_);
  ::fsync(fd_);
}

Result<RunLogChunk> ReadRunLog(const std::string& path, uint64_t offset, size_t max_bytes) {
  RunLogChunk chunk;
  chunk.next_offset = offset;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return chunk;
    return InternalError("opening " + path + ": " + std::strerror(errno));
  }
  std::string data;
  char buf[64 * 1024];
  uint64_t pos = offset;
  while (data.size() < max_bytes) {
    ssize_t n = ::pread(fd, buf, sizeof(buf), static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
    pos += static_cast<uint64_t>(n);
  }
  ::close(fd);
  size_t start = 0;
  while (true) {
    size_t nl = data.find('\n', start);
    if (nl == std::string::npos) break;  // a partial last line: not yet
    if (auto l = Decode(std::string_view(data).substr(start, nl - start))) chunk.lines.push_back(std::move(*l));
    start = nl + 1;
  }
  chunk.next_offset = offset + start;
  return chunk;
}

}  // namespace kelola
