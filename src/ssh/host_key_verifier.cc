// Host key verification: the check that makes an SSH connection safe, done
// before any credential leaves this process.
#include <cstdio>
#include <mutex>

#include "ssh/ssh_session_internal.h"

namespace kelola {
namespace {

// Fleet runs verify many hosts at once; appends to one known_hosts file
// must not interleave.
std::mutex& KnownHostsWriteMutex() {
  static std::mutex mu;
  return mu;
}

using UniqueKey = UniqueSshKey;

Status ChangedKeyError(const std::string& name, const std::string& where, const std::string& expected,
                       const std::string& offered) {
  return PermissionDeniedError(
      "WARNING: REMOTE HOST KEY HAS CHANGED for " + name + ": " + where + " has " + expected +
      ", but the server offered " + offered +
      ". Someone could be intercepting the connection (man-in-the-middle), or the host was reinstalled. "
      "Connection refused; if the change is expected, remove the old key and verify the new fingerprint "
      "out of band.");
}

// The key `path` holds for `name`, described, for the "changed" message.
std::string ExpectedKeyFromFile(const std::string& path, const std::string& name) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return "another key";
  std::string found = "another key";
  char line[8192];
  while (std::fgets(line, sizeof line, file) != nullptr) {
    std::string text = line;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty() || text[0] == '#') continue;
    struct ssh_knownhosts_entry* entry = nullptr;
    if (ssh_known_hosts_parse_line(name.c_str(), text.c_str(), &entry) == SSH_OK && entry != nullptr) {
      if (entry->publickey != nullptr) found = DescribeKey(entry->publickey);
      ssh_knownhosts_entry_free(entry);
      if (found != "another key") break;
    } else if (entry != nullptr) {
      ssh_knownhosts_entry_free(entry);
    }
  }
  std::fclose(file);
  return found;
}

}  // namespace

std::string KnownHostsName(const std::string& host, int port) {
  if (port == 22) return host;
  return "[" + host + "]:" + std::to_string(port);
}

std::string Sha256Fingerprint(ssh_key key) {
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK) return "SHA256:?";
  char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
  ssh_clean_pubkey_hash(&hash);
  if (text == nullptr) return "SHA256:?";
  std::string out = text;
  ssh_string_free_char(text);
  return out;
}

std::string DescribeKey(ssh_key key) {
  const char* type = ssh_key_type_to_char(ssh_key_type(key));
  return std::string(type != nullptr ? type : "unknown-key-type") + " " + Sha256Fingerprint(key);
}

Status VerifyHostKey(ssh_session session, const SshOptions& options, std::string* fingerprint) {
  const std::string name = KnownHostsName(options.host, options.port);
  ssh_key raw_key = nullptr;
  if (ssh_get_server_publickey(session, &raw_key) != SSH_OK) {
    return LibsshError(session, StatusCode::kPermissionDenied, "cannot read the host key of " + name);
  }
  UniqueKey server_key(raw_key);
  const std::string offered = DescribeKey(server_key.get());
  *fingerprint = offered;

  if (!options.pinned_host_key.empty()) {
    const std::string& pinned = options.pinned_host_key;
    auto space = pinned.find(' ');
    std::string type = pinned.substr(0, space);
    std::string base64 = space == std::string::npos ? "" : pinned.substr(space + 1);
    base64 = base64.substr(0, base64.find(' '));  // drop a trailing comment
    ssh_key raw_pinned = nullptr;
    if (space == std::string::npos ||
        ssh_pki_import_pubkey_base64(base64.c_str(), ssh_key_type_from_name(type.c_str()), &raw_pinned) != SSH_OK) {
      return InvalidArgumentError("pinned host key for " + name +
                                  " is not \"<type> <base64>\": " + pinned.substr(0, 40));
    }
    UniqueKey pinned_key(raw_pinned);
    if (ssh_key_cmp(pinned_key.get(), server_key.get(), SSH_KEY_CMP_PUBLIC) != 0) {
      return ChangedKeyError(name, "the pinned host key", DescribeKey(pinned_key.get()), offered);
    }
    return OkStatus();
  }

  if (options.known_hosts_path.empty()) {
    return PermissionDeniedError("host key of " + name + " (" + offered +
                                 ") cannot be verified: no known_hosts file or pinned key configured; refusing");
  }
  const std::string& path = options.known_hosts_path;
  switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK: return OkStatus();
    case SSH_KNOWN_HOSTS_CHANGED: {
      return ChangedKeyError(name, "known_hosts " + path, ExpectedKeyFromFile(path, name), offered);
    }
    case SSH_KNOWN_HOSTS_OTHER: return ChangedKeyError(name, "known_hosts " + path, "a key of another type", offered);
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      if (options.host_key_policy == HostKeyPolicy::kAcceptNew) {
        std::lock_guard<std::mutex> lock(KnownHostsWriteMutex());
        // Another session may have added it meanwhile; a second line for the
        // same key would be harmless but untidy.
        if (ssh_session_is_known_server(session) == SSH_KNOWN_HOSTS_OK) return OkStatus();
        if (ssh_session_update_known_hosts(session) != SSH_OK) {
          return LibsshError(session, StatusCode::kPermissionDenied,
                             "cannot add the host key of " + name + " to " + path);
        }
        return OkStatus();
      }
      return PermissionDeniedError("host key of " + name + " is unknown: " + offered + " is not in known_hosts " +
                                   path +
                                   "; refusing to connect. Verify the fingerprint out of band and add the key, "
                                   "or use the accept-new host key policy.");
    case SSH_KNOWN_HOSTS_ERROR:
    default:
      return LibsshError(session, StatusCode::kPermissionDenied,
                         "cannot check the host key of " + name + " against " + path);
  }
}

}  // namespace kelola
