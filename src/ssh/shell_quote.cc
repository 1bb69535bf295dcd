#include "ssh/shell_quote.h"

#include <cassert>

namespace kelola {
namespace {

bool IsPlainShellChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == '/' || c == ',' || c == ':' || c == '@' || c == '%' || c == '+';
}

const std::vector<std::string>& DefaultSudo() {
  static const std::vector<std::string> kSudo = {"sudo", "-n", "--"};
  return kSudo;
}

}  // namespace

std::string ShellQuote(std::string_view word) {
  assert(word.find('\0') == std::string_view::npos);
  bool plain = !word.empty();
  for (char c : word) plain = plain && IsPlainShellChar(c);
  // A leading '-' is fine for the shell; callers put "--" before operands.
  if (plain) return std::string(word);
  std::string out;
  out.reserve(word.size() + 2);
  out += '\'';
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";  // close, escaped quote, reopen
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

Result<std::string> ShellJoin(const std::vector<std::string>& argv) {
  if (argv.empty()) return InvalidArgumentError("empty command: no program to run");
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i].find('\0') != std::string::npos) {
      return InvalidArgumentError("argument " + std::to_string(i) + " contains a NUL byte, which no shell can pass on");
    }
    if (i > 0) out += ' ';
    out += ShellQuote(argv[i]);
  }
  return out;
}

Result<std::string> RemoteArgvCommand(const std::vector<std::string>& argv, bool sudo,
                                      const std::vector<std::string>& sudo_argv) {
  if (!sudo) return ShellJoin(argv);
  if (argv.empty()) return InvalidArgumentError("empty command: no program to run");
  std::vector<std::string> full = sudo_argv.empty() ? DefaultSudo() : sudo_argv;
  full.insert(full.end(), argv.begin(), argv.end());
  return ShellJoin(full);
}

Result<std::string> RemoteShellCommand(const std::string& command, bool sudo,
                                       const std::vector<std::string>& sudo_argv) {
  if (command.find('\0') != std::string::npos) return InvalidArgumentError("command contains a NUL byte");
  if (command.empty()) return InvalidArgumentError("empty command");
  if (!sudo) return command;
  return RemoteArgvCommand({"/bin/sh", "-c", command}, true, sudo_argv);
}

}  // namespace kelola
