#include "ssh/ssh_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "ssh/ssh_session_internal.h"

namespace kelola {

void InitLibssh() {
  static std::once_flag once;
  std::call_once(once, [] { ssh_init(); });
}

Status ValidateSshOptions(const SshOptions& o) {
  if (o.host.empty()) return InvalidArgumentError("ssh: host is empty");
  if (o.port < 1 || o.port > 65535) {
    return InvalidArgumentError("ssh " + o.host + ": port " + std::to_string(o.port) + " is out of range 1-65535");
  }
  if (o.user.empty()) return InvalidArgumentError("ssh " + o.host + ": user is empty");
  const SshCredentials& c = o.credentials;
  if (c.private_key_path.empty() && c.private_key_data.empty() && !c.use_agent && !c.password.has_value()) {
    return InvalidArgumentError("ssh " + o.user + "@" + o.host +
                                ": no credentials configured (a private key file, the agent or a password)");
  }
  if (o.known_hosts_path.empty() && o.pinned_host_key.empty()) {
    return InvalidArgumentError("ssh " + o.host +
                                ": set known_hosts_path or pinned_host_key: host keys are always verified");
  }
  if (o.connect_timeout <= Duration::zero())
    return InvalidArgumentError("ssh " + o.host + ": connect_timeout must be > 0");
  return OkStatus();
}

namespace {

void EnableTcpKeepalive(int fd, Duration interval) {
  if (fd < 0 || interval <= Duration::zero()) return;
  int on = 1;
  int seconds = std::max<int>(1, static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(interval).count()));
  int probes = 3;
  // Best effort: a socketpair (jump host transport) has no TCP options.
  if (::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0) return;
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &seconds, sizeof seconds);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &seconds, sizeof seconds);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
}

Status SetOption(ssh_session s, ssh_options_e option, const void* value, const char* name) {
  if (ssh_options_set(s, option, value) != SSH_OK) {
    return LibsshError(s, StatusCode::kInvalidArgument, std::string("ssh option ") + name);
  }
  return OkStatus();
}

}  // namespace

