#include "logs/dead_letter_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string Encode(const DeadLetterEntry& e) {
  json j{{"sink", e.sink},     {"time_ms", e.time_ms}, {"record_id", e.record_id}, {"http_status", e.http_status},
         {"reason", e.reason}, {"agent", e.agent},     {"path", e.path},           {"stream_id", e.stream_id},
         {"offset", e.offset}, {"text", e.text}};
  // Log lines need not be UTF-8: invalid bytes become U+FFFD.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

bool Decode(std::string_view line, DeadLetterEntry& e) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  e.sink = j.value("sink", "");
  e.time_ms = j.value("time_ms", int64_t{0});
  e.record_id = j.value("record_id", uint64_t{0});
  e.http_status = j.value("http_status", 0);
  e.reason = j.value("reason", "");
  e.agent = j.value("agent", "");
  e.path = j.value("path", "");
  e.stream_id = j.value("stream_id", "");
  e.offset = j.value("offset", uint64_t{0});
  e.text = j.value("text", "");
  return true;
}

// Calls fn(entry) for each complete, well-formed line; returns the length of
// the file up to the end of its last complete line.
template <typename Fn>
Result<uint64_t> Scan(const std::string& path, Fn&& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return uint64_t{0};
    return InternalError(Errno("opening " + path));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string data = buf.str();
  size_t pos = 0;
  uint64_t valid = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) break;  // torn last line
    DeadLetterEntry e;
    if (Decode(std::string_view(data).substr(pos, nl - pos), e)) {
      if (!fn(e)) return uint64_t{nl + 1};
    }
    pos = nl + 1;
    valid = pos;
  }
  return valid;
}

}  // namespace

Result<std::unique_ptr<DeadLetterLog>> DeadLetterLog::Open(std::string path, std::string sink) {
  std::unique_ptr<DeadLetterLog> log(new DeadLetterLog(std::move(path), std::move(sink)));
  auto valid = Scan(log->path_, [&](const DeadLetterEntry& e) {
    log->last_record_id_ = std::max(log->last_record_id_, e.record_id);
    ++log->count_;
    return true;
  });
  if (!valid.ok()) return valid.status();
  log->valid_bytes_ = *valid;
  return log;
}

Status DeadLetterLog::Append(const std::vector<SinkDeadLetter>& letters, const std::vector<StoredRecord>& batch,
                             int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::map<uint64_t, const StoredRecord*> by_id;
  for (const auto& r : batch) by_id[r.id] = &r;
  std::map<uint64_t, std::string> lines;  // by record id: ascending, one per record
  for (const auto& l : letters) {
    if (l.record_id <= last_record_id_ || lines.count(l.record_id)) continue;
    DeadLetterEntry e;
    e.sink = sink_;
    e.time_ms = now_ms;
    e.record_id = l.record_id;
    e.http_status = l.http_status;
    e.reason = l.reason;
    if (auto it = by_id.find(l.record_id); it != by_id.end()) {
      e.agent = it->second->agent;
      e.path = it->second->record.path;
      e.stream_id = it->second->record.stream_id;
      e.offset = it->second->record.offset;
      e.text = it->second->record.text;
    }
    lines[l.record_id] = Encode(e);
  }
  if (lines.empty()) return OkStatus();
  std::string data;
  for (const auto& [id, line] : lines) data += line;
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError(Errno("opening " + path_));
  // Overwrite a torn tail left by a crash.
  if (::ftruncate(fd, static_cast<off_t>(valid_bytes_)) != 0 || ::lseek(fd, 0, SEEK_END) < 0) {
    Status s = InternalError(Errno("truncating " + path_));
    ::close(fd);
    return s;
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = InternalError(Errno("writing " + path_));
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = InternalError(Errno("fsync " + path_));
    ::close(fd);
    return s;
  }
  ::close(fd);
  valid_bytes_ += data.size();
  last_record_id_ = lines.rbegin()->first;
  count_ += lines.size();
  return OkStatus();
}

Result<std::vector<DeadLetterEntry>> DeadLetterLog::Read(uint64_t after_record_id, size_t limit) const {
  std::lock_guard lock(mu_);
  std::vector<DeadLetterEntry> out;
  if (limit == 0) return out;
  auto scanned = Scan(path_, [&](const DeadLetterEntry& e) {
    if (e.record_id > after_record_id) out.push_back(e);
    return out.size() < limit;
  });
  if (!scanned.ok()) return scanned.status();
  return out;
}

uint64_t DeadLetterLog::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

}  // namespace kelola
