#include "tests/harness/tar_writer.h"

#include <cstdio>
#include <cstring>

namespace kelola::harness {
namespace {

constexpr size_t kBlock = 512;

// Writes `value` as zero-padded octal filling `width - 1` digits plus NUL.
void PutOctal(char* field, size_t width, unsigned long long value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), value);
}

}  // namespace

Status TarWriter::AddFile(const std::string& name, const std::string& content, unsigned mode) {
  if (name.empty() || name.size() >= 100) {
    return InvalidArgumentError("tar entry name \"" + name + "\" must be 1..99 bytes");
  }
  char header[kBlock];
  std::memset(header, 0, sizeof(header));
  std::memcpy(header, name.data(), name.size());  // name[100]
  PutOctal(header + 100, 8, mode & 07777);        // mode
  PutOctal(header + 108, 8, 0);                   // uid
  PutOctal(header + 116, 8, 0);                   // gid
  PutOctal(header + 124, 12, content.size());     // size
  PutOctal(header + 136, 12, 0);                  // mtime: fixed, so builds are cacheable
  header[156] = '0';                              // typeflag: regular file
  std::memcpy(header + 257, "ustar", 6);          // magic "ustar\0"
  std::memcpy(header + 263, "00", 2);             // version
  // The checksum is computed with its own field read as eight spaces.
  std::memset(header + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  std::snprintf(header + 148, 8, "%06o", sum);  // six digits, NUL, then the space kept
  header[155] = ' ';

  archive_.append(header, sizeof(header));
  archive_.append(content);
  archive_.append((kBlock - content.size() % kBlock) % kBlock, '\0');
  return OkStatus();
}

std::string TarWriter::Finish() {
  archive_.append(2 * kBlock, '\0');
  return std::move(archive_);
}

}  // namespace kelola::harness
