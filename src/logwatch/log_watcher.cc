#include "logwatch/log_watcher.h"

#include <nlohmann/json.hpp>

#include "base/logging.h"

namespace kelola {

LogWatcher::LogWatcher(LogStore& logs, Store& store, Clock& clock, SignalSink report, LogWatcherOptions options)
    : logs_(logs), store_(store), clock_(clock), report_(std::move(report)), options_(std::move(options)) {
  cursor_ = logs_.Stats().next_id - 1;  // what is stored already was analysed before, or never will be
  rule_events_ = store_.Subscribe([this](const Event& e) {
    if (e.subject.rfind("AlertRule/", 0) == 0) rules_changed_ = true;
  });
}

LogWatcher::~LogWatcher() {
  Stop();
  rule_events_.reset();
}

Status LogWatcher::ReloadRules() {
  std::map<std::string, Resource> current;
  ListOptions list;
  list.kind = "AlertRule";
  for (;;) {
    KELOLA_ASSIGN_OR_RETURN(ListResult page, store_.ListResources(list));
    for (auto& r : page.items) current.emplace(r.name, std::move(r));
    if (page.next_after.empty()) break;
    list.after_name = page.next_after;
  }
  for (auto it = rules_.begin(); it != rules_.end();) {
    auto found = current.find(it->first);
    if (found == current.end() || found->second.resource_version != it->second.resource_version) {
      Retire(it->second);
      it = rules_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [name, resource] : current) {
    if (rules_.count(name)) continue;
    auto spec_json = nlohmann::json::parse(resource.spec_json, nullptr, false);
    auto spec = anomaly::ParseAlertRuleSpec(spec_json);
    if (!spec.ok()) {
      // The API validated it when it was written; a rule from an older
      // version that no longer parses is skipped, loudly.
      LogWarn("alert rule skipped", {{"rule", name}, {"error", spec.status().ToString()}});
      continue;
    }
    auto evaluator = anomaly::RuleEvaluator::Create(name, std::move(*spec), clock_.Now());
    if (!evaluator.ok()) {
      LogWarn("alert rule skipped", {{"rule", name}, {"error", evaluator.status().ToString()}});
      continue;
    }
    rules_[name] = Rule{resource.resource_version, std::move(*evaluator), {}};
  }
  return OkStatus();
}

// A rule that goes away resolves what it had firing.
void LogWatcher::Retire(Rule& rule) {
  for (auto& [key, signal] : rule.active) {
    signal.active = false;
    report_(signal);
  }
  rule.active.clear();
}

AlertSignal LogWatcher::SignalFor(const std::string& rule_name, const anomaly::AlertRuleSpec& spec,
                                  const anomaly::Detection& d) const {
  AlertSignal s;
  for (const auto& [k, v] : d.labels) s.labels[k] = v;
  s.labels["alertname"] = rule_name;
  for (const auto& [k, v] : spec.annotations) s.annotations[k] = v;
  if (!s.annotations.count("summary")) s.annotations["summary"] = d.summary;
  s.annotations["value"] = std::to_string(static_cast<long long>(d.value));
  s.annotations["threshold"] = std::to_string(static_cast<long long>(d.threshold));
  s.active = d.active;
  s.for_duration = spec.pending_for;
  s.generator_url = options_.external_url + "/v1/alertrules/" + rule_name;
  return s;
}

void LogWatcher::Evaluate() {
  for (auto& [name, rule] : rules_) {
    std::map<std::string, AlertSignal> now_active;
    for (const anomaly::Detection& d : rule.evaluator->Evaluate(clock_)) {
      if (!d.active) continue;
      AlertSignal s = SignalFor(name, rule.evaluator->spec(), d);
      now_active[anomaly::LabelsKey(d.labels)] = s;
      report_(std::move(s));
    }
    for (auto& [key, signal] : rule.active) {
      if (now_active.count(key)) continue;
      signal.active = false;  // held at the last pass, not any more
      report_(signal);
    }
    rule.active = std::move(now_active);
  }
}

Result<bool> LogWatcher::Step() {
  MonoTime now = clock_.Monotonic();
  if (now >= next_rules_ || rules_changed_.exchange(false)) {
    KELOLA_RETURN_IF_ERROR(ReloadRules());
    next_rules_ = now + options_.rules_every;
  }
  LogQuery q;
  q.after_id = cursor_;
  q.limit = options_.batch_records;
  KELOLA_ASSIGN_OR_RETURN(LogQueryResult page, logs_.Query(q));
  anomaly::Labels labels;
  for (const StoredRecord& r : page.records) {
    if (rules_.empty()) break;
    labels.clear();
    for (const auto& [k, v] : r.record.fields) labels[k] = v;
    for (const auto& [k, v] : r.labels) labels[k] = v;
    labels["agent"] = r.agent;
    labels["file"] = r.record.path;
    if (auto t = r.record.fields.find("template_id"); t != r.record.fields.end()) labels["template"] = t->second;
    WallTime t{std::chrono::milliseconds(r.record.time_ms)};
    for (auto& [name, rule] : rules_) rule.evaluator->Observe(labels, r.record.level, r.record.text, t);
  }
  if (!page.records.empty()) cursor_ = page.last_id;
  if (now >= next_evaluate_) {
    Evaluate();
    next_evaluate_ = now + options_.evaluate_every;
  }
  return !page.records.empty();
}

void LogWatcher::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    while (!stop_) {
      auto read = Step();
      if (!read.ok()) LogWarn("log watcher pass failed; will retry", {{"error", read.status().ToString()}});
      if (stop_) break;
      if (read.ok() && *read) continue;
      MonoTime wake = std::min(next_evaluate_, clock_.Monotonic() + std::chrono::milliseconds(250));
      logs_.WaitForNewer(cursor_, wake);
    }
  });
}

void LogWatcher::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace kelola
