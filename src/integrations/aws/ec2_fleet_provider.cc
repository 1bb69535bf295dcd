#include "integrations/aws/ec2_fleet_provider.h"

#include <ctime>
#include <iomanip>
#include <regex>
#include <sstream>
#include <thread>

#include "base/crypto.h"
#include "integrations/aws/ec2_instance_types.h"
#include "integrations/aws/ec2_network.h"

namespace kelola {
namespace {

constexpr size_t kMaxUserDataBytes = 16 * 1024;  // EC2's limit, before base64
const char* const kLiveStates[] = {"pending", "running", "shutting-down", "stopping", "stopped"};

std::string Get(const std::map<std::string, std::string>& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

ProviderInstance::State StateOf(const std::string& state) {
  if (state == "pending") return ProviderInstance::State::kPending;
  if (state == "running") return ProviderInstance::State::kRunning;
  if (state == "stopping" || state == "stopped") return ProviderInstance::State::kStopped;
  if (state == "shutting-down" || state == "terminated") return ProviderInstance::State::kTerminated;
  return ProviderInstance::State::kUnknown;
}

WallTime ParseLaunchTime(const std::string& text) {  // "2026-11-27T21:55:15.000Z"
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return WallTime{};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::vector<Ec2Filter> LiveGroupFilters(const ServerGroupSpec& spec, const std::string& managed_by) {
  auto filters = GroupTagFilters(spec.name, managed_by);
  filters.push_back({"instance-state-name", std::vector<std::string>(std::begin(kLiveStates), std::end(kLiveStates))});
  return filters;
}

}  // namespace

std::string Ec2ClientToken(const std::string& group, const LaunchSpec& host) {
  const std::string& token = host.client_token;
  bool ascii = !token.empty() && token.size() <= 64;
  for (unsigned char c : token) ascii = ascii && c > 0x20 && c < 0x7f;
  if (ascii) return token;
  return "kelola-" + Sha256Hex(group + "/" + host.host_name + "/" + token).substr(0, 48);
}

Ec2FleetProvider::Ec2FleetProvider(Ec2ProviderOptions options) : options_(std::move(options)) {
  environment_ = options_.environment ? *options_.environment : AwsEnvironment();
  if (!options_.sleep) options_.sleep = [](Duration d) { std::this_thread::sleep_for(d); };
}

Ec2FleetProvider::~Ec2FleetProvider() = default;

Result<std::string> Ec2FleetProvider::RegionOf(const ServerGroupSpec& spec) const {
  std::string region = spec.region;
  if (region.empty()) region = options_.default_region;
  if (region.empty()) region = Get(environment_, "AWS_REGION");
  if (region.empty()) region = Get(environment_, "AWS_DEFAULT_REGION");
  if (region.empty()) {
    return InvalidArgumentError("spec.region: empty, and neither AWS_REGION nor AWS_DEFAULT_REGION is set");
  }
  static const std::regex kRegion("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]{1,2}$");
  if (!std::regex_match(region, kRegion)) {
    return InvalidArgumentError("spec.region: \"" + region + "\" is not an AWS region name (e.g. us-east-1)");
  }
  return region;
}

Status Ec2FleetProvider::Validate(const ServerGroupSpec& spec) const {
  KELOLA_RETURN_IF_ERROR(RegionOf(spec).status());
  KELOLA_RETURN_IF_ERROR(ValidateEc2InstanceType(spec.size, "spec.size"));
  static const std::regex kAmi("^ami-([0-9a-f]{8}|[0-9a-f]{17})$");
  if (!std::regex_match(spec.image, kAmi)) {
    return InvalidArgumentError("spec.image: \"" + spec.image +
                                "\" is not an AMI id (ami- and 8 or 17 lower-case hex digits)");
  }
  if (!spec.zone.empty()) {
    const std::string region = *RegionOf(spec);
    if (spec.zone.rfind(region, 0) != 0 || spec.zone.size() != region.size() + 1) {
      return InvalidArgumentError("spec.zone: \"" + spec.zone + "\" is not a zone of region " + region);
    }
  }
  if (spec.bootstrap.user_data.size() > kMaxUserDataBytes) {
    return InvalidArgumentError("spec.bootstrap.user_data: " + std::to_string(spec.bootstrap.user_data.size()) +
                                " bytes; EC2 allows 16384");
  }
  for (size_t i = 0; i < spec.network.ingress.size(); ++i) {
    const std::string& p = spec.network.ingress[i].protocol;
    if (p != "tcp" && p != "udp" && p != "icmp" && p != "all") {
      return InvalidArgumentError("spec.network.ingress[" + std::to_string(i) + "].protocol: \"" + p +
                                  "\" (want tcp, udp, icmp or all)");
    }
  }
  return OkStatus();
}

Result<std::shared_ptr<Ec2Client>> Ec2FleetProvider::ClientFor(const ServerGroupSpec& spec) {
  KELOLA_ASSIGN_OR_RETURN(std::string region, RegionOf(spec));
  std::lock_guard lock(mu_);
  if (auto it = clients_.find(region); it != clients_.end()) return it->second;
  if (!credentials_) {
    KELOLA_ASSIGN_OR_RETURN(
        AwsCredentials credentials,
        LoadAwsCredentials({.profile = options_.profile, .credentials_file = options_.credentials_file}, environment_));
    credentials_ = std::move(credentials);
  }
  AwsQueryClientOptions query;
  query.service = "ec2";
  query.version = kEc2ApiVersion;
  query.region = region;
  query.endpoint = options_.endpoint.empty() ? "https://ec2." + region + ".amazonaws.com" : options_.endpoint;
  query.max_attempts = options_.max_attempts;
  query.initial_backoff = options_.initial_backoff;
  query.http.ca_file = options_.ca_file;
  query.http.max_retries = 0;
  query.sleep = options_.sleep;
  auto client = std::make_shared<Ec2Client>(std::make_shared<AwsQueryClient>(query, *credentials_));
  clients_[region] = client;
  return client;
}

int Ec2FleetProvider::ApiCalls() const {
  std::lock_guard lock(mu_);
  int total = 0;
  for (const auto& [region, client] : clients_) total += client->query().TotalCalls();
  return total;
}

std::map<std::string, int> Ec2FleetProvider::ApiCallsByAction() const {
  std::lock_guard lock(mu_);
  std::map<std::string, int> out;
  for (const auto& [region, client] : clients_) {
    for (const auto& [action, n] : client->query().CallCounts()) out[action] += n;
  }
  return out;
}

Duration Ec2FleetProvider::GraceFor(const std::string& instance_id) {
  std::lock_guard lock(mu_);
  auto it = launched_.find(instance_id);
  if (it == launched_.end()) return Duration::zero();
  const Duration age = SystemClock().Monotonic() - it->second;
  return age < options_.consistency_grace ? options_.consistency_grace - age : Duration::zero();
}

ProviderInstance Ec2FleetProvider::ToProviderInstance(const ServerGroupSpec& spec, const Ec2Instance& instance) const {
  ProviderInstance out;
  out.provider_id = instance.id;
  auto tag = [&instance](const char* key) {
    auto it = instance.tags.find(key);
    return it == instance.tags.end() ? std::string() : it->second;
  };
  out.host_name = tag(kFleetHostTag);
  out.group = tag(kFleetGroupTag);
  out.state = StateOf(instance.state);
  out.state_detail = instance.state;
  out.address = instance.public_ip.empty() ? instance.private_ip : instance.public_ip;
  out.ssh_port = spec.bootstrap.ssh_port;
  out.image = instance.image_id;
  out.size = instance.instance_type;
  out.launched_at = ParseLaunchTime(instance.launch_time);
  return out;
}

Result<GroupNetwork> Ec2FleetProvider::EnsureNetwork(const ServerGroupSpec& spec) {
  KELOLA_ASSIGN_OR_RETURN(auto ec2, ClientFor(spec));
  return EnsureEc2Network(*ec2, PlanEc2Network(spec, options_.managed_by, options_.default_vpc_cidr));
}

Result<std::vector<ProviderInstance>> Ec2FleetProvider::Launch(const ServerGroupSpec& spec, const GroupNetwork& network,
                                                               const std::vector<LaunchSpec>& hosts) {
  if (hosts.empty()) return std::vector<ProviderInstance>{};
  std::vector<std::string> subnets;
  for (const auto& [role, id] : network.ids) {
    if (role.rfind("subnet", 0) == 0) subnets.push_back(id);  // "subnet", "subnet-1", ... in map order
  }
  auto group_it = network.ids.find("securityGroup");
  if (subnets.empty() || group_it == network.ids.end()) {
    return FailedPreconditionError("aws: launching " + spec.name + " needs its network (EnsureNetwork first)");
  }
  KELOLA_ASSIGN_OR_RETURN(auto ec2, ClientFor(spec));

  // Hosts that already have a live instance (an earlier, interrupted apply).
  KELOLA_ASSIGN_OR_RETURN(auto existing, ec2->DescribeInstances({}, LiveGroupFilters(spec, options_.managed_by)));
  std::map<std::string, Ec2Instance> by_host;
  for (auto& instance : existing) {
    auto it = instance.tags.find(kFleetHostTag);
    if (it != instance.tags.end()) by_host.emplace(it->second, std::move(instance));
  }

  std::vector<ProviderInstance> out;
  for (const LaunchSpec& host : hosts) {
    if (auto it = by_host.find(host.host_name); it != by_host.end()) {
      out.push_back(ToProviderInstance(spec, it->second));
      continue;
    }
    RunInstancesRequest request;
    request.image_id = spec.image;
    request.instance_type = spec.size;
    request.count = 1;
    request.client_token = Ec2ClientToken(spec.name, host);
    request.user_data = spec.bootstrap.user_data;
    // Hosts spread over the subnets by a stable hash of their name.
    request.subnet_id = subnets[std::hash<std::string>{}(host.host_name) % subnets.size()];
    request.security_group_ids = {group_it->second};
    request.availability_zone = spec.zone;
    request.tags = {{kFleetGroupTag, spec.name},
                    {kFleetHostTag, host.host_name},
                    {kFleetManagedByTag, options_.managed_by},
                    {"Name", host.host_name}};
    KELOLA_ASSIGN_OR_RETURN(auto launched, ec2->RunInstances(request));
    if (launched.empty()) return InternalError("aws: RunInstances for " + host.host_name + " returned no instance");
    {
      std::lock_guard lock(mu_);
      launched_[launched[0].id] = SystemClock().Monotonic();
    }
    out.push_back(ToProviderInstance(spec, launched[0]));
  }
  return out;
}

Result<std::vector<ProviderInstance>> Ec2FleetProvider::List(const ServerGroupSpec& spec) {
  KELOLA_ASSIGN_OR_RETURN(auto ec2, ClientFor(spec));
  KELOLA_ASSIGN_OR_RETURN(auto instances, ec2->DescribeInstances({}, LiveGroupFilters(spec, options_.managed_by)));
  std::vector<ProviderInstance> out;
  for (const auto& instance : instances) out.push_back(ToProviderInstance(spec, instance));
  return out;
}

Result<ProviderInstance> Ec2FleetProvider::Describe(const ServerGroupSpec& spec, const std::string& provider_id) {
  KELOLA_ASSIGN_OR_RETURN(auto ec2, ClientFor(spec));
  KELOLA_ASSIGN_OR_RETURN(auto instances, ec2->DescribeInstances({provider_id}, {}, GraceFor(provider_id)));
  for (const auto& instance : instances) {
    if (instance.id == provider_id) return ToProviderInstance(spec, instance);
  }
  return NotFoundError("aws: instance " + provider_id + " does not exist");
}

Status Ec2FleetProvider::Terminate(const ServerGroupSpec& spec, const std::vector<std::string>& provider_ids) {
  if (provider_ids.empty()) return OkStatus();
  KELOLA_ASSIGN_OR_RETURN(auto ec2, ClientFor(spec));
  // Only instances of this group: a filter, so that ids already gone are
  // simply absent instead of failing the call with InvalidInstanceID.NotFound.
  auto filters = LiveGroupFilters(spec, options_.managed_by);
  filters.push_back({"instance-id", provider_ids});
  KELOLA_ASSIGN_OR_RETURN(auto instances, ec2->DescribeInstances({}, filters));
  std::vector<std::string> ids;
  for (const auto& instance : instances) {
    if (instance.state != "shutting-down") ids.push_back(instance.id);
  }
  Status status = ec2->TerminateInstances(ids);
  return status.code() == StatusCode::kNotFound ? OkStatus() : status;
}

Status Ec2FleetProvider::DeleteNetwork(const ServerGroupSpec& spec) {
  KELOLA_ASSIGN_OR_RETURN(auto ec2, ClientFor(spec));
  auto filters = GroupTagFilters(spec.name, options_.managed_by);
  filters.push_back({"instance-state-name", {"pending", "running", "stopping", "stopped"}});
  KELOLA_ASSIGN_OR_RETURN(auto alive, ec2->DescribeInstances({}, filters));
  if (!alive.empty()) {
    return FailedPreconditionError("aws: group " + spec.name + " still has " + std::to_string(alive.size()) +
                                   " instances (first " + alive[0].id + "); terminate them before its network");
  }
  return DeleteEc2Network(*ec2, spec.name, options_.managed_by, options_.teardown_retry_window, options_.sleep);
}

}  // namespace kelola
