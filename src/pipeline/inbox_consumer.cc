#include "pipeline/inbox_consumer.h"

#include <nlohmann/json.hpp>

#include "pipeline/forge_event.h"
#include "pipeline/pipeline_spec.h"
#include "pipeline/run_queue.h"

namespace kelola {

Result<ReconcileResult> InboxConsumer::Reconcile(const std::string&) {
  InboxFilter filter;
  filter.pending_only = true;
  filter.limit = 100;
  while (true) {
    KELOLA_ASSIGN_OR_RETURN(auto entries, store_.ListInbox(filter));
    for (const InboxEntry& entry : entries) {
      KELOLA_RETURN_IF_ERROR(store_.ConfirmLeadership());  // a former leader queues nothing
      KELOLA_ASSIGN_OR_RETURN(std::string outcome, Process(entry));
      KELOLA_RETURN_IF_ERROR(store_.MarkInboxProcessed(entry.source, entry.delivery_id, outcome));
      filter.after_seq = entry.seq;
    }
    if (entries.size() < static_cast<size_t>(filter.limit)) break;
  }
  return ReconcileResult{};
}

Result<std::string> InboxConsumer::Process(const InboxEntry& entry) {
  Result<ForgeEvent> parsed = entry.source == "gitlab" ? ParseGitLabEvent(entry.event, entry.payload)
                                                       : ParseGitHubEvent(entry.event, entry.payload);
  if (!parsed.ok()) return "rejected: " + parsed.status().message();
  const ForgeEvent& event = *parsed;
  if (event.kind == ForgeEventKind::kIgnored) return "ignored: " + event.ignored_reason;
  if (event.kind == ForgeEventKind::kPing) return std::string("ping");
  nlohmann::json names = nlohmann::json::parse(entry.pipelines_json, nullptr, false);
  if (!names.is_array()) return std::string("rejected: pipeline list is not a JSON array");
  std::string outcome;
  int queued = 0;
  for (const auto& name_json : names) {
    if (!name_json.is_string()) continue;
    const std::string name = name_json.get<std::string>();
    std::string what;
    auto resource = store_.GetResource("Pipeline", name);
    if (resource.status().code() == StatusCode::kNotFound) {
      what = "deleted";
    } else if (!resource.ok()) {
      return resource.status();
    } else if (auto spec = DecodePipelineSpec(name, resource->spec_json); !spec.ok()) {
      what = spec.status().message();
    } else if (TriggerDecision d = DecideTrigger(*spec, event); !d.run) {
      what = "skipped (" + d.reason + ")";
    } else {
      KELOLA_ASSIGN_OR_RETURN(Run run, QueueRunOnce(store_, NewRunFromEvent(name, event, entry.source,
                                                                            entry.delivery_id, spec->clone_url)));
      ++queued;
      what = "queued run " + run.id;
      if (spec->cancel_previous) {
        KELOLA_ASSIGN_OR_RETURN(int cancelled, CancelOlderRuns(store_, clock_, run));
        if (cancelled > 0) what += ", cancelled " + std::to_string(cancelled) + " older";
      }
    }
    if (!outcome.empty()) outcome += "; ";
    outcome += name + ": " + what;
  }
  if (outcome.empty()) return std::string("no pipeline");
  return (queued > 0 ? "queued: " : "nothing queued: ") + outcome;
}

Status RegisterInboxConsumer(ControllerManager& manager, Clock& clock, Duration poll) {
  ControllerOptions options;
  options.name = kInboxControllerName;
  options.kinds = {"Pipeline"};
  options.resync_period = poll;
  options.make_reconciler = [&clock](Store& store) -> std::shared_ptr<Reconciler> {
    return std::make_shared<InboxConsumer>(store, clock);
  };
  return manager.Register(std::move(options));
}

}  // namespace kelola
