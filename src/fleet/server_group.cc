#include "fleet/server_group.h"

#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

#include "base/config_schema.h"

namespace kelola {
namespace {

using json = nlohmann::json;

// Reads one JSON object strictly: every key must be one of `known`.
class Fields {
 public:
  Fields(const json& doc, std::string path) : doc_(doc), path_(std::move(path)) {}

  Status CheckKeys(std::initializer_list<const char*> known) const {
    if (!doc_.is_object()) return InvalidArgumentError(path_ + " must be an object");
    for (auto it = doc_.begin(); it != doc_.end(); ++it) {
      bool found = false;
      for (const char* k : known) found = found || it.key() == k;
      if (!found) return InvalidArgumentError(path_ + "." + it.key() + ": unknown field");
    }
    return OkStatus();
  }
  bool Has(const char* key) const { return doc_.contains(key) && !doc_.at(key).is_null(); }
  const json& At(const char* key) const { return doc_.at(key); }
  std::string Path(const std::string& key) const { return path_ + "." + key; }

  Result<std::string> Text(const char* key, std::string fallback = "", size_t max_length = 1024) const {
    if (!Has(key)) return fallback;
    const json& v = doc_.at(key);
    if (!v.is_string()) return InvalidArgumentError(Path(key) + " must be a string");
    std::string s = v.get<std::string>();
    if (s.size() > max_length) {
      return InvalidArgumentError(Path(key) + " is longer than " + std::to_string(max_length) + " bytes");
    }
    return s;
  }
  Result<int> Int(const char* key, int fallback, int min, int max) const {
    if (!Has(key)) return fallback;
    const json& v = doc_.at(key);
    if (!v.is_number_integer()) return InvalidArgumentError(Path(key) + " must be an integer");
    const int64_t n = v.get<int64_t>();
    if (n < min || n > max) {
      return InvalidArgumentError(Path(key) + " must be between " + std::to_string(min) + " and " +
                                  std::to_string(max) + ", got " + std::to_string(n));
    }
    return static_cast<int>(n);
  }
  Result<Duration> Dur(const char* key, Duration fallback) const {
    if (!Has(key)) return fallback;
    const json& v = doc_.at(key);
    if (!v.is_string()) return InvalidArgumentError(Path(key) + " must be a duration such as \"10s\"");
    auto d = ParseDuration(v.get<std::string>());
    if (!d.ok()) return InvalidArgumentError(Path(key) + ": " + d.status().message());
    return std::chrono::duration_cast<Duration>(*d);
  }

 private:
  const json& doc_;
  std::string path_;
};

Result<FirewallRule> DecodeRule(const json& doc, const std::string& path) {
  Fields f(doc, path);
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"protocol", "port", "fromPort", "toPort", "cidr", "description"}));
  FirewallRule r;
  KELOLA_ASSIGN_OR_RETURN(r.protocol, f.Text("protocol", "tcp", 8));
  if (r.protocol != "tcp" && r.protocol != "udp" && r.protocol != "icmp" && r.protocol != "all") {
    return InvalidArgumentError(f.Path("protocol") + " must be tcp, udp, icmp or all, got \"" + r.protocol + "\"");
  }
  KELOLA_ASSIGN_OR_RETURN(r.cidr, f.Text("cidr", "0.0.0.0/0", 32));
  if (auto c = ParseIpv4Cidr(r.cidr); !c.ok())
    return InvalidArgumentError(f.Path("cidr") + ": " + c.status().message());
  KELOLA_ASSIGN_OR_RETURN(r.description, f.Text("description", "", 255));
  const bool ported = r.protocol == "tcp" || r.protocol == "udp";
  if (f.Has("port") && (f.Has("fromPort") || f.Has("toPort"))) {
    return InvalidArgumentError(path + ": give port, or fromPort and toPort, not both");
  }
  if (f.Has("port")) {
    KELOLA_ASSIGN_OR_RETURN(r.from_port, f.Int("port", 0, 1, 65535));
    r.to_port = r.from_port;
  } else if (f.Has("fromPort") || f.Has("toPort")) {
    KELOLA_ASSIGN_OR_RETURN(r.from_port, f.Int("fromPort", 0, 0, 65535));
    KELOLA_ASSIGN_OR_RETURN(r.to_port, f.Int("toPort", r.from_port, 0, 65535));
    if (r.to_port < r.from_port) {
      return InvalidArgumentError(f.Path("toPort") + " (" + std::to_string(r.to_port) + ") is below fromPort (" +
                                  std::to_string(r.from_port) + ")");
    }
  } else if (ported) {
    return InvalidArgumentError(path + ": a " + r.protocol + " rule needs port, or fromPort and toPort");
  }
  return r;
}

