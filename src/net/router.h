// Router: matches a request's method and raw path against route patterns.
//
// Patterns are absolute paths whose segments are literals or "{name}"
// placeholders; a placeholder matches one non-empty segment and its
// percent-decoded value is returned under `name`. Literal segments are
// compared with the decoded path segment, so "/a%2Fb" is one segment "a/b"
// and never matches "/a/b". Routes are tried in insertion order and the first
// match wins. HEAD falls back to a GET route when no HEAD route matches.
//
// Pure logic, no I/O. Thread-safety: Add() before concurrent Find() calls;
// Find() is const and may run on many threads at once.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kelola {

class Router {
 public:
  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };

  struct Match {
    Outcome outcome = Outcome::kNotFound;
    size_t route = 0;                           // index returned by Add(); kFound only
    std::map<std::string, std::string> params;  // kFound only
    std::string allowed_methods;                // "GET, POST"; kMethodNotAllowed only
  };

  // Returns the route's index (0, 1, ...), or InvalidArgument naming the
  // problem when the method is not an HTTP token or "*", or the pattern is
  // malformed (not starting with '/', stray braces, empty or repeated
  // placeholder names).
  Result<size_t> Add(std::string_view method, std::string_view pattern);

  // `raw_path` is the request target's path, before percent-decoding and
  // without the query string.
  Match Find(std::string_view method, std::string_view raw_path) const;

  const std::string& pattern(size_t route) const { return routes_[route].pattern; }
  size_t size() const { return routes_.size(); }

 private:
  struct Segment {
    std::string text;  // the literal, or the placeholder's name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
  };

  static bool PathMatches(const Route& route, const std::vector<std::string>& segments,
                          std::map<std::string, std::string>* params);

  std::vector<Route> routes_;
};

}  // namespace kelola
