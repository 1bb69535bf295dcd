// Input checks shared by every Store implementation, so SQLite and PostgreSQL
// reject exactly the same input with the same messages.
//
// All functions are pure and thread-safe. They return InvalidArgument naming
// the field and, for JSON, the parser's position.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace kelola {

// Kind: a letter then letters/digits, at most 63 ("Host", "ServerGroup").
Status ValidateKind(std::string_view kind);
// Name: 1..253 printable ASCII characters except '/', space and quotes, so
// that the event subject "Kind/name" is unambiguous.
Status ValidateResourceName(std::string_view name);
// Keys and values use the characters the selector syntax can express.
Status ValidateLabels(const std::map<std::string, std::string>& labels);
// A selector built in code (not parsed) gets the same checks as a parsed one.
Status ValidateSelector(const std::vector<LabelRequirement>& selector);
// Everything PutResource needs checked before touching the database.
Status ValidateResource(const Resource& resource);
Status ValidateEvent(const Event& event);
Status ValidateToken(const ApiToken& token);

// Parses `json` as a JSON object and returns it in canonical form (keys
// sorted, no whitespace), so equal documents compare equal as strings.
// `field` names the input in the error ("spec", "status", "data").
Result<std::string> CanonicalJsonObject(std::string_view json, std::string_view field);

// Labels as a canonical JSON object and back.
std::string LabelsToJson(const std::map<std::string, std::string>& labels);
Result<std::map<std::string, std::string>> LabelsFromJson(std::string_view json);

}  // namespace kelola
