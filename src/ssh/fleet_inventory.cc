#include "ssh/fleet_inventory.h"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ssh/yaml_fields.h"

namespace kelola {
namespace {

constexpr int kMaxJumpChain = 8;

// A host's or group's settings before merging; unset fields inherit.
struct HostFields {
  std::optional<std::string> address, user, key, key_secret, passphrase, password, host_key, jump;
  std::optional<int> port;
  std::optional<bool> agent;
  std::map<std::string, std::string> labels;
  std::vector<std::string> groups;
};

bool IsReference(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  const std::string scheme = text.substr(0, colon);
  if (scheme != "env" && scheme != "secret") return false;
  for (size_t i = colon + 1; i < text.size(); ++i) {
    const char c = text[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

class InventoryParser {
 public:
  InventoryParser(std::string display, std::string base_dir) : y_(std::move(display)), base_dir_(std::move(base_dir)) {}

  Result<FleetInventory> Parse(const std::string& text) {
    KELOLA_ASSIGN_OR_RETURN(YAML::Node root, y_.Load(text));
    FleetInventory inventory;
    inventory.source = y_.display();
    if (!root.IsDefined() || root.IsNull()) return InvalidArgumentError(y_.display() + ": empty inventory: no hosts");
    KELOLA_RETURN_IF_ERROR(y_.CheckMap(
        root, "inventory", {"known_hosts", "host_key_policy", "connect_timeout", "defaults", "groups", "hosts"}));
    if (root["known_hosts"]) {
      KELOLA_ASSIGN_OR_RETURN(std::string path, y_.String(root["known_hosts"], "known_hosts"));
      KELOLA_ASSIGN_OR_RETURN(inventory.known_hosts_path, ExpandPath(root["known_hosts"], path));
    }
    if (root["host_key_policy"]) {
      KELOLA_ASSIGN_OR_RETURN(std::string policy, y_.String(root["host_key_policy"], "host_key_policy"));
      if (policy == "strict") {
        inventory.host_key_policy = HostKeyPolicy::kStrict;
      } else if (policy == "accept-new") {
        inventory.host_key_policy = HostKeyPolicy::kAcceptNew;
      } else {
        return y_.Error(root["host_key_policy"],
                        "host_key_policy: expected strict or accept-new, got \"" + policy + "\"");
      }
    }
    if (root["connect_timeout"]) {
      KELOLA_ASSIGN_OR_RETURN(inventory.connect_timeout, y_.DurationValue(root["connect_timeout"], "connect_timeout"));
      if (inventory.connect_timeout <= Duration::zero()) {
        return y_.Error(root["connect_timeout"], "connect_timeout must be more than 0");
      }
    }
    HostFields defaults;
    if (root["defaults"]) KELOLA_RETURN_IF_ERROR(ReadFields(root["defaults"], "defaults", false, &defaults));
    std::map<std::string, HostFields> groups;
    if (root["groups"]) {
      const YAML::Node& node = root["groups"];
      if (!node.IsMap()) return y_.Error(node, "groups: expected a mapping of group names");
      for (auto it = node.begin(); it != node.end(); ++it) {
        KELOLA_ASSIGN_OR_RETURN(std::string name, y_.String(it->first, "group name"));
        HostFields fields;
        if (!it->second.IsNull()) KELOLA_RETURN_IF_ERROR(ReadFields(it->second, "group " + name, false, &fields));
        if (!groups.emplace(name, fields).second) return y_.Error(it->first, "duplicate group \"" + name + "\"");
      }
    }
    const YAML::Node& hosts = root["hosts"];
    if (!hosts) return y_.Error(root, "inventory has no hosts: key");
    if (!hosts.IsSequence()) return y_.Error(hosts, "hosts: expected a list of hosts");
    std::map<std::string, YAML::Node> jump_nodes;
    for (const YAML::Node& node : hosts) {
      if (!node.IsMap()) return y_.Error(node, "hosts: each host must be a mapping with at least a name");
      if (!node["name"]) return y_.Error(node, "host without a name");
      KELOLA_ASSIGN_OR_RETURN(std::string name, y_.String(node["name"], "name"));
      if (name.empty()) return y_.Error(node["name"], "host name is empty");
      HostFields own;
      KELOLA_RETURN_IF_ERROR(ReadFields(node, "host " + name, true, &own));
      if (inventory.Find(name) != nullptr) return y_.Error(node["name"], "duplicate host \"" + name + "\"");
      FleetHost host;
      host.name = name;
      host.source = y_.Position(node);
      host.groups = own.groups;
      std::vector<const HostFields*> layers = {&defaults};
      for (const std::string& group : own.groups) {
        auto found = groups.find(group);
        if (found != groups.end()) layers.push_back(&found->second);
      }
      layers.push_back(&own);
      for (const HostFields* layer : layers) Apply(*layer, &host);
      if (host.address.empty()) host.address = name;
      if (host.user.empty())
        return y_.Error(node, "host " + name + ": no user (set user on the host, a group or defaults)");
      if (host.key_path.empty() && host.key_secret.empty() && !host.use_agent && host.password_ref.empty()) {
        return y_.Error(node, "host " + name + ": no credentials (key, key_secret, agent or password)");
      }
      if (inventory.known_hosts_path.empty() && host.host_key.empty()) {
        return y_.Error(node, "host " + name + ": no known_hosts file and no host_key: host keys are always verified");
      }
      if (!host.jump.empty()) jump_nodes[name] = node["jump"] ? node["jump"] : node;
      inventory.hosts.push_back(std::move(host));
    }
    if (inventory.hosts.empty()) return y_.Error(hosts, "hosts: the list is empty");
    for (const FleetHost& host : inventory.hosts) {
      if (host.jump.empty()) continue;
      const YAML::Node& where = jump_nodes[host.name];
      const FleetHost* hop = &host;
      for (int depth = 0; !hop->jump.empty(); ++depth) {
        const FleetHost* next = inventory.Find(hop->jump);
        if (next == nullptr) {
          return y_.Error(where, "host " + hop->name + ": jump host \"" + hop->jump + "\" is not in the inventory");
        }
        if (next == &host || depth >= kMaxJumpChain) {
          return y_.Error(where, "host " + host.name + ": jump hosts form a loop or a chain longer than " +
                                     std::to_string(kMaxJumpChain));
        }
        hop = next;
      }
    }
    return inventory;
  }

 private:
  Status ReadFields(const YAML::Node& node, const std::string& what, bool is_host, HostFields* out) {
    std::vector<std::string_view> allowed = {"port",     "user",  "key",  "key_secret", "passphrase",
                                             "password", "agent", "jump", "labels"};
    if (is_host) allowed.insert(allowed.end(), {"name", "address", "host_key", "groups"});
    KELOLA_RETURN_IF_ERROR(y_.CheckMap(node, what, allowed));
    auto text = [&](const char* key, std::optional<std::string>* field) -> Status {
      if (!node[key]) return OkStatus();
      KELOLA_ASSIGN_OR_RETURN(std::string value, y_.String(node[key], key));
      *field = std::move(value);
      return OkStatus();
    };
    KELOLA_RETURN_IF_ERROR(text("address", &out->address));
    KELOLA_RETURN_IF_ERROR(text("user", &out->user));
    KELOLA_RETURN_IF_ERROR(text("key_secret", &out->key_secret));
    KELOLA_RETURN_IF_ERROR(text("host_key", &out->host_key));
    KELOLA_RETURN_IF_ERROR(text("jump", &out->jump));
    if (node["key"]) {
      KELOLA_ASSIGN_OR_RETURN(std::string key, y_.String(node["key"], "key"));
      KELOLA_ASSIGN_OR_RETURN(out->key, ExpandPath(node["key"], key));
    }
    for (const char* secret : {"passphrase", "password"}) {
      if (!node[secret]) continue;
      KELOLA_ASSIGN_OR_RETURN(std::string ref, y_.String(node[secret], secret));
      if (!IsReference(ref)) {
        // Do not echo the value: it may be the secret itself.
        return y_.Error(node[secret], std::string(secret) +
                                          ": must be a reference, \"env:NAME\" or \"secret:NAME\"; secrets are "
                                          "never written into inventories");
      }
      (std::string(secret) == "passphrase" ? out->passphrase : out->password) = ref;
    }
    if (node["port"]) {
      KELOLA_ASSIGN_OR_RETURN(int64_t port, y_.Int(node["port"], "port", 1, 65535));
      out->port = static_cast<int>(port);
    }
    if (node["agent"]) {
      KELOLA_ASSIGN_OR_RETURN(bool agent, y_.Bool(node["agent"], "agent"));
      out->agent = agent;
    }
    if (node["labels"]) {
      KELOLA_ASSIGN_OR_RETURN(out->labels, y_.StringMap(node["labels"], "labels"));
    }
    if (node["groups"]) {
      KELOLA_ASSIGN_OR_RETURN(out->groups, y_.StringList(node["groups"], "groups"));
    }
    return OkStatus();
  }

  static void Apply(const HostFields& layer, FleetHost* host) {
    if (layer.address) host->address = *layer.address;
    if (layer.user) host->user = *layer.user;
    if (layer.key) host->key_path = *layer.key;
    if (layer.key_secret) host->key_secret = *layer.key_secret;
    if (layer.passphrase) host->passphrase_ref = *layer.passphrase;
    if (layer.password) host->password_ref = *layer.password;
    if (layer.host_key) host->host_key = *layer.host_key;
    if (layer.jump) host->jump = *layer.jump;
    if (layer.port) host->port = *layer.port;
    if (layer.agent) host->use_agent = *layer.agent;
    for (const auto& [key, value] : layer.labels) host->labels[key] = value;
  }

  Result<std::string> ExpandPath(const YAML::Node& node, const std::string& path) {
    if (path.empty()) return y_.Error(node, "path is empty");
    if (path == "~" || path.rfind("~/", 0) == 0) {
      const char* home = std::getenv("HOME");
      if (home == nullptr || *home == '\0') return y_.Error(node, "cannot expand ~: HOME is not set");
      return std::string(home) + path.substr(1);
    }
    if (path[0] == '/' || base_dir_.empty()) return path;
    return base_dir_ + "/" + path;
  }

  YamlFields y_;
  std::string base_dir_;
};

Result<std::string> ResolveReference(const std::string& ref, const std::string& what, const SecretResolver& resolver) {
  const size_t colon = ref.find(':');
  const std::string scheme = ref.substr(0, colon);
  const std::string name = colon == std::string::npos ? "" : ref.substr(colon + 1);
  if (scheme == "env") {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return FailedPreconditionError(what + ": environment variable " + name + " is not set");
    return std::string(value);
  }
  if (scheme == "secret") {
    if (!resolver)
      return FailedPreconditionError(what + ": secret " + name + " cannot be resolved here (no secret store)");
    auto value = resolver(name);
    if (!value.ok()) return value.status().WithContext(what + ": secret " + name);
    return value;
  }
  return InvalidArgumentError(what + ": \"" + scheme + ":\" is not a reference (env:NAME or secret:NAME)");
}

Result<SshOptions> OptionsFor(const FleetInventory& inventory, const FleetHost& host, const SecretResolver& resolver,
                              int depth) {
  if (depth > kMaxJumpChain) return InvalidArgumentError("host " + host.name + ": jump chain too long");
  SshOptions o;
  o.host = host.address;
  o.port = host.port;
  o.user = host.user;
  o.known_hosts_path = inventory.known_hosts_path;
  o.host_key_policy = inventory.host_key_policy;
  o.pinned_host_key = host.host_key;
  o.connect_timeout = inventory.connect_timeout;
  o.credentials.private_key_path = host.key_path;
  o.credentials.use_agent = host.use_agent;
  if (!host.key_secret.empty()) {
    KELOLA_ASSIGN_OR_RETURN(o.credentials.private_key_data,
                            ResolveReference("secret:" + host.key_secret, "key of host " + host.name, resolver));
  }
  if (!host.passphrase_ref.empty()) {
    KELOLA_ASSIGN_OR_RETURN(o.credentials.private_key_passphrase,
                            ResolveReference(host.passphrase_ref, "key passphrase of host " + host.name, resolver));
  }
  if (!host.password_ref.empty()) {
    KELOLA_ASSIGN_OR_RETURN(std::string password,
                            ResolveReference(host.password_ref, "password of host " + host.name, resolver));
    o.credentials.password = std::move(password);
  }
  if (!host.jump.empty()) {
    const FleetHost* jump = inventory.Find(host.jump);
    if (jump == nullptr) return InvalidArgumentError("host " + host.name + ": jump host " + host.jump + " is unknown");
    KELOLA_ASSIGN_OR_RETURN(SshOptions jump_options, OptionsFor(inventory, *jump, resolver, depth + 1));
    o.jump_host = std::make_shared<SshOptions>(std::move(jump_options));
  }
  return o;
}

}  // namespace

const FleetHost* FleetInventory::Find(const std::string& name) const {
  for (const FleetHost& host : hosts) {
    if (host.name == name) return &host;
  }
  return nullptr;
}

Result<FleetInventory> ParseFleetInventory(const std::string& yaml, const std::string& display_name,
                                           const std::string& base_dir) {
  return InventoryParser(display_name, base_dir).Parse(yaml);
}

Result<FleetInventory> LoadFleetInventory(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFoundError("inventory " + path + ": cannot read the file");
  std::stringstream text;
  text << file.rdbuf();
  const size_t slash = path.rfind('/');
  return ParseFleetInventory(text.str(), path, slash == std::string::npos ? "." : path.substr(0, slash));
}

Result<FleetInventory> FleetInventoryFromHosts(const std::vector<Resource>& resources,
                                               const std::string& known_hosts_path) {
  FleetInventory inventory;
  inventory.source = "the store's Host resources";
  inventory.known_hosts_path = known_hosts_path;
  for (const Resource& resource : resources) {
    if (resource.kind != "Host") continue;
    const std::string where = "Host/" + resource.name;
    FleetHost host;
    host.name = resource.name;
    host.source = where;
    host.labels = resource.labels;
    try {
      nlohmann::json spec = nlohmann::json::parse(resource.spec_json);
      host.address = spec.value("address", "");
      host.port = spec.value("port", 22);
      host.user = spec.value("user", "root");
      host.host_key = spec.value("hostKey", "");
      host.jump = spec.value("jumpHost", "");
      if (spec.contains("credentials")) {
        const nlohmann::json& credentials = spec["credentials"];
        host.key_secret = credentials.value("sshKeySecret", "");
        const std::string passphrase = credentials.value("passphraseSecret", "");
        const std::string password = credentials.value("passwordSecret", "");
        if (!passphrase.empty()) host.passphrase_ref = "secret:" + passphrase;
        if (!password.empty()) host.password_ref = "secret:" + password;
      }
    } catch (const std::exception& e) {
      return InvalidArgumentError(where + ": malformed spec: " + e.what());
    }
    // A fleet host (src/fleet) is written before its server exists and gets
    // its address and credentials once booted: until then it is not
    // reachable, which must not make every other host unusable.
    const bool fleet_host = resource.labels.count("kelola.io/group") > 0;
    if (fleet_host && (host.address.empty() || (host.key_secret.empty() && host.password_ref.empty()))) continue;
    if (host.address.empty()) return InvalidArgumentError(where + ": spec.address is missing");
    if (host.port < 1 || host.port > 65535) return InvalidArgumentError(where + ": spec.port is out of range");
    if (host.key_secret.empty() && host.password_ref.empty()) {
      return InvalidArgumentError(where + ": no credentials (spec.credentials.sshKeySecret or passwordSecret)");
    }
    if (known_hosts_path.empty() && host.host_key.empty()) {
      return InvalidArgumentError(where + ": no spec.hostKey and no known_hosts file: host keys are always verified");
    }
    inventory.hosts.push_back(std::move(host));
  }
  for (const FleetHost& host : inventory.hosts) {
    if (!host.jump.empty() && inventory.Find(host.jump) == nullptr) {
      return InvalidArgumentError(host.source + ": jump host " + host.jump + " is not a Host");
    }
  }
  return inventory;
}

Result<std::vector<const FleetHost*>> SelectFleetHosts(const FleetInventory& inventory,
                                                       const FleetSelection& selection) {
  auto requirements = ParseLabelSelector(selection.selector);
  if (!requirements.ok()) return requirements.status().WithContext("selector \"" + selection.selector + "\"");
  for (const std::string& name : selection.names) {
    if (inventory.Find(name) == nullptr) return NotFoundError("host " + name + " is not in " + inventory.source);
  }
  std::vector<const FleetHost*> selected;
  for (const FleetHost& host : inventory.hosts) {
    if (!MatchesSelector(host.labels, *requirements)) continue;
    if (!selection.groups.empty()) {
      bool member = false;
      for (const std::string& group : selection.groups) {
        for (const std::string& own : host.groups) member = member || own == group;
      }
      if (!member) continue;
    }
    if (!selection.names.empty() &&
        std::find(selection.names.begin(), selection.names.end(), host.name) == selection.names.end()) {
      continue;
    }
    selected.push_back(&host);
  }
  if (selected.empty()) {
    std::string asked = "selector \"" + selection.selector + "\"";
    if (!selection.groups.empty()) {
      asked += " in groups";
      for (const auto& g : selection.groups) asked += " " + g;
    }
    return NotFoundError(asked + " matched none of the " + std::to_string(inventory.hosts.size()) + " hosts in " +
                         inventory.source);
  }
  return selected;
}

Result<SshOptions> SshOptionsForHost(const FleetInventory& inventory, const FleetHost& host,
                                     const SecretResolver& resolver) {
  return OptionsFor(inventory, host, resolver, 0);
}

}  // namespace kelola
