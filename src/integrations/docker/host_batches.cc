#include "integrations/docker/host_batches.h"

#include <algorithm>
#include <cctype>

namespace kelola::docker {
namespace {

Status BadBatch(const std::string& batch, const std::string& why) {
  return InvalidArgumentError("spec.dockerhosts.batch: \"" + batch + "\" " + why);
}

}  // namespace

Result<int> HostBatchSize(const std::string& batch, int host_count) {
  const bool percent = !batch.empty() && batch.back() == '%';
  const std::string digits = percent ? batch.substr(0, batch.size() - 1) : batch;
  if (digits.empty() || digits.size() > 6 ||
      !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return BadBatch(batch, "is not a host count (\"2\") or a share of the hosts (\"34%\")");
  }
  const int value = std::stoi(digits);
  if (value < 1) return BadBatch(batch, "must be at least 1");
  if (percent && value > 100) return BadBatch(batch, "is over 100%");
  if (host_count <= 0) return 0;
  if (!percent) return std::min(value, host_count);
  const int size = static_cast<int>((static_cast<long long>(host_count) * value + 99) / 100);
  return std::clamp(size, 1, host_count);
}

Result<std::vector<std::vector<std::string>>> PlanHostBatches(const std::string& batch,
                                                              const std::vector<std::string>& hosts) {
  KELOLA_ASSIGN_OR_RETURN(int size, HostBatchSize(batch, static_cast<int>(hosts.size())));
  std::vector<std::vector<std::string>> batches;
  for (size_t i = 0; i < hosts.size(); i += static_cast<size_t>(size)) {
    const size_t end = std::min(hosts.size(), i + static_cast<size_t>(size));
    batches.emplace_back(hosts.begin() + static_cast<long>(i), hosts.begin() + static_cast<long>(end));
  }
  return batches;
}

}  // namespace kelola::docker
