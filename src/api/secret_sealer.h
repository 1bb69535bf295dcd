// SecretSealer: seals Secret values before they reach the store and opens
// them for integrations that resolve a secret by name.
//
// The master key is 32 bytes: from KELOLA_MASTER_KEY (base64) when set,
// else DATA_DIR/master.key (created on first start with mode 0600).
// Rotating it is a later feature; losing it makes stored secrets unreadable.
#pragma once

#include <string>

#include "base/crypto.h"
#include "base/status.h"
#include "store/store.h"

namespace kelola {

// `env_key_base64` is the value of KELOLA_MASTER_KEY or "".
Result<SecretBox> LoadOrCreateMasterKey(const std::string& data_dir, const std::string& env_key_base64);

class SecretSealer {
 public:
  SecretSealer(Store& store, SecretBox box) : store_(store), box_(std::move(box)) {}

  // Seals `value` for the secret `name`; returns the stored spec JSON.
  Result<std::string> SealSpec(const std::string& name, const std::string& type, const std::string& value) const;
  // Reads the Secret `name` from the store and returns its value.
  Result<std::string> Resolve(const std::string& name) const;

 private:
  Store& store_;
  SecretBox box_;
};

}  // namespace kelola
