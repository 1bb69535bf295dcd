// FleetInventory: the hosts a fleet run can reach, with how to log in to
// each, their labels and groups. Read from a YAML file or built from the
// store's Host resources; hosts are picked by a label selector.
//
// YAML (every key optional except hosts[].name; unknown keys are errors
// naming file:line:column):
//
//   known_hosts: /etc/kelola/known_hosts   # relative paths: to this file
//   host_key_policy: strict                # or accept-new
//   connect_timeout: 10s
//   defaults:   {user: deploy, port: 22, key: ~/.ssh/fleet_ed25519, labels: {env: prod}}
//   groups:
//     web: {labels: {role: web}, user: www}
//   hosts:
//     - name: web-1
//       address: 10.0.0.11          # default: the name
//       groups: [web]
//       labels: {zone: a}
//     - name: db-1
//       address: 10.0.0.21
//       jump: web-1                 # ProxyJump through another host of the inventory
//       host_key: "ssh-ed25519 AAAA..."   # pin instead of known_hosts
//
// Host and group keys: address (hosts only), port, user, key (a private key
// file), key_secret (a Secret holding the key), passphrase and password
// (references only — "env:NAME" or "secret:NAME", never the secret itself),
// agent (true: use ssh-agent), host_key, jump, labels, groups (hosts only).
// A value on the host wins over its groups' (in the order listed), which
// win over defaults; labels merge in that order.
//
// Thread-safety: values; const methods may be used from any thread.
// Errors: InvalidArgument naming file:line:column; NotFound for a selection
// that matches no host.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "ssh/ssh_session.h"
#include "store/store.h"

namespace kelola {

struct FleetHost {
  std::string name;  // unique in the inventory
  std::string address;
  int port = 22;
  std::string user;
  std::string key_path;        // private key file
  std::string key_secret;      // or: name of a Secret holding the private key
  std::string passphrase_ref;  // "env:NAME" | "secret:NAME" | ""
  std::string password_ref;    // "env:NAME" | "secret:NAME" | "" (password auth off)
  bool use_agent = false;
  std::string host_key;  // pinned "ssh-ed25519 AAAA..."; else known_hosts
  std::string jump;      // name of another host to tunnel through
  std::map<std::string, std::string> labels;
  std::vector<std::string> groups;
  std::string source;  // "inventory.yaml:12:5" or "Host/web-1": where it was defined
};

struct FleetInventory {
  std::string source;  // the file, or "the store", for messages
  std::vector<FleetHost> hosts;
  std::string known_hosts_path;
  HostKeyPolicy host_key_policy = HostKeyPolicy::kStrict;
  Duration connect_timeout = std::chrono::seconds(10);

  const FleetHost* Find(const std::string& name) const;
};

Result<FleetInventory> ParseFleetInventory(const std::string& yaml, const std::string& display_name,
                                           const std::string& base_dir = "");
// Reads and parses a file; relative paths in it are relative to its directory.
Result<FleetInventory> LoadFleetInventory(const std::string& path);

// Hosts from Host resources (spec: address, port, user, credentials
// {sshKeySecret, passphraseSecret, passwordSecret}, hostKey, jumpHost; the
// resource labels are the host's labels). Resources of other kinds are
// ignored, and so are fleet hosts (label kelola.io/group) not booted yet (no
// address or credentials); a malformed spec is InvalidArgument naming "Host/<name>".
Result<FleetInventory> FleetInventoryFromHosts(const std::vector<Resource>& resources,
                                               const std::string& known_hosts_path);

struct FleetSelection {
  std::string selector;             // label selector ("role=web,zone in (a,b)"); "" = all
  std::vector<std::string> groups;  // member of any of these; empty = any
  std::vector<std::string> names;   // one of these hosts; empty = any
};

// The matching hosts in inventory order. NotFound when none match (the
// message says what was asked and how many hosts there were).
Result<std::vector<const FleetHost*>> SelectFleetHosts(const FleetInventory& inventory,
                                                       const FleetSelection& selection);

// Resolves "secret:NAME" references (and key_secret) to their values; the
// API layer passes one backed by the store. nullptr: such references fail.
using SecretResolver = std::function<Result<std::string>(const std::string& secret_name)>;

// Connection options for a host, with its jump chain, credentials resolved
// ("env:NAME" from the environment, "secret:NAME" through `resolver`).
Result<SshOptions> SshOptionsForHost(const FleetInventory& inventory, const FleetHost& host,
                                     const SecretResolver& resolver);

}  // namespace kelola
