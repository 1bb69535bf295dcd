// libFuzzer target: every API request body goes through ParseJsonBody and
// DecodeApiObject; `kelola apply` files go through ParseYamlDocuments. None
// may crash, hang or leak on any input.
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
  auto yaml = kelola::ParseYamlDocuments(input, "fuzz.yaml");
  if (yaml.ok()) {
    for (const auto& d : yaml->docs) {
      for (const auto& kind : kinds.kinds()) (void)kelola::DecodeApiObject(d, kind, "web-1");
    }
  }
  return 0;
}
