// zstd one-shot compression for transport frames and store blocks.
//
// Compressed data always carries the content size and checksum, so
// decompression can refuse sizes it did not expect before allocating and
// detects corruption. Thread-safe (each thread reuses a compression context
// of its own).
// Errors: Internal when compression fails; InvalidArgument naming `what`
// when the input is not a zstd frame of exactly `expected_size` bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

Result<std::string> ZstdCompress(std::string_view data, int level);
Result<std::string> ZstdDecompress(std::string_view data, size_t expected_size, std::string_view what);
// True when `data` is exactly one zstd frame declaring `content_size` and
// carrying a checksum: the shape ZstdCompress writes, so such bytes may be
// stored where ZstdCompress output is expected.
bool IsSingleZstdFrameWithChecksum(std::string_view data, size_t content_size);

}  // namespace kelola
