// TarWriter: builds a small ustar archive in memory, the build context the
// harness sends to the Docker engine's POST /build (no files on disk, no
// tar binary). Regular files only; names up to 100 bytes.
//
// Thread-safety: one owner. Errors: InvalidArgument for a name that does
// not fit the ustar header.
#pragma once

#include <string>

#include "base/status.h"

namespace kelola::harness {

class TarWriter {
 public:
  Status AddFile(const std::string& name, const std::string& content, unsigned mode = 0644);
  // The archive with its two terminating zero blocks. The writer may not be
  // used afterwards.
  std::string Finish();

 private:
  std::string archive_;
};

}  // namespace kelola::harness
