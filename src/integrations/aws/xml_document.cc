#include "integrations/aws/xml_document.h"

#include <expat.h>

#include <memory>

namespace kelola {
namespace {

constexpr size_t kMaxDepth = 64;
constexpr size_t kMaxBytes = 16u << 20;

struct ParseState {
  XML_Parser parser = nullptr;
  std::vector<XmlElement> stack;  // open elements; stack[0] is a holder for the root
  std::string error;
};

void StopWith(ParseState* state, const std::string& error) {
  if (state->error.empty()) state->error = error;
  XML_StopParser(state->parser, XML_FALSE);
}

void XMLCALL OnStart(void* data, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto* state = static_cast<ParseState*>(data);
  if (state->stack.size() > kMaxDepth) return StopWith(state, "XML nested deeper than 64 elements");
  std::string_view local(name);
  if (const size_t colon = local.rfind(':'); colon != std::string_view::npos) local.remove_prefix(colon + 1);
  XmlElement element;
  element.name = std::string(local);
  state->stack.push_back(std::move(element));
}

void XMLCALL OnEnd(void* data, const XML_Char* /*name*/) {
  auto* state = static_cast<ParseState*>(data);
  if (state->stack.size() < 2) return;
  XmlElement done = std::move(state->stack.back());
  state->stack.pop_back();
  state->stack.back().children.push_back(std::move(done));
}

void XMLCALL OnText(void* data, const XML_Char* text, int len) {
  auto* state = static_cast<ParseState*>(data);
  if (state->stack.size() < 2) return;  // whitespace around the root
  state->stack.back().text.append(text, static_cast<size_t>(len));
}

void XMLCALL OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  StopWith(static_cast<ParseState*>(data), "XML with a DOCTYPE is refused");
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const auto& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* child = Child(child_name);
  return child == nullptr ? std::string() : child->text;
}

std::vector<const XmlElement*> XmlElement::Items(std::string_view set_name) const {
  std::vector<const XmlElement*> out;
  const XmlElement* set = Child(set_name);
  if (set == nullptr) return out;
  for (const auto& child : set->children) {
    if (child.name == "item") out.push_back(&child);
  }
  return out;
}

const XmlElement* XmlElement::Find(std::string_view element_name) const {
  if (name == element_name) return this;
  for (const auto& child : children) {
    if (const XmlElement* found = child.Find(element_name)) return found;
  }
  return nullptr;
}

Result<XmlElement> ParseXml(std::string_view text) {
  if (text.size() > kMaxBytes) return InvalidArgumentError("XML document larger than 16 MiB");
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"), &XML_ParserFree);
  if (!parser) return InternalError("expat: cannot create a parser");
  ParseState state;
  state.parser = parser.get();
  state.stack.emplace_back();  // holder
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(parser.get(), &OnStart, &OnEnd);
  XML_SetCharacterDataHandler(parser.get(), &OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), &OnDoctype);
  const XML_Status status = XML_Parse(parser.get(), text.data(), static_cast<int>(text.size()), XML_TRUE);
  if (!state.error.empty()) return InvalidArgumentError(state.error);
  if (status != XML_STATUS_OK) {
    return InvalidArgumentError("malformed XML at line " + std::to_string(XML_GetCurrentLineNumber(parser.get())) +
                                ": " + XML_ErrorString(XML_GetErrorCode(parser.get())));
  }
  if (state.stack.size() != 1 || state.stack[0].children.size() != 1) {
    return InvalidArgumentError("XML document has no root element");
  }
  return std::move(state.stack[0].children[0]);
}

}  // namespace kelola
