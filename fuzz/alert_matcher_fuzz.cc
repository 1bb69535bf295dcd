// libFuzzer target: Alertmanager matcher lists (`{service="api", env=~"prod|.*"}`,
// from route config, `GET /v1/alerts?filter=` and silences) and the
// `POST /v1/silences` body. No input may crash or hang; matchers that parse
// must print to a string that parses back to the same matchers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "alerting/label_matcher.h"
#include "alerting/silence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 1) {
    auto silence = kelola::ParseSilenceBody(text, kelola::WallTime(std::chrono::seconds(1'700'000'000)));
    if (silence.ok()) {
      auto back = kelola::SilenceFromSpecJson("x", kelola::SilenceSpecJson(*silence));
      if (!back.ok() || kelola::FormatMatchers(back->matchers) != kelola::FormatMatchers(silence->matchers)) {
        std::abort();
      }
    }
    return 0;
  }
  auto matchers = kelola::ParseMatchers(text);
  if (!matchers.ok()) return 0;
  std::string formatted = kelola::FormatMatchers(*matchers);
  auto again = kelola::ParseMatchers(formatted);
  if (!again.ok() || kelola::FormatMatchers(*again) != formatted) std::abort();
  return 0;
}
