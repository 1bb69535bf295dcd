// libFuzzer target: session files given to `kelola analyze eval-sessions` are
// outside input. ParseSessions must never crash, hang or leak, and fails only
// with InvalidArgument; a model trained on what it parsed scores it without
// crashing (small inputs only: the invariant search is cubic in the keys).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "anomaly/session_eval.h"
#include "anomaly/session_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sessions = kelola::anomaly::ParseSessions(text, 64);
  if (!sessions.ok()) {
    if (sessions.status().code() != kelola::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (sessions->empty() || size > 512) return 0;
  const auto split = kelola::anomaly::HoldOutEveryOther(*sessions);
  const auto model = kelola::anomaly::SessionModel::Train(split.train);
  for (const auto& s : *sessions) {
    const auto verdict = model.Score(s);
    if (verdict.anomalous == verdict.reason.empty()) std::abort();  // a flagged session says why
  }
  return 0;
}
