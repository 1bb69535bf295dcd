#include "agent/syslog_input.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "logs/syslog_framing.h"

namespace kelola {

Status SplitListenAddress(const std::string& text, const std::string& what, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgumentError(what + ": expected host:port, got \"" + text + "\"");
  }
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string p = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || value > 65535) {
    return InvalidArgumentError(what + ": port must be 0-65535, got \"" + p + "\"");
  }
  port = static_cast<uint16_t>(value);
  return OkStatus();
}

namespace {

constexpr size_t kReadBytes = 64 * 1024;
constexpr int kMaxDatagramsPerPoll = 1024;

struct Listener {
  int fd = -1;
  bool udp = false;
  std::string source;  // "syslog+udp://127.0.0.1:5514"
  std::string stream_id;
  uint64_t next_offset = 0;
  uint16_t port = 0;
  uint64_t kernel_drops = 0;  // last SO_RXQ_OVFL value
};

struct Connection {
  int fd = -1;
  size_t listener = 0;
  std::unique_ptr<SyslogStreamDecoder> decoder;
  uint64_t errors_seen = 0;
};

Result<int> Bind(const std::string& address, bool udp, uint16_t& bound_port) {
  const char* what = udp ? "syslog.udp_listen" : "syslog.tcp_listen";
  std::string host;
  uint16_t port = 0;
  KELOLA_RETURN_IF_ERROR(SplitListenAddress(address, what, host, port));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    return InvalidArgumentError(std::string(what) + ": cannot resolve \"" + host + "\": " + ::gai_strerror(rc));
  }
  int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ::freeaddrinfo(res);
    return UnavailableError(std::string(what) + " " + address + ": socket: " + std::strerror(errno));
  }
  int one = 1;
  if (udp) {
    ::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
  } else {
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  }
  if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || (!udp && ::listen(fd, 128) != 0)) {
    int err = errno;
    ::freeaddrinfo(res);
    ::close(fd);
    return UnavailableError(std::string(what) + " " + address + ": " + std::strerror(err));
  }
  ::freeaddrinfo(res);
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  bound_port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return fd;
}

}  // namespace

struct SyslogInput::Impl {
  Impl(const SyslogInputOptions& o, Clock& c) : options(o), clock(c) {}
  ~Impl() {
    for (auto& l : listeners) ::close(l.fd);
    for (auto& c : connections) ::close(c.fd);
  }

  void Add(Listener& l, std::string text, bool split, std::vector<LogRecord>& out) {
    LogRecord r;
    r.stream_id = l.stream_id;
    r.path = l.source;
    r.offset = l.next_offset;
    r.end_offset = r.offset + text.size() + (split ? 0 : 1);
    l.next_offset = r.end_offset;
    r.time_ms = UnixMillis(clock.Now());
    r.split = split;
    r.text = std::move(text);
    out.push_back(std::move(r));
  }

  void Accept(size_t index, SyslogInputCounters& counters) {
    for (;;) {
      int fd = ::accept4(listeners[index].fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or a connection that went away meanwhile
      if (connections.size() >= options.max_connections) {
        ::close(fd);
        ++counters.connections_refused;
        continue;
      }
      connections.push_back({fd, index, std::make_unique<SyslogStreamDecoder>(options.max_message_bytes), 0});
    }
  }

  void ReadDatagrams(size_t index, size_t& budget, std::vector<LogRecord>& out, SyslogInputCounters& counters) {
    Listener& l = listeners[index];
    buffer.resize(kReadBytes);
    for (int i = 0; i < kMaxDatagramsPerPoll && budget > 0; ++i) {
      iovec iov{buffer.data(), buffer.size()};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint32_t))];
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      ssize_t n = ::recvmsg(l.fd, &msg, 0);
      if (n < 0) return;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t drops = 0;
          std::memcpy(&drops, CMSG_DATA(c), sizeof(drops));
          if (drops > l.kernel_drops) counters.udp_dropped += drops - l.kernel_drops;
          l.kernel_drops = drops;
        }
      }
      std::string_view text(buffer.data(), static_cast<size_t>(n));
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '\0')) {
        text.remove_suffix(1);
      }
      if (text.empty()) continue;
      ++counters.messages;
      budget -= std::min(budget, text.size());
      while (text.size() > options.max_message_bytes) {
        Add(l, std::string(text.substr(0, options.max_message_bytes)), true, out);
        text.remove_prefix(options.max_message_bytes);
      }
      Add(l, std::string(text), false, out);
    }
  }

  // False when the connection is done (closed by the peer or failed).
  bool ReadConnection(Connection& c, size_t& budget, std::vector<LogRecord>& out, SyslogInputCounters& counters) {
    buffer.resize(kReadBytes);
    ssize_t n = ::read(c.fd, buffer.data(), std::min(buffer.size(), std::max<size_t>(budget, 1)));
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
    frames.clear();
    if (n > 0) {
      c.decoder->Feed(std::string_view(buffer.data(), static_cast<size_t>(n)), frames);
    } else {
      c.decoder->Finish(frames);
    }
    for (auto& f : frames) {
      budget -= std::min(budget, f.text.size());
      if (!f.split) ++counters.messages;
      Add(listeners[c.listener], std::move(f.text), f.split, out);
    }
    counters.framing_errors += c.decoder->framing_errors() - c.errors_seen;
    c.errors_seen = c.decoder->framing_errors();
    return n > 0;
  }

  SyslogInputOptions options;
  Clock& clock;
  std::vector<Listener> listeners;
  std::vector<Connection> connections;
  std::vector<char> buffer;
  std::vector<SyslogFrame> frames;
  std::vector<pollfd> pfds;
};

