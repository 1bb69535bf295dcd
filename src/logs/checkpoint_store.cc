#include "logs/checkpoint_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kelola {
namespace {

constexpr std::string_view kHeader = "kelola-checkpoints 1";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool ParseU64(std::string_view text, uint64_t& out, int base = 10) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

bool IsStreamId(std::string_view s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Status WriteFileDurably(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError(Errno("creating " + tmp));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = InternalError(Errno("writing " + tmp));
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = InternalError(Errno("fsync " + tmp));
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return InternalError(Errno("renaming " + tmp));
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return InternalError(Errno("opening " + dir));
  int rc = ::fsync(dfd);
  ::close(dfd);
  return rc == 0 ? OkStatus() : InternalError(Errno("fsync " + dir));
}

Result<CheckpointStore> CheckpointStore::Open(std::string path) {
  CheckpointStore store(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return store;
    return InternalError(Errno("opening " + path));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  KELOLA_ASSIGN_OR_RETURN(store.entries_, Parse(buf.str(), path));
  return store;
}

Result<std::map<std::pair<uint64_t, uint64_t>, Checkpoint>> CheckpointStore::Parse(std::string_view text,
                                                                                   const std::string& name) {
  std::map<std::pair<uint64_t, uint64_t>, Checkpoint> entries;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      return DataLossError(name + ":" + std::to_string(line_no + 1) + ": truncated line (no newline)");
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    auto where = [&] { return name + ":" + std::to_string(line_no) + ": "; };
    if (line_no == 1) {
      if (line != kHeader) return DataLossError(where() + "expected header \"" + std::string(kHeader) + "\"");
      continue;
    }
    // stream_id device inode fingerprint_bytes fingerprint_hex offset path...
    std::string_view fields[6];
    size_t start = 0;
    for (int i = 0; i < 6; ++i) {
      size_t sp = line.find(' ', start);
      if (sp == std::string_view::npos) return DataLossError(where() + "expected 7 fields");
      fields[i] = line.substr(start, sp - start);
      start = sp + 1;
    }
    Checkpoint cp;
    cp.path = std::string(line.substr(start));
    uint64_t fp_bytes = 0;
    if (!IsStreamId(fields[0])) return DataLossError(where() + "bad stream id");
    cp.stream_id = std::string(fields[0]);
    if (!ParseU64(fields[1], cp.identity.device) || !ParseU64(fields[2], cp.identity.inode) ||
        !ParseU64(fields[3], fp_bytes) || fp_bytes > (1u << 20) || !ParseU64(fields[4], cp.identity.fingerprint, 16) ||
        !ParseU64(fields[5], cp.offset)) {
      return DataLossError(where() + "bad number");
    }
    cp.identity.fingerprint_bytes = static_cast<uint32_t>(fp_bytes);
    entries[{cp.identity.device, cp.identity.inode}] = std::move(cp);
  }
  if (line_no == 0 && !text.empty()) return DataLossError(name + ": empty header");
  return entries;
}

std::string CheckpointStore::Serialize() const {
  std::string out(kHeader);
  out += '\n';
  char hex[17];
  for (const auto& [key, cp] : entries_) {
    std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(cp.identity.fingerprint));
    out += cp.stream_id + ' ' + std::to_string(cp.identity.device) + ' ' + std::to_string(cp.identity.inode) + ' ' +
           std::to_string(cp.identity.fingerprint_bytes) + ' ' + hex + ' ' + std::to_string(cp.offset) + ' ';
    for (char c : cp.path) out += (c == '\n' ? '?' : c);
    out += '\n';
  }
  return out;
}

const Checkpoint* CheckpointStore::Find(uint64_t device, uint64_t inode) const {
  auto it = entries_.find({device, inode});
  return it == entries_.end() ? nullptr : &it->second;
}

void CheckpointStore::Put(Checkpoint checkpoint) {
  auto key = std::make_pair(checkpoint.identity.device, checkpoint.identity.inode);
  entries_[key] = std::move(checkpoint);
}

void CheckpointStore::Remove(uint64_t device, uint64_t inode) { entries_.erase({device, inode}); }

std::vector<Checkpoint> CheckpointStore::All() const {
  std::vector<Checkpoint> out;
  for (const auto& [key, cp] : entries_) out.push_back(cp);
  return out;
}

Status CheckpointStore::Save() const { return WriteFileDurably(path_, Serialize()); }

}  // namespace kelola
