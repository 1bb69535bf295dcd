// kelola scale simulate: replays a load trace through scaling policies
// (src/scale/simulator.h) and compares them with the plain HPA.
// kelola scale explain GROUP: the live autoscaler's latest decision for a
// group (GET /v1/server-groups/{name}/scaling). docs/autoscaling.md.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "net/http_message.h"
#include "scale/simulation_plot.h"
#include "scale/simulator.h"

namespace kelola {
namespace {

struct SimulateFlags {
  std::vector<std::string> policies;
  std::string trace;
  std::string plot;
  std::string plot_range;
  std::string start = "1970-01-01T00:00:00Z";
  bool no_baseline = false;
  CapacityModel model;
};

// "FROM:MINUTES" in minutes of the trace.
Status ParseRange(const std::string& text, size_t& from, size_t& minutes) {
  const size_t colon = text.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    size_t used = 0;
    const std::string a = text.substr(0, colon), b = text.substr(colon + 1);
    from = std::stoul(a, &used);
    if (used != a.size()) throw std::invalid_argument("from");
    minutes = std::stoul(b, &used);
    if (used != b.size() || minutes == 0) throw std::invalid_argument("minutes");
  } catch (const std::exception&) {
    return InvalidArgumentError("--plot-range " + text + ": expected FROM:MINUTES (minutes of the trace), e.g. 0:4320");
  }
  return OkStatus();
}

int Simulate(const SimulateFlags& f) {
  auto start = ParseRfc3339(f.start);
  if (!start.ok()) return ReportError(InvalidArgumentError("--start: " + start.status().message()));
  size_t from = 0, minutes = SIZE_MAX;
  if (!f.plot_range.empty()) {
    if (Status s = ParseRange(f.plot_range, from, minutes); !s.ok()) return ReportError(s);
  }
  std::vector<PolicySet> sets;
  for (const auto& path : f.policies) {
    auto text = ReadInputFile(path);
    if (!text.ok()) return ReportError(text.status());
    auto policies = ParseScalingPolicyFile(*text, path);
    if (!policies.ok()) return ReportError(policies.status());
    std::string name = (*policies)[0].name;
    for (size_t i = 1; i < policies->size(); ++i) name += "+" + (*policies)[i].name;
    sets.push_back({name, std::move(*policies)});
  }
  if (!f.no_baseline) {
    const ScalingPolicySpec* like = &sets[0].policies[0];
    for (const auto& p : sets[0].policies) {
      if (p.target_tracking) {
        like = &p;
        break;
      }
    }
    sets.push_back(HpaBaseline(*like));
  }
  auto trace_text = ReadInputFile(f.trace);
  if (!trace_text.ok()) return ReportError(trace_text.status());
  auto trace = ParseLoadTrace(*trace_text, f.trace, *start);
  if (!trace.ok()) return ReportError(trace.status());

  std::vector<SimulationResult> results;
  std::vector<double> seconds;
  for (const auto& set : sets) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = Simulate(*trace, set, f.model);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (!r.ok()) return ReportError(r.status());
    results.push_back(std::move(*r));
  }
  std::printf("trace %s: %zu minutes from %s; capacity %g req/min per host, boot %d s, interval %d s, SLO %g\n",
              f.trace.c_str(), trace->requests.size(), FormatRfc3339(trace->start).c_str(), f.model.capacity_per_host,
              f.model.boot_seconds, f.model.interval_seconds, f.model.slo_utilization);
  std::printf("%-28s %10s %9s %9s %12s %8s %6s %6s %6s %6s %8s\n", "POLICY", "HOST_H", "SLO_MIN", "OVER_MIN",
              "UNSERVED", "ACTIONS", "FLAPS", "MIN_H", "MAX_H", "UTIL", "SECONDS");
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    std::printf("%-28s %10.1f %9d %9d %12.0f %8d %6d %6d %6d %6.3f %8.3f\n", r.name.c_str(), r.host_hours,
                r.minutes_over_slo, r.minutes_overloaded, r.unserved_requests, r.scaling_actions, r.flaps, r.min_hosts,
                r.max_hosts, r.mean_utilization, seconds[i]);
  }
  if (!f.plot.empty()) {
    std::ofstream out(f.plot, std::ios::binary | std::ios::trunc);
    out << RenderSimulationSvg(*trace, f.model.load_scale, results, from, minutes);
    if (!out.flush()) return ReportError(InvalidArgumentError(f.plot + ": cannot write the plot"));
    std::printf("plot written to %s\n", f.plot.c_str());
  }
  return 0;
}

std::string Number(const nlohmann::json& v) {
  if (!v.is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v.get<double>());
  return buf;
}

