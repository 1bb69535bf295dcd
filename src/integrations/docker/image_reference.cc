#include "integrations/docker/image_reference.h"

namespace kelola::docker {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool ValidComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    const char ch = c[i];
    if (IsLowerAlnum(ch)) continue;
    if (ch != '.' && ch != '_' && ch != '-') return false;
    // Separators: one '.', one or two '_', any run of '-'.
    if (ch == '.' && !IsLowerAlnum(c[i + 1])) return false;
    if (ch == '_' && c[i + 1] == '_' && (i + 2 >= c.size() || !IsLowerAlnum(c[i + 2]))) return false;
  }
  return true;
}

bool ValidTag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && (i == 0 || (c != '.' && c != '-'))) return false;
  }
  return true;
}

bool ValidHost(std::string_view h) {
  if (h.empty() || h.size() > 255) return false;
  for (char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

bool ValidDigest(std::string_view d) {
  const size_t colon = d.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 32 > d.size()) return false;
  for (char c : d.substr(colon + 1)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  for (char c : d.substr(0, colon)) {
    if (!IsLowerAlnum(c) && c != '+' && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string ImageReference::Name() const {
  if (registry == "docker.io") {
    // Only official one-word images have a short form: "library/a/b" is not "a/b".
    const bool official = repository.rfind("library/", 0) == 0 && repository.find('/', 8) == std::string::npos;
    return official ? repository.substr(8) : repository;
  }
  return registry + "/" + repository;
}

Result<ImageReference> ParseImageReference(std::string_view text) {
  const std::string shown = "image reference \"" + std::string(text.substr(0, 200)) + "\"";
  if (text.empty() || text.size() > 512) return InvalidArgumentError(shown + " is empty or too long");
  ImageReference ref;
  std::string_view rest = text;
  const size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!ValidDigest(ref.digest)) return InvalidArgumentError(shown + ": malformed digest");
  }
  const size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      if (!ValidHost(first)) return InvalidArgumentError(shown + ": malformed registry host");
      ref.registry = std::string(first);
      rest = rest.substr(slash + 1);
    }
  }
  if (ref.registry.empty()) ref.registry = "docker.io";
  const size_t last_slash = rest.rfind('/');
  const size_t colon = rest.find(':', last_slash == std::string_view::npos ? 0 : last_slash);
  if (colon != std::string_view::npos) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!ValidTag(ref.tag)) return InvalidArgumentError(shown + ": malformed tag \"" + ref.tag + "\"");
  }
  if (rest.empty()) return InvalidArgumentError(shown + ": no repository name");
  std::string_view path = rest;
  while (true) {
    const size_t s = path.find('/');
    if (!ValidComponent(path.substr(0, s))) {
      return InvalidArgumentError(shown + ": repository names are lowercase letters, digits and . _ - separators");
    }
    if (s == std::string_view::npos) break;
    path = path.substr(s + 1);
  }
  ref.repository = std::string(rest);
  if (ref.registry == "docker.io" && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (ref.repository.size() > 255) return InvalidArgumentError(shown + ": repository name is too long");
  return ref;
}

}  // namespace kelola::docker
