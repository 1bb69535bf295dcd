// SshErrorKind: why a remote operation on one host failed, in the five
// categories operators act on differently (a fleet report counts them).
//
// Every function in src/ssh reports failures as a Status whose code encodes
// the kind, so the kind survives any number of KELOLA_RETURN_IF_ERROR hops:
//   Unavailable       unreachable  (refused, no route, connect timeout, lost connection)
//   Unauthenticated   auth         (no offered credential was accepted)
//   PermissionDenied  host-key     (unknown or changed host key: WE refused the server;
//                                   used for nothing else in src/ssh)
//   DeadlineExceeded  timeout      (a command or transfer outlived its timeout)
// A command that ran and exited non-zero is not a Status error but an
// ExecResult with exit_code != 0: kind non-zero-exit. Everything else
// (bad options, remote file errors, checksum mismatch) is kind "error".
#pragma once

#include <string_view>

#include "base/status.h"

namespace kelola {

enum class SshErrorKind { kNone, kUnreachable, kAuth, kHostKey, kTimeout, kNonZeroExit, kOther };

// "none", "unreachable", "auth", "host-key", "timeout", "non-zero-exit", "error".
std::string_view SshErrorKindName(SshErrorKind kind);

// The kind a Status from src/ssh stands for (kNone for OK).
SshErrorKind SshErrorKindOf(const Status& status);

}  // namespace kelola
