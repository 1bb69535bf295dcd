#include "tests/harness/postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/harness/free_port.h"
#include "tests/harness/run_command.h"

namespace kelola::harness {
namespace {

constexpr int kPortAttempts = 3;
constexpr auto kReadyTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(60);
constexpr const char* kSystemUser = "postgres";

// PostgreSQL refuses to run as root: as root, every server-side program runs
// as the `postgres` system user through setpriv (which execs, so the pid we
// hold is the server's own).
std::vector<std::string> AsServerUser(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  std::vector<std::string> wrapped = {"setpriv", std::string("--reuid=") + kSystemUser,
                                      std::string("--regid=") + kSystemUser, "--init-groups"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

// Line 8 of postmaster.pid is the server's state; "ready" once it accepts
// connections (what `pg_ctl -w` waits for).
bool PidFileSaysReady(const std::string& data_dir) {
  auto content = ReadFile(data_dir + "/postmaster.pid");
  if (!content.ok()) return false;
  std::istringstream lines(*content);
  std::string line;
  for (int i = 1; i <= 8 && std::getline(lines, line); ++i) {
    if (i == 8) return line.rfind("ready", 0) == 0;
  }
  return false;
}

bool IsPlainName(const std::string& name) {
  return !name.empty() && name.size() <= 63 &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; }) &&
         !std::isdigit(static_cast<unsigned char>(name[0]));
}

// A directory the server user owns (mode 0700).
Status MakeServerDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return InternalError("mkdir " + path + " failed");
  if (::geteuid() == 0) {
    struct passwd* pw = ::getpwnam(kSystemUser);
    if (pw == nullptr || ::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return InternalError("chown " + path + " to " + kSystemUser + " failed");
    }
  }
  return OkStatus();
}

Status InitCluster(const std::string& bin_dir, const std::string& data_dir) {
  return RunCommandOk(AsServerUser({bin_dir + "/initdb", "-D", data_dir, "-A", "trust", "-U",
                                    PostgresServer::kSuperuser, "--no-sync", "--encoding=UTF8", "--locale=C"}),
                      std::chrono::seconds(120))
      .status()
      .WithContext("initdb");
}

// A freshly initdb'd, never started cluster kept in $TMPDIR across test
// processes (like the harness's dockerd and busybox image): made once under
// a file lock, published by an atomic rename, used only when the server
// user owns it and nobody else can write to it.
Result<std::string> EnsureClusterTemplate(const std::string& bin_dir) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string base = std::string(tmp && *tmp ? tmp : "/tmp") + "/kelola-pg-template-" +
                           std::filesystem::path(bin_dir).parent_path().filename().string();
  const std::string data = base + "/data";
  int lock = ::open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) return InternalError("opening " + base + ".lock: " + std::strerror(errno));
  ::flock(lock, LOCK_EX);
  Status status = OkStatus();
  if (::access((data + "/PG_VERSION").c_str(), F_OK) != 0) {
    std::error_code ignored;
    std::filesystem::remove_all(base, ignored);
    const std::string staging = base + ".staging-" + std::to_string(::getpid());
    std::filesystem::remove_all(staging, ignored);
    if (::mkdir(staging.c_str(), 0755) != 0) status = InternalError("mkdir " + staging + " failed");
    if (status.ok()) status = MakeServerDir(staging + "/data");
    if (status.ok()) status = InitCluster(bin_dir, staging + "/data");
    if (status.ok() && ::rename(staging.c_str(), base.c_str()) != 0) {
      status = InternalError("publishing " + base + ": " + std::strerror(errno));
    }
    if (!status.ok()) std::filesystem::remove_all(staging, ignored);
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  KELOLA_RETURN_IF_ERROR(status);
  struct stat st {};
  struct passwd* pw = ::geteuid() == 0 ? ::getpwnam(kSystemUser) : nullptr;
  const uid_t owner = pw != nullptr ? pw->pw_uid : ::geteuid();
  if (::stat(data.c_str(), &st) != 0 || st.st_uid != owner || (st.st_mode & 0077) != 0) {
    return FailedPreconditionError(data + " is not a private directory of the server user");
  }
  return data;
}

}  // namespace

std::optional<std::string> FindPostgresBinDir() {
  std::error_code ec;
  int best = -1;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string major = entry.path().filename().string();
    if (major.empty() || !std::all_of(major.begin(), major.end(), ::isdigit)) continue;
    if (::access((entry.path() / "bin/postgres").c_str(), X_OK) != 0) continue;
    best = std::max(best, std::stoi(major));
  }
  if (best < 0) return std::nullopt;
  return "/usr/lib/postgresql/" + std::to_string(best) + "/bin";
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  auto bin_dir = FindPostgresBinDir();
  if (!bin_dir) {
    return FailedPreconditionError(
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): install the Debian package "
        "postgresql (scripts/install-deps does)");
  }
  if (::geteuid() == 0 && (::getpwnam(kSystemUser) == nullptr || !FindExecutable("setpriv"))) {
    return FailedPreconditionError("running as root needs the postgres system user and setpriv (util-linux)");
  }
  KELOLA_ASSIGN_OR_RETURN(auto dir, TempDir::Create("kelola-pg"));
  std::unique_ptr<PostgresServer> server(new PostgresServer(std::move(dir), *bin_dir));
  KELOLA_RETURN_IF_ERROR(server->Init());
  KELOLA_RETURN_IF_ERROR(server->Launch());
  return server;
}

