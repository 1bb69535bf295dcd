#include "runner/secret_masker.h"

#include <algorithm>

namespace kelola {

SecretMasker::SecretMasker(const std::vector<std::string>& secrets) {
  auto add = [this](std::string_view s) {
    if (s.empty()) return;
    if (std::find(secrets_.begin(), secrets_.end(), s) != secrets_.end()) return;
    secrets_.emplace_back(s);
  };
  for (const std::string& secret : secrets) {
    add(secret);
    if (secret.find('\n') == std::string::npos) continue;
    std::string_view rest = secret;
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      if (line.size() >= kMinLinePart) add(line);
    }
  }
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& s : secrets_) {
    first_bytes_.set(static_cast<unsigned char>(s.front()));
    max_length_ = std::max(max_length_, s.size());
  }
}

size_t SecretMasker::MatchAt(std::string_view text, size_t pos, bool* partial) const {
  *partial = false;
  if (pos >= text.size() || !first_bytes_.test(static_cast<unsigned char>(text[pos]))) return 0;
  const std::string_view rest = text.substr(pos);
  for (const std::string& s : secrets_) {  // longest first
    if (rest.size() >= s.size()) {
      if (rest.compare(0, s.size(), s) == 0) return s.size();
    } else if (s.compare(0, rest.size(), rest) == 0) {
      *partial = true;
    }
  }
  return 0;
}

std::string SecretMasker::Mask(std::string_view text) const {
  if (secrets_.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    bool partial = false;
    const size_t n = MatchAt(text, i, &partial);
    if (n > 0) {
      out += kMask;
      i += n;
    } else {
      out += text[i++];
    }
  }
  return out;
}

void MaskingStream::Write(std::string_view chunk) {
  if (masker_.empty()) {
    if (!chunk.empty()) out_(chunk);
    return;
  }
  pending_.append(chunk);
  Drain(/*at_end=*/false);
}

void MaskingStream::Flush() { Drain(/*at_end=*/true); }

void MaskingStream::Drain(bool at_end) {
  std::string out;
  size_t i = 0;
  while (i < pending_.size()) {
    bool partial = false;
    const size_t n = masker_.MatchAt(pending_, i, &partial);
    if (n > 0) {
      out += SecretMasker::kMask;
      i += n;
    } else if (partial && !at_end) {
      break;  // could be the start of a secret: wait for more bytes
    } else {
      out += pending_[i++];
    }
  }
  pending_.erase(0, i);
  if (!out.empty()) out_(out);
}

}  // namespace kelola
