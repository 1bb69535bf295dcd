// KindRegistry: the resource kinds the API serves, each with its plural
// (the URL segment), its spec schema and who may write it.
//
// Host and Secret arrive with the foundation; every later kind registers
// here with its schema and nothing else changes in the REST layer.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/schema.h"

namespace kelola {

struct KindInfo {
  std::string kind;      // "Host"
  std::string plural;    // "hosts"
  std::string singular;  // "host"
  std::string description;
  Schema spec;
  // Secrets are sealed before they are stored and never returned.
  bool is_secret = false;
  // Created and updated only by the server (e.g. Executions, made through
  // POST /v1/executions); PUT and DELETE answer 405.
  bool server_managed = false;
  // Checks the schema cannot express (a regex compiles, a duration parses,
  // parameters fit the chosen type), run after schema validation and
  // defaults. Errors name the field ("spec.match: ...").
  std::function<Status(const nlohmann::json& spec)> validate_spec;
};

class KindRegistry {
 public:
  void Register(KindInfo info);
  // Accepts the plural, the singular or the kind name, case-insensitively
  // ("hosts", "host", "Host"), as kubectl does. nullptr when unknown.
  const KindInfo* Find(const std::string& name) const;
  const KindInfo* FindByPlural(const std::string& plural) const;
  const std::vector<KindInfo>& kinds() const { return kinds_; }
  std::string KnownPlurals() const;  // "hosts, secrets"

 private:
  std::vector<KindInfo> kinds_;
};

// The registry with every kind kelola knows.
KindRegistry BuiltinKinds();

// The body of POST /v1/executions, which is also an Execution's spec.
const Schema& ExecutionRequestSchema();

}  // namespace kelola
