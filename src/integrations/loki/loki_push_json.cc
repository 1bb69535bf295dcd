// Loki's JSON push body on nlohmann/json; its exceptions stay in here.
#include <charconv>

#include <nlohmann/json.hpp>

#include "integrations/loki/loki_push.h"

namespace kelola {
namespace {

using json = nlohmann::json;

Status Bad(const std::string& where, const std::string& what) {
  return InvalidArgumentError("json: " + where + ": " + what);
}

Result<int64_t> ParseNanos(const json& v, const std::string& where) {
  if (!v.is_string()) return Bad(where, "timestamp must be a string of Unix nanoseconds, e.g. \"1700000000000000000\"");
  const auto& s = v.get_ref<const std::string&>();
  int64_t ns = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), ns);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    return Bad(where, "timestamp \"" + s.substr(0, 40) + "\" is not an integer of Unix nanoseconds");
  }
  return ns;
}

Result<LokiStream> DecodeStream(const json& s, const std::string& where, size_t& entries,
                                const LokiPushLimits& limits) {
  if (!s.is_object()) return Bad(where, "must be an object with \"stream\" and \"values\"");
  LokiStream out;
  auto labels = s.find("stream");
  if (labels == s.end() || !labels->is_object()) return Bad(where + ".stream", "must be an object of labels");
  for (const auto& [name, value] : labels->items()) {
    if (!IsValidLokiLabelName(name)) {
      return Bad(where + ".stream",
                 "invalid label name \"" + name.substr(0, 64) + "\" (must match [a-zA-Z_][a-zA-Z0-9_]*)");
    }
    if (!value.is_string()) return Bad(where + ".stream." + name, "label value must be a string");
    out.labels[name] = value.get<std::string>();
  }
  auto values = s.find("values");
  if (values == s.end() || !values->is_array()) return Bad(where + ".values", "must be an array of entries");
  for (size_t i = 0; i < values->size(); ++i) {
    const json& v = (*values)[i];
    std::string at = where + ".values[" + std::to_string(i) + "]";
    if (!v.is_array() || v.size() < 2 || v.size() > 3) {
      return Bad(at, "must be [\"<unix ns>\", \"<line>\"] or [\"<unix ns>\", \"<line>\", {structured metadata}]");
    }
    if (++entries > limits.max_entries) {
      return ResourceExhaustedError("json: " + at + ": more than " + std::to_string(limits.max_entries) + " entries");
    }
    LokiEntry e;
    KELOLA_ASSIGN_OR_RETURN(e.timestamp_ns, ParseNanos(v[0], at + "[0]"));
    if (!v[1].is_string()) return Bad(at + "[1]", "log line must be a string");
    e.line = v[1].get<std::string>();
    if (v.size() == 3) {
      if (!v[2].is_object()) return Bad(at + "[2]", "structured metadata must be an object of strings");
      for (const auto& [name, value] : v[2].items()) {
        if (!value.is_string()) return Bad(at + "[2]." + name, "structured metadata value must be a string");
        e.structured_metadata.emplace_back(name, value.get<std::string>());
      }
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::string EncodeLokiPushJson(const LokiPushRequest& request) {
  json streams = json::array();
  for (const auto& s : request.streams) {
    json values = json::array();
    for (const auto& e : s.entries) {
      json v = json::array({std::to_string(e.timestamp_ns), e.line});
      if (!e.structured_metadata.empty()) {
        json md = json::object();
        for (const auto& [name, value] : e.structured_metadata) md[name] = value;
        v.push_back(std::move(md));
      }
      values.push_back(std::move(v));
    }
    streams.push_back(json{{"stream", s.labels}, {"values", std::move(values)}});
  }
  return json{{"streams", std::move(streams)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<LokiPushRequest> DecodeLokiPushJson(std::string_view body, const LokiPushLimits& limits) {
  if (body.size() > limits.max_decoded_bytes) {
    return ResourceExhaustedError("json: body larger than " + std::to_string(limits.max_decoded_bytes) + " bytes");
  }
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::parse_error& e) {
    return InvalidArgumentError(std::string("json: malformed at byte ") + std::to_string(e.byte) + ": " + e.what());
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("json: ") + e.what());
  }
  if (!doc.is_object()) return Bad("body", "must be an object {\"streams\":[...]}");
  auto streams = doc.find("streams");
  if (streams == doc.end() || !streams->is_array()) return Bad("streams", "must be an array");
  LokiPushRequest req;
  size_t entries = 0;
  for (size_t i = 0; i < streams->size(); ++i) {
    KELOLA_ASSIGN_OR_RETURN(LokiStream s,
                            DecodeStream((*streams)[i], "streams[" + std::to_string(i) + "]", entries, limits));
    req.streams.push_back(std::move(s));
  }
  return req;
}

}  // namespace kelola