Status DecodeNetwork(const json& doc, GroupNetworkSpec& net) {
  Fields f(doc, "spec.network");
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"vpcCidr", "subnets", "ingress"}));
  KELOLA_ASSIGN_OR_RETURN(net.vpc_cidr, f.Text("vpcCidr", "", 32));
  std::optional<Ipv4Cidr> vpc;
  if (!net.vpc_cidr.empty()) {
    auto c = ParseIpv4Cidr(net.vpc_cidr);
    if (!c.ok()) return InvalidArgumentError("spec.network.vpcCidr: " + c.status().message());
    if (c->prefix < 16 || c->prefix > 28) {
      return InvalidArgumentError("spec.network.vpcCidr: the prefix must be between /16 and /28, got /" +
                                  std::to_string(c->prefix));
    }
    vpc = *c;
  }
  std::vector<Ipv4Cidr> subnets;
  if (f.Has("subnets")) {
    const json& list = f.At("subnets");
    if (!list.is_array()) return InvalidArgumentError("spec.network.subnets must be an array of CIDRs");
    if (list.size() > 16) return InvalidArgumentError("spec.network.subnets: at most 16 subnets");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string path = "spec.network.subnets[" + std::to_string(i) + "]";
      if (!list[i].is_string()) return InvalidArgumentError(path + " must be a CIDR string");
      const std::string text = list[i].get<std::string>();
      auto c = ParseIpv4Cidr(text);
      if (!c.ok()) return InvalidArgumentError(path + ": " + c.status().message());
      if (vpc && !CidrContains(*vpc, *c)) {
        return InvalidArgumentError(path + ": " + text + " is not inside spec.network.vpcCidr " + net.vpc_cidr);
      }
      for (size_t j = 0; j < subnets.size(); ++j) {
        if (CidrOverlaps(subnets[j], *c)) {
          return InvalidArgumentError(path + ": " + text + " overlaps spec.network.subnets[" + std::to_string(j) +
                                      "] " + net.subnet_cidrs[j]);
        }
      }
      subnets.push_back(*c);
      net.subnet_cidrs.push_back(text);
    }
  }
  if (f.Has("ingress")) {
    const json& list = f.At("ingress");
    if (!list.is_array()) return InvalidArgumentError("spec.network.ingress must be an array of rules");
    if (list.size() > 60) return InvalidArgumentError("spec.network.ingress: at most 60 rules");
    for (size_t i = 0; i < list.size(); ++i) {
      KELOLA_ASSIGN_OR_RETURN(FirewallRule r, DecodeRule(list[i], "spec.network.ingress[" + std::to_string(i) + "]"));
      net.ingress.push_back(std::move(r));
    }
  }
  return OkStatus();
}

