// Ec2FleetProvider: the `aws` FleetProvider — a ServerGroup's servers as EC2
// instances in a VPC of their own (ec2_network.h), over the EC2 Query API
// with kelola's SigV4 signer. docs/integrations/aws.md describes it.
//
// - Validate: spec.size against the known instance types, spec.image an AMI
//   id (ami-xxxxxxxx), a region from spec.region or the options or
//   AWS_REGION/AWS_DEFAULT_REGION, user data within EC2's 16 KiB.
// - Launch: one RunInstances per host (MinCount=MaxCount=1) with the host's
//   own ClientToken and its kelola:group/kelola:host/kelola:managed-by tags,
//   IMDSv2 required, the user data; hosts that already have an instance
//   (found by tag) are returned, not launched again. Why per host and not
//   one batched call: the kelola:host tag differs per instance and a
//   RunInstances applies one tag set to all, so a batch needs a CreateTags
//   per instance afterwards (N+1 calls instead of N), and a per-host token
//   keeps the launch idempotent per host.
// - Terminate only terminates instances carrying the group's tags.
// - Credentials (aws_credentials.h) and a client per region are made on
//   first use, so constructing the provider never fails.
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "fleet/provider.h"
#include "integrations/aws/aws_credentials.h"
#include "integrations/aws/ec2_client.h"

namespace kelola {

// What the daemon fills from the server config (aws.* keys).
struct Ec2ProviderOptions {
  // "" = https://ec2.<region>.amazonaws.com; a moto URL in tests.
  std::string endpoint;
  // Credentials: an explicit profile and file, else the chain of
  // aws_credentials.h (environment, AWS_PROFILE, ~/.aws/credentials).
  std::string profile;
  std::string credentials_file;
  // Region when a spec has none; "" = AWS_REGION, then AWS_DEFAULT_REGION.
  std::string default_region;
  std::string default_vpc_cidr = "10.42.0.0/16";
  std::string managed_by = "kelola";  // the kelola:managed-by tag's value
  // A just-launched instance's InvalidInstanceID.NotFound is retried this long.
  Duration consistency_grace = std::chrono::seconds(15);
  // A teardown's DependencyViolation (ENIs of terminated instances) is retried this long.
  Duration teardown_retry_window = std::chrono::minutes(5);
  int max_attempts = 5;
  Duration initial_backoff = std::chrono::milliseconds(200);
  std::string ca_file;  // extra CA bundle for a private endpoint; TLS is always verified
  // The environment the credentials chain and region fall back to; unset =
  // the process environment (tests pass their own).
  std::optional<std::map<std::string, std::string>> environment;
  // Waits between retries; unset = real sleep.
  std::function<void(Duration)> sleep;
};

class Ec2FleetProvider final : public FleetProvider {
 public:
  explicit Ec2FleetProvider(Ec2ProviderOptions options);
  ~Ec2FleetProvider() override;

  std::string Name() const override { return "aws"; }
  Status Validate(const ServerGroupSpec& spec) const override;
  Result<GroupNetwork> EnsureNetwork(const ServerGroupSpec& spec) override;
  Result<std::vector<ProviderInstance>> Launch(const ServerGroupSpec& spec, const GroupNetwork& network,
                                               const std::vector<LaunchSpec>& hosts) override;
  Result<std::vector<ProviderInstance>> List(const ServerGroupSpec& spec) override;
  Result<ProviderInstance> Describe(const ServerGroupSpec& spec, const std::string& provider_id) override;
  Status Terminate(const ServerGroupSpec& spec, const std::vector<std::string>& provider_ids) override;
  Status DeleteNetwork(const ServerGroupSpec& spec) override;

  // The EC2 client of a spec's region (made on first use): tests and the
  // benchmark read its call counts and check what exists.
  Result<std::shared_ptr<Ec2Client>> ClientFor(const ServerGroupSpec& spec);
  // HTTP calls made so far, over every region.
  int ApiCalls() const;
  std::map<std::string, int> ApiCallsByAction() const;

 private:
  Result<std::string> RegionOf(const ServerGroupSpec& spec) const;
  ProviderInstance ToProviderInstance(const ServerGroupSpec& spec, const Ec2Instance& instance) const;
  Duration GraceFor(const std::string& instance_id);

  Ec2ProviderOptions options_;
  std::map<std::string, std::string> environment_;
  mutable std::mutex mu_;
  std::optional<AwsCredentials> credentials_;
  std::map<std::string, std::shared_ptr<Ec2Client>> clients_;  // by region
  std::map<std::string, MonoTime> launched_;                   // instance id -> when this process launched it
};

// The ClientToken of a host: its LaunchSpec token when it fits EC2's 64
// ASCII characters, else one derived from group and host names.
std::string Ec2ClientToken(const std::string& group, const LaunchSpec& host);

}  // namespace kelola
