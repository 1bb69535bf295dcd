#include "api/openapi.h"

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

using json = nlohmann::json;

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json JsonContent(const json& schema) { return {{"application/json", {{"schema", schema}}}}; }

json ErrorResponses() {
  json err = {{"content", JsonContent(Ref("Error"))}};
  json out = json::object();
  for (const char* code : {"400", "401", "403", "404", "409", "413", "422"}) {
    out[code] = err;
    out[code]["description"] = "error (see docs/api.md)";
  }
  return out;
}

json Param(const std::string& name, const std::string& in, const std::string& description, bool required = false) {
  return {{"name", name},
          {"in", in},
          {"required", required},
          {"description", description},
          {"schema", {{"type", "string"}}}};
}

}  // namespace

json BuildOpenApiDocument(const KindRegistry& kinds, const std::string& version) {
  json schemas = json::object();
  schemas["Error"] = {
      {"type", "object"},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"properties",
           {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}, {"details", {{"type", "object"}}}}},
          {"required", {"code", "message", "details"}}}}}},
      {"required", {"error"}}};
  schemas["ObjectMeta"] = {{"type", "object"},
                           {"properties",
                            {{"name", {{"type", "string"}}},
                             {"labels", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}},
                             {"resourceVersion", {{"type", "string"}}},
                             {"generation", {{"type", "integer"}, {"readOnly", true}}},
                             {"createdAt", {{"type", "string"}, {"format", "date-time"}, {"readOnly", true}}},
                             {"updatedAt", {{"type", "string"}, {"format", "date-time"}, {"readOnly", true}}}}}};
  json paths = json::object();
  for (const auto& k : kinds.kinds()) {
    schemas[k.kind + "Spec"] = SchemaToOpenApi(k.spec);
    schemas[k.kind] = {{"type", "object"},
                       {"description", k.description},
                       {"properties",
                        {{"apiVersion", {{"type", "string"}, {"enum", {"kelola.io/v1"}}}},
                         {"kind", {{"type", "string"}, {"enum", {k.kind}}}},
                         {"metadata", Ref("ObjectMeta")},
                         {"spec", Ref(k.kind + "Spec")},
                         {"status", {{"type", "object"}, {"readOnly", true}}}}},
                       {"required", {"spec"}}};
    json list = {{"type", "object"},
                 {"properties",
                  {{"kind", {{"type", "string"}}},
                   {"metadata", {{"type", "object"}, {"properties", {{"continue", {{"type", "string"}}}}}}},
                   {"items", {{"type", "array"}, {"items", Ref(k.kind)}}}}}};
    json name_param = Param("name", "path", "resource name", true);
    json collection = {{"get",
                        {{"summary", "List " + k.plural},
                         {"operationId", "list" + k.kind},
                         {"parameters",
                          {Param("labelSelector", "query", "e.g. app=web,tier!=db,env in (prod,staging)"),
                           Param("limit", "query", "page size, 1-1000 (default 500)"),
                           Param("continue", "query", "token from the previous page's metadata.continue")}},
                         {"responses", ErrorResponses()}}}};
    collection["get"]["responses"]["200"] = {{"description", "the list"}, {"content", JsonContent(list)}};
    json item = {
        {"get",
         {{"summary", "Read a " + k.singular}, {"operationId", "get" + k.kind}, {"responses", ErrorResponses()}}},
        {"put",
         {{"summary",
           "Create or update a " + k.singular + " (metadata.resourceVersion makes it conditional: 409 when stale)"},
          {"operationId", "put" + k.kind},
          {"requestBody", {{"required", true}, {"content", JsonContent(Ref(k.kind))}}},
          {"responses", ErrorResponses()}}},
        {"delete",
         {{"summary", "Delete a " + k.singular},
          {"operationId", "delete" + k.kind},
          {"parameters", {Param("resourceVersion", "query", "delete only if still at this version")}},
          {"responses", ErrorResponses()}}},
        {"parameters", {name_param}}};
    item["get"]["responses"]["200"] = {{"description", "the " + k.singular}, {"content", JsonContent(Ref(k.kind))}};
    item["put"]["responses"]["200"] = {{"description", "updated"}, {"content", JsonContent(Ref(k.kind))}};
    item["put"]["responses"]["201"] = {{"description", "created"}, {"content", JsonContent(Ref(k.kind))}};
    item["delete"]["responses"]["200"] = {{"description", "deleted"}};
    paths["/v1/" + k.plural] = collection;
    paths["/v1/" + k.plural + "/{name}"] = item;
  }
  json events = {{"get",
                  {{"summary", "The event log; with follow=1 a text/event-stream of new events"},
                   {"operationId", "listEvents"},
                   {"parameters",
                    {Param("after", "query", "only events with a larger id"),
                     Param("type", "query", "event type prefix, e.g. audit."),
                     Param("subject", "query", "exact subject, e.g. Host/web-1"), Param("limit", "query", "max events"),
                     Param("follow", "query", "1 to stream as server-sent events")}},
                   {"responses", ErrorResponses()}}}};
  events["get"]["responses"]["200"] = {{"description", "events"}};
  paths["/v1/events"] = events;
  json token_create = {{"type", "object"},
                       {"properties",
                        {{"name", {{"type", "string"}}},
                         {"role", {{"type", "string"}, {"enum", {"admin", "operator", "viewer"}}}},
                         {"ttlSeconds", {{"type", "integer"}, {"minimum", 0}}}}},
                       {"required", {"name", "role"}}};
  paths["/v1/tokens"] = {
      {"get", {{"summary", "List tokens (admin)"}, {"operationId", "listTokens"}, {"responses", ErrorResponses()}}},
      {"post",
       {{"summary", "Create a token (admin); the secret is returned once"},
        {"operationId", "createToken"},
        {"requestBody", {{"required", true}, {"content", JsonContent(token_create)}}},
        {"responses", ErrorResponses()}}}};
  paths["/v1/tokens"]["get"]["responses"]["200"] = {{"description", "tokens without secrets"}};
  paths["/v1/tokens"]["post"]["responses"]["201"] = {{"description", "the token, with its secret"}};
  paths["/v1/tokens/{id}"] = {
      {"delete",
       {{"summary", "Revoke a token (admin)"}, {"operationId", "revokeToken"}, {"responses", ErrorResponses()}}},
      {"parameters", {Param("id", "path", "token id", true)}}};
  paths["/v1/tokens/{id}"]["delete"]["responses"]["200"] = {{"description", "revoked"}};
  for (const char* forge : {"github", "gitlab"}) {
    const std::string path = std::string("/v1/hooks/") + forge;
    paths[path] = {{"post",
                    {{"summary", std::string("Forge webhook; authenticated by the ") + forge +
                                     " signature, not a token (docs/pipelines.md)"},
                     {"operationId", std::string(forge) + "Webhook"},
                     {"security", json::array()},
                     {"parameters", {Param("pipeline", "query", "only this Pipeline's secret is tried")}},
                     {"responses",
                      {{"200", {{"description", "ping, ignored event or replayed delivery"}}},
                       {"202", {{"description", "stored in the inbox"}}},
                       {"401", {{"description", "missing or wrong signature"}}}}}}}};
  }
  paths["/v1/runs"] = {{"get",
                        {{"summary", "Pipeline runs, newest first"},
                         {"operationId", "listRuns"},
                         {"parameters",
                          {Param("pipeline", "query", "only this pipeline's runs"),
                           Param("status", "query", "queued, running, succeeded, failed, cancelled or error"),
                           Param("limit", "query", "max runs (1-1000, default 50)"),
                           Param("before", "query", "the continue value of the previous page")}},
                         {"responses", ErrorResponses()}}}};
  paths["/v1/runs"]["get"]["responses"]["200"] = {{"description", "runs"}};
  paths["/v1/runs/{id}"] = {
      {"get", {{"summary", "One run"}, {"operationId", "getRun"}, {"responses", ErrorResponses()}}},
      {"parameters", {Param("id", "path", "run id", true)}}};
  paths["/v1/runs/{id}"]["get"]["responses"]["200"] = {{"description", "the run"}};
  paths["/v1/runs/{id}/logs"] = {
      {"get",
       {{"summary", "A run's output lines; with follow=1 application/x-ndjson until the run ends"},
        {"operationId", "getRunLogs"},
        {"parameters", {Param("follow", "query", "1 to stream new lines until the run has finished")}},
        {"responses", ErrorResponses()}}},
      {"parameters", {Param("id", "path", "run id", true)}}};
  paths["/v1/runs/{id}/logs"]["get"]["responses"]["200"] = {{"description", "the lines"}};
  for (const char* action : {"cancel", "retry"}) {
    const std::string path = std::string("/v1/runs/{id}/") + action;
    paths[path] = {{"post",
                    {{"summary", std::string(action) == "cancel" ? "Cancel a queued or running run"
                                                                 : "Queue a new run of a finished run's commit"},
                     {"operationId", std::string(action) + "Run"},
                     {"responses", ErrorResponses()}}},
                   {"parameters", {Param("id", "path", "run id", true)}}};
    paths[path]["post"]["responses"][std::string(action) == "cancel" ? "200" : "201"] = {{"description", "the run"}};
  }
  for (const char* p : {"/healthz", "/readyz", "/metrics", "/v1/version", "/v1/openapi.json"}) {
    paths[p] = {{"get",
                 {{"summary", std::string("unauthenticated: ") + p},
                  {"security", json::array()},
                  {"responses", {{"200", {{"description", "ok"}}}}}}}};
  }
  return {{"openapi", "3.0.3"},
          {"info", {{"title", "kelola API"}, {"version", version}}},
          {"servers", {{{"url", "/"}}}},
          {"security", {{{"bearer", json::array()}}}},
          {"paths", paths},
          {"components",
           {{"schemas", schemas}, {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace kelola
