// libFuzzer target: EC2/IAM Query API answers (XML through expat) and their
// decoding into errors, instances and tagged resources. No input may crash,
// hang or expand entities; decoding never fails on a document that parsed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "integrations/aws/ec2_responses.h"
#include "integrations/aws/xml_document.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65536) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool parsed = kelola::ParseXml(input).ok();
  (void)kelola::ParseEc2Error(input);
  auto instances = kelola::ParseEc2Instances(input);
  if (instances.ok() != parsed) std::abort();
  for (const char* set : {"vpcSet", "subnetSet", "internetGatewaySet", "routeTableSet", "securityGroupInfo"}) {
    auto resources = kelola::ParseEc2Resources(input, set, "id");
    if (resources.ok() != parsed) std::abort();
  }
  (void)kelola::ParseEc2Field(input, "vpcId");
  return 0;
}
