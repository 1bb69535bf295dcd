#include "tests/harness/opensearch_node.h"

#include <cstdlib>
#include <filesystem>

#include "tests/harness/free_port.h"
#include "tests/harness/http_call.h"
#include "tests/harness/run_command.h"

namespace kelola::harness {
namespace {

std::string CacheDir() {
  if (const char* c = std::getenv("KELOLA_OPENSEARCH_CACHE"); c && *c) return c;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/root") + "/.cache/kelola/opensearch-2.19.6";
}

std::string JavaBinary() {
  for (const char* p : {"/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "/usr/lib/jvm/java-17-openjdk-arm64/bin/java"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return "java";
}

}  // namespace

Result<std::unique_ptr<OpenSearchNode>> OpenSearchNode::Start(const std::map<std::string, std::string>& settings) {
  std::string cache = CacheDir();
  // Idempotent and quick when the cache is current; rebuilds it when the
  // main or the POM changed.
  {
    auto fetched = RunCommand({std::string(KELOLA_SOURCE_DIR) + "/scripts/fetch-opensearch"}, std::chrono::minutes(5));
    if (!fetched.ok() || fetched->exit_code != 0) {
      return FailedPreconditionError("OpenSearch artifacts unavailable (scripts/fetch-opensearch failed): " +
                                     (fetched.ok() ? fetched->err.substr(0, 500) : fetched.status().ToString()));
    }
  }
  KELOLA_ASSIGN_OR_RETURN(auto dir, TempDir::Create("kelola-opensearch"));
  std::unique_ptr<OpenSearchNode> node(new OpenSearchNode(std::move(dir), cache, settings));
  KELOLA_ASSIGN_OR_RETURN(node->port_, FreePort());
  KELOLA_RETURN_IF_ERROR(node->Launch());
  return node;
}

Status OpenSearchNode::Launch() {
  KELOLA_ASSIGN_OR_RETURN(std::string classpath, ReadFile(cache_ + "/classpath.txt"));
  while (!classpath.empty() && (classpath.back() == '\n' || classpath.back() == '\r')) classpath.pop_back();
  SpawnOptions o;
  o.argv = {JavaBinary(),
            "-Xms256m",
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            "-Dlog4j2.level=WARN",
            "-cp",
            cache_ + "/classes:" + classpath,
            "KelolaOpenSearchNode",
            dir_->File("home"),
            std::to_string(port_)};
  for (const auto& [k, v] : settings_) o.argv.push_back(k + "=" + v);
  o.log_path = log_path();
  auto spawned = ChildProcess::Spawn(o);
  if (!spawned.ok()) {
    if (spawned.status().code() == StatusCode::kNotFound) {
      return FailedPreconditionError("java 17 is not installed (scripts/install-deps)");
    }
    return spawned.status();
  }
  process_ = std::move(*spawned);
  HttpRequestSpec health;
  health.url = Url() + "/_cluster/health?wait_for_status=yellow&timeout=1s";
  health.timeout = std::chrono::seconds(5);
  Status up = WaitForHttp(health, 200, std::chrono::seconds(180));
  if (!up.ok() || !process_->Running()) {
    std::string log = TailOfFile(log_path(), 30);
    process_.reset();
    return UnavailableError("OpenSearch did not come up: " + up.ToString() + "\n" + log);
  }
  return OkStatus();
}

Status OpenSearchNode::Stop() {
  if (process_) {
    process_->Stop(std::chrono::seconds(20));
    process_.reset();
  }
  return OkStatus();
}

Status OpenSearchNode::Restart() {
  KELOLA_RETURN_IF_ERROR(Stop());
  return Launch();
}

OpenSearchNode::~OpenSearchNode() { (void)Stop(); }

}  // namespace kelola::harness
