// SyslogInput: syslog messages over UDP (RFC 5426: one message per
// datagram) and TCP (RFC 6587: octet counting or newline framing,
// logs/syslog_framing.h) on the configured addresses.
//
//   - Backpressure: with no budget (the agent's memory queue is full) TCP
//     connections are not read, so the kernel's buffers fill and the senders
//     block; nothing is lost. UDP has no backpressure: datagrams wait in the
//     socket's receive buffer and the kernel drops them once it is full. The
//     kernel's count of those drops (SO_RXQ_OVFL) is reported as
//     udp_dropped, so a loss is never silent.
//   - Records: text is the message as received; path is the listener
//     ("syslog+udp://127.0.0.1:5514"), one stream per listener and agent run.
//   - At most max_connections TCP connections; more are accepted and closed
//     at once (counted).
//
// Thread-safety: one thread polls; counters() may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/log_input.h"
#include "base/clock.h"
#include "base/metrics.h"

namespace kelola {

struct SyslogInputOptions {
  std::vector<std::string> udp_listen;  // "127.0.0.1:5514", "[::1]:5514"; port 0 = any free port
  std::vector<std::string> tcp_listen;
  size_t max_message_bytes = 64 * 1024;
  size_t max_connections = 256;
};

struct SyslogInputCounters {
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> udp_dropped{0};          // by the kernel, receive buffer full
  std::atomic<uint64_t> framing_errors{0};       // TCP: bad octet counts, truncated frames
  std::atomic<uint64_t> connections_refused{0};  // over max_connections
};

class SyslogInput : public LogInput {
 public:
  // InvalidArgument for an unparsable address, Unavailable when a socket
  // cannot be bound. With `metrics`, the counters are also exported as
  // kelola_agent_syslog_*_total (messages, udp_dropped, framing_errors,
  // connections_refused); the registry must outlive the input.
  static Result<std::unique_ptr<SyslogInput>> Create(const SyslogInputOptions& options, Clock& clock,
                                                     MetricsRegistry* metrics = nullptr);
  ~SyslogInput() override;

  std::string name() const override { return "syslog"; }
  Status Poll(size_t budget_bytes, std::vector<LogRecord>& out) override;

  // The bound ports, in the order of the options (resolves port 0).
  std::vector<uint16_t> udp_ports() const;
  std::vector<uint16_t> tcp_ports() const;
  size_t open_connections() const;
  const SyslogInputCounters& counters() const { return counters_; }

 private:
  struct Impl;
  explicit SyslogInput(std::unique_ptr<Impl> impl);
  void Export();
  std::unique_ptr<Impl> impl_;
  SyslogInputCounters counters_;
  // Exported counters (null without a registry) and what they were given.
  std::vector<std::pair<Counter*, uint64_t>> exported_;
};

// "host:port" / "[v6]:port" -> host and port. InvalidArgument naming `what`.
Status SplitListenAddress(const std::string& text, const std::string& what, std::string& host, uint16_t& port);

}  // namespace kelola
