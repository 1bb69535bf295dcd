// kelola alerts list | silences | silence | unsilence: the alert lifecycle's
// API (GET /v1/alerts, GET/POST /v1/silences, DELETE /v1/silences/{id}).
// Matchers use Alertmanager's syntax (`service="api"`, `env=~"prod|stage"`)
// and are checked here first, so a typo is exit code 2 before any request.
#include <iostream>

#include <CLI/CLI.hpp>

#include "alerting/label_matcher.h"
#include "base/config_schema.h"
#include "cli/cli_support.h"

namespace kelola {
namespace {

using json = nlohmann::json;

std::string Dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

bool Print(const json& j, OutputFormat format) {
  if (format == OutputFormat::kTable) return false;
  std::cout << (format == OutputFormat::kJson ? Dump(j) : JsonToYaml(j));
  return true;
}

std::string LabelsText(const json& labels, const std::string& skip) {
  std::string out;
  for (const auto& [k, v] : labels.items()) {
    if (k == skip || !v.is_string()) continue;
    out += (out.empty() ? "" : ",") + k + "=" + v.get<std::string>();
  }
  return out;
}

int Call(const GlobalFlags& flags, const std::function<int(ApiClient&, OutputFormat)>& body) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  return body(**client, *format);
}

struct ListFlags {
  std::string state;
  std::string filter;
  bool active_only = false;
};

struct SilenceFlags {
  std::vector<std::string> matchers;
  std::string duration = "2h";
  std::string until;
  std::string comment;
  std::string author;
};

int ListAlerts(ApiClient& c, OutputFormat format, const ListFlags& f) {
  if (auto m = ParseMatchers(f.filter); !m.ok()) {
    return ReportError(InvalidArgumentError("--filter: " + m.status().message()));
  }
  std::string q = "?state=" + PercentEncode(f.state);
  if (!f.filter.empty()) q += "&filter=" + PercentEncode(f.filter);
  if (f.active_only) q += "&silenced=false&inhibited=false";
  auto r = c.Get("/v1/alerts" + q);
  if (!r.ok()) return ReportError(r.status());
  if (Print((*r)["items"], format)) return 0;
  std::vector<std::vector<std::string>> rows = {{"FINGERPRINT", "STATE", "ALERTNAME", "LABELS", "SINCE", "MUTED BY"}};
  for (const json& a : (*r)["items"]) {
    std::string muted;
    for (const auto& id : a.value("silencedBy", json::array()))
      muted += (muted.empty() ? "" : ",") + id.get<std::string>();
    for (const auto& fp : a.value("inhibitedBy", json::array())) {
      muted += (muted.empty() ? "inhibited:" : ",inhibited:") + fp.get<std::string>();
    }
    rows.push_back({a.value("fingerprint", ""), a.value("state", ""), a["labels"].value("alertname", ""),
                    LabelsText(a["labels"], "alertname"), a.value("startsAt", a.value("activeAt", "")), muted});
  }
  std::cout << FormatTable(rows);
  return 0;
}

int ListSilences(ApiClient& c, OutputFormat format) {
  auto r = c.Get("/v1/silences");
  if (!r.ok()) return ReportError(r.status());
  if (Print((*r)["items"], format)) return 0;
  std::vector<std::vector<std::string>> rows = {{"ID", "STATE", "MATCHERS", "ENDS", "CREATED BY", "COMMENT"}};
  for (const json& s : (*r)["items"]) {
    std::string matchers;
    for (const auto& m : s["spec"].value("matchers", json::array())) {
      matchers += (matchers.empty() ? "" : ", ") + m.get<std::string>();
    }
    rows.push_back({s["metadata"].value("name", ""), s["status"].value("state", ""), matchers,
                    s["spec"].value("endsAt", ""), s["spec"].value("createdBy", ""), s["spec"].value("comment", "")});
  }
  std::cout << FormatTable(rows);
  return 0;
}

int CreateSilence(ApiClient& c, OutputFormat format, const SilenceFlags& f) {
  json matchers = json::array();
  for (const std::string& text : f.matchers) {
    auto m = ParseMatchers(text);
    if (!m.ok())
      return ReportError(InvalidArgumentError("matcher " + QuoteForError(text) + ": " + m.status().message()));
    for (const LabelMatcher& one : *m) matchers.push_back(one.ToString());
  }
  json body = {{"matchers", matchers}, {"comment", f.comment}};
  if (!f.author.empty()) body["createdBy"] = f.author;
  if (!f.until.empty()) {
    body["endsAt"] = f.until;
  } else {
    auto d = ParseDuration(f.duration);
    if (!d.ok()) return ReportError(InvalidArgumentError("--duration: " + d.status().message()));
    body["endsAt"] = FormatRfc3339(SystemClock().Now() + *d);
  }
  auto r = c.Post("/v1/silences", body);
  if (!r.ok()) return ReportError(r.status());
  if (!Print(*r, format)) std::cout << r->value("silenceID", "") << "\n";
  return 0;
}

}  // namespace

void AddAlertsCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* alerts = app.add_subcommand("alerts", "Alerts and silences: list, silences, silence, unsilence");
  alerts->require_subcommand(1);

  auto lf = std::make_shared<ListFlags>();
  auto* list = alerts->add_subcommand("list", "Alerts (pending, firing, resolved) with what mutes them");
  list->add_option("--state", lf->state, "pending, firing or resolved");
  list->add_option("--filter", lf->filter, "Alertmanager matchers, e.g. '{service=\"api\",severity=~\"crit.*\"}'");
  list->add_flag("--active", lf->active_only, "only alerts neither silenced nor inhibited");
  list->callback([&flags, &exit_code, lf] {
    exit_code = Call(flags, [lf](ApiClient& c, OutputFormat format) { return ListAlerts(c, format, *lf); });
  });

  auto* silences = alerts->add_subcommand("silences", "Silences, active, pending and expired");
  silences->callback([&flags, &exit_code] {
    exit_code = Call(flags, [](ApiClient& c, OutputFormat format) { return ListSilences(c, format); });
  });

  auto sf = std::make_shared<SilenceFlags>();
  auto* silence = alerts->add_subcommand("silence", "Silence the alerts all MATCHERS match; prints the silence id");
  silence->add_option("matchers", sf->matchers, "e.g. service=\"api\" 'env=~\"prod|stage\"'")->required();
  silence->add_option("-d,--duration", sf->duration, "how long, from now (30m, 2h, 1d)")->capture_default_str();
  silence->add_option("--until", sf->until, "instead of --duration: the end, RFC 3339");
  silence->add_option("-c,--comment", sf->comment, "why")->required();
  silence->add_option("-a,--author", sf->author, "who (default: the token's name)");
  silence->callback([&flags, &exit_code, sf] {
    exit_code = Call(flags, [sf](ApiClient& c, OutputFormat format) { return CreateSilence(c, format, *sf); });
  });

  auto id = std::make_shared<std::string>();
  auto* unsilence = alerts->add_subcommand("unsilence", "Expire a silence now (it stays listed as expired)");
  unsilence->add_option("id", *id, "the silence id")->required();
  unsilence->callback([&flags, &exit_code, id] {
    exit_code = Call(flags, [id](ApiClient& c, OutputFormat format) {
      auto r = c.Delete("/v1/silences/" + PercentEncode(*id));
      if (!r.ok()) return ReportError(r.status());
      if (!Print(*r, format)) std::cout << "silence " << *id << " expired\n";
      return 0;
    });
  });
}

}  // namespace kelola
