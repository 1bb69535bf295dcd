// SshSession::Exec: one channel per command on the shared connection,
// output streamed as it arrives, exit status or signal collected from the
// channel requests, and a per-command deadline.
#include <libssh/callbacks.h>
#include <libssh/server.h>  // ssh_send_keepalive (client-usable despite the header)

#include <algorithm>

#include "ssh/shell_quote.h"
#include "ssh/ssh_session_internal.h"

namespace kelola {
namespace {

constexpr auto kMaxPollSlice = std::chrono::milliseconds(500);
constexpr int kMaxConsecutivePollErrors = 50;

struct ChannelEnd {
  int exit_status = -1;
  bool have_status = false;
  std::string signal;
};

void OnExitStatus(ssh_session, ssh_channel, int status, void* userdata) {
  auto* end = static_cast<ChannelEnd*>(userdata);
  end->exit_status = status;
  end->have_status = true;
}

void OnExitSignal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*, void* userdata) {
  auto* end = static_cast<ChannelEnd*>(userdata);
  end->signal = signal != nullptr ? signal : "?";
}

struct ChannelCloser {
  void operator()(ssh_channel channel) const {
    if (ssh_channel_is_open(channel)) ssh_channel_close(channel);
    ssh_channel_free(channel);
  }
};

struct EventGuard {
  ssh_event event;
  ssh_session session;
  ~EventGuard() {
    ssh_event_remove_session(event, session);
    ssh_event_free(event);
  }
};

void Capture(std::string_view chunk, const std::function<void(std::string_view)>& stream, size_t max,
             std::string* captured, bool* truncated) {
  if (stream) stream(chunk);
  size_t room = captured->size() < max ? max - captured->size() : 0;
  if (chunk.size() > room) *truncated = true;
  captured->append(chunk.substr(0, std::min(room, chunk.size())));
}

int Millis(Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, kMaxPollSlice.count()));
}

