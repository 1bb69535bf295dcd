// LogStreamDecoder: decodes, incrementally, the Docker engine's multiplexed
// stream (GET /containers/{id}/logs and /attach of a container without a
// TTY). Each frame is an 8-byte header — [stream type, 0, 0, 0, payload
// length as a big-endian u32] — followed by the payload. Stream type 0 is
// stdin (written as stdout, as the engine does), 1 stdout, 2 stderr; 3 is
// the "systemerr" stream newer engines use to report a failure of the log
// driver itself and is delivered as an error.
//
// Bytes arrive in chunks of any size (a header may be split across chunks);
// Feed() hands out each frame's payload as soon as it has it, possibly in
// several pieces, so a 1 MiB frame is never buffered whole.
//
// Errors: DataLoss for a header with an unknown stream type or non-zero
// padding (the stream is not multiplexed, or is corrupt), and from Finish()
// when the stream ended inside a frame. After an error the decoder stays
// failed. Thread-safety: none; one decoder per stream.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola::docker {

enum class LogStream { kStdout = 1, kStderr = 2, kSystemErr = 3 };

class LogStreamDecoder {
 public:
  using PayloadFn = std::function<void(LogStream stream, std::string_view bytes)>;
  explicit LogStreamDecoder(PayloadFn on_payload) : on_payload_(std::move(on_payload)) {}

  Status Feed(std::string_view chunk);
  // The stream ended: OK only at a frame boundary.
  Status Finish();

  uint64_t frames() const { return frames_; }

 private:
  PayloadFn on_payload_;
  unsigned char header_[8] = {};
  size_t header_have_ = 0;
  uint32_t payload_left_ = 0;
  LogStream current_ = LogStream::kStdout;
  uint64_t frames_ = 0;
  uint64_t offset_ = 0;  // bytes consumed, for error messages
  Status failed_;
};

}  // namespace kelola::docker