Status DecodeHealth(const json& doc, HealthCheckSpec& h) {
  Fields f(doc, "spec.healthCheck");
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"tcp", "http", "command", "interval", "timeout", "unhealthyThreshold", "grace"}));
  const int kinds = (f.Has("tcp") ? 1 : 0) + (f.Has("http") ? 1 : 0) + (f.Has("command") ? 1 : 0);
  if (kinds != 1) return InvalidArgumentError("spec.healthCheck: give exactly one of tcp, http or command");
  if (f.Has("tcp")) {
    Fields t(f.At("tcp"), "spec.healthCheck.tcp");
    KELOLA_RETURN_IF_ERROR(t.CheckKeys({"port"}));
    h.kind = HealthCheckSpec::Kind::kTcp;
    if (!t.Has("port")) return InvalidArgumentError("spec.healthCheck.tcp.port is required");
    KELOLA_ASSIGN_OR_RETURN(h.port, t.Int("port", 0, 1, 65535));
  } else if (f.Has("http")) {
    Fields t(f.At("http"), "spec.healthCheck.http");
    KELOLA_RETURN_IF_ERROR(t.CheckKeys({"port", "path"}));
    h.kind = HealthCheckSpec::Kind::kHttp;
    KELOLA_ASSIGN_OR_RETURN(h.port, t.Int("port", 80, 1, 65535));
    KELOLA_ASSIGN_OR_RETURN(h.path, t.Text("path", "/", 1024));
    if (h.path.empty() || h.path[0] != '/') return InvalidArgumentError("spec.healthCheck.http.path must start with /");
    for (unsigned char c : h.path) {
      if (c <= 0x20 || c == 0x7f)
        return InvalidArgumentError("spec.healthCheck.http.path has a space or control character");
    }
  } else {
    Fields t(f.At("command"), "spec.healthCheck.command");
    KELOLA_RETURN_IF_ERROR(t.CheckKeys({"command"}));
    h.kind = HealthCheckSpec::Kind::kCommand;
    KELOLA_ASSIGN_OR_RETURN(h.command, t.Text("command", "", 4096));
    if (h.command.empty()) return InvalidArgumentError("spec.healthCheck.command.command is required");
  }
  KELOLA_ASSIGN_OR_RETURN(h.interval, f.Dur("interval", h.interval));
  KELOLA_ASSIGN_OR_RETURN(h.timeout, f.Dur("timeout", h.timeout));
  KELOLA_ASSIGN_OR_RETURN(h.grace, f.Dur("grace", h.grace));
  KELOLA_ASSIGN_OR_RETURN(h.unhealthy_threshold, f.Int("unhealthyThreshold", h.unhealthy_threshold, 1, 100));
  if (h.interval < std::chrono::seconds(1))
    return InvalidArgumentError("spec.healthCheck.interval must be at least 1s");
  if (h.timeout <= Duration::zero() || h.timeout > h.interval) {
    return InvalidArgumentError("spec.healthCheck.timeout must be above 0 and at most the interval");
  }
  return OkStatus();
}

Status DecodeBootstrap(const json& doc, BootstrapSpec& b) {
  Fields f(doc, "spec.bootstrap");
  KELOLA_RETURN_IF_ERROR(f.CheckKeys({"userData", "runbook", "sshUser", "sshPort", "sshKeySecret", "timeout"}));
  KELOLA_ASSIGN_OR_RETURN(b.user_data, f.Text("userData", "", 16 * 1024));  // EC2's limit, before base64
  KELOLA_ASSIGN_OR_RETURN(b.runbook, f.Text("runbook", "", 256 * 1024));
  KELOLA_ASSIGN_OR_RETURN(b.ssh_user, f.Text("sshUser", b.ssh_user, 64));
  if (b.ssh_user.empty()) return InvalidArgumentError("spec.bootstrap.sshUser must not be empty");
  KELOLA_ASSIGN_OR_RETURN(b.ssh_port, f.Int("sshPort", b.ssh_port, 1, 65535));
  KELOLA_ASSIGN_OR_RETURN(b.ssh_key_secret, f.Text("sshKeySecret", "", 253));
  KELOLA_ASSIGN_OR_RETURN(b.timeout, f.Dur("timeout", b.timeout));
  if (b.timeout < std::chrono::seconds(5)) return InvalidArgumentError("spec.bootstrap.timeout must be at least 5s");
  if (!b.runbook.empty() && b.ssh_key_secret.empty()) {
    return InvalidArgumentError("spec.bootstrap.sshKeySecret is required to apply spec.bootstrap.runbook over SSH");
  }
  return OkStatus();
}

bool DnsLabelish(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return s.front() != '-' && s.back() != '-';
}

}  // namespace

Result<Ipv4Cidr> ParseIpv4Cidr(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return InvalidArgumentError("\"" + text + "\" is not a CIDR (a.b.c.d/prefix)");
  uint32_t addr = 0;
  size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= slash || text[pos] != '.') return InvalidArgumentError("\"" + text + "\" is not an IPv4 CIDR");
      ++pos;
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + slash, value);
    const size_t digits = static_cast<size_t>(end - (text.data() + pos));
    if (ec != std::errc() || value > 255 || digits == 0 || digits > 3) {
      return InvalidArgumentError("\"" + text + "\" is not an IPv4 CIDR");
    }
    addr = (addr << 8) | value;
    pos += digits;
  }
  if (pos != slash) return InvalidArgumentError("\"" + text + "\" is not an IPv4 CIDR");
  int prefix = -1;
  auto [end, ec] = std::from_chars(text.data() + slash + 1, text.data() + text.size(), prefix);
  if (ec != std::errc() || end != text.data() + text.size() || prefix < 0 || prefix > 32) {
    return InvalidArgumentError("\"" + text + "\": the prefix must be 0 to 32");
  }
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  if ((addr & ~mask) != 0) {
    return InvalidArgumentError("\"" + text + "\" has host bits set (did you mean the network address?)");
  }
  return Ipv4Cidr{addr, prefix};
}

