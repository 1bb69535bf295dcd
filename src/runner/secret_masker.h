// SecretMasker: replaces every occurrence of a secret value in output with
// "********" before the output is shown, stored or logged.
//
// - Mask(text) masks a whole piece of text (a line, an error message).
// - MaskingStream masks bytes that arrive in chunks of any size: a secret
//   split across two chunks is still masked, because the stream holds back
//   a tail that could be the start of a secret until it knows (at most the
//   longest secret's length minus one byte).
// Matching is leftmost, and longest among secrets starting at the same
// place. A secret that spans several lines (a PEM key) is also masked line
// by line: each of its lines of at least kMinLinePart characters is a secret
// of its own, so line-oriented output cannot leak it piecewise. Empty
// secrets are ignored.
//
// Pure; thread-safety: a SecretMasker is immutable; a MaskingStream is used
// by one thread.
#pragma once

#include <bitset>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kelola {

class SecretMasker {
 public:
  static constexpr std::string_view kMask = "********";
  static constexpr size_t kMinLinePart = 4;

  SecretMasker() = default;
  explicit SecretMasker(const std::vector<std::string>& secrets);

  std::string Mask(std::string_view text) const;
  bool empty() const { return secrets_.empty(); }
  size_t max_length() const { return max_length_; }

  // At `text[pos]`: the length of the longest secret that matches there, or
  // 0. `*partial` is set when no secret matches but the rest of `text` is
  // a proper prefix of one (more bytes could complete it).
  size_t MatchAt(std::string_view text, size_t pos, bool* partial) const;

 private:
  std::vector<std::string> secrets_;  // longest first
  std::bitset<256> first_bytes_;
  size_t max_length_ = 0;
};

class MaskingStream {
 public:
  using OutFn = std::function<void(std::string_view masked)>;
  MaskingStream(const SecretMasker& masker, OutFn out) : masker_(masker), out_(std::move(out)) {}

  void Write(std::string_view chunk);
  // The input ended: releases what was held back (masked where it matches).
  void Flush();

 private:
  void Drain(bool at_end);

  const SecretMasker& masker_;
  OutFn out_;
  std::string pending_;
};

}  // namespace kelola
