// PasswdEntry: one user's line of an /etc/passwd read out of a container
// image ("name:x:uid:gid:gecos:home:shell"), so the docker fleet provider
// can put the bootstrap key into that user's ~/.ssh with the right owner.
// The file is outside input (any image): lines that do not have seven
// fields or whose ids are not numbers are skipped; a home that is not an
// absolute path free of ".." makes the entry unusable (InvalidArgument).
// Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola::docker {

struct PasswdEntry {
  std::string name;
  int uid = -1;
  int gid = -1;
  std::string home;
};

// NotFound when `user` has no line.
Result<PasswdEntry> FindPasswdEntry(std::string_view passwd, std::string_view user);

}  // namespace kelola::docker