bool CidrContains(const Ipv4Cidr& outer, const Ipv4Cidr& inner) {
  if (inner.prefix < outer.prefix) return false;
  const uint32_t mask = outer.prefix == 0 ? 0 : ~uint32_t{0} << (32 - outer.prefix);
  return (inner.network & mask) == outer.network;
}

bool CidrOverlaps(const Ipv4Cidr& a, const Ipv4Cidr& b) { return CidrContains(a, b) || CidrContains(b, a); }

Result<ServerGroupSpec> DecodeServerGroupSpec(const std::string& name, const std::string& spec_json) {
  json doc = json::parse(spec_json, nullptr, false);
  if (!doc.is_object()) return InvalidArgumentError("ServerGroup " + name + ": spec is not a JSON object");
  ServerGroupSpec s;
  s.name = name;
  Fields f(doc, "spec");
  auto in_context = [&](Status st) { return st.WithContext("ServerGroup " + name); };
  Status st = [&]() -> Status {
    KELOLA_RETURN_IF_ERROR(
        f.CheckKeys({"provider", "team", "region", "zone", "image", "size", "count", "labels", "network", "bootstrap",
                     "healthCheck", "staticHosts", "maxReplacementsPerHour"}));
    KELOLA_ASSIGN_OR_RETURN(s.provider, f.Text("provider", "", 32));
    if (s.provider.empty()) return InvalidArgumentError("spec.provider is required (docker, aws or static)");
    KELOLA_ASSIGN_OR_RETURN(s.team, f.Text("team", s.team, 63));
    if (!DnsLabelish(s.team)) {
      return InvalidArgumentError("spec.team must be lower-case letters, digits and '-', got \"" + s.team + "\"");
    }
    KELOLA_ASSIGN_OR_RETURN(s.region, f.Text("region", "", 32));
    KELOLA_ASSIGN_OR_RETURN(s.zone, f.Text("zone", "", 32));
    KELOLA_ASSIGN_OR_RETURN(s.image, f.Text("image", "", 255));
    KELOLA_ASSIGN_OR_RETURN(s.size, f.Text("size", "", 32));
    KELOLA_ASSIGN_OR_RETURN(s.count, f.Int("count", s.count, 0, 1000));
    KELOLA_ASSIGN_OR_RETURN(s.max_replacements_per_hour,
                            f.Int("maxReplacementsPerHour", s.max_replacements_per_hour, 0, 1000));
    if (f.Has("labels")) {
      const json& labels = f.At("labels");
      if (!labels.is_object()) return InvalidArgumentError("spec.labels must be an object of strings");
      for (auto it = labels.begin(); it != labels.end(); ++it) {
        if (!it->is_string()) return InvalidArgumentError("spec.labels." + it.key() + " must be a string");
        if (it.key().empty() || it.key().size() > 63 || it.key().rfind("kelola.io/", 0) == 0) {
          return InvalidArgumentError("spec.labels." + it.key() + ": not a usable label key (kelola.io/ is reserved)");
        }
        s.labels[it.key()] = it->get<std::string>();
      }
    }
    if (f.Has("network")) KELOLA_RETURN_IF_ERROR(DecodeNetwork(f.At("network"), s.network));
    if (f.Has("bootstrap")) KELOLA_RETURN_IF_ERROR(DecodeBootstrap(f.At("bootstrap"), s.bootstrap));
    if (f.Has("healthCheck")) KELOLA_RETURN_IF_ERROR(DecodeHealth(f.At("healthCheck"), s.health));
    if (f.Has("staticHosts")) {
      const json& list = f.At("staticHosts");
      if (!list.is_array()) return InvalidArgumentError("spec.staticHosts must be an array");
      std::set<std::string> seen;
      for (size_t i = 0; i < list.size(); ++i) {
        Fields h(list[i], "spec.staticHosts[" + std::to_string(i) + "]");
        KELOLA_RETURN_IF_ERROR(h.CheckKeys({"address", "port", "hostKey"}));
        StaticHostSpec sh;
        KELOLA_ASSIGN_OR_RETURN(sh.address, h.Text("address", "", 253));
        if (sh.address.empty()) return InvalidArgumentError(h.Path("address") + " is required");
        KELOLA_ASSIGN_OR_RETURN(sh.port, h.Int("port", 22, 1, 65535));
        KELOLA_ASSIGN_OR_RETURN(sh.host_key, h.Text("hostKey", "", 16384));
        const std::string key = sh.address + ":" + std::to_string(sh.port);
        if (!seen.insert(key).second) return InvalidArgumentError(h.Path("address") + ": " + key + " is listed twice");
        s.static_hosts.push_back(std::move(sh));
      }
    }
    if (s.provider == "static") {
      if (s.static_hosts.empty())
        return InvalidArgumentError("spec.staticHosts: the static provider needs the machines");
      if (static_cast<size_t>(s.count) > s.static_hosts.size()) {
        return InvalidArgumentError("spec.count " + std::to_string(s.count) + " is more than the " +
                                    std::to_string(s.static_hosts.size()) + " machines in spec.staticHosts");
      }
    } else if (!s.static_hosts.empty()) {
      return InvalidArgumentError("spec.staticHosts is only for the static provider");
    }
    return OkStatus();
  }();
  if (!st.ok()) return in_context(st);
  return s;
}