Result<ExecResult> RunOnChannel(SshSession::Impl& impl, const std::string& command, const ExecOptions& options) {
  ssh_session s = impl.session;
  const std::string& target = impl.target;
  if (!ssh_is_connected(s)) return UnavailableError("ssh " + target + ": the connection is closed");
  Clock& clock = *impl.clock;
  const MonoTime start = clock.Monotonic();
  const bool has_deadline = options.timeout > Duration::zero();
  const MonoTime deadline = start + options.timeout;

  std::unique_ptr<ssh_channel_struct, ChannelCloser> channel(ssh_channel_new(s));
  if (channel == nullptr) return LibsshError(s, StatusCode::kUnavailable, "ssh " + target + ": new channel");
  if (ssh_channel_open_session(channel.get()) != SSH_OK) {
    return LibsshError(s, StatusCode::kUnavailable, "ssh " + target + ": open a channel");
  }
  ChannelEnd end;
  ssh_channel_callbacks_struct callbacks{};
  ssh_callbacks_init(&callbacks);
  callbacks.userdata = &end;
  callbacks.channel_exit_status_function = OnExitStatus;
  callbacks.channel_exit_signal_function = OnExitSignal;
  ssh_add_channel_callbacks(channel.get(), &callbacks);
  // libssh keeps a closed channel until the peer confirms, and may still
  // deliver its exit-status then: the callbacks (on this stack) must be
  // gone before `callbacks` and `end` are.
  struct CallbacksRemover {
    ssh_channel channel;
    ssh_channel_callbacks callbacks;
    ~CallbacksRemover() { ssh_remove_channel_callbacks(channel, callbacks); }
  } remover{channel.get(), &callbacks};

  if (ssh_channel_request_exec(channel.get(), command.c_str()) != SSH_OK) {
    return LibsshError(s, StatusCode::kUnavailable, "ssh " + target + ": start the command");
  }
  size_t written = 0;
  while (written < options.stdin_data.size()) {
    uint32_t chunk = static_cast<uint32_t>(std::min<size_t>(options.stdin_data.size() - written, 1 << 16));
    int n = ssh_channel_write(channel.get(), options.stdin_data.data() + written, chunk);
    if (n < 0) return LibsshError(s, StatusCode::kUnavailable, "ssh " + target + ": write stdin");
    written += static_cast<size_t>(n);
  }
  ssh_channel_send_eof(channel.get());

  EventGuard event{ssh_event_new(), s};
  if (event.event == nullptr || ssh_event_add_session(event.event, s) != SSH_OK) {
    return InternalError("ssh " + target + ": cannot poll the session");
  }

  ExecResult result;
  bool eof[2] = {false, false};
  std::string* captured[2] = {&result.out, &result.err};
  bool* truncated[2] = {&result.out_truncated, &result.err_truncated};
  const std::function<void(std::string_view)>* streams[2] = {&options.on_stdout, &options.on_stderr};
  MonoTime last_keepalive = start;
  int poll_errors = 0;
  char buffer[1 << 15];
  // Reads what libssh has buffered; false when the connection broke.
  auto drain = [&]() {
    for (int stream = 0; stream < 2; ++stream) {
      while (!eof[stream]) {
        int n = ssh_channel_read_nonblocking(channel.get(), buffer, sizeof buffer, stream);
        if (n > 0) {
          Capture(std::string_view(buffer, static_cast<size_t>(n)), *streams[stream], options.max_captured_bytes,
                  captured[stream], truncated[stream]);
          continue;
        }
        if (n == SSH_EOF) eof[stream] = true;
        if (n == SSH_ERROR && !ssh_channel_is_closed(channel.get())) return false;
        break;
      }
    }
    return true;
  };
  auto lost = [&] {
    return LibsshError(s, StatusCode::kUnavailable, "ssh " + target + ": connection lost during the command");
  };
  while (true) {
    if (!drain()) return lost();
    const bool closed = ssh_channel_is_closed(channel.get()) != 0;
    if (closed) {
      // Data that came in with the close is still buffered.
      if (!drain()) return lost();
      break;
    }
    if (eof[0] && eof[1] && (end.have_status || !end.signal.empty())) break;

    const MonoTime now = clock.Monotonic();
    if (has_deadline && now >= deadline) {
      // The remote process outlives a closed channel unless told to stop.
      ssh_channel_request_send_signal(channel.get(), "TERM");
      result.timed_out = true;
      break;
    }
    Duration slice = kMaxPollSlice;
    if (has_deadline) slice = std::min<Duration>(slice, deadline - now);
    int rc = ssh_event_dopoll(event.event, std::max(1, Millis(slice)));
    if (rc == SSH_ERROR) {
      if (!ssh_is_connected(s) || ++poll_errors > kMaxConsecutivePollErrors) return lost();
    } else {
      poll_errors = 0;
    }
    const Duration keepalive = impl.options.keepalive_interval;
    if (keepalive > Duration::zero() && clock.Monotonic() - last_keepalive >= keepalive) {
      ssh_send_keepalive(s);
      last_keepalive = clock.Monotonic();
    }
  }
  if (!result.timed_out) {
    if (end.have_status) {
      result.exit_code = end.exit_status;
    } else if (end.signal.empty()) {
      // Closed without an exit-status request: ask libssh, which may have
      // seen one before our callback was registered.
      result.exit_code = ssh_channel_get_exit_status(channel.get());
    }
    result.exit_signal = end.signal;
    if (!end.signal.empty()) result.exit_code = -1;
  }
  result.duration = clock.Monotonic() - start;
  return result;
}

}  // namespace

Result<ExecResult> SshSession::Exec(const std::string& command, const ExecOptions& options) {
  KELOLA_ASSIGN_OR_RETURN(std::string remote, RemoteShellCommand(command, options.sudo, impl_->options.sudo_argv));
  return RunOnChannel(*impl_, remote, options);
}

Result<ExecResult> SshSession::ExecArgv(const std::vector<std::string>& argv, const ExecOptions& options) {
  KELOLA_ASSIGN_OR_RETURN(std::string remote, RemoteArgvCommand(argv, options.sudo, impl_->options.sudo_argv));
  return RunOnChannel(*impl_, remote, options);
}

}  // namespace kelola
