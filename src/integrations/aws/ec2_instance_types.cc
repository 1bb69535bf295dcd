#include "integrations/aws/ec2_instance_types.h"

#include <map>
#include <vector>

namespace kelola {
namespace {

using Sizes = std::vector<std::string_view>;

const std::map<std::string_view, Sizes>& Families() {
  static const Sizes burst = {"nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"};
  static const Sizes m5 = {"large",    "xlarge",   "2xlarge",  "4xlarge", "8xlarge",
                           "12xlarge", "16xlarge", "24xlarge", "metal"};
  static const Sizes m5a = {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"};
  static const Sizes gen6 = {"large",    "xlarge",   "2xlarge",  "4xlarge",  "8xlarge",
                             "12xlarge", "16xlarge", "24xlarge", "32xlarge", "metal"};
  static const Sizes gen6a = {"large",    "xlarge",   "2xlarge",  "4xlarge",  "8xlarge", "12xlarge",
                              "16xlarge", "24xlarge", "32xlarge", "48xlarge", "metal"};
  static const Sizes graviton = {"medium",  "large",    "xlarge",   "2xlarge", "4xlarge",
                                 "8xlarge", "12xlarge", "16xlarge", "metal"};
  static const Sizes gen7 = {"large",    "xlarge",   "2xlarge",  "4xlarge",    "8xlarge",   "12xlarge",
                             "16xlarge", "24xlarge", "48xlarge", "metal-24xl", "metal-48xl"};
  static const Sizes c5 = {"large",    "xlarge",   "2xlarge",  "4xlarge", "9xlarge",
                           "12xlarge", "18xlarge", "24xlarge", "metal"};
  static const Sizes c5a = {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"};
  static const std::map<std::string_view, Sizes> families = {
      {"t2", burst},  {"t3", burst},     {"t3a", burst}, {"t4g", burst},    {"m5", m5}, {"m5a", m5a}, {"m6i", gen6},
      {"m6a", gen6a}, {"m6g", graviton}, {"m7i", gen7},  {"m7g", graviton}, {"c5", c5}, {"c5a", c5a}, {"c6i", gen6},
      {"c6a", gen6a}, {"c6g", graviton}, {"c7i", gen7},  {"c7g", graviton}, {"r5", m5}, {"r5a", m5a}, {"r6i", gen6},
      {"r6a", gen6a}, {"r6g", graviton}, {"r7i", gen7},  {"r7g", graviton},
  };
  return families;
}

std::string Join(const Sizes& sizes) {
  std::string out;
  for (auto s : sizes) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

}  // namespace

Status ValidateEc2InstanceType(std::string_view type, const std::string& field) {
  const std::string quoted = "\"" + std::string(type) + "\"";
  const size_t dot = type.find('.');
  if (type.empty()) return InvalidArgumentError(field + ": an EC2 instance type is required (e.g. t3.micro)");
  const auto& families = Families();
  auto it = dot == std::string_view::npos ? families.end() : families.find(type.substr(0, dot));
  if (it == families.end()) {
    std::string known;
    for (const auto& [family, sizes] : families) known += (known.empty() ? "" : ", ") + std::string(family);
    return InvalidArgumentError(field + ": " + quoted + " is not a known EC2 instance type (families: " + known + ")");
  }
  const std::string_view size = type.substr(dot + 1);
  for (auto s : it->second) {
    if (s == size) return OkStatus();
  }
  return InvalidArgumentError(field + ": " + quoted + " is not a known EC2 instance type (" + std::string(it->first) +
                              " sizes: " + Join(it->second) + ")");
}

}  // namespace kelola