std::string EncodeServerGroupSpec(const ServerGroupSpec& s) {
  json doc = {{"provider", s.provider}, {"team", s.team}, {"count", s.count}};
  if (!s.region.empty()) doc["region"] = s.region;
  if (!s.zone.empty()) doc["zone"] = s.zone;
  if (!s.image.empty()) doc["image"] = s.image;
  if (!s.size.empty()) doc["size"] = s.size;
  if (!s.labels.empty()) doc["labels"] = s.labels;
  doc["maxReplacementsPerHour"] = s.max_replacements_per_hour;
  json net = json::object();
  if (!s.network.vpc_cidr.empty()) net["vpcCidr"] = s.network.vpc_cidr;
  if (!s.network.subnet_cidrs.empty()) net["subnets"] = s.network.subnet_cidrs;
  if (!s.network.ingress.empty()) {
    json rules = json::array();
    for (const FirewallRule& r : s.network.ingress) {
      json rule = {{"protocol", r.protocol}, {"cidr", r.cidr}};
      if (r.protocol == "tcp" || r.protocol == "udp") {
        rule["fromPort"] = r.from_port;
        rule["toPort"] = r.to_port;
      }
      if (!r.description.empty()) rule["description"] = r.description;
      rules.push_back(std::move(rule));
    }
    net["ingress"] = std::move(rules);
  }
  if (!net.empty()) doc["network"] = std::move(net);
  const BootstrapSpec& b = s.bootstrap;
  json boot = {{"sshUser", b.ssh_user},
               {"sshPort", b.ssh_port},
               {"timeout", FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(b.timeout))}};
  if (!b.user_data.empty()) boot["userData"] = b.user_data;
  if (!b.runbook.empty()) boot["runbook"] = b.runbook;
  if (!b.ssh_key_secret.empty()) boot["sshKeySecret"] = b.ssh_key_secret;
  doc["bootstrap"] = std::move(boot);
  const HealthCheckSpec& h = s.health;
  if (h.kind != HealthCheckSpec::Kind::kNone) {
    auto ms = [](Duration d) { return FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(d)); };
    json hc = {{"interval", ms(h.interval)},
               {"timeout", ms(h.timeout)},
               {"grace", ms(h.grace)},
               {"unhealthyThreshold", h.unhealthy_threshold}};
    if (h.kind == HealthCheckSpec::Kind::kTcp) hc["tcp"] = {{"port", h.port}};
    if (h.kind == HealthCheckSpec::Kind::kHttp) hc["http"] = {{"port", h.port}, {"path", h.path}};
    if (h.kind == HealthCheckSpec::Kind::kCommand) hc["command"] = {{"command", h.command}};
    doc["healthCheck"] = std::move(hc);
  }
  if (!s.static_hosts.empty()) {
    json list = json::array();
    for (const StaticHostSpec& sh : s.static_hosts) {
      json h2 = {{"address", sh.address}, {"port", sh.port}};
      if (!sh.host_key.empty()) h2["hostKey"] = sh.host_key;
      list.push_back(std::move(h2));
    }
    doc["staticHosts"] = std::move(list);
  }
  return doc.dump();
}

}  // namespace kelola
