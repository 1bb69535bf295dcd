// libFuzzer target: the answer of a Prometheus server's /api/v1/query
// (a server the user points kelola at; possibly a proxy in between). No
// input may crash or hang; a parsed vector/scalar has the samples it says.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "integrations/prometheus/prometheus_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  int status = 200 + (data[0] % 4) * 100;  // 200, 300, 400, 500
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto r = kelola::prometheus::ParseQueryResponse(status, body);
  if (r.ok()) {
    if (r->result_type != "vector" && r->result_type != "scalar") std::abort();
    if (r->result_type == "scalar" && r->samples.size() != 1) std::abort();
  } else if (r.status().message().empty()) {
    std::abort();
  }
  return 0;
}
