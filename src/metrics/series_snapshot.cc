#include "metrics/series_snapshot.h"

#include <cstring>
#include <vector>

namespace kelola::metrics {
namespace {

constexpr std::string_view kMagic = "KLMETS1\n";
constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

uint64_t Fnv(uint64_t h, const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= kFnvPrime;
  }
  return h;
}

template <typename T>
std::string LittleEndian(T v) {
  std::string out(sizeof(T), '\0');
  uint64_t u = 0;
  std::memcpy(&u, &v, sizeof(T));
  for (size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<char>((u >> (8 * i)) & 0xff);
  return out;
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  size_t offset() const { return off_; }
  size_t left() const { return b_.size() - off_; }
  template <typename T>
  bool Get(T& v) {
    if (left() < sizeof(T)) return false;
    uint64_t u = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      u |= static_cast<uint64_t>(static_cast<unsigned char>(b_[off_ + i])) << (8 * i);
    std::memcpy(&v, &u, sizeof(T));
    off_ += sizeof(T);
    return true;
  }
  bool Str(std::string_view& s) {
    uint16_t n = 0;
    if (!Get(n) || left() < n) return false;
    s = b_.substr(off_, n);
    off_ += n;
    return true;
  }

 private:
  std::string_view b_;
  size_t off_ = 0;
};

}  // namespace

SnapshotWriter::SnapshotWriter(int64_t resolution_ms, uint64_t series_count, std::function<void(std::string_view)> sink)
    : sink_(std::move(sink)), hash_(kFnvOffset) {
  Put(kMagic.data(), kMagic.size());
  auto r = LittleEndian<int64_t>(resolution_ms);
  Put(r.data(), r.size());
  auto c = LittleEndian<uint64_t>(series_count);
  Put(c.data(), c.size());
}

void SnapshotWriter::Put(const void* p, size_t n) {
  hash_ = Fnv(hash_, static_cast<const char*>(p), n);
  buffer_.append(static_cast<const char*>(p), n);
  if (buffer_.size() >= (1u << 20)) Flush();
}

void SnapshotWriter::Flush() {
  if (!buffer_.empty()) sink_(buffer_);
  buffer_.clear();
}

void SnapshotWriter::Add(std::string_view host, std::string_view group, std::string_view metric, int64_t first_slot,
                         const float* values, uint32_t count) {
  for (std::string_view s : {host, group, metric}) {
    auto n = LittleEndian<uint16_t>(static_cast<uint16_t>(s.size()));
    Put(n.data(), n.size());
    Put(s.data(), s.size());
  }
  auto f = LittleEndian<int64_t>(first_slot);
  Put(f.data(), f.size());
  auto c = LittleEndian<uint32_t>(count);
  Put(c.data(), c.size());
  for (uint32_t i = 0; i < count; ++i) {
    auto v = LittleEndian<float>(values[i]);
    Put(v.data(), v.size());
  }
}

void SnapshotWriter::Finish() {
  uint64_t h = hash_;
  auto tail = LittleEndian<uint64_t>(h);
  buffer_ += tail;
  Flush();
}

Status ReadSnapshotBytes(std::string_view bytes, int64_t& resolution_ms,
                         const std::function<void(const SnapshotSeries&)>& fn) {
  if (bytes.size() < kMagic.size() + 24 || bytes.substr(0, kMagic.size()) != kMagic) {
    return DataLossError("metrics snapshot: not a KLMETS1 file (bad magic or too short)");
  }
  std::string_view body = bytes.substr(0, bytes.size() - 8);
  Reader tail(bytes.substr(bytes.size() - 8));
  uint64_t want = 0;
  tail.Get(want);
  if (Fnv(kFnvOffset, body.data(), body.size()) != want) {
    return DataLossError("metrics snapshot: checksum mismatch (truncated or damaged file)");
  }
  // Two passes: validate every length first, so a damaged file adds nothing.
  for (int pass = 0; pass < 2; ++pass) {
    Reader r(body.substr(kMagic.size()));
    uint64_t count = 0;
    r.Get(resolution_ms);
    r.Get(count);
    if (resolution_ms <= 0) return DataLossError("metrics snapshot: resolution must be > 0");
    std::vector<float> values;
    for (uint64_t i = 0; i < count; ++i) {
      SnapshotSeries s;
      if (!r.Str(s.host) || !r.Str(s.group) || !r.Str(s.metric) || !r.Get(s.first_slot) || !r.Get(s.count) ||
          r.left() / 4 < s.count) {
        return DataLossError("metrics snapshot: series " + std::to_string(i) + " is cut short at byte " +
                             std::to_string(kMagic.size() + r.offset()));
      }
      if (pass == 0) {
        for (uint32_t k = 0; k < s.count; ++k) {
          float v;
          r.Get(v);
        }
        continue;
      }
      values.resize(s.count);
      for (uint32_t k = 0; k < s.count; ++k) r.Get(values[k]);
      s.values = values.data();
      fn(s);
    }
    if (r.left() != 0) {
      return DataLossError("metrics snapshot: " + std::to_string(r.left()) + " bytes after the last series");
    }
  }
  return OkStatus();
}

}  // namespace kelola::metrics
