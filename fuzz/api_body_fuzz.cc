// libFuzzer target: every API request body goes through ParseJsonBody and
// DecodeApiObject. None may crash, hang or leak on any input.
//
// The CLI's YAML path (ParseYamlDocuments) is not fuzzed here: yaml-cpp 0.7
// itself loops on some small malformed inputs (fuzz/known-hangs/ holds one),
// which no code of ours can bound; see the issue note.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/api_object.h"
#include "api/kinds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const kelola::KindRegistry kinds = kelola::BuiltinKinds();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto doc = kelola::ParseJsonBody(input);
  if (doc.ok()) {
    for (const auto& kind : kinds.kinds()) {
      auto obj = kelola::DecodeApiObject(*doc, kind, "");
      if (obj.ok()) {
        (void)obj->spec.dump();
      }
    }
  }
  return 0;
}
