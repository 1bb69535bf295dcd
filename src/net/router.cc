#include "net/router.h"

#include <set>

#include "base/http_token.h"
#include "net/http_message.h"

namespace kelola {
namespace {

bool IsParamNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// "/a/b" -> {"a", "b"}; "/" -> {""}. The leading '/' is required by callers.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

Result<size_t> Router::Add(std::string_view method, std::string_view pattern) {
  if (method.empty()) return InvalidArgumentError("route method is empty");
  if (method != "*") {
    for (char c : method) {
      if (!IsHttpTokenChar(c)) {
        return InvalidArgumentError("route method \"" + std::string(method) + "\" is not an HTTP method token");
      }
    }
  }
  const std::string where = "route pattern \"" + std::string(pattern) + "\"";
  if (pattern.empty() || pattern.front() != '/') {
    return InvalidArgumentError(where + " must start with '/'");
  }
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  std::set<std::string, std::less<>> names;
  for (std::string_view seg : SplitPath(pattern)) {
    Segment s;
    if (!seg.empty() && seg.front() == '{') {
      if (seg.size() < 3 || seg.back() != '}') {
        return InvalidArgumentError(where + ": placeholder \"" + std::string(seg) +
                                    "\" must look like {name} and fill the whole segment");
      }
      const std::string_view name = seg.substr(1, seg.size() - 2);
      for (char c : name) {
        if (!IsParamNameChar(c)) {
          return InvalidArgumentError(where + ": placeholder name \"" + std::string(name) +
                                      "\" may use only letters, digits, '_' and '-'");
        }
      }
      if (!names.insert(std::string(name)).second) {
        return InvalidArgumentError(where + ": placeholder {" + std::string(name) + "} appears twice");
      }
      s.text = std::string(name);
      s.is_param = true;
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos) {
        return InvalidArgumentError(where + ": segment \"" + std::string(seg) + "\" has a stray brace");
      }
      s.text = PercentDecode(seg, /*plus_is_space=*/false);
    }
    route.segments.push_back(std::move(s));
  }
  routes_.push_back(std::move(route));
  return routes_.size() - 1;
}

bool Router::PathMatches(const Route& route, const std::vector<std::string>& segments,
                         std::map<std::string, std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& want = route.segments[i];
    if (want.is_param) {
      if (segments[i].empty()) return false;
    } else if (want.text != segments[i]) {
      return false;
    }
  }
  if (params != nullptr) {
    params->clear();
    for (size_t i = 0; i < segments.size(); ++i) {
      if (route.segments[i].is_param) (*params)[route.segments[i].text] = segments[i];
    }
  }
  return true;
}

Router::Match Router::Find(std::string_view method, std::string_view raw_path) const {
  Match match;
  if (raw_path.empty() || raw_path.front() != '/') return match;
  std::vector<std::string> segments;
  for (std::string_view seg : SplitPath(raw_path)) {
    segments.push_back(PercentDecode(seg, /*plus_is_space=*/false));
  }

  auto find_for = [&](std::string_view m) -> bool {
    for (size_t i = 0; i < routes_.size(); ++i) {
      const Route& r = routes_[i];
      if ((r.method == m || r.method == "*") && PathMatches(r, segments, &match.params)) {
        match.outcome = Outcome::kFound;
        match.route = i;
        return true;
      }
    }
    return false;
  };
  if (find_for(method)) return match;
  if (method == "HEAD" && find_for("GET")) return match;

  // The path may exist under other methods: that is a 405, not a 404.
  std::set<std::string> allowed;
  for (const Route& r : routes_) {
    if (PathMatches(r, segments, nullptr)) allowed.insert(r.method);
  }
  if (!allowed.empty()) {
    match.outcome = Outcome::kMethodNotAllowed;
    if (allowed.count("GET") != 0) allowed.insert("HEAD");
    for (const std::string& m : allowed) {
      if (!match.allowed_methods.empty()) match.allowed_methods += ", ";
      match.allowed_methods += m;
    }
  }
  match.params.clear();
  return match;
}

}  // namespace kelola
