#include "agent/log_input.h"

#include <cstdio>
#include <random>

namespace kelola {

std::string RunStreamId(const std::string& source) {
  static const uint64_t nonce = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  uint64_t h = 0xcbf29ce484222325ULL ^ nonce;  // FNV-1a, seeded per run
  for (unsigned char c : source) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace kelola
