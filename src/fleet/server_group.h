// ServerGroupSpec: a ServerGroup resource's spec as values, its strict
// decoding and validation (CIDRs, overlaps, firewall rules, health check,
// bootstrap), with errors naming the field ("spec.network.subnets[1]:
// 10.0.0.0/24 overlaps spec.network.subnets[0] 10.0.0.0/23").
//
// A ServerGroup asks for `count` servers from one provider, with a network
// (VPC and subnet CIDRs, ingress firewall rules), a bootstrap (cloud-init
// user-data and/or a runbook applied over SSH) and a health check (TCP port,
// HTTP URL or command). docs/fleet.md describes every field.
// Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola {

struct FirewallRule {
  std::string protocol = "tcp";  // tcp | udp | icmp | all
  int from_port = 0;             // inclusive; 0..65535 (ignored for icmp/all)
  int to_port = 0;               // inclusive; >= from_port
  std::string cidr = "0.0.0.0/0";
  std::string description;
};

struct GroupNetworkSpec {
  std::string vpc_cidr;                   // "10.20.0.0/16"; "" = provider default
  std::vector<std::string> subnet_cidrs;  // each inside vpc_cidr, no two overlapping
  std::vector<FirewallRule> ingress;      // allowed inbound traffic
};

struct HealthCheckSpec {
  enum class Kind { kNone, kTcp, kHttp, kCommand };
  Kind kind = Kind::kNone;
  int port = 0;         // tcp, http
  std::string path;     // http: "/healthz" (2xx is healthy)
  std::string command;  // command: run over SSH on the host; exit 0 is healthy
  Duration interval = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(5);
  int unhealthy_threshold = 3;               // consecutive failures before the host is Failed
  Duration grace = std::chrono::seconds(0);  // after Ready, failures not counted for this long
};

struct BootstrapSpec {
  std::string user_data;  // cloud-init user-data, passed at launch (EC2 UserData)
  std::string runbook;    // an inline runbook (src/ssh/runbook.h YAML), applied over SSH
  std::string ssh_user = "root";
  int ssh_port = 22;
  std::string ssh_key_secret;                   // Secret holding the private key the hosts accept
  Duration timeout = std::chrono::minutes(10);  // Booted -> Ready, else Failed
};

struct StaticHostSpec {  // provider static: an existing machine to adopt
  std::string address;
  int port = 22;
  std::string host_key;  // expected SSH host key ("ssh-ed25519 AAAA..."); "" = known_hosts
};

struct ServerGroupSpec {
  std::string name;      // the resource name
  std::string provider;  // docker | aws | static
  std::string team = "default";
  std::string region;                         // aws
  std::string zone;                           // aws availability zone; "" = provider's choice
  std::string image;                          // AMI id, Docker image; static: unused
  std::string size;                           // EC2 instance type; docker: nano|micro|small|medium|large
  int count = 1;                              // 0..1000
  std::map<std::string, std::string> labels;  // copied onto every Host
  GroupNetworkSpec network;
  BootstrapSpec bootstrap;
  HealthCheckSpec health;
  std::vector<StaticHostSpec> static_hosts;
  // Self-healing: at most this many replacements per hour (0 = none).
  int max_replacements_per_hour = 10;
};

// Decodes and validates a ServerGroup spec (JSON object). InvalidArgument
// naming the field: unknown keys, wrong types, count out of range, bad or
// overlapping CIDRs, subnets outside the VPC, bad firewall rules, a health
// check with zero or two kinds, a runbook that does not parse.
Result<ServerGroupSpec> DecodeServerGroupSpec(const std::string& name, const std::string& spec_json);

// The inverse, for the CLI's YAML → API path and for tests.
std::string EncodeServerGroupSpec(const ServerGroupSpec& spec);

// IPv4 CIDR helpers (pure).
struct Ipv4Cidr {
  uint32_t network = 0;  // host byte order, host bits zero
  int prefix = 0;
};
Result<Ipv4Cidr> ParseIpv4Cidr(const std::string& text);  // "10.0.0.0/16"; host bits must be zero
bool CidrContains(const Ipv4Cidr& outer, const Ipv4Cidr& inner);
bool CidrOverlaps(const Ipv4Cidr& a, const Ipv4Cidr& b);

}  // namespace kelola
