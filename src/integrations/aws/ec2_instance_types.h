// The EC2 instance types kelola accepts in a ServerGroup's spec.size: the
// current general-purpose, compute- and memory-optimised families (t2, t3,
// t3a, t4g, m5, m5a, m6i, m6a, m6g, m7i, m7g, c5, c5a, c6i, c6a, c6g, c7i,
// c7g, r5, r5a, r6i, r6a, r6g, r7i, r7g) with the sizes each really has.
// A table, not a call to DescribeInstanceTypes: validation must not need
// credentials or the network. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

// OK for a known type ("t3.micro"); InvalidArgument naming `field` otherwise,
// with the family's sizes ("t3 sizes: nano, micro, ...") or the families.
Status ValidateEc2InstanceType(std::string_view type, const std::string& field);

}  // namespace kelola
