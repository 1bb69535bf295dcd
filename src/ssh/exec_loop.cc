#include "ssh/exec_loop.h"

#include <libssh/callbacks.h>
#include <poll.h>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "ssh/ssh_session_internal.h"

namespace kelola {
namespace {

constexpr int kMaxPollMillis = 100;
constexpr int kMaxLoops = 4;

enum class Phase { kConnect, kAuthKey, kAuthPassword, kOpen, kExec, kRun, kDone };

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kConnect: return "connecting";
    case Phase::kAuthKey:
    case Phase::kAuthPassword: return "authenticating";
    case Phase::kOpen:
    case Phase::kExec: return "starting the command";
    default: return "running";
  }
}

// One host's session and where it stands.
struct Conn {
  size_t index = 0;
  const ExecLoopTarget* target = nullptr;
  ssh_session session = nullptr;
  ssh_channel channel = nullptr;
  ssh_key key = nullptr;  // owned by the loop's key cache
  Phase phase = Phase::kConnect;
  MonoTime started{};
  MonoTime deadline{};
  bool has_deadline = true;
  bool eof[2] = {false, false};
  int exit_status = -1;
  bool have_status = false;
  std::string signal;
  ssh_channel_callbacks_struct callbacks{};
  std::vector<std::string> tried;
  ExecLoopOutcome outcome;

  ~Conn() {
    if (session != nullptr) {
      if (ssh_is_connected(session)) ssh_disconnect(session);
      ssh_free(session);  // frees the channel too
    }
  }
};

void OnExitStatus(ssh_session, ssh_channel, int status, void* userdata) {
  auto* conn = static_cast<Conn*>(userdata);
  conn->exit_status = status;
  conn->have_status = true;
}

void OnExitSignal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*, void* userdata) {
  static_cast<Conn*>(userdata)->signal = signal != nullptr ? signal : "?";
}

class Loop {
 public:
  Loop(const std::vector<ExecLoopTarget>& targets, const ExecLoopOptions& options, Clock& clock, size_t limit,
       std::vector<ExecLoopOutcome>& outcomes, std::mutex& done_mu)
      : targets_(targets), options_(options), clock_(clock), limit_(limit), outcomes_(outcomes), done_mu_(done_mu) {}

  ~Loop() {
    for (auto& [name, key] : keys_) ssh_key_free(key);
  }

  void Add(size_t index) { pending_.push_back(index); }

  void Run() {
    std::vector<std::unique_ptr<Conn>> active;
    std::vector<pollfd> fds;
    while (!pending_.empty() || !active.empty()) {
      while (active.size() < limit_ && !pending_.empty()) {
        auto conn = Start(pending_.front());
        pending_.pop_front();
        if (conn->phase != Phase::kDone) Advance(*conn);
        active.push_back(std::move(conn));
      }
      for (auto& conn : active) {
        if (conn->phase == Phase::kDone) Finish(*conn);
      }
      std::erase_if(active, [](const auto& conn) { return conn->phase == Phase::kDone; });
      if (active.empty()) continue;

      MonoTime now = clock_.Monotonic();
      int wait = kMaxPollMillis;
      fds.assign(active.size(), pollfd{});
      for (size_t i = 0; i < active.size(); ++i) {
        Conn& conn = *active[i];
        fds[i].fd = ssh_get_fd(conn.session);
        const int flags = ssh_get_poll_flags(conn.session);
        fds[i].events = POLLIN;
        if (conn.phase == Phase::kConnect || (flags & SSH_WRITE_PENDING)) fds[i].events |= POLLOUT;
        if (flags & SSH_READ_PENDING) wait = 0;
        if (conn.has_deadline) {
          auto left = std::chrono::duration_cast<std::chrono::milliseconds>(conn.deadline - now).count();
          wait = static_cast<int>(std::clamp<int64_t>(left, 0, wait));
        }
      }
      ::poll(fds.data(), fds.size(), wait);
      now = clock_.Monotonic();
      for (size_t i = 0; i < active.size(); ++i) {
        Conn& conn = *active[i];
        const bool ready =
            fds[i].revents != 0 || fds[i].fd < 0 || (ssh_get_poll_flags(conn.session) & SSH_READ_PENDING) != 0;
        if (ready) Advance(conn);
        if (conn.phase != Phase::kDone && conn.has_deadline && now >= conn.deadline) Expire(conn);
      }
    }
  }

