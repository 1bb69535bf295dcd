#include "agent/input_processing_config.h"

namespace kelola {

void AddInputProcessingKeys(ConfigSchema& s, const std::string& in, const std::string& default_parser) {
  using T = ConfigType;
  s.Add({.name = in + ".parser",
         .type = T::kString,
         .default_value = default_parser,
         .description = "parser of the " + in +
                        " input's lines; fields and level go with each record, lines it cannot parse are kept "
                        "as they are and counted (kelola_agent_records_unparsed_total).",
         .allowed = {"none", "json", "logfmt", "regex", "syslog"}});
  s.Add({.name = in + ".regex",
         .type = T::kString,
         .default_value = "",
         .description = "RE2 pattern with named groups (?P<name>...) for parser regex; a group named level sets the "
                        "level."});
  s.Add({.name = in + ".labels",
         .type = T::kStringList,
         .default_value = "",
         .description = "name=value fields added to every record of the " + in + " input."});
  s.Add({.name = in + ".filter.min_level",
         .type = T::kString,
         .default_value = "",
         .description = "drop records whose level is below this one (records without a level are kept); empty = off.",
         .allowed = {"", "trace", "debug", "info", "warn", "error", "fatal"}});
  s.Add({.name = in + ".filter.drop_regex",
         .type = T::kString,
         .default_value = "",
         .description = "drop records whose text matches this RE2 pattern; empty = off."});
  s.Add({.name = in + ".filter.keep_regex",
         .type = T::kString,
         .default_value = "",
         .description = "keep only records whose text matches this RE2 pattern; empty = off."});
  s.Add({.name = in + ".filter.field_equals",
         .type = T::kStringList,
         .default_value = "",
         .description = "name=value items: keep only records having every one of these fields."});
}

Result<std::map<std::string, std::string>> ParseNameValueList(const std::vector<std::string>& items,
                                                              const std::string& key) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError(key + ": expected name=value, got \"" + item + "\"");
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

Result<RecordProcessorOptions> InputProcessingFromConfig(const Config& c, const std::string& in) {
  RecordProcessorOptions o;
  auto kind = ParseLogParserKind(c.GetString(in + ".parser"));
  if (!kind.ok()) return kind.status().WithContext(in + ".parser");
  o.parser.kind = *kind;
  o.parser.regex = c.GetString(in + ".regex");
  KELOLA_ASSIGN_OR_RETURN(o.labels, ParseNameValueList(c.GetList(in + ".labels"), in + ".labels"));
  o.filter.min_level = c.GetString(in + ".filter.min_level");
  o.filter.drop_regex = c.GetString(in + ".filter.drop_regex");
  o.filter.keep_regex = c.GetString(in + ".filter.keep_regex");
  KELOLA_ASSIGN_OR_RETURN(o.filter.field_equals,
                          ParseNameValueList(c.GetList(in + ".filter.field_equals"), in + ".filter.field_equals"));
  // Compile the patterns now, so a bad one stops the agent at start naming its key.
  auto check = RecordProcessor::Create(o);
  if (!check.ok()) {
    std::string key = in + ".";
    const std::string& m = check.status().message();
    if (m.rfind("regex parser", 0) == 0) key += "regex";
    return InvalidArgumentError(key + (key.back() == '.' ? "" : ": ") + m);
  }
  return o;
}

}  // namespace kelola