Status PostgresServer::Init() {
  // The server user must be able to reach its directory inside our temp dir.
  if (::chmod(dir_->path().c_str(), 0755) != 0) return InternalError("chmod 0755 " + dir_->path() + " failed");
  KELOLA_RETURN_IF_ERROR(MakeServerDir(socket_dir()));
  // Copying a cached cluster takes a tenth of an initdb: every test process
  // (ctest runs one per test) would otherwise pay seconds.
  auto template_dir = EnsureClusterTemplate(bin_dir_);
  if (template_dir.ok()) {
    auto copied = RunCommand({"cp", "-a", *template_dir, data_dir()}, std::chrono::seconds(120));
    if (copied.ok() && copied->exit_code == 0) return OkStatus();
    std::fprintf(stderr, "harness: copying the PostgreSQL template failed; running initdb\n");
  } else {
    std::fprintf(stderr, "harness: no PostgreSQL template (%s); running initdb\n",
                 template_dir.status().ToString().c_str());
  }
  return InitCluster(bin_dir_, data_dir());
}

Status PostgresServer::Launch() {
  const bool first_start = port_ == 0;
  Status last = OkStatus();
  for (int attempt = 0; attempt < (first_start ? kPortAttempts : 1); ++attempt) {
    if (first_start) {
      KELOLA_ASSIGN_OR_RETURN(port_, FreePort());
    }
    SpawnOptions options;
    options.log_path = log_path();
    // Several stores (each with a connection pool and a listener) and
    // several server replicas share one test cluster: allow plenty.
    options.argv = AsServerUser({bin_dir_ + "/postgres", "-D", data_dir(), "-p", std::to_string(port_), "-k",
                                 socket_dir(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                                 "full_page_writes=off", "-c", "max_connections=300"});
    KELOLA_ASSIGN_OR_RETURN(auto process, ChildProcess::Spawn(options));
    // Real time on purpose: this waits for a real server to come up.
    Clock& clock = SystemClock();
    const MonoTime deadline = clock.Monotonic() + kReadyTimeout;
    bool ready = false;
    while (process->Running() && clock.Monotonic() < deadline) {
      if (PidFileSaysReady(data_dir()) && PortAcceptsConnections(port_)) {
        ready = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (ready) {
      process_ = std::move(process);
      return OkStatus();
    }
    process->Stop();
    std::string log = TailOfFile(log_path());
    last = UnavailableError("postgres on 127.0.0.1:" + std::to_string(port_) + " did not come up; log " + log_path() +
                            ":\n" + log);
    if (log.find("Address already in use") == std::string::npos) break;
    if (first_start) port_ = 0;
  }
  return last;
}

PostgresServer::~PostgresServer() {
  (void)Stop();
  dir_.reset();
}

std::string PostgresServer::Url(const std::string& database) const {
  return std::string("postgresql://") + kSuperuser + "@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

Result<std::string> PostgresServer::CreateDatabase(const std::string& name) {
  if (!IsPlainName(name)) {
    return InvalidArgumentError("database name \"" + name +
                                "\": use letters, digits and '_', not starting with a digit");
  }
  KELOLA_RETURN_IF_ERROR(Query("postgres", "CREATE DATABASE " + name).status());
  return Url(name);
}

Result<std::string> PostgresServer::Query(const std::string& database, const std::string& sql) {
  // -X: no ~/.psqlrc; -A -t: bare values; ON_ERROR_STOP: an SQL error is a
  // non-zero exit.
  KELOLA_ASSIGN_OR_RETURN(
      CommandResult result,
      RunCommandOk({bin_dir_ + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                    std::to_string(port_), "-U", kSuperuser, "-d", database, "-c", sql}));
  return result.out;
}

Status PostgresServer::Stop() {
  if (process_ == nullptr) return OkStatus();
  // SIGINT is PostgreSQL's fast shutdown: sessions are ended, then a
  // checkpoint. (SIGTERM would wait for every client to disconnect.)
  ::kill(process_->pid(), SIGINT);
  Clock& clock = SystemClock();
  const MonoTime deadline = clock.Monotonic() + kStopTimeout;
  while (process_->Running() && clock.Monotonic() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool clean = !process_->Running();
  process_->Stop(std::chrono::seconds(1));
  process_.reset();
  if (!clean) return DeadlineExceededError("postgres did not shut down within 60 s; killed");
  return OkStatus();
}

Status PostgresServer::Restart() {
  if (process_ != nullptr) return FailedPreconditionError("postgres is already running");
  return Launch();
}

}  // namespace kelola::harness
