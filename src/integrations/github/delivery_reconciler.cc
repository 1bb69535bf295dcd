#include "integrations/github/delivery_reconciler.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "pipeline/pipeline_spec.h"

namespace kelola {

std::vector<HookDelivery> MissedDeliveries(const std::vector<HookDelivery>& deliveries,
                                           const std::function<bool(const std::string&)>& in_inbox, int max_attempts) {
  struct Attempts {
    const HookDelivery* latest = nullptr;
    int count = 0;
    bool succeeded = false;
  };
  std::map<std::string, Attempts> by_guid;
  for (const HookDelivery& d : deliveries) {
    Attempts& a = by_guid[d.guid];
    ++a.count;
    if (d.status_code >= 200 && d.status_code < 300) a.succeeded = true;
    if (a.latest == nullptr || d.id > a.latest->id) a.latest = &d;
  }
  std::vector<HookDelivery> out;
  for (const auto& [guid, a] : by_guid) {
    if (a.succeeded || a.count >= max_attempts || in_inbox(guid)) continue;
    out.push_back(*a.latest);
  }
  std::sort(out.begin(), out.end(), [](const HookDelivery& x, const HookDelivery& y) { return x.id < y.id; });
  return out;
}

Result<ReconcileResult> DeliveryReconciler::Reconcile(const std::string& key) {
  KELOLA_ASSIGN_OR_RETURN(ResourceKeyParts parts, ParseResourceKey(key));
  if (parts.kind != "Pipeline") return ReconcileResult{};
  auto resource = store_.GetResource("Pipeline", parts.name);
  if (resource.status().code() == StatusCode::kNotFound) return ReconcileResult{};
  if (!resource.ok()) return resource.status();
  auto spec = DecodePipelineSpec(parts.name, resource->spec_json);
  if (!spec.ok() || spec->forge != "github" || spec->hook_id <= 0 || spec->token_secret.empty()) {
    return ReconcileResult{};  // nothing to reconcile for this pipeline
  }
  KELOLA_ASSIGN_OR_RETURN(std::string token, secrets_(spec->token_secret));
  GitHubClient client(spec->api_url, token, options_.http);
  const WallTime since = clock_.Now() - options_.lookback;
  std::vector<HookDelivery> seen;
  std::string cursor;
  for (int page = 0; page < options_.max_pages; ++page) {
    KELOLA_ASSIGN_OR_RETURN(DeliveryPage got, client.ListHookDeliveries(spec->repository, spec->hook_id, cursor));
    bool older = false;
    for (HookDelivery& d : got.deliveries) {
      if (d.delivered_at.has_value() && *d.delivered_at < since) {
        older = true;
        continue;
      }
      seen.push_back(std::move(d));
    }
    if (older || got.next_cursor.empty()) break;
    cursor = got.next_cursor;
  }
  Status lookup_failure = OkStatus();
  auto in_inbox = [&](const std::string& guid) {
    auto entry = store_.GetInboxEntry("github", guid);
    if (entry.ok()) return true;
    if (entry.status().code() != StatusCode::kNotFound && entry.status().code() != StatusCode::kInvalidArgument) {
      lookup_failure = entry.status();
      return true;  // unsure: do not redeliver on a store failure
    }
    return false;
  };
  std::vector<HookDelivery> missed = MissedDeliveries(seen, in_inbox, options_.max_attempts);
  KELOLA_RETURN_IF_ERROR(lookup_failure);
  int requested = 0;
  for (const HookDelivery& d : missed) {
    if (requested >= options_.max_redeliveries) break;
    // GitHub knows no fencing token: confirm the lease right before asking,
    // so a paused former leader resuming with a stale list asks for nothing.
    KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());
    KELOLA_RETURN_IF_ERROR(client.Redeliver(spec->repository, spec->hook_id, d.id));
    ++requested;
    Event e;
    e.type = "webhook.redelivery.requested";
    e.subject = "webhook/github/" + d.guid;
    e.actor = kDeliveryControllerName;
    e.data_json = nlohmann::json{{"pipeline", parts.name},
                                 {"delivery", d.guid},
                                 {"attempt", d.id},
                                 {"event", d.event},
                                 {"statusCode", d.status_code}}
                      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)store_.AppendEvent(e);
  }
  return ReconcileResult{options_.poll};
}

Status RegisterDeliveryReconciler(ControllerManager& manager, Clock& clock, SecretResolver secrets,
                                  DeliveryReconcilerOptions options) {
  ControllerOptions c;
  c.name = kDeliveryControllerName;
  c.kinds = {"Pipeline"};
  c.resync_period = options.poll;
  c.make_reconciler = [&clock, secrets = std::move(secrets), options](Store& store) -> std::shared_ptr<Reconciler> {
    return std::make_shared<DeliveryReconciler>(store, clock, secrets, options);
  };
  return manager.Register(std::move(c));
}

}  // namespace kelola
