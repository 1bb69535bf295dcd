#include "integrations/git/git_checkout.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "base/crypto.h"
#include "proc/process_runner.h"
#include "runner/secret_masker.h"

namespace kelola::git {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// `host` may carry a port ("127.0.0.1:8080", "[::1]:8080").
bool IsLoopbackHost(std::string_view host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1) == "[::1]";
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

// The authority part (userinfo@host:port) of scheme://authority/path.
std::string_view Authority(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  url.remove_prefix(scheme + 3);
  return url.substr(0, url.find('/'));
}

class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/kelola-git-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Status WritePrivateFile(const std::string& path, std::string content) {
  if (!content.empty() && content.back() != '\n') content += '\n';
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out || ::chmod(path.c_str(), 0600) != 0) return InternalError("cannot write " + path);
  return OkStatus();
}

std::string LastLines(const std::string& text, size_t n) {
  std::vector<std::string_view> lines;
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty()) lines.push_back(line);
  }
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
    if (!out.empty()) out += "; ";
    out += lines[i];
  }
  return out;
}

// Maps a failed git command to a Status by what git said.
Status GitFailure(const std::string& what, const ProcessResult& result, const std::string& stderr_text,
                  const std::string& commit, const std::string& url) {
  if (result.cancelled) return CancelledError(what + ": cancelled");
  if (result.timed_out) return DeadlineExceededError(what + ": timed out");
  auto has = [&](const char* s) { return stderr_text.find(s) != std::string::npos; };
  const std::string detail = what + " failed (" + result.Describe() + "): " + LastLines(stderr_text, 4);
  if (has("not our ref") || has("couldn't find remote ref") || has("no such remote ref") ||
      has("unadvertised object")) {
    return NotFoundError("commit " + commit + " is not in " + url + ": " + LastLines(stderr_text, 2));
  }
  if (has("Authentication failed") || has("could not read Username") || has("Permission denied") ||
      has("Host key verification failed") || has("returned error: 401") || has("returned error: 403") ||
      has("No ED25519 host key is known") || has("REMOTE HOST IDENTIFICATION HAS CHANGED")) {
    return PermissionDeniedError(detail);
  }
  if (has("does not appear to be a git repository") || has("Repository not found") || has("returned error: 404") ||
      has("not found")) {
    return NotFoundError(detail);
  }
  if (has("Could not resolve host") || has("Connection refused") || has("Connection timed out") ||
      has("Failed to connect") || has("Could not read from remote repository") || has("unable to access")) {
    return UnavailableError(detail);
  }
  return UnknownError(detail);
}

}  // namespace

std::string ShellQuoteWord(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

Result<GitTransport> ClassifyGitUrl(const std::string& url) {
  if (url.empty() || url.size() > 4096) return InvalidArgumentError("repository URL is empty or too long");
  if (url.front() == '-') return InvalidArgumentError("repository URL must not start with '-'");
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) {
      return InvalidArgumentError("repository URL holds whitespace or control characters");
    }
  }
  auto starts = [&](const char* p) { return url.rfind(p, 0) == 0; };
  if (starts("file:///")) return GitTransport::kFile;
  if (starts("https://") || starts("http://")) {
    const std::string_view authority = Authority(url);
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos) {
      return InvalidArgumentError("repository URL holds a password: give the token as a credential instead");
    }
    const std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
    if (host.empty()) return InvalidArgumentError("repository URL has no host");
    if (starts("http://")) {
      if (!IsLoopbackHost(host))
        return InvalidArgumentError("plain http:// is only allowed to this machine; use https");
      return GitTransport::kHttp;
    }
    return GitTransport::kHttps;
  }
  if (starts("ssh://")) {
    if (Authority(url).empty()) return InvalidArgumentError("repository URL has no host");
    return GitTransport::kSsh;
  }
  if (url.find("://") == std::string::npos) {
    // scp-like user@host:path (a ':' before any '/').
    const size_t colon = url.find(':');
    const size_t slash = url.find('/');
    if (colon != std::string::npos && colon > 0 && (slash == std::string::npos || colon < slash)) {
      return GitTransport::kSsh;
    }
  }
  return InvalidArgumentError("repository URL \"" + url.substr(0, 200) +
                              "\" is not file://, https://, ssh:// or user@host:path");
}

std::string HttpUrlPrefix(const std::string& url) {
  const size_t scheme = url.find("://");
  std::string_view authority = Authority(url);
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  return url.substr(0, scheme + 3) + std::string(authority) + "/";
}

