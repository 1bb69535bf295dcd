// LabelMatcher: one condition on an alert's labels, with Alertmanager's
// matcher syntax and semantics, used by routes, silences, inhibition rules
// and `GET /v1/alerts?filter=`.
//
//   name="value"   equal            name!="value"  not equal
//   name=~"regex"  regex matches    name!~"regex"  regex does not match
//
// A list is comma separated, optionally in braces: `{service="api", env=~"prod|stage"}`.
// Values are double-quoted (escapes \" \\ \n \t) or, as Alertmanager's
// classic parser allows, unquoted up to the next ',' or '}' (blanks trimmed).
// Regexes are RE2 and anchored at both ends, as in Alertmanager. A label an
// alert does not have matches as the empty string: `team=""` matches alerts
// without a team, `team!=""` those with one.
//
// Parse errors are InvalidArgument naming the byte offset and what was
// expected. Thread-safety: a built matcher is immutable and may be shared.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/alert.h"
#include "base/status.h"

namespace re2 {
class RE2;
}

namespace kelola {

class LabelMatcher {
 public:
  enum class Op { kEqual, kNotEqual, kRegex, kNotRegex };

  // Compiles the regex of kRegex/kNotRegex; InvalidArgument when RE2 rejects
  // it or the name is not a label name.
  static Result<LabelMatcher> Make(std::string name, Op op, std::string value);

  const std::string& name() const { return name_; }
  Op op() const { return op_; }
  const std::string& value() const { return value_; }

  bool Matches(const LabelSet& labels) const;
  bool MatchesValue(std::string_view value) const;
  // `name="value"` with the value quoted and escaped; parses back to itself.
  std::string ToString() const;

 private:
  std::string name_;
  Op op_ = Op::kEqual;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;
};

using Matchers = std::vector<LabelMatcher>;

// "=", "!=", "=~", "!~".
std::string_view MatcherOpText(LabelMatcher::Op op);

// Parses a matcher list (see above). An empty or "{}" text is an empty list.
Result<Matchers> ParseMatchers(std::string_view text);
// Parses exactly one matcher.
Result<LabelMatcher> ParseMatcher(std::string_view text);

bool MatchesAll(const Matchers& matchers, const LabelSet& labels);
// `{a="b", c=~"d"}`.
std::string FormatMatchers(const Matchers& matchers);
// A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsLabelName(std::string_view name);

}  // namespace kelola