Result<std::unique_ptr<SyslogInput>> SyslogInput::Create(const SyslogInputOptions& options, Clock& clock,
                                                         MetricsRegistry* metrics) {
  auto impl = std::make_unique<Impl>(options, clock);
  for (bool udp : {true, false}) {
    for (const auto& address : udp ? options.udp_listen : options.tcp_listen) {
      Listener l;
      l.udp = udp;
      KELOLA_ASSIGN_OR_RETURN(l.fd, Bind(address, udp, l.port));
      std::string host = address.substr(0, address.rfind(':'));
      l.source = std::string(udp ? "syslog+udp://" : "syslog+tcp://") + host + ":" + std::to_string(l.port);
      l.stream_id = RunStreamId(l.source);
      impl->listeners.push_back(std::move(l));
    }
  }
  std::unique_ptr<SyslogInput> input(new SyslogInput(std::move(impl)));
  if (metrics != nullptr) {
    auto add = [&](const char* name, const char* help) {
      input->exported_.emplace_back(&metrics->AddCounter(name, help).Get(), 0);
    };
    add("kelola_agent_syslog_messages_total", "Syslog messages received.");
    add("kelola_agent_syslog_udp_dropped_total",
        "Syslog datagrams the kernel dropped because the receive buffer was full (SO_RXQ_OVFL).");
    add("kelola_agent_syslog_framing_errors_total", "Syslog TCP frames with a bad octet count or cut short.");
    add("kelola_agent_syslog_connections_refused_total", "Syslog TCP connections closed over max_connections.");
  }
  return input;
}

void SyslogInput::Export() {
  if (exported_.empty()) return;
  const uint64_t now[4] = {counters_.messages, counters_.udp_dropped, counters_.framing_errors,
                           counters_.connections_refused};
  for (size_t i = 0; i < 4; ++i) {
    if (now[i] > exported_[i].second) exported_[i].first->Inc(static_cast<double>(now[i] - exported_[i].second));
    exported_[i].second = now[i];
  }
}

SyslogInput::SyslogInput(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SyslogInput::~SyslogInput() = default;

Status SyslogInput::Poll(size_t budget, std::vector<LogRecord>& out) {
  Impl& m = *impl_;
  auto& pfds = m.pfds;
  pfds.clear();
  for (const auto& l : m.listeners) pfds.push_back({l.fd, POLLIN, 0});
  for (const auto& c : m.connections) pfds.push_back({c.fd, POLLIN, 0});
  Export();
  if (pfds.empty() || ::poll(pfds.data(), pfds.size(), 0) <= 0) return OkStatus();
  const size_t nl = m.listeners.size();
  for (size_t i = 0; i < nl; ++i) {
    if ((pfds[i].revents & POLLIN) == 0) continue;
    if (m.listeners[i].udp) {
      if (budget > 0) m.ReadDatagrams(i, budget, out, counters_);
    } else {
      m.Accept(i, counters_);
    }
  }
  // Connections accepted just now are polled next time.
  std::vector<size_t> closed;
  for (size_t i = 0; i + nl < pfds.size() && budget > 0; ++i) {
    if ((pfds[i + nl].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    if (!m.ReadConnection(m.connections[i], budget, out, counters_)) closed.push_back(i);
  }
  for (auto it = closed.rbegin(); it != closed.rend(); ++it) {
    ::close(m.connections[*it].fd);
    m.connections.erase(m.connections.begin() + static_cast<std::ptrdiff_t>(*it));
  }
  return OkStatus();
}

std::vector<uint16_t> SyslogInput::udp_ports() const {
  std::vector<uint16_t> ports;
  for (const auto& l : impl_->listeners) {
    if (l.udp) ports.push_back(l.port);
  }
  return ports;
}

std::vector<uint16_t> SyslogInput::tcp_ports() const {
  std::vector<uint16_t> ports;
  for (const auto& l : impl_->listeners) {
    if (!l.udp) ports.push_back(l.port);
  }
  return ports;
}

size_t SyslogInput::open_connections() const { return impl_->connections.size(); }

}  // namespace kelola
