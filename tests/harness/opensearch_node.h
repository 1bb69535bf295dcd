// OpenSearchNode: a real single-node OpenSearch 2.19.6 on 127.0.0.1:<free
// port> for tests, from the published Maven artifacts on Java 17
// (scripts/fetch-opensearch caches the jars and the small main in
// tests/harness/opensearch/ outside the repository; Start() runs it, which
// costs nothing when the cache is current). The node exits with its parent,
// so a crashed test leaves no JVM behind.
//
// The node's home and data live in a temp dir, gone with the object. Stop()
// and Restart() keep the data and the port, for "the sink's destination was
// down for a while" tests. Starting takes ~20 s on the 2-core machine, so a
// suite should share one node (SetUpTestSuite).
//
// Errors: FailedPrecondition when java or the artifacts cannot be had (tests
// skip with the reason); Unavailable when the node does not come up (the
// message carries its log).
// Thread-safety: one owner; Url() and port() may be read from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "tests/harness/child_process.h"
#include "tests/harness/temp_dir.h"

namespace kelola::harness {

class OpenSearchNode {
 public:
  // `settings`: extra node settings (e.g. {"thread_pool.write.queue_size", "1"}).
  static Result<std::unique_ptr<OpenSearchNode>> Start(const std::map<std::string, std::string>& settings = {});
  OpenSearchNode(const OpenSearchNode&) = delete;
  OpenSearchNode& operator=(const OpenSearchNode&) = delete;
  ~OpenSearchNode();

  int port() const { return port_; }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  Status Stop();
  Status Restart();
  bool running() const { return process_ != nullptr; }
  std::string log_path() const { return dir_->File("node.log"); }

 private:
  OpenSearchNode(std::unique_ptr<TempDir> dir, std::string cache, std::map<std::string, std::string> settings)
      : dir_(std::move(dir)), cache_(std::move(cache)), settings_(std::move(settings)) {}
  Status Launch();

  std::unique_ptr<TempDir> dir_;
  std::string cache_;
  std::map<std::string, std::string> settings_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace kelola::harness
