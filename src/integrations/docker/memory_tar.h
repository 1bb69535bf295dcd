// MemoryTar: a small tar archive built in memory (libarchive, pax), for
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

}  // namespace kelola::docker