 private:
  std::unique_ptr<Conn> Start(size_t index) {
    auto conn = std::make_unique<Conn>();
    conn->index = index;
    conn->target = &targets_[index];
    const SshOptions& o = conn->target->options;
    conn->outcome.target = o.user + "@" + o.host + ":" + std::to_string(o.port);
    conn->started = clock_.Monotonic();
    if (!ExecLoopCanRun(o)) {
      return Fail(std::move(conn), InvalidArgumentError("ssh " + conn->outcome.target +
                                                        ": jump hosts and ssh-agent need SshSession, not ExecLoop"));
    }
    Status valid = ValidateSshOptions(o);
    if (!valid.ok()) return Fail(std::move(conn), valid);
    conn->session = ssh_new();
    if (conn->session == nullptr) return Fail(std::move(conn), InternalError("ssh: cannot allocate a session"));
    Status applied = ApplySessionOptions(conn->session, o);
    if (!applied.ok()) return Fail(std::move(conn), applied);
    ssh_set_blocking(conn->session, 0);
    SetPhase(*conn, Phase::kConnect);
    return conn;
  }

  std::unique_ptr<Conn> Fail(std::unique_ptr<Conn> conn, const Status& status) {
    conn->outcome.status = status;
    conn->phase = Phase::kDone;
    return conn;
  }

  void Fail(Conn& conn, const Status& status) {
    conn.outcome.status = status;
    conn.phase = Phase::kDone;
  }

  void SetPhase(Conn& conn, Phase phase) {
    conn.phase = phase;
    const MonoTime now = clock_.Monotonic();
    if (phase == Phase::kRun) {
      conn.has_deadline = options_.timeout > Duration::zero();
      conn.deadline = now + options_.timeout;
    } else {
      conn.has_deadline = true;
      conn.deadline = now + conn.target->options.connect_timeout;
    }
  }

  // Decrypting a key can take a while (bcrypt KDF): once per key per loop.
  Result<ssh_key> KeyFor(const SshCredentials& c, const std::string& target) {
    const std::string id = c.private_key_data.empty() ? "file:" + c.private_key_path : "data:" + c.private_key_data;
    auto found = keys_.find(id);
    if (found != keys_.end()) return found->second;
    KELOLA_ASSIGN_OR_RETURN(UniqueSshKey key, LoadPrivateKey(c, target));
    ssh_key raw = key.release();
    keys_[id] = raw;
    return raw;
  }

  void NextCredential(Conn& conn) {
    const SshCredentials& c = conn.target->options.credentials;
    if (conn.phase == Phase::kConnect && (!c.private_key_path.empty() || !c.private_key_data.empty())) {
      return SetPhase(conn, Phase::kAuthKey);
    }
    if (conn.phase != Phase::kAuthPassword && c.password.has_value()) return SetPhase(conn, Phase::kAuthPassword);
    std::string list;
    for (const auto& t : conn.tried) list += (list.empty() ? "" : ", ") + t;
    Fail(conn, UnauthenticatedError("ssh " + conn.outcome.target + ": authentication refused for user " +
                                    conn.target->options.user + "; tried " + list));
  }

  // After a userauth call that finished (not SSH_AUTH_AGAIN): on to opening
  // a channel, a failure, or the next credential (`tried` names this one).
  void AfterAuth(Conn& conn, int rc, const std::string& tried) {
    if (rc == SSH_AUTH_SUCCESS) return SetPhase(conn, Phase::kOpen);
    if (rc == SSH_AUTH_ERROR) {
      return Fail(
          conn, LibsshError(conn.session, StatusCode::kUnavailable, "ssh " + conn.outcome.target + ": authentication"));
    }
    conn.tried.push_back(tried);
    NextCredential(conn);
  }

