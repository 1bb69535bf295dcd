// FileIdentity: which file instance a path or descriptor refers to.
//
// Device + inode alone are not enough: after a file is deleted its inode
// number is reused by the next new file, and a tailer that trusted the inode
// would resume the new file at the old file's offset (losing its head). So the
// identity also carries a fingerprint: a hash of the first `fingerprint_bytes`
// bytes (at most the configured maximum, fewer while the file is shorter).
// A file "is the same" when device and inode match and the hash of its first
// `fingerprint_bytes` bytes still equals the recorded one.
//
// Thread-safety: plain values and stateless functions. Errors: Internal with
// the errno text when the descriptor cannot be read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint32_t fingerprint_bytes = 0;  // how many leading bytes were hashed
  uint64_t fingerprint = 0;        // FNV-1a 64 of those bytes
  uint64_t size = 0;               // file size when identified (not part of identity)
};

// 64-bit FNV-1a: fast and stable across versions (it is stored in checkpoints).
uint64_t Fnv1a64(std::string_view data);

// fstat + pread of the first min(size, max_fingerprint_bytes) bytes.
Result<FileIdentity> IdentifyOpenFile(int fd, size_t max_fingerprint_bytes);

// True when `fd` is the file `known` described: same device and inode, and
// its first known.fingerprint_bytes bytes hash the same (a file now shorter
// than that is not the same: it was truncated and rewritten).
Result<bool> IsSameFile(int fd, const FileIdentity& known);

}  // namespace kelola
