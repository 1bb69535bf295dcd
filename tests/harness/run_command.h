// RunCommand: runs a program to completion and captures its output, for the
// short tools the harness drives (ssh-keygen, useradd, the ssh client, tar).
//
// No shell is involved: argv goes to posix_spawn as is. stdin is /dev/null
// unless `input` is given.
//
// Thread-safety: may be called from several threads. Errors: NotFound when
// the program does not exist, DeadlineExceeded when it outlives `timeout`
// (it is killed), Internal for OS failures. A non-zero exit is not an
// error: look at exit_code.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kelola::harness {

struct CommandResult {
  int exit_code = -1;  // or 128 + signal
  std::string out;
  std::string err;
};

Result<CommandResult> RunCommand(const std::vector<std::string>& argv, Duration timeout = std::chrono::seconds(60),
                                 const std::string& input = "");

// RunCommand, and anything but exit 0 becomes an Internal error quoting
// the command, its exit code and its stderr.
Result<CommandResult> RunCommandOk(const std::vector<std::string>& argv, Duration timeout = std::chrono::seconds(60));

}  // namespace kelola::harness
