#include "api/hook_handlers.h"

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "base/crypto.h"
#include "pipeline/forge_event.h"
#include "pipeline/form_payload.h"
#include "pipeline/pipeline_spec.h"

namespace kelola {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxDeliveryIdBytes = 200;

struct Forge {
  std::string name;  // "github" | "gitlab"
  // The signature header's value, or "" when absent.
  std::string (*credential)(const HttpRequest&);
  // Whether `credential` proves knowledge of `secret` for `body`.
  bool (*verify)(const std::string& credential, const std::string& secret, const std::string& body);
};

std::string GitHubCredential(const HttpRequest& req) { return req.Header("X-Hub-Signature-256"); }
bool GitHubVerify(const std::string& signature, const std::string& secret, const std::string& body) {
  const std::string expected = "sha256=" + HexEncode(HmacSha256(secret, body));
  return ConstantTimeEquals(signature, expected);
}
std::string GitLabCredential(const HttpRequest& req) { return req.Header("X-Gitlab-Token"); }
bool GitLabVerify(const std::string& token, const std::string& secret, const std::string&) {
  return ConstantTimeEquals(token, secret);
}

void AuditRejected(ApiContext& ctx, const HttpRequest& req, const std::string& forge, const std::string& reason) {
  Event e;
  e.type = "audit.webhook.rejected";
  e.subject = req.path;
  e.actor = "webhook";
  e.data_json = json{
      {"forge", forge},
      {"reason", reason},
      {"remote", req.remote_address},
      {"event", req.Header(forge == "github" ? "X-GitHub-Event" : "X-Gitlab-Event").substr(0, 100)},
      {"status",
       401}}.dump(-1, ' ', false, json::error_handler_t::replace);
  (void)ctx.store.AppendEvent(e);  // the 401 stands even if the audit write fails
}

// The names of the pipelines whose secret the request proves.
Result<std::vector<std::string>> VerifiedPipelines(ApiContext& ctx, const Forge& forge, const HttpRequest& req,
                                                   const std::string& credential, const std::string& repository) {
  const std::string only = req.Query("pipeline");
  std::vector<std::string> verified;
  ListOptions list;
  list.kind = "Pipeline";
  while (true) {
    KELOLA_ASSIGN_OR_RETURN(ListResult page, ctx.store.ListResources(list));
    for (const Resource& r : page.items) {
      if (!only.empty() && r.name != only) continue;
      auto spec = DecodePipelineSpec(r.name, r.spec_json);
      if (!spec.ok() || spec->forge != forge.name) continue;
      if (!repository.empty() && !SameRepository(*spec, repository)) continue;
      auto secret = ctx.secrets.Resolve(spec->webhook_secret);
      if (!secret.ok() || secret->empty()) continue;  // a pipeline without a usable secret accepts nothing
      if (forge.verify(credential, *secret, req.body)) verified.push_back(r.name);
    }
    if (page.next_after.empty()) break;
    list.after_name = page.next_after;
  }
  return verified;
}

std::string DeliveryId(const std::string& forge, const HttpRequest& req) {
  if (forge == "github") return req.Header("X-GitHub-Delivery");
  std::string id = req.Header("Idempotency-Key");  // the same on GitLab's retries (17.4+)
  if (id.empty()) id = req.Header("X-Gitlab-Event-UUID");
  if (id.empty()) id = "sha256-" + Sha256Hex(req.body);
  return id;
}

bool PrintableToken(const std::string& s) {
  if (s.empty() || s.size() > kMaxDeliveryIdBytes) return false;
  for (unsigned char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

HttpResponse Receive(ApiContext& ctx, const Forge& forge, HttpRequest& req) {
  const std::string event = req.Header(forge.name == "github" ? "X-GitHub-Event" : "X-Gitlab-Event");
  const std::string credential = forge.credential(req);
  if (credential.empty()) {
    AuditRejected(ctx, req, forge.name, "no signature");
    return ErrorResponse(
        UnauthenticatedError(forge.name == "github" ? "missing X-Hub-Signature-256" : "missing X-Gitlab-Token"));
  }
  // GitHub's form content type: the JSON is the `payload` field; the
  // signature still covers the raw body.
  Result<std::string> body = req.body;
  if (forge.name == "github" && IsFormContentType(req.Header("Content-Type"))) body = FormPayload(req.body);
  const std::string& json_body = body.ok() ? *body : req.body;
  // Parsed before it is trusted, only to narrow the secrets to try; nothing
  // parsed is acted on until the signature matched.
  auto parsed = forge.name == "github" ? ParseGitHubEvent(event, json_body) : ParseGitLabEvent(event, json_body);
  const std::string repository = parsed.ok() ? parsed->repository : "";
  auto verified = VerifiedPipelines(ctx, forge, req, credential, repository);
  if (!verified.ok()) return ErrorResponse(verified.status());
  if (verified->empty()) {
    AuditRejected(ctx, req, forge.name, "signature matches no pipeline's webhook secret");
    return ErrorResponse(UnauthenticatedError("the signature matches no pipeline's webhook secret"));
  }
  // Authenticated from here on.
  if (event.empty()) {
    return ErrorResponse(
        InvalidArgumentError(forge.name == "github" ? "missing X-GitHub-Event" : "missing X-Gitlab-Event"));
  }
  const std::string delivery = DeliveryId(forge.name, req);
  if (!PrintableToken(delivery)) {
    return ErrorResponse(InvalidArgumentError("missing or malformed delivery id (X-GitHub-Delivery)"));
  }
  if (!body.ok()) return ErrorResponse(body.status());
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  if (parsed->kind == ForgeEventKind::kPing) {
    return JsonResponse(200, {{"ok", true}, {"event", "ping"}, {"pipelines", *verified}});
  }
  if (parsed->kind == ForgeEventKind::kIgnored) {
    return JsonResponse(200, {{"ok", true}, {"ignored", parsed->ignored_reason}, {"delivery", delivery}});
  }
  InboxEntry entry;
  entry.source = forge.name;
  entry.delivery_id = delivery;
  entry.event = event;
  entry.pipelines_json = json(*verified).dump();
  entry.payload = json_body;  // the consumer parses JSON
  auto added = ctx.store.AddInboxEntry(entry);
  if (!added.ok()) return ErrorResponse(added.status());
  if (!*added) return JsonResponse(200, {{"ok", true}, {"duplicate", true}, {"delivery", delivery}});
  return JsonResponse(202, {{"ok", true}, {"queued", true}, {"delivery", delivery}, {"pipelines", *verified}});
}

}  // namespace

void RegisterHookRoutes(HttpServer& server, ApiContext& ctx) {
  static const Forge kGitHub{"github", GitHubCredential, GitHubVerify};
  static const Forge kGitLab{"gitlab", GitLabCredential, GitLabVerify};
  server.Route("POST", "/v1/hooks/github", [&ctx](HttpRequest& r) { return Receive(ctx, kGitHub, r); });
  server.Route("POST", "/v1/hooks/gitlab", [&ctx](HttpRequest& r) { return Receive(ctx, kGitLab, r); });
}

}  // namespace kelola
