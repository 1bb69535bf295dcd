// EC2 API calls per host created by the `aws` fleet provider, counted in
// its own client (every HTTP attempt, retries included), against an EC2
// endpoint (moto's server: bench/ec2_api_calls.sh starts one on loopback).
// Passes: first apply of an N-host group (EnsureNetwork + Launch), replay of
// the same apply, teardown (Terminate + DeleteNetwork); then, for
// comparison, the batched alternative measured with the same client: one
// RunInstances for N plus one CreateTags per instance for kelola:host.
// Usage: kelola_ec2_api_calls_bench ENDPOINT [HOSTS]   (default 10)
#include <chrono>
#include <iostream>
#include <string>

#include "integrations/aws/ec2_fleet_provider.h"

namespace kelola {
namespace {

void Print(const std::string& pass, int hosts, const std::map<std::string, int>& before,
           const std::map<std::string, int>& after, double ms) {
  int total = 0;
  std::string detail;
  for (const auto& [action, n] : after) {
    const int delta = n - (before.count(action) ? before.at(action) : 0);
    if (delta == 0) continue;
    total += delta;
    detail += " " + action + "=" + std::to_string(delta);
  }
  std::cout << pass << ": " << total << " calls, " << static_cast<double>(total) / hosts << " per host, " << ms
            << " ms;" << detail << "\n";
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

int Run(const std::string& endpoint, int hosts) {
  Ec2ProviderOptions options;
  options.endpoint = endpoint;
  options.environment =
      std::map<std::string, std::string>{{"AWS_ACCESS_KEY_ID", "AKIDBENCH"}, {"AWS_SECRET_ACCESS_KEY", "bench"}};
  Ec2FleetProvider provider(options);
  ServerGroupSpec spec;
  spec.name = "bench";
  spec.region = "us-east-1";
  spec.image = "ami-12c6146b";
  spec.size = "t3.micro";
  spec.count = hosts;
  spec.network.vpc_cidr = "10.50.0.0/16";
  spec.network.subnet_cidrs = {"10.50.1.0/24"};
  spec.network.ingress = {{.protocol = "tcp", .from_port = 22, .to_port = 22, .cidr = "0.0.0.0/0"}};
  spec.bootstrap.user_data = "#cloud-config\n";
  std::vector<LaunchSpec> launch;
  for (int i = 1; i <= hosts; ++i) launch.push_back({"bench-" + std::to_string(i), "bench-tok-" + std::to_string(i)});

  auto before = provider.ApiCallsByAction();
  auto start = std::chrono::steady_clock::now();
  auto network = provider.EnsureNetwork(spec);
  if (!network.ok()) return std::cerr << network.status().ToString() << "\n", 1;
  auto launched = provider.Launch(spec, *network, launch);
  if (!launched.ok()) return std::cerr << launched.status().ToString() << "\n", 1;
  Print("apply (network + " + std::to_string(hosts) + " hosts)", hosts, before, provider.ApiCallsByAction(),
        Since(start));

  before = provider.ApiCallsByAction();
  start = std::chrono::steady_clock::now();
  if (!provider.EnsureNetwork(spec).ok() || !provider.Launch(spec, *network, launch).ok()) return 1;
  Print("replay (nothing to create)", hosts, before, provider.ApiCallsByAction(), Since(start));

  before = provider.ApiCallsByAction();
  start = std::chrono::steady_clock::now();
  std::vector<std::string> ids;
  for (const auto& i : *launched) ids.push_back(i.provider_id);
  if (!provider.Terminate(spec, ids).ok()) return 1;
  const Status deleted = provider.DeleteNetwork(spec);
  if (!deleted.ok()) return std::cerr << deleted.ToString() << "\n", 1;
  Print("teardown", hosts, before, provider.ApiCallsByAction(), Since(start));

  // The batched alternative, same client: RunInstances MinCount=MaxCount=N,
  // then the per-instance kelola:host tag.
  auto ec2 = provider.ClientFor(spec);
  if (!ec2.ok()) return 1;
  before = provider.ApiCallsByAction();
  start = std::chrono::steady_clock::now();
  RunInstancesRequest batch;
  batch.image_id = spec.image;
  batch.instance_type = spec.size;
  batch.count = hosts;
  batch.client_token = "bench-batch";
  batch.tags = {{kFleetGroupTag, "bench-batch"}, {kFleetManagedByTag, "kelola"}};
  auto instances = (*ec2)->RunInstances(batch);
  if (!instances.ok()) return 1;
  for (size_t i = 0; i < instances->size(); ++i) {
    if (!(*ec2)->CreateTags({(*instances)[i].id}, {{kFleetHostTag, "bench-batch-" + std::to_string(i + 1)}}).ok()) {
      return 1;
    }
  }
  Print("batched alternative (instances only)", hosts, before, provider.ApiCallsByAction(), Since(start));
  std::vector<std::string> batch_ids;
  for (const auto& i : *instances) batch_ids.push_back(i.id);
  return (*ec2)->TerminateInstances(batch_ids).ok() ? 0 : 1;
}

}  // namespace
}  // namespace kelola

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: kelola_ec2_api_calls_bench ENDPOINT [HOSTS]\n";
    return 2;
  }
  return kelola::Run(argv[1], argc > 2 ? std::stoi(argv[2]) : 10);
}
