// AwsIniFile: the INI dialect of ~/.aws/credentials and ~/.aws/config, as
// the AWS CLI reads it: "[section]" headers, "key = value" (or "key=value")
// lines, full-line comments starting with '#' or ';', blank lines, and
// indented lines under a key with an empty value (nested settings such as
// "s3 =\n  max_concurrent_requests = 20", kept as "s3.max_concurrent_requests").
//
// Outside input (fuzzed by fuzz/aws_ini_fuzz.cc). Errors are InvalidArgument
// as "FILE:LINE: what": a key outside any section, a line that is neither a
// section nor "key = value", an unclosed '[', an empty section or key name,
// a section given twice. Error messages never quote the line itself, which
// may hold a secret. Pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

struct AwsIniSection {
  int line = 0;  // where its "[name]" is
  std::map<std::string, std::string> values;
  std::map<std::string, int> value_lines;  // key -> line, for messages
};

struct AwsIniFile {
  std::string file_name;  // as given to the parser, for messages
  std::map<std::string, AwsIniSection> sections;
};

// `file_name` only labels errors. Keys are lower-cased (the CLI's are);
// section names and values are kept as written, trimmed.
Result<AwsIniFile> ParseAwsIni(std::string_view text, const std::string& file_name);

}  // namespace kelola