Status ApplySessionOptions(ssh_session s, const SshOptions& o) {
  KELOLA_RETURN_IF_ERROR(SetOption(s, SSH_OPTIONS_HOST, o.host.c_str(), "host"));
  unsigned int port = static_cast<unsigned int>(o.port);
  KELOLA_RETURN_IF_ERROR(SetOption(s, SSH_OPTIONS_PORT, &port, "port"));
  KELOLA_RETURN_IF_ERROR(SetOption(s, SSH_OPTIONS_USER, o.user.c_str(), "user"));
  // Never read ~/.ssh/config: behaviour must not depend on whose machine this is.
  bool process_config = false;
  KELOLA_RETURN_IF_ERROR(SetOption(s, SSH_OPTIONS_PROCESS_CONFIG, &process_config, "process_config"));
  // Without these libssh falls back to ~/.ssh/known_hosts and /etc/ssh.
  const std::string known = o.known_hosts_path.empty() ? "/dev/null" : o.known_hosts_path;
  KELOLA_RETURN_IF_ERROR(SetOption(s, SSH_OPTIONS_KNOWNHOSTS, known.c_str(), "known_hosts"));
  KELOLA_RETURN_IF_ERROR(SetOption(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null", "global_known_hosts"));
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(o.connect_timeout).count();
  long seconds = static_cast<long>(micros / 1000000);
  long usec = static_cast<long>(micros % 1000000);
  KELOLA_RETURN_IF_ERROR(SetOption(s, SSH_OPTIONS_TIMEOUT, &seconds, "timeout"));
  KELOLA_RETURN_IF_ERROR(SetOption(s, SSH_OPTIONS_TIMEOUT_USEC, &usec, "timeout_usec"));
  int nodelay = 1;
  KELOLA_RETURN_IF_ERROR(SetOption(s, SSH_OPTIONS_NODELAY, &nodelay, "nodelay"));
  if (!o.credentials.agent_socket.empty()) {
    KELOLA_RETURN_IF_ERROR(
        SetOption(s, SSH_OPTIONS_IDENTITY_AGENT, o.credentials.agent_socket.c_str(), "identity_agent"));
  }
  return OkStatus();
}

namespace {

// Offers the configured credentials in order; the first accepted wins.
Status Authenticate(ssh_session s, const SshOptions& o, const std::string& target) {
  const SshCredentials& c = o.credentials;
  std::vector<std::string> tried;
  if (!c.private_key_path.empty() || !c.private_key_data.empty()) {
    KELOLA_ASSIGN_OR_RETURN(UniqueSshKey key, LoadPrivateKey(c, target));
    const std::string source = KeySource(c);
    int rc = ssh_userauth_publickey(s, nullptr, key.get());
    if (rc == SSH_AUTH_SUCCESS) return OkStatus();
    if (rc == SSH_AUTH_ERROR) return LibsshError(s, StatusCode::kUnavailable, "ssh " + target + ": authentication");
    tried.push_back(source + " (" + DescribeKey(key.get()) + ")");
  }
  if (c.use_agent) {
    int rc = ssh_userauth_agent(s, nullptr);
    if (rc == SSH_AUTH_SUCCESS) return OkStatus();
    // libssh reports "no agent" and "no key accepted" alike as a denial.
    tried.push_back(c.agent_socket.empty() ? "ssh-agent ($SSH_AUTH_SOCK)" : "ssh-agent at " + c.agent_socket);
  }
  if (c.password.has_value()) {
    int rc = ssh_userauth_password(s, nullptr, c.password->c_str());
    if (rc == SSH_AUTH_SUCCESS) return OkStatus();
    if (rc == SSH_AUTH_ERROR) return LibsshError(s, StatusCode::kUnavailable, "ssh " + target + ": authentication");
    tried.push_back("password");
  }
  std::string list;
  for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
  return UnauthenticatedError("ssh " + target + ": authentication refused for user " + o.user + "; tried " + list);
}

}  // namespace

Status LibsshError(ssh_session session, StatusCode code, const std::string& what) {
  const char* text = session != nullptr ? ssh_get_error(session) : nullptr;
  return Status(code, what + ": " + (text != nullptr && *text != '\0' ? text : "unknown libssh error"));
}

std::string KeySource(const SshCredentials& c) {
  return c.private_key_data.empty() ? "key " + c.private_key_path : "the configured key";
}

Result<UniqueSshKey> LoadPrivateKey(const SshCredentials& c, const std::string& target) {
  ssh_key raw = nullptr;
  const char* passphrase = c.private_key_passphrase.empty() ? nullptr : c.private_key_passphrase.c_str();
  int imported = SSH_ERROR;
  if (c.private_key_data.empty()) {
    if (std::FILE* probe = std::fopen(c.private_key_path.c_str(), "r")) {
      std::fclose(probe);
    } else {
      return InvalidArgumentError("ssh " + target + ": cannot read private key file " + c.private_key_path);
    }
    imported = ssh_pki_import_privkey_file(c.private_key_path.c_str(), passphrase, nullptr, nullptr, &raw);
  } else {
    imported = ssh_pki_import_privkey_base64(c.private_key_data.c_str(), passphrase, nullptr, nullptr, &raw);
  }
  if (imported != SSH_OK) {
    return UnauthenticatedError(
        "ssh " + target + ": cannot load " + KeySource(c) +
        (passphrase == nullptr ? " (encrypted keys need a passphrase)" : " (wrong passphrase, or not a key)"));
  }
  return UniqueSshKey(raw);
}

SshSession::Impl::~Impl() {
  if (sftp != nullptr) sftp_free(sftp);
  if (session != nullptr) {
    if (ssh_is_connected(session)) ssh_disconnect(session);
    ssh_free(session);  // closes the transport, also a jump bridge's socket end
  }
  bridge.reset();  // after the target session: it still talked through it
}

SshSession::SshSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SshSession::~SshSession() = default;

const std::string& SshSession::target() const { return impl_->target; }
const std::string& SshSession::host_key_fingerprint() const { return impl_->fingerprint; }
bool SshSession::connected() const { return impl_->session != nullptr && ssh_is_connected(impl_->session) != 0; }

Result<std::unique_ptr<SshSession>> SshSession::Connect(const SshOptions& options) {
  KELOLA_RETURN_IF_ERROR(ValidateSshOptions(options));
  InitLibssh();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock != nullptr ? options.clock : &SystemClock();
  impl->target = options.user + "@" + options.host + ":" + std::to_string(options.port);
  const std::string& target = impl->target;

  int transport_fd = -1;
  if (options.jump_host != nullptr) {
    auto jump = Connect(*options.jump_host);
    if (!jump.ok()) return jump.status().WithContext("ssh " + target + " via jump host");
    auto bridge = JumpBridge::Start(std::move(*jump), options.host, options.port);
    if (!bridge.ok()) return bridge.status();
    impl->bridge = std::move(*bridge);
    transport_fd = impl->bridge->target_fd();
  }

  impl->session = ssh_new();
  if (impl->session == nullptr) return InternalError("ssh " + target + ": cannot allocate a session");
  Status applied = ApplySessionOptions(impl->session, options);
  if (applied.ok() && transport_fd >= 0) {
    socket_t socket_fd = transport_fd;
    // From here the session owns the socket and closes it in ssh_free.
    applied = SetOption(impl->session, SSH_OPTIONS_FD, &socket_fd, "fd");
  }
  if (!applied.ok()) {
    if (transport_fd >= 0) ::close(transport_fd);
    return applied;
  }
  if (ssh_connect(impl->session) != SSH_OK) {
    return LibsshError(impl->session, StatusCode::kUnavailable, "ssh " + target + ": cannot connect");
  }
  if (transport_fd < 0) EnableTcpKeepalive(ssh_get_fd(impl->session), options.keepalive_interval);
  Status verified = VerifyHostKey(impl->session, options, &impl->fingerprint);
  if (!verified.ok()) return verified.WithContext("ssh " + target);
  KELOLA_RETURN_IF_ERROR(Authenticate(impl->session, options, target));
  return std::unique_ptr<SshSession>(new SshSession(std::move(impl)));
}

Result<sftp_session> SftpFor(SshSession::Impl& impl) {
  if (impl.sftp != nullptr) return impl.sftp;
  sftp_session sftp = sftp_new(impl.session);
  if (sftp == nullptr) return LibsshError(impl.session, StatusCode::kUnavailable, "sftp " + impl.target + ": open");
  if (sftp_init(sftp) != SSH_OK) {
    int code = sftp_get_error(sftp);
    sftp_free(sftp);
    return InternalError("sftp " + impl.target + ": the server refused the SFTP subsystem (sftp error " +
                         std::to_string(code) + ")");
  }
  impl.sftp = sftp;
  return sftp;
}

SshErrorKind ExecResult::error_kind() const {
  if (timed_out) return SshErrorKind::kTimeout;
  if (exit_code != 0) return SshErrorKind::kNonZeroExit;
  return SshErrorKind::kNone;
}

std::string ExecResult::Describe() const {
  if (timed_out) {
    char text[64];
    std::snprintf(text, sizeof text, "timed out after %.1fs", std::chrono::duration<double>(duration).count());
    return text;
  }
  if (!exit_signal.empty()) return "killed by signal " + exit_signal;
  return "exit " + std::to_string(exit_code);
}

}  // namespace kelola
