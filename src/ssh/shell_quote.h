// Shell quoting for commands sent to a remote POSIX shell.
//
// An SSH exec request is one string that the remote login shell parses, so
// every argument that comes from data (a path, a package name, a user's
// argument) is quoted here, never concatenated raw. Quoting is POSIX sh
// single quotes: 'it'\''s' — inside single quotes nothing is special, so the
// result is safe for sh, dash, bash and zsh alike.
//
// Thread-safety: pure functions. Errors: InvalidArgument for arguments that
// no shell word can carry (an embedded NUL byte), naming the argument.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kelola {

// One shell word that the shell turns back into exactly `word`. Words made
// only of characters no shell treats specially are left bare ("ls", "/etc/x").
// Precondition: no NUL byte (ShellJoin and the Remote* functions check and
// return InvalidArgument; use those for untrusted input).
std::string ShellQuote(std::string_view word);

// argv as one command line: each element quoted, joined by spaces.
Result<std::string> ShellJoin(const std::vector<std::string>& argv);

// The remote command for `argv`, under `sudo -n --` when `sudo` is set
// (-n: fail at once instead of prompting for a password nobody can type).
// `sudo_argv` replaces the "sudo -n --" prefix (tests point it at a stand-in).
Result<std::string> RemoteArgvCommand(const std::vector<std::string>& argv, bool sudo,
                                      const std::vector<std::string>& sudo_argv = {});

// A shell command line (already meant for the remote shell: the user wrote
// it) to run as is, or under sudo as `sudo -n -- /bin/sh -c '<command>'`.
Result<std::string> RemoteShellCommand(const std::string& command, bool sudo,
                                       const std::vector<std::string>& sudo_argv = {});

}  // namespace kelola