Result<CheckoutResult> GitCheckout::Checkout(const CheckoutRequest& request, StepCancel& cancel) {
  std::vector<std::string> secrets = {request.https_token, request.ssh_private_key};
  std::string auth_header;
  if (!request.https_token.empty()) {
    auth_header = "Authorization: Basic " + Base64Encode(request.https_username + ":" + request.https_token);
    secrets.push_back(Base64Encode(request.https_username + ":" + request.https_token));
  }
  const SecretMasker masker(secrets);

  std::string commit = request.commit;
  for (char& c : commit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if ((commit.size() != 40 && commit.size() != 64) || !IsHex(commit)) {
    return InvalidArgumentError("commit \"" + request.commit.substr(0, 80) +
                                "\" is not a full object id (40 or 64 hex digits)");
  }
  KELOLA_ASSIGN_OR_RETURN(GitTransport transport, ClassifyGitUrl(request.url));
  const std::string shown_url = masker.Mask(request.url);
  if (!request.https_token.empty() && transport != GitTransport::kHttps && transport != GitTransport::kHttp) {
    return InvalidArgumentError("an https token was given for " + shown_url + ", which is not an https URL");
  }
  if (transport == GitTransport::kSsh && request.ssh_known_hosts.empty()) {
    return InvalidArgumentError("ssh checkout of " + shown_url + " needs known_hosts for the server's key");
  }
  if (request.workspace.empty() || request.workspace.front() != '/') {
    return InvalidArgumentError("workspace \"" + request.workspace + "\" must be an absolute path");
  }
  std::error_code ec;
  if (fs::exists(request.workspace, ec)) {
    if (!fs::is_directory(request.workspace, ec) || !fs::is_empty(request.workspace, ec)) {
      return FailedPreconditionError("workspace " + request.workspace + " exists and is not an empty directory");
    }
  }
  fs::create_directories(request.workspace, ec);
  if (ec) return InternalError("cannot create workspace " + request.workspace + ": " + ec.message());

  ScratchDir scratch;
  if (scratch.path().empty()) return InternalError("cannot create a private directory for git");
  std::map<std::string, std::string> env = {
      {"PATH", kPath},
      {"HOME", scratch.path()},
      {"LC_ALL", "C"},
      {"GIT_CONFIG_NOSYSTEM", "1"},
      {"GIT_CONFIG_GLOBAL", "/dev/null"},
      {"GIT_TERMINAL_PROMPT", "0"},
      {"GIT_ASKPASS", "/bin/false"},
      {"SSH_ASKPASS", "/bin/false"},
      {"GIT_ALLOW_PROTOCOL", transport == GitTransport::kFile    ? "file"
                             : transport == GitTransport::kSsh   ? "ssh"
                             : transport == GitTransport::kHttps ? "https"
                                                                 : "http"},
  };
  if (!auth_header.empty()) {
    env["GIT_CONFIG_COUNT"] = "1";
    env["GIT_CONFIG_KEY_0"] = "http." + HttpUrlPrefix(request.url) + ".extraHeader";
    env["GIT_CONFIG_VALUE_0"] = auth_header;
  }
  if (transport == GitTransport::kSsh) {
    const std::string key = scratch.path() + "/id";
    const std::string known_hosts = scratch.path() + "/known_hosts";
    KELOLA_RETURN_IF_ERROR(WritePrivateFile(known_hosts, request.ssh_known_hosts));
    std::string command =
        "ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o GlobalKnownHostsFile=/dev/null";
    command += " -o UserKnownHostsFile=" + ShellQuoteWord(known_hosts);
    if (!request.ssh_private_key.empty()) {
      KELOLA_RETURN_IF_ERROR(WritePrivateFile(key, request.ssh_private_key));
      command += " -o IdentitiesOnly=yes -o IdentityAgent=none -i " + ShellQuoteWord(key);
    }
    env["GIT_SSH_COMMAND"] = command;
  }

  auto git = [&](const std::string& what, std::vector<std::string> args) -> Result<std::string> {
    if (cancel.cancelled()) return CancelledError("checkout of " + shown_url + ": cancelled");
    ProcessSpec spec;
    spec.argv = {options_.git};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env = env;
    spec.timeout = request.timeout;
    auto process = Process::Start(spec, clock_);
    if (!process.ok()) return Status(process.status().code(), "git: " + process.status().message());
    Process* p = process->get();
    cancel.OnCancel([p] { p->Cancel(); });
    auto result = p->Wait();
    cancel.Clear();
    if (!result.ok()) return Status(result.status().code(), "git: " + result.status().message());
    if (!result->ok()) {
      Status failure = GitFailure(what, *result, masker.Mask(result->stderr_data), commit, shown_url);
      return Status(failure.code(), masker.Mask(failure.message()));
    }
    return result->stdout_data;
  };

  const std::string& ws = request.workspace;
  KELOLA_RETURN_IF_ERROR(git("git init", {"init", "-q", ws}).status());
  KELOLA_RETURN_IF_ERROR(git("git remote add", {"-C", ws, "remote", "add", "origin", request.url}).status());
  KELOLA_RETURN_IF_ERROR(git("fetching " + commit + " from " + shown_url,
                             {"-C", ws, "fetch", "--no-tags", "--depth", "1", "origin", commit})
                             .status());
  KELOLA_RETURN_IF_ERROR(
      git("checking out " + commit, {"-C", ws, "checkout", "-q", "--detach", "FETCH_HEAD"}).status());
  KELOLA_ASSIGN_OR_RETURN(std::string head, git("git rev-parse", {"-C", ws, "rev-parse", "HEAD"}));
  while (!head.empty() && (head.back() == '\n' || head.back() == '\r')) head.pop_back();
  if (head != commit) {
    return InternalError("checked out " + head + " instead of " + commit + " from " + shown_url);
  }
  return CheckoutResult{head, ws};
}

}  // namespace kelola::git
