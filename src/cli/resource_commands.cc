// kelola apply -f FILE | get KIND [NAME] | delete KIND NAME (or -f FILE)
#include <iostream>

#include <CLI/CLI.hpp>

#include "api/api_object.h"
#include "api/kinds.h"
#include "cli/cli_support.h"

namespace kelola {
namespace {

using json = nlohmann::json;

struct Document {
  const KindInfo* kind;
  std::string name;
  json body;
  std::string where;  // "hosts.yaml:14"
};

// Reads every document of a file and checks the parts the client can check
// (kind known, name present) before anything is sent.
Result<std::vector<Document>> LoadDocuments(const KindRegistry& kinds, const std::string& path) {
  KELOLA_ASSIGN_OR_RETURN(std::string text, ReadInputFile(path));
  std::string source = path == "-" ? "<stdin>" : path;
  KELOLA_ASSIGN_OR_RETURN(YamlDocuments docs, ParseYamlDocuments(text, source));
  if (docs.docs.empty()) return InvalidArgumentError(source + ": no documents found");
  std::vector<Document> out;
  for (size_t i = 0; i < docs.docs.size(); ++i) {
    const json& d = docs.docs[i];
    std::string where = source + ":" + std::to_string(docs.start_lines[i]);
    if (!d.is_object()) return InvalidArgumentError(where + ": expected a resource (a map with kind, metadata, spec)");
    if (!d.contains("kind") || !d["kind"].is_string())
      return InvalidArgumentError(where + ": kind: required field is missing");
    const KindInfo* kind = kinds.Find(d["kind"].get<std::string>());
    if (!kind || kind->kind != d["kind"].get<std::string>()) {
      return InvalidArgumentError(where + ": kind: unknown kind " + d["kind"].dump() +
                                  " (known: " + kinds.KnownPlurals() + ")");
    }
    if (!d.contains("metadata") || !d["metadata"].is_object() || !d["metadata"].contains("name") ||
        !d["metadata"]["name"].is_string()) {
      return InvalidArgumentError(where + ": metadata.name: required field is missing");
    }
    out.push_back({kind, d["metadata"]["name"].get<std::string>(), d, where});
  }
  return out;
}

int Apply(const GlobalFlags& flags, const std::string& file) {
  KindRegistry kinds = BuiltinKinds();
  auto docs = LoadDocuments(kinds, file);
  if (!docs.ok()) return ReportError(docs.status());
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  int code = 0;
  for (const auto& d : *docs) {
    auto r = (*client)->Put("/v1/" + d.kind->plural + "/" + PercentEncode(d.name), d.body);
    if (!r.ok()) {
      std::cerr << "error: " << d.where << ": " << d.kind->singular << "/" << d.name << ": " << r.status().message()
                << "\n";
      code = std::max(code, ExitCodeFor(r.status()) == 2 ? 2 : 1);
      continue;
    }
    std::string gen = r->contains("metadata") ? (*r)["metadata"].value("generation", json(0)).dump() : "";
    std::cout << d.kind->singular << "/" << d.name << " applied (generation " << gen << ")\n";
  }
  return code;
}

}  // namespace

int GetResources(const GlobalFlags& flags, const std::string& kind_name, const std::string& name,
                 const std::string& selector) {
  KindRegistry kinds = BuiltinKinds();
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) return ReportError(format.status());
  const KindInfo* kind = kinds.Find(kind_name);
  if (!kind)
    return ReportError(
        InvalidArgumentError("unknown kind \"" + kind_name + "\" (known: " + kinds.KnownPlurals() + ")"));
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  if (!name.empty()) {
    auto r = (*client)->Get("/v1/" + kind->plural + "/" + PercentEncode(name));
    if (!r.ok()) return ReportError(r.status());
    std::cout << RenderResources(*r, *format);
    return 0;
  }
  // Follow pagination so that `get` shows everything, as kubectl does.
  json all = {{"apiVersion", kApiVersion}, {"kind", kind->kind + "List"}, {"items", json::array()}};
  std::string cont;
  do {
    std::string path = "/v1/" + kind->plural + "?limit=500";
    if (!selector.empty()) path += "&labelSelector=" + PercentEncode(selector);
    if (!cont.empty()) path += "&continue=" + PercentEncode(cont);
    auto r = (*client)->Get(path);
    if (!r.ok()) return ReportError(r.status());
    for (auto& item : (*r)["items"]) all["items"].push_back(item);
    cont = r->contains("metadata") ? (*r)["metadata"].value("continue", "") : "";
  } while (!cont.empty());
  std::cout << RenderResources(all, *format);
  return 0;
}

namespace {

int Delete(const GlobalFlags& flags, const std::string& kind_name, const std::string& name, const std::string& file) {
  KindRegistry kinds = BuiltinKinds();
  std::vector<std::pair<const KindInfo*, std::string>> targets;
  if (!file.empty()) {
    auto docs = LoadDocuments(kinds, file);
    if (!docs.ok()) return ReportError(docs.status());
    for (const auto& d : *docs) targets.emplace_back(d.kind, d.name);
  } else {
    const KindInfo* kind = kinds.Find(kind_name);
    if (!kind)
      return ReportError(
          InvalidArgumentError("unknown kind \"" + kind_name + "\" (known: " + kinds.KnownPlurals() + ")"));
    if (name.empty()) return ReportError(InvalidArgumentError("delete: give KIND NAME or -f FILE"));
    targets.emplace_back(kind, name);
  }
  auto client = MakeApiClient(flags);
  if (!client.ok()) return ReportError(client.status());
  int code = 0;
  for (const auto& [kind, n] : targets) {
    auto r = (*client)->Delete("/v1/" + kind->plural + "/" + PercentEncode(n));
    if (!r.ok()) {
      std::cerr << "error: " << kind->singular << "/" << n << ": " << r.status().message() << "\n";
      code = 1;
      continue;
    }
    std::cout << kind->singular << "/" << n << " deleted\n";
  }
  return code;
}

}  // namespace

void AddResourceCommands(CLI::App& app, const GlobalFlags& flags, int& exit_code) {
  auto* apply = app.add_subcommand("apply", "Create or update resources from a YAML/JSON file (- for stdin)");
  auto file = std::make_shared<std::string>();
  apply->add_option("-f,--filename", *file, "file with one or more resources")->required();
  apply->callback([&flags, &exit_code, file] { exit_code = Apply(flags, *file); });

  auto* get = app.add_subcommand("get", "Show resources: kelola get hosts [NAME] [-l app=web] [-o yaml]");
  auto kind = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto selector = std::make_shared<std::string>();
  get->add_option("kind", *kind, "kind, e.g. hosts, host or Host")->required();
  get->add_option("name", *name, "resource name (all when omitted)");
  get->add_option("-l,--selector", *selector, "label selector, e.g. app=web,env!=dev");
  get->callback(
      [&flags, &exit_code, kind, name, selector] { exit_code = GetResources(flags, *kind, *name, *selector); });

  auto* del = app.add_subcommand("delete", "Delete resources: kelola delete host NAME, or -f FILE");
  auto dkind = std::make_shared<std::string>();
  auto dname = std::make_shared<std::string>();
  auto dfile = std::make_shared<std::string>();
  del->add_option("kind", *dkind, "kind");
  del->add_option("name", *dname, "name");
  del->add_option("-f,--filename", *dfile, "delete what this file declares");
  del->callback([&flags, &exit_code, dkind, dname, dfile] { exit_code = Delete(flags, *dkind, *dname, *dfile); });
}

}  // namespace kelola
