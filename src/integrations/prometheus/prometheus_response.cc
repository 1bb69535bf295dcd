#include "integrations/prometheus/prometheus_response.h"

#include <charconv>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace kelola::prometheus {
namespace {

using json = nlohmann::json;

std::string Short(std::string_view s) {
  std::string out(s.substr(0, 200));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

Status FromErrorType(const std::string& type, const std::string& error) {
  std::string m = "prometheus: " + Short(type) + ": " + Short(error);
  if (type == "bad_data") return InvalidArgumentError(m);
  if (type == "timeout") return DeadlineExceededError(m);
  if (type == "canceled") return CancelledError(m);
  if (type == "unavailable") return UnavailableError(m);
  if (type == "not_found") return NotFoundError(m);
  return InternalError(m);
}

Result<double> ParseValue(const json& v) {
  if (!v.is_string()) return InternalError("prometheus: a sample value is not a string");
  const std::string& s = v.get_ref<const std::string&>();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "+Inf" || s == "Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  double d = 0;
  const char* begin = s.data();
  if (!s.empty() && s[0] == '+') ++begin;
  auto [end, ec] = std::from_chars(begin, s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || begin == s.data() + s.size()) {
    return InternalError("prometheus: sample value \"" + Short(s) + "\" is not a number");
  }
  return d;
}

// [<unix seconds>, "<value>"]
Result<Sample> ParsePair(const json& pair) {
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number()) {
    return InternalError("prometheus: expected [time, \"value\"] for a sample");
  }
  Sample s;
  s.time = pair[0].get<double>();
  KELOLA_ASSIGN_OR_RETURN(s.value, ParseValue(pair[1]));
  return s;
}

}  // namespace

Result<QueryResult> ParseQueryResponse(int http_status, std::string_view body) {
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  auto not_api = [&](const std::string& why) -> Status {
    std::string m = "prometheus answered HTTP " + std::to_string(http_status) + " with " + why + ": " + Short(body);
    return http_status >= 500 ? UnavailableError(m) : InternalError(m);
  };
  if (doc.is_discarded() || !doc.is_object()) return not_api("a body that is not the API's JSON");
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_string()) return not_api("no \"status\"");
  if (*status == "error") {
    auto type = doc.find("errorType");
    auto error = doc.find("error");
    return FromErrorType(type != doc.end() && type->is_string() ? type->get<std::string>() : "unknown",
                         error != doc.end() && error->is_string() ? error->get<std::string>() : "");
  }
  if (*status != "success") return not_api("status \"" + Short(status->dump()) + "\"");
  auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) return InternalError("prometheus: success without \"data\"");
  auto type = data->find("resultType");
  auto result = data->find("result");
  if (type == data->end() || !type->is_string() || result == data->end()) {
    return InternalError("prometheus: \"data\" without resultType and result");
  }
  QueryResult out;
  out.result_type = type->get<std::string>();
  if (out.result_type == "scalar") {
    KELOLA_ASSIGN_OR_RETURN(Sample s, ParsePair(*result));
    out.samples.push_back(std::move(s));
    return out;
  }
  if (out.result_type != "vector") {
    return InvalidArgumentError("prometheus: the query returned a " + Short(out.result_type) +
                                ", not an instant vector or scalar");
  }
  if (!result->is_array()) return InternalError("prometheus: a vector result that is not an array");
  for (const auto& item : *result) {
    if (!item.is_object()) return InternalError("prometheus: a vector element that is not an object");
    auto value = item.find("value");
    if (value == item.end()) return InternalError("prometheus: a vector element without \"value\"");
    KELOLA_ASSIGN_OR_RETURN(Sample s, ParsePair(*value));
    if (auto metric = item.find("metric"); metric != item.end() && metric->is_object()) {
      for (const auto& [k, v] : metric->items()) {
        if (v.is_string()) s.labels[k] = v.get<std::string>();
      }
    }
    out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace kelola::prometheus
