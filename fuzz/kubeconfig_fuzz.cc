// libFuzzer target: kubeconfig files (ParseKubeconfig) and the Deployment
// objects the API returns (ParseDeploymentState). No input may crash; an
// error always names the kubeconfig; a parsed connection always passes
// ValidateKubeConnection.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "integrations/kubernetes/kube_connection.h"
#include "integrations/kubernetes/rollout_status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto connection = kelola::ParseKubeconfig(input, "fuzz", "/base");
  if (connection.ok()) {
    if (!kelola::ValidateKubeConnection(*connection).ok()) std::abort();
  } else if (connection.status().message().rfind("kubeconfig fuzz", 0) != 0) {
    std::abort();
  }
  auto state = kelola::ParseDeploymentState(input);
  if (state.ok()) (void)kelola::DecideRollout(*state);
  return 0;
}
