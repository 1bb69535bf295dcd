#include "integrations/notifier/receiver_auth.h"

#include <cctype>

#include "base/crypto.h"
#include "base/http_token.h"

namespace kelola {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<HeaderMap> ReceiverHeaders(const ReceiverAuth& auth) {
  HeaderMap out;
  for (size_t i = 0; i < auth.headers.size(); ++i) {
    const std::string& item = auth.headers[i];
    const std::string where = "headers[" + std::to_string(i) + "]";
    size_t colon = item.find(':');
    if (colon == std::string::npos || colon == 0) {
      return InvalidArgumentError(where + ": expected \"Name: value\"");
    }
    std::string name = item.substr(0, colon);
    for (char c : name) {
      if (!IsHttpTokenChar(c)) return InvalidArgumentError(where + ": \"" + name + "\" is not a header name");
    }
    std::string value = item.substr(colon + 1);
    size_t b = value.find_first_not_of(" \t");
    value = b == std::string::npos ? "" : value.substr(b);
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') return InvalidArgumentError(where + ": the value has a line break");
    }
    const std::string lower = Lower(name);
    if (lower == "authorization" || lower == "content-type" || lower == "content-length" || lower == "host") {
      return InvalidArgumentError(where + ": " + name +
                                  " is set by the notifier (use bearer_token or basic_auth for credentials)");
    }
    out[name] = value;
  }
  if (!auth.bearer_token.empty() && (!auth.username.empty() || !auth.password.empty())) {
    return InvalidArgumentError("bearer_token: exclusive with basic_auth");
  }
  if (!auth.password.empty() && auth.username.empty()) {
    return InvalidArgumentError("basic_auth.username: required with basic_auth.password");
  }
  for (const std::string* secret : {&auth.bearer_token, &auth.username, &auth.password}) {
    for (char c : *secret) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return InvalidArgumentError(std::string(secret == &auth.bearer_token ? "bearer_token"
                                                : secret == &auth.username   ? "basic_auth.username"
                                                                             : "basic_auth.password") +
                                    ": contains a line break");
      }
    }
  }
  if (!auth.bearer_token.empty()) out["Authorization"] = "Bearer " + auth.bearer_token;
  if (!auth.username.empty()) out["Authorization"] = "Basic " + Base64Encode(auth.username + ":" + auth.password);
  return out;
}

std::vector<std::string> ReceiverAuthSecrets(const ReceiverAuth& auth) {
  std::vector<std::string> out = {auth.bearer_token, auth.password};
  if (!auth.username.empty()) out.push_back(Base64Encode(auth.username + ":" + auth.password));
  return out;
}

}  // namespace kelola
