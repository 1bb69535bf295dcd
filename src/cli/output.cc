#include "cli/output.h"

#include <algorithm>

#include <yaml-cpp/yaml.h>

namespace kelola {
namespace {

using json = nlohmann::json;

void Emit(YAML::Emitter& out, const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, child] : v.items()) {
        out << YAML::Key << k << YAML::Value;
        Emit(out, child);
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& child : v) Emit(out, child);
      out << YAML::EndSeq;
      break;
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      // Quote strings that would read back as another type.
      bool ambiguous =
          s.empty() || s == "true" || s == "false" || s == "null" || s == "~" ||
          std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '-'; });
      if (ambiguous) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case json::value_t::null: out << YAML::Null; break;
    case json::value_t::boolean: out << v.get<bool>(); break;
    case json::value_t::number_integer: out << v.get<int64_t>(); break;
    case json::value_t::number_unsigned: out << v.get<uint64_t>(); break;
    default: out << v.dump(); break;
  }
}

std::string Str(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string Labels(const json& meta) {
  std::string out;
  if (meta.contains("labels") && meta["labels"].is_object()) {
    for (const auto& [k, v] : meta["labels"].items()) {
      if (!out.empty()) out += ",";
      out += k + "=" + Str(v);
    }
  }
  return out.empty() ? "<none>" : out;
}

// Kind-specific columns between NAME and LABELS.
std::vector<std::pair<std::string, std::string>> Columns(const std::string& kind) {
  if (kind == "Host") return {{"ADDRESS", "address"}, {"PORT", "port"}, {"USER", "user"}};
  if (kind == "Secret") return {{"TYPE", "type"}};
  return {};
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(const std::string& name) {
  if (name == "table" || name.empty()) return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "yaml") return OutputFormat::kYaml;
  return InvalidArgumentError("-o " + name + ": expected table, json or yaml");
}

std::string JsonToYaml(const json& value) {
  YAML::Emitter out;
  Emit(out, value);
  return std::string(out.c_str()) + "\n";
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string RenderResources(const json& doc, OutputFormat format) {
  if (format == OutputFormat::kJson) return doc.dump(2) + "\n";
  if (format == OutputFormat::kYaml) return JsonToYaml(doc);
  std::vector<json> items;
  if (doc.contains("items") && doc["items"].is_array()) {
    for (const auto& i : doc["items"]) items.push_back(i);
  } else {
    items.push_back(doc);
  }
  if (items.empty()) return "No resources found.\n";
  std::string kind = items.front().value("kind", "");
  auto cols = Columns(kind);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"NAME"};
  for (const auto& c : cols) header.push_back(c.first);
  header.insert(header.end(), {"LABELS", "VERSION", "UPDATED"});
  rows.push_back(header);
  for (const auto& item : items) {
    const json meta = item.value("metadata", json::object());
    const json spec = item.value("spec", json::object());
    std::vector<std::string> row = {Str(meta.value("name", json()))};
    for (const auto& c : cols) row.push_back(Str(spec.value(c.second, json())));
    row.push_back(Labels(meta));
    row.push_back(Str(meta.value("resourceVersion", json())));
    row.push_back(Str(meta.value("updatedAt", json())));
    rows.push_back(row);
  }
  return FormatTable(rows);
}

std::string RenderEvent(const json& e, OutputFormat format) {
  if (format == OutputFormat::kJson) return e.dump() + "\n";
  if (format == OutputFormat::kYaml) return "---\n" + JsonToYaml(e);
  return FormatTable(
      {{Str(e.value("time", json())), Str(e.value("id", json())), Str(e.value("type", json())),
        Str(e.value("subject", json())), Str(e.value("actor", json())), e.contains("data") ? e["data"].dump() : ""}});
}

}  // namespace kelola
