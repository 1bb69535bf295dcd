#include "integrations/aws/ec2_responses.h"

#include <charconv>

namespace kelola {
namespace {

std::map<std::string, std::string> Tags(const XmlElement& element) {
  std::map<std::string, std::string> tags;
  for (const XmlElement* item : element.Items("tagSet")) tags[item->ChildText("key")] = item->ChildText("value");
  return tags;
}

// The leaf children (no children of their own) as name -> text.
std::map<std::string, std::string> Leaves(const XmlElement& element) {
  std::map<std::string, std::string> out;
  for (const auto& child : element.children) {
    if (child.children.empty()) out.emplace(child.name, child.text);
  }
  return out;
}

Ec2Instance DecodeInstance(const XmlElement& item) {
  Ec2Instance instance;
  instance.id = item.ChildText("instanceId");
  if (const XmlElement* state = item.Child("instanceState")) instance.state = state->ChildText("name");
  instance.instance_type = item.ChildText("instanceType");
  instance.image_id = item.ChildText("imageId");
  instance.subnet_id = item.ChildText("subnetId");
  instance.vpc_id = item.ChildText("vpcId");
  instance.private_ip = item.ChildText("privateIpAddress");
  instance.public_ip = item.ChildText("ipAddress");
  instance.launch_time = item.ChildText("launchTime");
  instance.client_token = item.ChildText("clientToken");
  if (const XmlElement* metadata = item.Child("metadataOptions")) {
    instance.http_tokens = metadata->ChildText("httpTokens");
  }
  const std::string index = item.ChildText("amiLaunchIndex");
  std::from_chars(index.data(), index.data() + index.size(), instance.launch_index);
  instance.tags = Tags(item);
  return instance;
}

}  // namespace

std::optional<Ec2Error> ParseEc2Error(std::string_view body) {
  auto root = ParseXml(body);
  if (!root.ok()) return std::nullopt;
  const XmlElement* error = nullptr;
  if (root->name == "Response" || root->name == "ErrorResponse") {
    error = root->Child("Error");
    if (const XmlElement* errors = root->Child("Errors"); error == nullptr && errors != nullptr) {
      error = errors->Child("Error");
    }
  }
  if (error == nullptr) return std::nullopt;
  Ec2Error out;
  out.code = error->ChildText("Code");
  out.message = error->ChildText("Message");
  out.request_id = root->ChildText("RequestID");
  if (out.request_id.empty()) out.request_id = root->ChildText("RequestId");
  return out;
}

Result<Ec2InstancePage> ParseEc2Instances(std::string_view body) {
  KELOLA_ASSIGN_OR_RETURN(XmlElement root, ParseXml(body));
  Ec2InstancePage page;
  for (const XmlElement* item : root.Items("instancesSet")) page.instances.push_back(DecodeInstance(*item));
  for (const XmlElement* reservation : root.Items("reservationSet")) {
    for (const XmlElement* item : reservation->Items("instancesSet")) {
      page.instances.push_back(DecodeInstance(*item));
    }
  }
  page.next_token = root.ChildText("nextToken");
  return page;
}

Result<Ec2ResourcePage> ParseEc2Resources(std::string_view body, std::string_view set_name, std::string_view id_field) {
  KELOLA_ASSIGN_OR_RETURN(XmlElement root, ParseXml(body));
  Ec2ResourcePage page;
  for (const XmlElement* item : root.Items(set_name)) {
    Ec2Resource resource;
    resource.id = item->ChildText(id_field);
    resource.tags = Tags(*item);
    resource.fields = Leaves(*item);
    for (const auto& child : item->children) {
      if (child.name == "tagSet" || child.children.empty()) continue;
      if (child.name == "ipPermissions") {
        auto& rules = resource.sets["ipPermissions"];
        for (const XmlElement* permission : item->Items("ipPermissions")) {
          for (const XmlElement* range : permission->Items("ipRanges")) {
            auto rule = Leaves(*permission);
            rule["cidrIp"] = range->ChildText("cidrIp");
            rule["description"] = range->ChildText("description");
            rules.push_back(std::move(rule));
          }
        }
        continue;
      }
      for (const XmlElement* set_item : item->Items(child.name)) resource.sets[child.name].push_back(Leaves(*set_item));
    }
    page.resources.push_back(std::move(resource));
  }
  page.next_token = root.ChildText("nextToken");
  return page;
}

Result<std::string> ParseEc2Field(std::string_view body, std::string_view name) {
  KELOLA_ASSIGN_OR_RETURN(XmlElement root, ParseXml(body));
  const XmlElement* found = root.Find(name);
  if (found == nullptr) {
    return InvalidArgumentError("EC2 answer " + root.name + " has no <" + std::string(name) + ">");
  }
  return found->text;
}

}  // namespace kelola
