// kelola events [--follow] | token create | version
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/cli_support.h"

namespace kelola {
namespace {

using json = nlohmann::json;

int Events(const GlobalFlags& flags, bool follow, const std::string& type, const std::string& subject, int64_t after) {
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  std::string query = "?after=" + std::to_string(after);
  if (!type.empty()) query += "&type=" + PercentEncode(type);
  if (!subject.empty()) query += "&subject=" + PercentEncode(subject);
  if (follow) {
    Status s = (*client)->FollowEvents("/v1/events" + query + "&follow=1", [&](const json& e) {
      std::cout << RenderEvent(e, *format) << std::flush;
      return true;
    });
    return s.ok() ? 0 : ReportError(s);
  }
  auto r = (*client)->Get("/v1/events" + query + "&limit=10000");
  if (!r.ok()) return ReportError(r.status());
  for (const auto& e : (*r)["items"]) std::cout << RenderEvent(e, *format);
  return 0;
}

int CreateToken(const GlobalFlags& flags, const std::string& name, const std::string& role, int64_t ttl) {
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  json body = {{"name", name}, {"role", role}};
  if (ttl > 0) body["ttlSeconds"] = ttl;
  auto r = (*client)->Post("/v1/tokens", body);
  if (!r.ok()) return ReportError(r.status());
  auto format = ParseOutputFormat(flags.output);
  if (format.ok() && *format != OutputFormat::kTable) {
    std::cout << (*format == OutputFormat::kJson ? r->dump(2) + "\n" : JsonToYaml(*r));
    return 0;
  }
  // The secret is shown once; it cannot be read back later.
  std::cerr << "token " << r->value("id", "") << " (" << r->value("name", "") << ", " << r->value("role", "")
            << ") created; store it now, it is not shown again:\n";
  std::cout << r->value("token", "") << "\n";
  return 0;
}

int Version(const GlobalFlags& flags, bool client_only) {
  std::cout << "client: " << KELOLA_VERSION << "\n";
  if (client_only) return 0;
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  auto r = (*client)->Get("/v1/version");
  if (!r.ok()) return ReportError(r.status());
  std::cout << "server: " << r->value("version", "") << "\n";
  return 0;
}

}  // namespace

void AddEventsCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* cmd = app.add_subcommand("events", "Show the event log (audit trail and changes)");
  auto follow = std::make_shared<bool>(false);
  auto type = std::make_shared<std::string>();
  auto subject = std::make_shared<std::string>();
  auto after = std::make_shared<int64_t>(0);
  cmd->add_flag("-f,--follow", *follow, "keep streaming new events");
  cmd->add_option("--type", *type, "only types with this prefix, e.g. audit.");
  cmd->add_option("--subject", *subject, "only this subject, e.g. Host/web-1");
  cmd->add_option("--after", *after, "only events after this id")->check(CLI::NonNegativeNumber);
  cmd->callback([&flags, &exit_code, follow, type, subject, after] {
    exit_code = Events(flags, *follow, *type, *subject, *after);
  });
}

void AddTokenCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* token = app.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "Create a token; prints the secret once");
  auto name = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>("viewer");
  auto ttl = std::make_shared<int64_t>(0);
  create->add_option("--name", *name, "who or what will use it")->required();
  create->add_option("--role", *role, "admin, operator or viewer")
      ->check(CLI::IsMember({"admin", "operator", "viewer"}))
      ->capture_default_str();
  create->add_option("--ttl", *ttl, "lifetime in seconds (0 = no expiry)")->check(CLI::NonNegativeNumber);
  create->callback([&flags, &exit_code, name, role, ttl] { exit_code = CreateToken(flags, *name, *role, *ttl); });
}

void AddVersionCommand(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print the client and server versions");
  auto client_only = std::make_shared<bool>(false);
  cmd->add_flag("--client", *client_only, "only the client's version");
  cmd->callback([&flags, &exit_code, client_only] { exit_code = Version(flags, *client_only); });
}

}  // namespace kelola
