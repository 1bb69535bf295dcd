#include "integrations/aws/signable_request.h"

#include <cctype>

#include "base/http_token.h"

namespace kelola {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

Status LineError(size_t line, const std::string& what) {
  return InvalidArgumentError("request line " + std::to_string(line) + ": " + what);
}

}  // namespace

std::string SignableRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

Result<SignableRequest> ParseSignableRequest(std::string_view text) {
  SignableRequest request;
  size_t pos = 0;
  size_t line_number = 0;
  bool saw_blank = false;
  // Returns the next line without its terminator; false at the end.
  auto next_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      line = text.substr(pos);
      pos = text.size();
    } else {
      line = text.substr(pos, end - pos);
      pos = end + 1;
    }
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_number;
    return true;
  };

  std::string_view line;
  if (!next_line(line) || line.empty())
    return InvalidArgumentError("request is empty: want \"METHOD TARGET HTTP/1.1\"");
  const size_t first_space = line.find(' ');
  const size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    return LineError(line_number, "want \"METHOD TARGET HTTP/1.1\"");
  }
  const std::string_view method = line.substr(0, first_space);
  const std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
  const std::string_view version = line.substr(last_space + 1);
  if (!IsHttpToken(method)) return LineError(line_number, "method is not a token");
  if (version.substr(0, 5) != "HTTP/") return LineError(line_number, "version must start with HTTP/");
  if (target.empty() || target[0] != '/') return LineError(line_number, "target must start with '/'");
  request.method = std::string(method);
  const size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));

  while (next_line(line)) {
    if (line.empty()) {
      saw_blank = true;
      break;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (request.headers.empty()) return LineError(line_number, "continuation line before any header");
      request.headers.back().second.append("\n").append(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return LineError(line_number, "header line has no ':'");
    const std::string_view name = line.substr(0, colon);
    if (!IsHttpToken(name)) return LineError(line_number, "header name is not a token");
    request.headers.emplace_back(std::string(name), std::string(line.substr(colon + 1)));
  }
  if (saw_blank) request.body = std::string(text.substr(pos));
  return request;
}

std::string RenderSignableRequest(const SignableRequest& request) {
  std::string out = request.method + " " + request.path;
  if (!request.query.empty()) out += "?" + request.query;
  out += " HTTP/1.1\n";
  for (const auto& [name, value] : request.headers) out += name + ":" + value + "\n";
  out += "\n";
  out += request.body;
  return out;
}

}  // namespace kelola
