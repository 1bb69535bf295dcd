// libFuzzer target: ~/.aws/credentials and ~/.aws/config files. No input may
// crash; an error always names the file and a line inside the input; a
// parsed profile either yields credentials or says which key is missing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "integrations/aws/aws_credentials.h"
#include "integrations/aws/aws_ini.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto file = kelola::ParseAwsIni(input, "fuzz");
  if (!file.ok()) {
    if (file.status().message().rfind("fuzz:", 0) != 0) std::abort();
    return 0;
  }
  for (const auto& [name, section] : file->sections) {
    if (section.line < 1) std::abort();
    auto credentials = kelola::AwsCredentialsFromIni(input, "fuzz", name);
    if (credentials.ok() && (credentials->access_key_id.empty() || credentials->secret_access_key.empty())) {
      std::abort();
    }
  }
  return 0;
}
