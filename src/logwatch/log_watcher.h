// LogWatcher: kelola reading its logs as they arrive. It follows the
// embedded log store from the records present at start, feeds every new
// record to one anomaly::RuleEvaluator per `AlertRule` resource, and every
// `evaluate_every` turns the evaluators' Detections into AlertSignals for
// the alert lifecycle (src/alerting): active series each pass, and once
// inactive when they stop holding (or their rule is changed or deleted).
//
// A line's labels, for a rule's selector and groupBy: the record's fields,
// then its batch's labels (host, service, ...), then `agent`, `file` and
// `template` (the template id the miner gave it, src/analyze).
//
// Rules are re-read from the store at once when an AlertRule changes (the
// store's change events) and at least every `rules_every`; a rule whose
// resource changed starts with empty counts. Counts live in memory: after a
// restart the detectors learn their baselines again.
//
// Thread-safety: Step() is for tests and is not to be mixed with
// Start()/Stop().
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "alerting/alert_manager.h"
#include "anomaly/rule_evaluator.h"
#include "base/clock.h"
#include "base/status.h"
#include "logs/log_store.h"
#include "store/store.h"

namespace kelola {

struct LogWatcherOptions {
  Duration evaluate_every = std::chrono::seconds(1);
  Duration rules_every = std::chrono::seconds(10);
  size_t batch_records = 5000;
  std::string external_url;  // for the alerts' generator links; "" = relative links
};

class LogWatcher {
 public:
  using SignalSink = std::function<void(AlertSignal)>;
  // `logs`, `store` and `clock` must outlive the watcher.
  LogWatcher(LogStore& logs, Store& store, Clock& clock, SignalSink report, LogWatcherOptions options = {});
  ~LogWatcher();

  // One pass: reload rules when due, read the records that arrived, and
  // evaluate when due. Returns whether it read any record.
  Result<bool> Step();
  void Start();
  void Stop();

 private:
  struct Rule {
    int64_t resource_version = 0;
    std::unique_ptr<anomaly::RuleEvaluator> evaluator;
    std::map<std::string, AlertSignal> active;  // by series key: what was last reported active
  };
  Status ReloadRules();
  void Retire(Rule& rule);
  void Evaluate();
  AlertSignal SignalFor(const std::string& rule_name, const anomaly::AlertRuleSpec& spec,
                        const anomaly::Detection& d) const;

  LogStore& logs_;
  Store& store_;
  Clock& clock_;
  SignalSink report_;
  LogWatcherOptions options_;
  uint64_t cursor_ = 0;
  std::map<std::string, Rule> rules_;
  MonoTime next_rules_{};
  MonoTime next_evaluate_{};
  std::atomic<bool> stop_{false};
  std::atomic<bool> rules_changed_{false};
  std::unique_ptr<Store::Subscription> rule_events_;
  std::thread thread_;
};

}  // namespace kelola
