#include "integrations/docker/authorized_key.h"

#include <libssh/libssh.h>

#include <cstdlib>

namespace kelola::docker {

Result<std::string> AuthorizedKeyFor(const std::string& private_key, const std::string& comment) {
  if (private_key.empty()) return InvalidArgumentError("the SSH private key is empty");
  if (comment.find_first_of("\r\n") != std::string::npos) {
    return InvalidArgumentError("an authorized_keys comment must be one line");
  }
  ssh_key key = nullptr;
  if (ssh_pki_import_privkey_base64(private_key.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK || !key) {
    return InvalidArgumentError(
        "the SSH private key cannot be read (an unencrypted OpenSSH or PEM ed25519, ECDSA or RSA key is needed)");
  }
  char* base64 = nullptr;
  const int rc = ssh_pki_export_pubkey_base64(key, &base64);
  const char* type = ssh_key_type_to_char(ssh_key_type(key));
  std::string line;
  if (rc == SSH_OK && base64 && type) line = std::string(type) + " " + base64 + (comment.empty() ? "" : " " + comment);
  if (base64) std::free(base64);  // NOLINT: libssh allocates with malloc
  ssh_key_free(key);
  if (line.empty()) return InternalError("deriving the public key from the SSH private key failed");
  return line;
}

}  // namespace kelola::docker
