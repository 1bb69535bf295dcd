#include "ssh/template_render.h"

#include <cctype>

namespace kelola {
namespace {

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-'; }

}  // namespace

Result<std::string> RenderTemplate(const std::string& text, const std::map<std::string, std::string>& variables,
                                   const std::string& display_name) {
  std::string out;
  out.reserve(text.size());
  size_t line = 1;
  size_t line_start = 0;
  auto where = [&](size_t at) {
    return display_name + ":" + std::to_string(line) + ":" + std::to_string(at - line_start + 1) + ": ";
  };
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 4, "{{{{") == 0) {
      out += "{{";
      i += 4;
      continue;
    }
    if (text.compare(i, 2, "{{") != 0) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
      out += text[i++];
      continue;
    }
    const size_t open = i;
    size_t j = i + 2;
    while (j < text.size() && text[j] == ' ') ++j;
    const size_t name_start = j;
    while (j < text.size() && IsNameChar(text[j])) ++j;
    const std::string name = text.substr(name_start, j - name_start);
    while (j < text.size() && text[j] == ' ') ++j;
    if (text.compare(j, 2, "}}") != 0 || name.empty()) {
      return InvalidArgumentError(where(open) + "expected {{ variable }} (write {{{{ for a literal \"{{\")");
    }
    auto found = variables.find(name);
    if (found == variables.end()) {
      std::string known;
      for (const auto& [key, value] : variables) known += (known.empty() ? "" : ", ") + key;
      return InvalidArgumentError(where(open) + "unknown variable \"" + name +
                                  "\"; known: " + (known.empty() ? "(none)" : known));
    }
    out += found->second;
    i = j + 2;
  }
  return out;
}

}  // namespace kelola
