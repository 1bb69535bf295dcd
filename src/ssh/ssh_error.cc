#include "ssh/ssh_error.h"

namespace kelola {

std::string_view SshErrorKindName(SshErrorKind kind) {
  switch (kind) {
    case SshErrorKind::kNone: return "none";
    case SshErrorKind::kUnreachable: return "unreachable";
    case SshErrorKind::kAuth: return "auth";
    case SshErrorKind::kHostKey: return "host-key";
    case SshErrorKind::kTimeout: return "timeout";
    case SshErrorKind::kNonZeroExit: return "non-zero-exit";
    case SshErrorKind::kOther: return "error";
  }
  return "error";
}

SshErrorKind SshErrorKindOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return SshErrorKind::kNone;
    case StatusCode::kUnavailable: return SshErrorKind::kUnreachable;
    case StatusCode::kUnauthenticated: return SshErrorKind::kAuth;
    case StatusCode::kPermissionDenied: return SshErrorKind::kHostKey;
    case StatusCode::kDeadlineExceeded: return SshErrorKind::kTimeout;
    default: return SshErrorKind::kOther;
  }
}

}  // namespace kelola
