// TemplateMiner::Snapshot / LoadSnapshot: the miner's state as JSON.
// Format: docs/formats/template-snapshot.md.
#include "analyze/template_snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace kelola::analyze {
namespace {

// An integer field in T's range. nlohmann's get<T>() casts a float such as
// 2e67 to T, which is undefined behaviour; the snapshot never holds floats.
template <typename T>
T Integer(const nlohmann::json& j, const char* field) {
  bool fits = false;
  if (j.is_number_unsigned()) {
    fits = j.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  } else if (j.is_number_integer()) {
    const int64_t v = j.get<int64_t>();
    fits = std::numeric_limits<T>::is_signed ? v >= static_cast<int64_t>(std::numeric_limits<T>::min()) : v >= 0;
  }
  if (!fits) throw std::out_of_range(std::string(field) + ": expected an integer in range, got " + j.dump());
  return j.get<T>();
}

using json = nlohmann::json;
constexpr uint32_t kNone = UINT32_MAX - 1;  // as in template_miner.cc

}  // namespace

std::string TemplateMiner::Snapshot() {
  std::lock_guard lock(mu_);
  json templates = json::array();
  for (const Template& t : templates_) {
    templates.push_back({{"id", t.id},
                         {"text", t.text},
                         {"count", t.count},
                         {"firstSeen", t.first_seen_ms},
                         {"lastSeen", t.last_seen_ms},
                         {"example", t.example},
                         {"aliasOf", t.alias_of}});
  }
  // A cluster is stored with its leaf key, as token texts (null: no token).
  std::vector<json> keys(clusters_.size());
  for (const auto& [key, leaf] : leaves_) {
    for (uint32_t index : leaf) {
      keys[index] = {key.length, key.first == kNone ? json(nullptr) : json(tokens_.Text(key.first)),
                     key.second == kNone ? json(nullptr) : json(tokens_.Text(key.second))};
    }
  }
  json clusters = json::array();
  for (size_t i = 0; i < clusters_.size(); ++i) {
    json tokens = json::array();
    for (uint32_t t : clusters_[i].tokens) tokens.push_back(tokens_.Text(t));
    clusters.push_back({{"template", templates_[clusters_[i].template_index].id},
                        {"joined", clusters_[i].joined},
                        {"key", keys[i]},
                        {"tokens", std::move(tokens)}});
  }
  dirty_ = false;
  return json{{"version", 1}, {"templates", std::move(templates)}, {"clusters", std::move(clusters)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

Status TemplateMiner::LoadSnapshot(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return InvalidArgumentError("template snapshot: not a JSON object");
  if (doc.value("version", 0) != 1) return InvalidArgumentError("template snapshot: unknown version");
  const json& jt = doc["templates"];
  const json& jc = doc["clusters"];
  if (!jt.is_array() || !jc.is_array()) return InvalidArgumentError("template snapshot: templates/clusters missing");
  // Build into fresh structures; swap in only when everything checks out.
  TokenTable tokens;
  std::vector<Template> templates;
  std::vector<Cluster> clusters;
  std::unordered_map<LeafKey, std::vector<uint32_t>, LeafKeyHash> leaves;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_lead;
  std::unordered_map<std::string, uint32_t> by_text;
  try {
    for (const json& t : jt) {
      Template x;
      x.id = Integer<uint64_t>(t.at("id"), "id");
      if (x.id != templates.size() + 1) return InvalidArgumentError("template snapshot: template ids out of order");
      x.text = t.at("text").get<std::string>();
      x.count = Integer<uint64_t>(t.at("count"), "count");
      x.first_seen_ms = Integer<int64_t>(t.at("firstSeen"), "firstSeen");
      x.last_seen_ms = Integer<int64_t>(t.at("lastSeen"), "lastSeen");
      x.example = t.at("example").get<std::string>();
      x.alias_of = Integer<uint64_t>(t.at("aliasOf"), "aliasOf");
      if (x.alias_of > jt.size() || x.alias_of == x.id) {
        return InvalidArgumentError("template snapshot: bad aliasOf in template " + std::to_string(x.id));
      }
      templates.push_back(std::move(x));
    }
    auto token_id = [&tokens](const json& j) -> uint32_t {
      if (j.is_null()) return kNone;
      std::string s = j.get<std::string>();
      return s == "<*>" ? TokenTable::kWildcardId : tokens.Intern(s);
    };
    for (const json& c : jc) {
      Cluster x;
      const uint64_t tid = Integer<uint64_t>(c.at("template"), "template");
      if (tid == 0 || tid > templates.size()) return InvalidArgumentError("template snapshot: cluster of no template");
      x.template_index = static_cast<uint32_t>(tid - 1);
      x.joined = c.at("joined").get<bool>();
      for (const json& tok : c.at("tokens")) x.tokens.push_back(token_id(tok));
      const json& key = c.at("key");
      if (!key.is_array() || key.size() != 3 || Integer<uint32_t>(key[0], "key") != x.tokens.size()) {
        return InvalidArgumentError("template snapshot: bad cluster key");
      }
      LeafKey k{Integer<uint32_t>(key[0], "key"), token_id(key[1]), token_id(key[2])};
      const auto index = static_cast<uint32_t>(clusters.size());
      leaves[k].push_back(index);
      if (k.second != kNone) leaves.try_emplace(LeafKey{k.length, k.first, kNone});
      by_lead[uint64_t{options_.leading_tokens >= 1 ? k.first : kNone} << 32 |
              (options_.leading_tokens >= 2 ? k.second : kNone)]
          .push_back(index);
      if (!x.joined) templates[x.template_index].clusters++;
      clusters.push_back(std::move(x));
    }
  } catch (const json::exception& e) {
    return InvalidArgumentError(std::string("template snapshot: ") + e.what());
  } catch (const std::out_of_range& e) {
    return InvalidArgumentError(std::string("template snapshot: ") + e.what());
  }
  for (const Template& t : templates) {
    // Alias chains must end in a live template.
    uint64_t id = t.id;
    for (size_t steps = 0; templates[id - 1].alias_of != 0; ++steps) {
      if (steps > templates.size()) return InvalidArgumentError("template snapshot: alias cycle");
      id = templates[id - 1].alias_of;
    }
  }
  for (uint32_t i = 0; i < templates.size(); ++i) {
    if (templates[i].alias_of == 0 && templates[i].clusters > 0) by_text.emplace(templates[i].text, i);
  }
  std::lock_guard lock(mu_);
  tokens_ = std::move(tokens);
  templates_ = std::move(templates);
  clusters_ = std::move(clusters);
  leaves_ = std::move(leaves);
  by_lead_ = std::move(by_lead);
  by_text_ = std::move(by_text);
  dirty_ = false;
  return OkStatus();
}

Status WriteTemplateSnapshot(TemplateMiner& miner, const std::string& path) {
  const std::string data = miner.Snapshot();
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("creating " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = InternalError("writing " + tmp + ": " + std::strerror(errno));
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return InternalError("syncing " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return InternalError("renaming " + tmp + ": " + std::strerror(errno));
  }
  return OkStatus();
}

Status ReadTemplateSnapshot(TemplateMiner& miner, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("no template snapshot at " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return miner.LoadSnapshot(ss.str()).WithContext(path);
}

}  // namespace kelola::analyze
