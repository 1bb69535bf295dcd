#include "metrics/metric_samples.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace kelola::metrics {
namespace {

using json = nlohmann::json;

bool HostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

bool IsValidHostName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!HostChar(c)) return false;
  }
  return true;
}

bool IsValidSeriesName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string EncodeSampleBatch(const SampleBatch& batch) {
  json samples = json::array();
  for (const auto& s : batch.samples) {
    json values = json::object();
    for (const auto& [name, v] : s.values) values[name] = v;
    samples.push_back({{"time", s.time_ms}, {"values", std::move(values)}});
  }
  json body{{"host", batch.host}, {"samples", std::move(samples)}};
  if (!batch.group.empty()) body["group"] = batch.group;
  return body.dump();
}

Result<SampleBatch> DecodeSampleBatch(std::string_view body) {
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgumentError("body: not valid JSON");
  if (!doc.is_object()) return InvalidArgumentError("body: expected a JSON object");
  SampleBatch batch;
  for (const auto& [key, value] : doc.items()) {
    if (key == "host") {
      if (!value.is_string() || !IsValidHostName(value.get_ref<const std::string&>())) {
        return InvalidArgumentError("host: expected 1-253 characters of A-Z a-z 0-9 . _ -");
      }
      batch.host = value.get<std::string>();
    } else if (key == "group") {
      if (!value.is_string()) return InvalidArgumentError("group: expected a string");
      const auto& g = value.get_ref<const std::string&>();
      if (!g.empty() && (g.size() > 63 || !IsValidHostName(g))) {
        return InvalidArgumentError("group: expected 0-63 characters of A-Z a-z 0-9 . _ -");
      }
      batch.group = g;
    } else if (key == "samples") {
      if (!value.is_array()) return InvalidArgumentError("samples: expected an array");
      if (value.size() > kMaxSamplesPerBatch) {
        return InvalidArgumentError("samples: at most " + std::to_string(kMaxSamplesPerBatch) + " per request, got " +
                                    std::to_string(value.size()));
      }
      for (size_t i = 0; i < value.size(); ++i) {
        const json& s = value[i];
        const std::string where = "samples[" + std::to_string(i) + "]";
        if (!s.is_object()) return InvalidArgumentError(where + ": expected an object");
        HostSample sample;
        bool have_time = false, have_values = false;
        for (const auto& [k, v] : s.items()) {
          if (k == "time") {
            if (!v.is_number_integer() || v.get<int64_t>() <= 0) {
              return InvalidArgumentError(where + ".time: expected Unix milliseconds (an integer > 0)");
            }
            sample.time_ms = v.get<int64_t>();
            have_time = true;
          } else if (k == "values") {
            if (!v.is_object()) return InvalidArgumentError(where + ".values: expected an object of name: number");
            if (v.size() > kMaxValuesPerSample) {
              return InvalidArgumentError(where + ".values: at most " + std::to_string(kMaxValuesPerSample) +
                                          " values per sample");
            }
            for (const auto& [name, x] : v.items()) {
              if (!IsValidSeriesName(name)) {
                return InvalidArgumentError(where + ".values: name \"" + name.substr(0, 64) +
                                            "\" is not [a-z_][a-z0-9_]* of at most 64 characters");
              }
              if (!x.is_number() || !std::isfinite(x.get<double>())) {
                return InvalidArgumentError(where + ".values." + name + ": expected a finite number");
              }
              sample.values.emplace_back(name, x.get<double>());
            }
            have_values = true;
          } else {
            return InvalidArgumentError(where + "." + k.substr(0, 64) + ": unknown field (expected time, values)");
          }
        }
        if (!have_time) return InvalidArgumentError(where + ".time: required");
        if (!have_values) return InvalidArgumentError(where + ".values: required");
        batch.samples.push_back(std::move(sample));
      }
    } else {
      return InvalidArgumentError(key.substr(0, 64) + ": unknown field (expected host, group, samples)");
    }
  }
  if (batch.host.empty()) return InvalidArgumentError("host: required");
  return batch;
}

}  // namespace kelola::metrics
