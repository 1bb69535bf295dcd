// JsonFields: strict reading of one JSON object for the deploy decoders —
// every key must be known, every error names the field by its path
// ("spec.dockerhosts.containerPort must be between 1 and 65535, got 0").
// Internal to src/deploy (target.cc, release.cc).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/status.h"

namespace kelola::deploy_internal {

class JsonFields {
 public:
  JsonFields(const nlohmann::json& doc, std::string path) : doc_(doc), path_(std::move(path)) {}

  Status CheckKeys(std::initializer_list<const char*> known) const;
  bool Has(const char* key) const { return doc_.contains(key) && !doc_.at(key).is_null(); }
  const nlohmann::json& At(const char* key) const { return doc_.at(key); }
  std::string Path(const std::string& key) const { return path_ + "." + key; }

  Result<std::string> Text(const char* key, std::string fallback, size_t max_length) const;
  Result<std::string> RequiredText(const char* key, size_t max_length) const;
  Result<int> Int(const char* key, int fallback, int min, int max) const;
  Result<bool> Bool(const char* key, bool fallback) const;
  // A duration as text ("10s", "1m30s"), between `min` and `max`.
  Result<Duration> Dur(const char* key, Duration fallback, Duration min, Duration max) const;
  Result<std::optional<WallTime>> Time(const char* key) const;  // RFC 3339

 private:
  const nlohmann::json& doc_;
  std::string path_;
};

// Parses `text` as a JSON object; InvalidArgument naming `what` otherwise.
Result<nlohmann::json> ParseObject(const std::string& text, const std::string& what);

// The duration as the shortest text ParseDuration reads back.
std::string DurationText(Duration d);

}  // namespace kelola::deploy_internal
