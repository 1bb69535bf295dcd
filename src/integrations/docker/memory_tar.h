// MemoryTar: a small tar archive built (or read) in memory (libarchive, pax), for
// files put into a container through PUT /containers/{id}/archive — the
// docker fleet provider's authorized_keys and user-data script.
// Entries are owned by uid/gid given (0 = root); directories end with "/".
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace kelola::docker {

struct TarEntry {
  std::string path;  // relative, "root/.ssh/" (a directory) or "root/.ssh/authorized_keys"
  std::string content;
  unsigned mode = 0644;
  int uid = 0;
  int gid = 0;
};

// InvalidArgument for an absolute path or one holding "..".
Result<std::string> MakeTar(const std::vector<TarEntry>& entries);

// The content of the first regular file in a tar (what GET
// /containers/{id}/archive answers for one file). InvalidArgument for a
// damaged archive, NotFound when it holds no regular file,
// ResourceExhausted above `max_bytes`.
Result<std::string> ReadFirstTarFile(const std::string& tar, size_t max_bytes = 1 << 20);

}  // namespace kelola::docker