  void Advance(Conn& conn) {
    const std::string& name = conn.outcome.target;
    while (true) {
      switch (conn.phase) {
        case Phase::kConnect: {
          int rc = ssh_connect(conn.session);
          if (rc == SSH_AGAIN) return;
          if (rc != SSH_OK)
            return Fail(conn, LibsshError(conn.session, StatusCode::kUnavailable, "ssh " + name + ": cannot connect"));
          std::string fingerprint;
          Status verified = VerifyHostKey(conn.session, conn.target->options, &fingerprint);
          if (!verified.ok()) return Fail(conn, verified.WithContext("ssh " + name));
          NextCredential(conn);
          break;
        }
        case Phase::kAuthKey: {
          const SshCredentials& c = conn.target->options.credentials;
          if (conn.key == nullptr) {
            auto key = KeyFor(c, name);
            if (!key.ok()) return Fail(conn, key.status());
            conn.key = *key;
          }
          int rc = ssh_userauth_publickey(conn.session, nullptr, conn.key);
          if (rc == SSH_AUTH_AGAIN) return;
          AfterAuth(conn, rc, KeySource(c) + " (" + DescribeKey(conn.key) + ")");
          break;
        }
        case Phase::kAuthPassword: {
          int rc = ssh_userauth_password(conn.session, nullptr, conn.target->options.credentials.password->c_str());
          if (rc == SSH_AUTH_AGAIN) return;
          AfterAuth(conn, rc, "password");
          break;
        }
        case Phase::kOpen: {
          if (conn.channel == nullptr) conn.channel = ssh_channel_new(conn.session);
          if (conn.channel == nullptr)
            return Fail(conn, LibsshError(conn.session, StatusCode::kUnavailable, "ssh " + name + ": new channel"));
          int rc = ssh_channel_open_session(conn.channel);
          if (rc == SSH_AGAIN) return;
          if (rc != SSH_OK)
            return Fail(conn, LibsshError(conn.session, StatusCode::kUnavailable, "ssh " + name + ": open a channel"));
          ssh_callbacks_init(&conn.callbacks);
          conn.callbacks.userdata = &conn;
          conn.callbacks.channel_exit_status_function = OnExitStatus;
          conn.callbacks.channel_exit_signal_function = OnExitSignal;
          ssh_add_channel_callbacks(conn.channel, &conn.callbacks);
          SetPhase(conn, Phase::kExec);
          break;
        }
        case Phase::kExec: {
          int rc = ssh_channel_request_exec(conn.channel, conn.target->command.c_str());
          if (rc == SSH_AGAIN) return;
          if (rc != SSH_OK)
            return Fail(conn,
                        LibsshError(conn.session, StatusCode::kUnavailable, "ssh " + name + ": start the command"));
          ssh_channel_send_eof(conn.channel);
          SetPhase(conn, Phase::kRun);
          conn.outcome.result.duration = Duration::zero();
          break;
        }
        case Phase::kRun: return Read(conn);
        case Phase::kDone: return;
      }
    }
  }

