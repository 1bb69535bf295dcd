// XmlElement / ParseXml: a small element tree over expat, for the XML the
// AWS Query APIs answer with. Element names lose their namespace prefix;
// attributes are dropped (the Query APIs put nothing in them); character
// data directly inside an element is concatenated into `text`.
//
// Outside input (fuzzed by fuzz/aws_ec2_xml_fuzz.cc). Refused with
// InvalidArgument: malformed XML (expat's message and line), any DOCTYPE
// (no entity expansion at all), nesting deeper than 64, more than 16 MiB.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kelola {

struct XmlElement {
  std::string name;
  std::string text;
  std::vector<XmlElement> children;

  // The first child with this name, or nullptr.
  const XmlElement* Child(std::string_view child_name) const;
  // The text of the first child with this name; "" when there is none.
  std::string ChildText(std::string_view child_name) const;
  // The <item> children of the child `set_name` (the Query APIs' lists).
  std::vector<const XmlElement*> Items(std::string_view set_name) const;
  // Depth-first search for the first element with this name (this included).
  const XmlElement* Find(std::string_view element_name) const;
};

Result<XmlElement> ParseXml(std::string_view text);

}  // namespace kelola
