// ProgressStream: parses the JSON-lines progress stream the Docker engine
// answers POST /build, POST /images/{name}/push and POST /images/create
// with. Each line is one JSON object with some of:
//   stream       build output text (not necessarily whole lines)
//   status, id, progress, progressDetail   layer progress ("Pushing", ...)
//   aux          build: {"ID":"sha256:..."}; push: {"Tag","Digest","Size"}
//   error, errorDetail{code,message}       a failure reported inside a
//                                          200 answer
// The engine answers 200 before it knows whether the operation works, so an
// error in the stream is the operation's real result.
//
// ProgressStream collects what callers need: the image ID of a build, the
// digest of a push (from aux.Digest, or the "TAG: digest: sha256:... size:
// N" status line older engines send), the build step that was running
// ("Step 3/5 : RUN make"), the last lines of output, and the first error.
// Build output is handed out line by line through `on_output`.
//
// Errors: Add() returns DataLoss for a line that is not a JSON object (the
// stream is then unusable); an error *reported by* the engine is not an
// Add() error but failed()/error(). Thread-safety: none.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola::docker {

struct ProgressMessage {
  std::string stream;
  std::string status;
  std::string id;
  std::string progress;
  std::string error;  // errorDetail.message, else error
  std::string aux_id;
  std::string aux_digest;
  std::string aux_tag;
};

// One line of the stream. DataLoss when it is not a JSON object.
Result<ProgressMessage> ParseProgressLine(std::string_view line);

class ProgressStream {
 public:
  using OutputFn = std::function<void(std::string_view line)>;
  explicit ProgressStream(OutputFn on_output = nullptr) : on_output_(std::move(on_output)) {}

  // Blank lines are skipped.
  Status Add(std::string_view line);
  // Ends the stream: flushes a last partial output line.
  void Finish();

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // The "Step N/M : INSTRUCTION" line current when the error arrived.
  const std::string& failed_step() const { return failed_step_; }
  const std::string& current_step() const { return current_step_; }
  const std::string& image_id() const { return image_id_; }
  const std::string& digest() const { return digest_; }
  // The last output lines (at most kTailLines), oldest first.
  const std::deque<std::string>& tail() const { return tail_; }
  static constexpr size_t kTailLines = 20;

 private:
  void OutputLine(std::string_view line);

  OutputFn on_output_;
  std::string partial_;
  std::string error_;
  std::string failed_step_;
  std::string current_step_;
  std::string image_id_;
  std::string digest_;
  std::deque<std::string> tail_;
};

// "latest: digest: sha256:abc... size: 527" -> "sha256:abc..."; "" otherwise.
std::string DigestFromPushStatus(std::string_view status);

}  // namespace kelola::docker
