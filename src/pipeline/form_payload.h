// FormPayload: GitHub webhooks with content type
// application/x-www-form-urlencoded carry the JSON event as the `payload`
// field of the form (`payload=%7B%22ref%22...`). This decodes that field:
// '+' is a space, %XX a byte; other fields are ignored. Pure; outside input
// (fuzzed by fuzz/forge_event_fuzz.cc).
// Errors: InvalidArgument when there is no `payload` field or an escape is
// malformed.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

Result<std::string> FormPayload(std::string_view form_body);

// True for "application/x-www-form-urlencoded" (parameters and case ignored).
bool IsFormContentType(std::string_view content_type);

}  // namespace kelola
