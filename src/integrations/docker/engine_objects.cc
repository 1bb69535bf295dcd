#include "integrations/docker/engine_objects.h"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace kelola::docker {
namespace {

using nlohmann::json;

std::string Str(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t Int(const json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  if (it == obj.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_unsigned()) {
    const uint64_t v = it->get<uint64_t>();
    return v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
  }
  return 0;
}

const json& Member(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

std::map<std::string, std::string> Labels(const json& obj) {
  std::map<std::string, std::string> out;
  const json& labels = Member(obj, "Labels");
  if (!labels.is_object()) return out;
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

std::map<std::string, std::string> Addresses(const json& obj) {
  std::map<std::string, std::string> out;
  const json& networks = Member(Member(obj, "NetworkSettings"), "Networks");
  if (!networks.is_object()) return out;
  for (auto it = networks.begin(); it != networks.end(); ++it) out[it.key()] = Str(it.value(), "IPAddress");
  return out;
}

Result<json> ParseDocument(std::string_view text, const char* what) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgumentError(std::string(what) + ": the engine's answer is not JSON");
  return doc;
}

std::string StripSlash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

// "Exited (137) 2 minutes ago" -> 137.
int ExitCodeFromStatusText(const std::string& status) {
  const size_t open = status.find('(');
  if (status.rfind("Exited", 0) != 0 || open == std::string::npos) return 0;
  int code = 0;
  if (std::sscanf(status.c_str() + open + 1, "%d", &code) != 1) return 0;
  return code;
}

NetworkInfo NetworkFrom(const json& n) {
  NetworkInfo info;
  info.id = Str(n, "Id");
  info.name = Str(n, "Name");
  info.driver = Str(n, "Driver");
  info.labels = Labels(n);
  const json& config = Member(Member(n, "IPAM"), "Config");
  if (config.is_array()) {
    for (const json& c : config) {
      const std::string subnet = Str(c, "Subnet");
      if (!subnet.empty()) info.subnets.push_back(subnet);
      const std::string gateway = Str(c, "Gateway");
      if (!gateway.empty()) info.gateways.push_back(gateway);
    }
  }
  const json& containers = Member(n, "Containers");
  if (containers.is_object()) info.containers = containers.size();
  return info;
}

}  // namespace

Result<WallTime> ParseEngineTime(std::string_view text) {
  const std::string s(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &used) != 6 ||
      used != 19) {
    return InvalidArgumentError("timestamp \"" + s.substr(0, 64) + "\" is not RFC 3339");
  }
  if (year <= 1) return WallTime{};  // the engine's zero time, "0001-01-01T00:00:00Z": never
  // Nanoseconds since 1970 in 64 bits reach only 1677 to 2262.
  if (year < 1970 || year > 2200) {
    return InvalidArgumentError("timestamp \"" + s.substr(0, 64) + "\": the year must be 1970 to 2200");
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return InvalidArgumentError("timestamp \"" + s.substr(0, 64) + "\" is out of range");
  }
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) {
        nanos = nanos * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return InvalidArgumentError("timestamp \"" + s.substr(0, 64) + "\" has an empty fraction");
    for (; digits < 9; ++digits) nanos *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59) {
      return InvalidArgumentError("timestamp \"" + s.substr(0, 64) + "\" has a bad offset");
    }
    offset_seconds = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return InvalidArgumentError("timestamp \"" + s.substr(0, 64) + "\" has no time zone");
  }
  if (pos != s.size()) return InvalidArgumentError("timestamp \"" + s.substr(0, 64) + "\" has trailing text");
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const time_t seconds = timegm(&tm) - offset_seconds;
  return WallTime(
      std::chrono::duration_cast<WallTime::duration>(std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos)));
}

Result<ContainerInfo> ParseContainerInspect(std::string_view json_text) {
  KELOLA_ASSIGN_OR_RETURN(json doc, ParseDocument(json_text, "container inspect"));
  if (!doc.is_object()) return InvalidArgumentError("container inspect: the answer is not a JSON object");
  ContainerInfo info;
  info.id = Str(doc, "Id");
  if (info.id.empty()) return InvalidArgumentError("container inspect: the answer has no Id");
  info.name = StripSlash(Str(doc, "Name"));
  const json& config = Member(doc, "Config");
  info.image = Str(config, "Image");
  info.labels = Labels(config);
  info.hostname = Str(config, "Hostname");
  const json& state = Member(doc, "State");
  info.state = Str(state, "Status");
  info.exit_code = static_cast<int>(Int(state, "ExitCode"));
  const json& oom = Member(state, "OOMKilled");
  info.oom_killed = oom.is_boolean() && oom.get<bool>();
  if (auto created = ParseEngineTime(Str(doc, "Created")); created.ok()) info.created = *created;
  if (auto started = ParseEngineTime(Str(state, "StartedAt")); started.ok()) info.started = *started;
  info.ip_addresses = Addresses(doc);
  const json& host_config = Member(doc, "HostConfig");
  info.nano_cpus = Int(host_config, "NanoCpus");
  info.memory_bytes = Int(host_config, "Memory");
  return info;
}

Result<std::vector<ContainerInfo>> ParseContainerList(std::string_view json_text) {
  KELOLA_ASSIGN_OR_RETURN(json doc, ParseDocument(json_text, "container list"));
  if (!doc.is_array()) return InvalidArgumentError("container list: the answer is not a JSON array");
  std::vector<ContainerInfo> out;
  for (const json& c : doc) {
    ContainerInfo info;
    info.id = Str(c, "Id");
    if (info.id.empty()) return InvalidArgumentError("container list: an entry has no Id");
    const json& names = Member(c, "Names");
    if (names.is_array() && !names.empty() && names.front().is_string()) {
      info.name = StripSlash(names.front().get<std::string>());
    }
    info.image = Str(c, "Image");
    info.labels = Labels(c);
    info.state = Str(c, "State");
    info.exit_code = ExitCodeFromStatusText(Str(c, "Status"));
    const int64_t created = Int(c, "Created");
    if (created > 0 && created < (int64_t{1} << 40)) info.created = WallTime(std::chrono::seconds(created));
    info.ip_addresses = Addresses(c);
    out.push_back(std::move(info));
  }
  return out;
}

Result<NetworkInfo> ParseNetworkInspect(std::string_view json_text) {
  KELOLA_ASSIGN_OR_RETURN(json doc, ParseDocument(json_text, "network inspect"));
  if (!doc.is_object()) return InvalidArgumentError("network inspect: the answer is not a JSON object");
  NetworkInfo info = NetworkFrom(doc);
  if (info.id.empty()) return InvalidArgumentError("network inspect: the answer has no Id");
  return info;
}

Result<std::vector<NetworkInfo>> ParseNetworkList(std::string_view json_text) {
  KELOLA_ASSIGN_OR_RETURN(json doc, ParseDocument(json_text, "network list"));
  if (!doc.is_array()) return InvalidArgumentError("network list: the answer is not a JSON array");
  std::vector<NetworkInfo> out;
  for (const json& n : doc) {
    NetworkInfo info = NetworkFrom(n);
    if (info.id.empty()) return InvalidArgumentError("network list: an entry has no Id");
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace kelola::docker
