#include "api/secret_sealer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WritePrivateFile(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("creating " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return InternalError("writing " + path + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  return OkStatus();
}

}  // namespace

Result<SecretBox> LoadOrCreateMasterKey(const std::string& data_dir, const std::string& env_key_base64) {
  if (!env_key_base64.empty()) {
    auto key = Base64Decode(env_key_base64);
    if (!key.ok()) return InvalidArgumentError("environment KELOLA_MASTER_KEY: not valid base64");
    auto box = SecretBox::Create(*key);
    if (!box.ok()) return InvalidArgumentError("environment KELOLA_MASTER_KEY: must decode to 32 bytes");
    return box;
  }
  std::string path = data_dir + "/master.key";
  auto existing = ReadFile(path);
  if (existing.ok()) {
    std::string text = *existing;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto key = Base64Decode(text);
    if (!key.ok() || key->size() != SecretBox::kKeySize) {
      return DataLossError(path + ": not a base64 32-byte key; refusing to start (stored secrets would be lost)");
    }
    return SecretBox::Create(*key);
  }
  KELOLA_ASSIGN_OR_RETURN(std::string key, RandomBytes(SecretBox::kKeySize));
  KELOLA_RETURN_IF_ERROR(WritePrivateFile(path, Base64Encode(key) + "\n"));
  return SecretBox::Create(key);
}

Result<std::string> SecretSealer::SealSpec(const std::string& name, const std::string& type,
                                           const std::string& value) const {
  KELOLA_ASSIGN_OR_RETURN(std::string sealed, box_.Seal(value, "Secret/" + name));
  nlohmann::json spec = {{"type", type}, {"sealed", Base64Encode(sealed)}};
  return spec.dump();
}

Result<std::string> SecretSealer::Resolve(const std::string& name) const {
  KELOLA_ASSIGN_OR_RETURN(Resource r, store_.GetResource("Secret", name));
  nlohmann::json spec = nlohmann::json::parse(r.spec_json, nullptr, false);
  if (spec.is_discarded() || !spec.contains("sealed") || !spec["sealed"].is_string()) {
    return DataLossError("secret \"" + name + "\" has no sealed value");
  }
  KELOLA_ASSIGN_OR_RETURN(std::string sealed, Base64Decode(spec["sealed"].get<std::string>()));
  return box_.Open(sealed, "Secret/" + name);
}

}  // namespace kelola
