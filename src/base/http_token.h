// RFC 9110 `token` (tchar): what HTTP methods and header names are made of.
// One definition for the router, the HTTP client, SigV4 request parsing and
// notifier header validation.
#pragma once

#include <string_view>

namespace kelola {

// A-Z a-z 0-9 and !#$%&'*+-.^_`|~ ; never NUL, space or a control character.
bool IsHttpTokenChar(char c);
// Non-empty and every character a tchar.
bool IsHttpToken(std::string_view s);

}  // namespace kelola
