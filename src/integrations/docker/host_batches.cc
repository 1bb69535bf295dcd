#include "integrations/docker/host_batches.h"

#include <algorithm>

#include "deploy/target.h"

namespace kelola::docker {

Result<std::vector<std::vector<std::string>>> PlanHostBatches(const std::string& batch,
                                                              const std::vector<std::string>& hosts) {
  KELOLA_RETURN_IF_ERROR(ValidateBatch(batch));
  const size_t size = static_cast<size_t>(BatchSize(batch, static_cast<int>(hosts.size())));
  std::vector<std::vector<std::string>> batches;
  for (size_t i = 0; i < hosts.size(); i += size) {
    const size_t end = std::min(hosts.size(), i + size);
    batches.emplace_back(hosts.begin() + static_cast<long>(i), hosts.begin() + static_cast<long>(end));
  }
  return batches;
}

}  // namespace kelola::docker
