#include "pipeline/form_payload.h"

#include <cctype>

namespace kelola {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> Unescape(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgumentError("form field " + std::string(what) + ": malformed %-escape at offset " +
                                    std::to_string(i));
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Result<std::string> FormPayload(std::string_view body) {
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t end = body.find('&', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view field = body.substr(pos, end - pos);
    size_t eq = field.find('=');
    std::string_view name = field.substr(0, eq);
    if (name == "payload") {
      return Unescape(eq == std::string_view::npos ? std::string_view() : field.substr(eq + 1), "payload");
    }
    pos = end + 1;
  }
  return InvalidArgumentError("form-encoded webhook body has no payload field");
}

bool IsFormContentType(std::string_view ct) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (ct.size() < kForm.size()) return false;
  for (size_t i = 0; i < kForm.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(ct[i])) != kForm[i]) return false;
  }
  return ct.size() == kForm.size() || ct[kForm.size()] == ';' || ct[kForm.size()] == ' ';
}

}  // namespace kelola
