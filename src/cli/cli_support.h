// Shared plumbing of the client verbs (the ApiClient built from the global
// flags, and the output format) and of the daemon commands (`server`, `agent`:
// logging and shutdown signals).
#pragma once

#include <csignal>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace kelola {

Result<std::unique_ptr<ApiClient>> MakeApiClient(const GlobalFlags& flags);

// The whole content of a file named on the command line ("-" = stdin);
// InvalidArgument "PATH: cannot read the file" (exit 2) when it cannot.
Result<std::string> ReadInputFile(const std::string& path);

// Parses the log format and level and starts logging with them; the error of
// the first one that does not parse, and logging untouched.
Status StartLogging(std::string_view format, std::string_view level);

// Blocks SIGTERM and SIGINT in the calling thread, so in every thread it
// starts afterwards, and ignores SIGPIPE. Returns the set for the calling
// thread to sigwait() on. Call it before starting a daemon's threads.
sigset_t BlockShutdownSignals();

// Waits for one of `signals` and logs `message` with the signal's name
// ("SIGTERM" or "SIGINT").
void WaitForShutdownSignal(const sigset_t& signals, const char* message);

}  // namespace kelola