int Explain(const GlobalFlags& flags, const std::string& group) {
  using nlohmann::json;
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  auto r = (*client)->Get("/v1/server-groups/" + PercentEncode(group) + "/scaling");
  if (!r.ok()) return ReportError(r.status());
  if (*format == OutputFormat::kJson) {
    std::cout << r->dump(2) << "\n";
    return 0;
  }
  if (*format == OutputFormat::kYaml) {
    std::cout << JsonToYaml(*r);
    return 0;
  }
  const json& policies = (*r)["policies"];
  std::cout << "server-group/" << group << ": count " << r->value("count", 0) << ", " << policies.size()
            << " scaling polic" << (policies.size() == 1 ? "y" : "ies") << "\n";
  for (const json& p : policies) {
    if (p.contains("invalid"))
      std::cout << "  " << p.value("name", "") << ": invalid: " << p.value("invalid", "") << "\n";
  }
  const json& d = (*r)["lastDecision"];
  if (!d.is_object()) {
    std::cout << "no decision yet (the autoscaler evaluates every autoscaler.interval)\n";
    return 0;
  }
  std::string outcome = d.value("acted", false) ? "acted" : "no change";
  if (d.value("dryRun", false)) outcome = "dry-run, not acted";
  if (d.contains("error")) outcome += "; " + d.value("error", "");
  std::cout << "last decision " << d.value("at", "") << ": " << d.value("current", 0) << " -> " << d.value("desired", 0)
            << " (" << outcome << ")\n\n";
  std::vector<std::vector<std::string>> rows = {{"POLICY", "METRIC", "VALUE", "TARGET", "HOSTS", "WARMING", "MISSING",
                                                 "RAW", "STABILIZED", "RECOMMENDED", "LIMIT"}};
  for (const json& p : d.value("policies", json::array())) {
    rows.push_back({p.value("policy", ""), p.value("metric", "").empty() ? "-" : p.value("metric", ""),
                    Number(p.value("value", json())), Number(p.value("target", json())),
                    std::to_string(p.value("hostsCounted", 0)), std::to_string(p.value("hostsWarming", 0)),
                    std::to_string(p.value("hostsMissing", 0)), std::to_string(p.value("raw", 0)),
                    std::to_string(p.value("stabilized", 0)), std::to_string(p.value("recommended", 0)),
                    p.value("limit", "")});
  }
  std::cout << FormatTable(rows) << "\n" << d.value("explanation", "");
  return 0;
}

}  // namespace

void AddScaleCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* scale = app.add_subcommand(
      "scale", "Autoscaling: explain the live autoscaler's decisions, replay recorded load through policies");
  scale->require_subcommand(1);
  auto f = std::make_shared<SimulateFlags>();
  auto* sim = scale->add_subcommand(
      "simulate", "Replay a load trace through ScalingPolicy files and compare them with the plain HPA");
  sim->add_option("--policy", f->policies, "ScalingPolicy YAML file; repeat to compare (a file's policies combine)")
      ->required();
  sim->add_option("--trace", f->trace, "load trace CSV (docs/autoscaling.md: minute,requests | timestamp,...)")
      ->required();
  sim->add_option("--capacity-per-host", f->model.capacity_per_host, "requests per minute one Ready host serves")
      ->capture_default_str();
  sim->add_option("--boot-seconds", f->model.boot_seconds, "seconds from a host's request to Ready")
      ->capture_default_str();
  sim->add_option("--interval", f->model.interval_seconds, "seconds between evaluations (divides 60)")
      ->capture_default_str();
  sim->add_option("--slo-utilization", f->model.slo_utilization, "a minute above this utilization breaks the SLO")
      ->capture_default_str();
  sim->add_option("--flap-window", f->model.flap_window_seconds, "a reversal within this many seconds is a flap")
      ->capture_default_str();
  sim->add_option("--initial-hosts", f->model.initial_hosts, "hosts at the start (default: the policies' minimum)");
  sim->add_option("--load-scale", f->model.load_scale, "multiply the trace's load")->capture_default_str();
  sim->add_option("--start", f->start, "time of minute 0 of a minute,requests trace (RFC 3339; schedules use it)")
      ->capture_default_str();
  sim->add_flag("--no-baseline", f->no_baseline, "do not add the plain HPA baseline");
  sim->add_option("--plot", f->plot, "write an SVG of load, capacity and hosts over time");
  sim->add_option("--plot-range", f->plot_range, "FROM:MINUTES of the trace to plot (default: all)");
  sim->callback([f, &exit_code] { exit_code = Simulate(*f); });

  auto group = std::make_shared<std::string>();
  auto* explain = scale->add_subcommand(
      "explain", "Show the autoscaler's latest decision for a ServerGroup: inputs, formula, the limit that clipped it");
  explain->add_option("GROUP", *group, "the ServerGroup")->required();
  explain->callback([group, &flags, &exit_code] { exit_code = Explain(flags, *group); });
}

}  // namespace kelola
