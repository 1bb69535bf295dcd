#include "logs/syslog_framing.h"

#include <algorithm>

namespace kelola {

SyslogStreamDecoder::SyslogStreamDecoder(size_t max_message_bytes) : max_(std::max<size_t>(1, max_message_bytes)) {}

void SyslogStreamDecoder::Emit(bool split, std::vector<SyslogFrame>& out) {
  out.push_back({std::move(pending_), split});
  pending_.clear();
}

void SyslogStreamDecoder::Feed(std::string_view bytes, std::vector<SyslogFrame>& out) {
  size_t i = 0;
  while (i < bytes.size()) {
    switch (state_) {
      case State::kStart: {
        char c = bytes[i];
        if (c >= '0' && c <= '9') {
          state_ = State::kCount;
        } else if (c == '\n' || c == '\r') {
          ++i;  // blank line between frames
        } else {
          state_ = State::kLine;
        }
        break;
      }
      case State::kCount: {
        char c = bytes[i];
        if (c >= '0' && c <= '9' && digits_.size() < 10) {
          digits_ += c;
          ++i;
          break;
        }
        uint64_t count = 0;
        for (char d : digits_) count = count * 10 + static_cast<uint64_t>(d - '0');
        if (c == ' ' && count > 0) {
          ++i;
          remaining_ = count;
          digits_.clear();
          state_ = State::kBody;
          break;
        }
        // Not "LEN SP": the digits start a newline-delimited message.
        ++framing_errors_;
        pending_ = std::move(digits_);
        digits_.clear();
        state_ = State::kLine;
        break;
      }
      case State::kBody: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size() - i));
        take = std::min(take, max_ - pending_.size());
        pending_.append(bytes.substr(i, take));
        i += take;
        remaining_ -= take;
        if (remaining_ == 0) {
          Emit(false, out);
          state_ = State::kStart;
        } else if (pending_.size() >= max_) {
          Emit(true, out);
        }
        break;
      }
      case State::kLine: {
        size_t nl = bytes.find('\n', i);
        size_t end = nl == std::string_view::npos ? bytes.size() : nl;
        while (i < end) {
          // A full piece is emitted only when more of its line follows, so a
          // line of exactly max bytes is not flagged split.
          if (pending_.size() >= max_) Emit(true, out);
          size_t take = std::min(end - i, max_ - pending_.size());
          pending_.append(bytes.substr(i, take));
          i += take;
        }
        if (nl != std::string_view::npos) {
          ++i;
          if (!pending_.empty() && pending_.back() == '\r') pending_.pop_back();
          if (!pending_.empty()) Emit(false, out);
          state_ = State::kStart;
        }
        break;
      }
    }
  }
}

void SyslogStreamDecoder::Finish(std::vector<SyslogFrame>& out) {
  if (state_ == State::kCount) {
    ++framing_errors_;
    pending_ = std::move(digits_);
    digits_.clear();
  } else if (state_ == State::kBody) {
    ++framing_errors_;  // fewer bytes than the count said
  }
  if (!pending_.empty() && pending_.back() == '\r' && state_ == State::kLine) pending_.pop_back();
  if (!pending_.empty()) Emit(false, out);
  state_ = State::kStart;
  remaining_ = 0;
}

}  // namespace kelola
