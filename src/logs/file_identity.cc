#include "logs/file_identity.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kelola {
namespace {

Result<std::string> ReadHead(int fd, size_t n) {
  std::string buf(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf.data() + got, n - got, static_cast<off_t>(got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return InternalError(std::string("reading file head: ") + std::strerror(errno));
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  buf.resize(got);
  return buf;
}

}  // namespace

uint64_t Fnv1a64(std::string_view data) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

Result<FileIdentity> IdentifyOpenFile(int fd, size_t max_fingerprint_bytes) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return InternalError(std::string("fstat: ") + std::strerror(errno));
  FileIdentity id;
  id.device = static_cast<uint64_t>(st.st_dev);
  id.inode = static_cast<uint64_t>(st.st_ino);
  id.size = static_cast<uint64_t>(st.st_size);
  size_t want = std::min<uint64_t>(id.size, max_fingerprint_bytes);
  KELOLA_ASSIGN_OR_RETURN(std::string head, ReadHead(fd, want));
  id.fingerprint_bytes = static_cast<uint32_t>(head.size());
  id.fingerprint = Fnv1a64(head);
  return id;
}

Result<bool> IsSameFile(int fd, const FileIdentity& known) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return InternalError(std::string("fstat: ") + std::strerror(errno));
  if (static_cast<uint64_t>(st.st_dev) != known.device || static_cast<uint64_t>(st.st_ino) != known.inode) {
    return false;
  }
  KELOLA_ASSIGN_OR_RETURN(std::string head, ReadHead(fd, known.fingerprint_bytes));
  return head.size() == known.fingerprint_bytes && Fnv1a64(head) == known.fingerprint;
}

}  // namespace kelola
