#include "integrations/docker/progress_stream.h"

#include <nlohmann/json.hpp>

namespace kelola::docker {
namespace {

using nlohmann::json;

std::string StringMember(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return !s.empty();
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<ProgressMessage> ParseProgressLine(std::string_view line) {
  json object = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object()) {
    std::string shown(line.substr(0, 120));
    return DataLossError("docker progress stream: not a JSON object: " +
                         json(shown).dump(-1, ' ', false, json::error_handler_t::replace));
  }
  ProgressMessage m;
  m.stream = StringMember(object, "stream");
  m.status = StringMember(object, "status");
  m.id = StringMember(object, "id");
  m.progress = StringMember(object, "progress");
  m.error = StringMember(object, "error");
  auto detail = object.find("errorDetail");
  if (detail != object.end() && detail->is_object()) {
    std::string message = StringMember(*detail, "message");
    if (!message.empty()) m.error = std::move(message);
    if (m.error.empty()) m.error = "the engine reported an error without a message";
  }
  auto aux = object.find("aux");
  if (aux != object.end() && aux->is_object()) {
    m.aux_id = StringMember(*aux, "ID");
    m.aux_digest = StringMember(*aux, "Digest");
    m.aux_tag = StringMember(*aux, "Tag");
  }
  return m;
}

std::string DigestFromPushStatus(std::string_view status) {
  constexpr std::string_view kMarker = "digest: ";
  const size_t at = status.find(kMarker);
  if (at == std::string_view::npos) return "";
  std::string_view rest = status.substr(at + kMarker.size());
  rest = rest.substr(0, rest.find(' '));
  if (rest.substr(0, 7) != "sha256:" || rest.size() != 7 + 64 || !IsHex(rest.substr(7))) return "";
  return std::string(rest);
}

Status ProgressStream::Add(std::string_view line) {
  line = TrimRight(line);
  if (line.empty()) return OkStatus();
  KELOLA_ASSIGN_OR_RETURN(ProgressMessage m, ParseProgressLine(line));
  if (!m.stream.empty()) {
    std::string_view text = m.stream;
    while (!text.empty()) {
      const size_t nl = text.find('\n');
      if (nl == std::string_view::npos) {
        partial_.append(text);
        break;
      }
      partial_.append(text.substr(0, nl));
      OutputLine(partial_);
      partial_.clear();
      text.remove_prefix(nl + 1);
    }
  }
  if (!m.status.empty()) {
    std::string digest = DigestFromPushStatus(m.status);
    if (!digest.empty() && digest_.empty()) digest_ = std::move(digest);
  }
  if (!m.aux_id.empty()) image_id_ = m.aux_id;
  if (!m.aux_digest.empty()) digest_ = m.aux_digest;
  if (!m.error.empty() && error_.empty()) {
    Finish();
    error_ = m.error;
    failed_step_ = current_step_;
  }
  return OkStatus();
}

void ProgressStream::Finish() {
  if (!partial_.empty()) {
    OutputLine(partial_);
    partial_.clear();
  }
}

void ProgressStream::OutputLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // The legacy builder announces each instruction as "Step N/M : ...".
  if (line.substr(0, 5) == "Step " && line.find(" : ") != std::string_view::npos) current_step_ = std::string(line);
  tail_.emplace_back(line);
  if (tail_.size() > kTailLines) tail_.pop_front();
  if (on_output_) on_output_(line);
}

}  // namespace kelola::docker
