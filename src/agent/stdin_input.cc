#include "agent/stdin_input.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kelola {

StdinInput::StdinInput(int fd, size_t max_line_bytes, Clock& clock)
    : fd_(fd), clock_(clock), lines_(max_line_bytes, 0), stream_id_(RunStreamId("stdin")), buffer_(64 * 1024) {}

Status StdinInput::Poll(size_t budget, std::vector<LogRecord>& out) {
  if (finished_ || budget == 0) return OkStatus();
  size_t first = out.size();
  while (budget > 0) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) break;
    ssize_t n = ::read(fd_, buffer_.data(), std::min(buffer_.size(), budget));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) break;
    if (n <= 0) {
      lines_.FlushPartial(out);
      finished_ = true;
      if (n < 0) return InternalError(std::string("stdin: ") + std::strerror(errno));
      break;
    }
    lines_.Feed(std::string_view(buffer_.data(), static_cast<size_t>(n)), out);
    budget -= std::min(budget, static_cast<size_t>(n));
  }
  int64_t now = UnixMillis(clock_.Now());
  for (size_t i = first; i < out.size(); ++i) {
    out[i].stream_id = stream_id_;
    out[i].path = "stdin";
    out[i].time_ms = now;
  }
  return OkStatus();
}

}  // namespace kelola