  void Read(Conn& conn) {
    char buffer[1 << 15];
    ExecResult& result = conn.outcome.result;
    std::string* captured[2] = {&result.out, &result.err};
    bool* truncated[2] = {&result.out_truncated, &result.err_truncated};
    for (int stream = 0; stream < 2; ++stream) {
      while (!conn.eof[stream]) {
        int n = ssh_channel_read_nonblocking(conn.channel, buffer, sizeof buffer, stream);
        if (n > 0) {
          size_t room = options_.max_captured_bytes > captured[stream]->size()
                            ? options_.max_captured_bytes - captured[stream]->size()
                            : 0;
          if (static_cast<size_t>(n) > room) *truncated[stream] = true;
          captured[stream]->append(buffer, std::min(room, static_cast<size_t>(n)));
          continue;
        }
        if (n == SSH_EOF) conn.eof[stream] = true;
        if (n == SSH_ERROR && !ssh_channel_is_closed(conn.channel)) {
          return Fail(conn, LibsshError(conn.session, StatusCode::kUnavailable,
                                        "ssh " + conn.outcome.target + ": connection lost during the command"));
        }
        break;
      }
    }
    bool ended = conn.eof[0] && conn.eof[1] && (conn.have_status || !conn.signal.empty());
    if (conn.eof[0] && conn.eof[1] && !ended && !ssh_channel_is_closed(conn.channel)) {
      // Reads stop pumping packets once both streams are at EOF, and the
      // exit status comes after: ask for it, which on a non-blocking
      // session processes what has arrived without waiting.
      if (ssh_channel_get_exit_status(conn.channel) == SSH_ERROR && !ssh_is_connected(conn.session)) {
        return Fail(conn, LibsshError(conn.session, StatusCode::kUnavailable,
                                      "ssh " + conn.outcome.target + ": connection lost during the command"));
      }
      ended = conn.have_status || !conn.signal.empty();
    }
    if (!ended && !ssh_channel_is_closed(conn.channel)) return;
    result.exit_code = conn.have_status && conn.signal.empty() ? conn.exit_status : -1;
    result.exit_signal = conn.signal;
    conn.phase = Phase::kDone;
  }

  void Expire(Conn& conn) {
    const auto seconds = std::chrono::duration<double>(conn.target->options.connect_timeout).count();
    if (conn.phase == Phase::kRun) {
      ssh_channel_request_send_signal(conn.channel, "TERM");
      conn.outcome.result.timed_out = true;
      conn.phase = Phase::kDone;
      return;
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.1fs", seconds);
    Fail(conn, UnavailableError("ssh " + conn.outcome.target + ": no answer within " + text + " while " +
                                PhaseName(conn.phase)));
  }

  void Finish(Conn& conn) {
    conn.outcome.result.duration = clock_.Monotonic() - conn.started;
    std::lock_guard<std::mutex> lock(done_mu_);
    outcomes_[conn.index] = conn.outcome;
    if (options_.on_done) options_.on_done(conn.index, outcomes_[conn.index]);
  }

  const std::vector<ExecLoopTarget>& targets_;
  const ExecLoopOptions& options_;
  Clock& clock_;
  const size_t limit_;
  std::vector<ExecLoopOutcome>& outcomes_;
  std::mutex& done_mu_;
  std::deque<size_t> pending_;
  std::map<std::string, ssh_key> keys_;
};

}  // namespace

bool ExecLoopCanRun(const SshOptions& options) {
  return options.jump_host == nullptr && !options.credentials.use_agent;
}

std::vector<ExecLoopOutcome> RunExecLoop(const std::vector<ExecLoopTarget>& targets, const ExecLoopOptions& options) {
  InitLibssh();
  std::vector<ExecLoopOutcome> outcomes(targets.size());
  if (targets.empty()) return outcomes;
  Clock& clock = options.clock != nullptr ? *options.clock : SystemClock();
  int threads = options.threads > 0 ? options.threads
                                    : std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, kMaxLoops);
  threads = std::clamp<int>(threads, 1, static_cast<int>(targets.size()));
  const size_t in_flight = static_cast<size_t>(std::max(1, options.max_in_flight));
  const size_t per_loop = std::max<size_t>(1, (in_flight + threads - 1) / threads);
  std::mutex done_mu;
  std::vector<std::unique_ptr<Loop>> loops;
  for (int i = 0; i < threads; ++i) {
    loops.push_back(std::make_unique<Loop>(targets, options, clock, per_loop, outcomes, done_mu));
  }
  for (size_t i = 0; i < targets.size(); ++i) loops[i % loops.size()]->Add(i);
  std::vector<std::thread> workers;
  for (auto& loop : loops) workers.emplace_back([&loop] { loop->Run(); });
  for (auto& worker : workers) worker.join();
  return outcomes;
}

}  // namespace kelola
