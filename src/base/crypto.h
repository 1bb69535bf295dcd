// Crypto primitives on OpenSSL: hashing, HMAC, constant-time comparison,
// random tokens, base64 and AES-256-GCM sealing of secrets at rest.
//
// All functions are thread-safe. Nothing here logs its inputs.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola {

// Lower-case hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);
// Lower-case hex of SHA-256 of a file's content, read in chunks.
// NotFound when it cannot be opened, Internal on a read error.
Result<std::string> Sha256HexOfFile(const std::string& path);
// Raw HMAC-SHA256(key, data) (32 bytes).
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);

// Compares in time that depends only on the lengths, never on where the
// inputs first differ. Use for every secret, token or signature check.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `n` bytes from the OS CSPRNG.
Result<std::string> RandomBytes(size_t n);
// URL-safe random token of `bytes` entropy bytes, base64url without padding.
Result<std::string> RandomToken(size_t bytes);

std::string Base64Encode(std::string_view bytes);
// Standard alphabet with padding; InvalidArgument on malformed input.
Result<std::string> Base64Decode(std::string_view text);
std::string Base64UrlEncode(std::string_view bytes);  // no padding

// AES-256-GCM with a fresh 12-byte nonce per message. The sealed form is
// nonce || ciphertext || 16-byte tag. `aad` binds the ciphertext to its
// context (for secrets: the secret's name) so it cannot be moved elsewhere.
class SecretBox {
 public:
  static constexpr size_t kKeySize = 32;
  // InvalidArgument unless the key is exactly 32 bytes.
  static Result<SecretBox> Create(std::string key);

  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;
  // DataLoss when the tag does not verify (wrong key, tampering, wrong aad).
  Result<std::string> Open(std::string_view sealed, std::string_view aad) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace kelola
