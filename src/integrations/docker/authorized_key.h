// AuthorizedKeyFor: the public half of an SSH private key, as one
// authorized_keys line ("ssh-ed25519 AAAA... kelola-bootstrap") — how the
// docker fleet provider lets the bootstrap key (a Secret holding the
// PRIVATE key) log in to the containers it launches.
// OpenSSH and PEM keys (ed25519, ECDSA, RSA) unencrypted; InvalidArgument
// otherwise, never quoting the key. Uses libssh.
#pragma once

#include <string>

#include "base/status.h"

namespace kelola::docker {

Result<std::string> AuthorizedKeyFor(const std::string& private_key, const std::string& comment = "kelola-bootstrap");

}  // namespace kelola::docker
