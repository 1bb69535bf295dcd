#include "integrations/notifier/receiver_auth_config.h"

namespace kelola {

void AddReceiverAuthKeys(ConfigSchema& s) {
  s.Add({.name = "bearer_token",
         .type = ConfigType::kString,
         .default_value = "",
         .description = "sent as `Authorization: Bearer <token>`; exclusive with basic_auth.",
         .secret = true});
  s.Add({.name = "basic_auth.username",
         .type = ConfigType::kString,
         .default_value = "",
         .description = "HTTP basic auth user (with basic_auth.password)."});
  s.Add({.name = "basic_auth.password",
         .type = ConfigType::kString,
         .default_value = "",
         .description = "HTTP basic auth password.",
         .secret = true});
  s.Add({.name = "headers",
         .type = ConfigType::kStringList,
         .default_value = "",
         .description = "extra request headers, each \"Name: value\" (no commas in values; not for credentials, "
                        "which are shown in config dumps: use bearer_token or basic_auth)."});
}

ReceiverAuth ReceiverAuthFromConfig(const Config& config) {
  return {.bearer_token = config.GetString("bearer_token"),
          .username = config.GetString("basic_auth.username"),
          .password = config.GetString("basic_auth.password"),
          .headers = config.GetList("headers")};
}

}  // namespace kelola
