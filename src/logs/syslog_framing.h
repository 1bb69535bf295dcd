// SyslogStreamDecoder: splits the byte stream of one syslog TCP connection
// into messages (RFC 6587). A frame that starts with a digit uses octet
// counting ("LEN SP MSG", section 3.4.1); any other frame is newline
// delimited (section 3.4.2: ends at LF, a CR before the LF is dropped).
// The choice is made per frame, so a sender may mix them.
//
// A count that is not 1-10 digits followed by a space is a framing error
// (counted): the frame is then read as newline delimited, so its bytes are
// kept as text rather than lost. A message longer than max_message_bytes is
// delivered in pieces of that size, all but the last flagged split. Empty
// newline-delimited messages are skipped.
//
// Pure code, fuzzed (fuzz/syslog_framing_fuzz.cc); one decoder per
// connection, one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kelola {

struct SyslogFrame {
  std::string text;
  bool split = false;  // a piece of an over-long message; more follow
};

class SyslogStreamDecoder {
 public:
  explicit SyslogStreamDecoder(size_t max_message_bytes);

  void Feed(std::string_view bytes, std::vector<SyslogFrame>& out);
  // The connection closed: a message without its end (no LF, or fewer bytes
  // than its count) is delivered as it is, and a short count is a framing error.
  void Finish(std::vector<SyslogFrame>& out);

  uint64_t framing_errors() const { return framing_errors_; }
  size_t pending_bytes() const { return pending_.size(); }

 private:
  enum class State { kStart, kCount, kBody, kLine };
  void Emit(bool split, std::vector<SyslogFrame>& out);

  size_t max_;
  State state_ = State::kStart;
  std::string pending_;
  uint64_t remaining_ = 0;  // kBody: message bytes still to come
  std::string digits_;      // kCount
  uint64_t framing_errors_ = 0;
};

}  // namespace kelola
