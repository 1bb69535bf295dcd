#include "integrations/docker/log_stream_decoder.h"

#include <algorithm>

namespace kelola::docker {

Status LogStreamDecoder::Feed(std::string_view chunk) {
  if (!failed_.ok()) return failed_;
  while (!chunk.empty()) {
    if (payload_left_ > 0) {
      const size_t n = std::min<size_t>(payload_left_, chunk.size());
      on_payload_(current_, chunk.substr(0, n));
      payload_left_ -= static_cast<uint32_t>(n);
      chunk.remove_prefix(n);
      offset_ += n;
      continue;
    }
    const size_t n = std::min(sizeof header_ - header_have_, chunk.size());
    std::copy_n(chunk.data(), n, header_ + header_have_);
    header_have_ += n;
    chunk.remove_prefix(n);
    if (header_have_ < sizeof header_) break;
    header_have_ = 0;
    const unsigned type = header_[0];
    if (type > 3 || header_[1] != 0 || header_[2] != 0 || header_[3] != 0) {
      failed_ = DataLossError("docker log stream: bad frame header at byte " + std::to_string(offset_) +
                              " (stream type " + std::to_string(type) + "); is the container using a TTY?");
      return failed_;
    }
    offset_ += sizeof header_;
    current_ = type == 2 ? LogStream::kStderr : type == 3 ? LogStream::kSystemErr : LogStream::kStdout;
    payload_left_ = (uint32_t{header_[4]} << 24) | (uint32_t{header_[5]} << 16) | (uint32_t{header_[6]} << 8) |
                    uint32_t{header_[7]};
    ++frames_;
  }
  return OkStatus();
}

Status LogStreamDecoder::Finish() {
  if (!failed_.ok()) return failed_;
  if (header_have_ != 0 || payload_left_ != 0) {
    failed_ = DataLossError("docker log stream ended inside a frame at byte " + std::to_string(offset_));
  }
  return failed_;
}

}  // namespace kelola::docker
