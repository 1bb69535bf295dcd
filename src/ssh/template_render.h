// RenderTemplate: the text templates of runbook `template` steps.
//
// The only syntax is `{{ name }}` (spaces optional), replaced by the value
// of variable `name` ([A-Za-z0-9_.-]+, e.g. app_port or host.labels.zone)
// as is; `{{{{` writes a literal "{{". Nothing else is special: no logic,
// no escaping rules to learn, no code runs.
//
// Thread-safety: pure function. Errors: InvalidArgument naming the
// template and the 1-based line:column of an unknown variable or an
// unterminated/malformed `{{`.
#pragma once

#include <map>
#include <string>

#include "base/status.h"

namespace kelola {

Result<std::string> RenderTemplate(const std::string& text, const std::map<std::string, std::string>& variables,
                                   const std::string& display_name);

}  // namespace kelola
