#include "agent/disk_buffer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <vector>

#include "logs/checkpoint_store.h"
#include "logs/file_identity.h"
#include "logs/wire.h"

namespace kelola {
namespace {

constexpr size_t kEntryHeaderBytes = 4 + 8 + 8;
constexpr uint64_t kMaxEntryBytes = 1ULL << 31;  // frames are far smaller; a larger length is corruption
constexpr std::string_view kSegmentSuffix = ".seg";
constexpr std::string_view kAckedFile = "acked";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string SegmentName(uint64_t first_seq) {
  std::string digits = std::to_string(first_seq);
  return std::string(20 - digits.size(), '0') + digits + std::string(kSegmentSuffix);
}

bool ParseU64(std::string_view text, uint64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

Status ReadAt(int fd, uint64_t offset, size_t n, std::string& out, const std::string& path) {
  out.resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return InternalError(Errno("reading " + path));
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  out.resize(done);
  return OkStatus();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return InternalError(Errno("opening " + dir));
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? OkStatus() : InternalError(Errno("fsync " + dir));
}

}  // namespace

Result<FsyncPolicy> ParseFsyncPolicy(std::string_view text) {
  if (text == "always") return FsyncPolicy::kAlways;
  if (text == "interval") return FsyncPolicy::kInterval;
  if (text == "never") return FsyncPolicy::kNever;
  return InvalidArgumentError("fsync policy must be always, interval or never, not \"" + std::string(text) + "\"");
}

struct DiskBuffer::Impl {
  struct Segment {
    uint64_t first_seq = 0;
    std::string path;
    uint64_t size = 0;
    size_t live_entries = 0;  // unacknowledged entries in it
  };
  struct Entry {
    uint64_t seq = 0;
    size_t segment = 0;  // index into segments, adjusted when fronts are removed
    uint64_t offset = 0;
    uint32_t length = 0;
  };

  DiskBufferOptions options;
  std::deque<Segment> segments;
  std::deque<Entry> entries;
  uint64_t next_seq = 1;
  uint64_t acked = 0;
  uint64_t bytes = 0;
  int write_fd = -1;  // the last segment, open for appending
  bool dirty = false;
  uint64_t corrupt_entries = 0;
  uint64_t torn_bytes = 0;

  ~Impl() {
    if (write_fd >= 0) ::close(write_fd);
  }

  Status LoadAcked() {
    std::string path = options.dir + "/" + std::string(kAckedFile);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return OkStatus();
      return InternalError(Errno("opening " + path));
    }
    std::string text;
    Status s = ReadAt(fd, 0, 64, text, path);
    ::close(fd);
    KELOLA_RETURN_IF_ERROR(s);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (!ParseU64(text, acked)) return DataLossError(path + ": not a sequence number: \"" + text + "\"");
    return OkStatus();
  }

  // Reads the entry headers of one segment; cuts a torn tail when `last`.
  Status ScanSegment(size_t index, bool last) {
    Segment& seg = segments[index];
    int fd = ::open(seg.path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return InternalError(Errno("opening " + seg.path));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      Status s = InternalError(Errno("stat " + seg.path));
      ::close(fd);
      return s;
    }
    uint64_t file_size = static_cast<uint64_t>(st.st_size);
    uint64_t pos = 0;
    uint64_t expected_seq = seg.first_seq;
    std::string header;
    bool broken = false;
    while (pos < file_size) {
      Status s = ReadAt(fd, pos, kEntryHeaderBytes, header, seg.path);
      if (!s.ok()) {
        ::close(fd);
        return s;
      }
      uint64_t length = header.size() == kEntryHeaderBytes ? wire::GetFixed(header, 0, 4) : 0;
      uint64_t seq = header.size() == kEntryHeaderBytes ? wire::GetFixed(header, 4, 8) : 0;
      if (header.size() < kEntryHeaderBytes || length > kMaxEntryBytes ||
          pos + kEntryHeaderBytes + length > file_size || seq != expected_seq) {
        broken = true;
        break;
      }
      if (seq > acked) {
        entries.push_back(Entry{seq, index, pos, static_cast<uint32_t>(length)});
        ++seg.live_entries;
        bytes += kEntryHeaderBytes + length;
      }
      pos += kEntryHeaderBytes + length;
      next_seq = std::max(next_seq, seq + 1);
      ++expected_seq;
    }
    if (broken) {
      if (last) {
        // A crash mid-append: the entry was never reported appended.
        torn_bytes += file_size - pos;
        if (::ftruncate(fd, static_cast<off_t>(pos)) != 0) {
          Status s = InternalError(Errno("truncating " + seg.path));
          ::close(fd);
          return s;
        }
      } else {
        ++corrupt_entries;
      }
    }
    seg.size = pos;
    ::close(fd);
    return OkStatus();
  }

  Status OpenSegments() {
    std::vector<uint64_t> firsts;
    std::error_code ec;
    for (const auto& item : std::filesystem::directory_iterator(options.dir, ec)) {
      std::string name = item.path().filename().string();
      if (name.size() <= kSegmentSuffix.size() || !name.ends_with(kSegmentSuffix)) continue;
      uint64_t first = 0;
      if (!ParseU64(std::string_view(name).substr(0, name.size() - kSegmentSuffix.size()), first)) continue;
      firsts.push_back(first);
    }
    if (ec) return InternalError("listing " + options.dir + ": " + ec.message());
    std::sort(firsts.begin(), firsts.end());
    for (uint64_t first : firsts) segments.push_back(Segment{first, options.dir + "/" + SegmentName(first), 0, 0});
    for (size_t i = 0; i < segments.size(); ++i) {
      KELOLA_RETURN_IF_ERROR(ScanSegment(i, i + 1 == segments.size()));
    }
    next_seq = std::max(next_seq, acked + 1);
    return DropAcknowledgedSegments();
  }

  // Deletes leading segments with no unacknowledged entries, except the one
  // being appended to.
  Status DropAcknowledgedSegments() {
    while (!segments.empty() && segments.front().live_entries == 0 && (segments.size() > 1 || write_fd < 0)) {
      if (::unlink(segments.front().path.c_str()) != 0 && errno != ENOENT) {
        return InternalError(Errno("deleting " + segments.front().path));
      }
      segments.pop_front();
      for (Entry& e : entries) --e.segment;
    }
    return OkStatus();
  }

  Status StartSegment() {
    if (write_fd >= 0) {
      if (dirty && options.fsync != FsyncPolicy::kNever && ::fdatasync(write_fd) != 0) {
        return InternalError(Errno("fsync " + segments.back().path));
      }
      dirty = false;
      ::close(write_fd);
      write_fd = -1;
    }
    Segment seg{next_seq, options.dir + "/" + SegmentName(next_seq), 0, 0};
    write_fd = ::open(seg.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (write_fd < 0) return InternalError(Errno("creating " + seg.path));
    segments.push_back(seg);
    if (options.fsync != FsyncPolicy::kNever) return SyncDir(options.dir);
    return OkStatus();
  }

  Status OpenLastForAppend() {
    if (segments.empty() || segments.back().size >= options.segment_max_bytes) return OkStatus();
    write_fd = ::open(segments.back().path.c_str(), O_WRONLY | O_CLOEXEC);
    if (write_fd < 0) return InternalError(Errno("opening " + segments.back().path));
    return OkStatus();
  }
};

DiskBuffer::DiskBuffer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DiskBuffer::~DiskBuffer() = default;

Result<std::unique_ptr<DiskBuffer>> DiskBuffer::Open(DiskBufferOptions options) {
  if (options.dir.empty()) return InvalidArgumentError("disk buffer: dir is empty");
  if (options.max_bytes == 0 || options.segment_max_bytes == 0) {
    return InvalidArgumentError("disk buffer: max_bytes and segment_max_bytes must be positive");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec || !std::filesystem::is_directory(options.dir)) {
    return InternalError("disk buffer: cannot create directory " + options.dir +
                         (ec ? ": " + ec.message() : ": not a directory"));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  KELOLA_RETURN_IF_ERROR(impl->LoadAcked());
  KELOLA_RETURN_IF_ERROR(impl->OpenSegments());
  KELOLA_RETURN_IF_ERROR(impl->OpenLastForAppend());
  return std::unique_ptr<DiskBuffer>(new DiskBuffer(std::move(impl)));
}

Result<uint64_t> DiskBuffer::Append(std::string_view frame) {
  Impl& b = *impl_;
  if (frame.size() > kMaxEntryBytes) return InvalidArgumentError("disk buffer: frame larger than 2 GiB");
  if (full()) return ResourceExhaustedError("disk buffer full (" + std::to_string(b.bytes) + " bytes)");
  if (b.write_fd < 0 || b.segments.back().size >= b.options.segment_max_bytes) {
    KELOLA_RETURN_IF_ERROR(b.StartSegment());
  }
  Impl::Segment& seg = b.segments.back();
  uint64_t seq = b.next_seq;
  std::string header;
  wire::PutFixed(header, frame.size(), 4);
  wire::PutFixed(header, seq, 8);
  wire::PutFixed(header, Fnv1a64(frame), 8);
  struct iovec iov[2] = {{header.data(), header.size()}, {const_cast<char*>(frame.data()), frame.size()}};
  size_t total = header.size() + frame.size();
  ssize_t n;
  do {
    n = ::pwritev(b.write_fd, iov, 2, static_cast<off_t>(seg.size));
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(total)) {
    Status s = InternalError(n < 0 ? Errno("writing " + seg.path) : "short write to " + seg.path);
    (void)::ftruncate(b.write_fd, static_cast<off_t>(seg.size));  // drop the partial entry
    return s;
  }
  if (b.options.fsync == FsyncPolicy::kAlways && ::fdatasync(b.write_fd) != 0) {
    Status s = InternalError(Errno("fsync " + seg.path));
    (void)::ftruncate(b.write_fd, static_cast<off_t>(seg.size));
    return s;
  }
  b.entries.push_back(Impl::Entry{seq, b.segments.size() - 1, seg.size, static_cast<uint32_t>(frame.size())});
  seg.size += total;
  ++seg.live_entries;
  b.bytes += total;
  b.next_seq = seq + 1;
  b.dirty = b.options.fsync == FsyncPolicy::kInterval;
  return seq;
}

Status DiskBuffer::Sync() {
  Impl& b = *impl_;
  if (!b.dirty || b.write_fd < 0) return OkStatus();
  if (::fdatasync(b.write_fd) != 0) return InternalError(Errno("fsync " + b.segments.back().path));
  b.dirty = false;
  return OkStatus();
}

Result<std::optional<std::pair<uint64_t, std::string>>> DiskBuffer::Front() {
  Impl& b = *impl_;
  while (!b.entries.empty()) {
    const Impl::Entry& e = b.entries.front();
    const Impl::Segment& seg = b.segments[e.segment];
    int fd = ::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return InternalError(Errno("opening " + seg.path));
    std::string data;
    Status s = ReadAt(fd, e.offset, kEntryHeaderBytes + e.length, data, seg.path);
    ::close(fd);
    KELOLA_RETURN_IF_ERROR(s);
    std::string_view payload = std::string_view(data).substr(std::min(data.size(), kEntryHeaderBytes));
    if (data.size() == kEntryHeaderBytes + e.length && wire::GetFixed(data, 12, 8) == Fnv1a64(payload)) {
      return std::optional<std::pair<uint64_t, std::string>>(std::in_place, e.seq, std::string(payload));
    }
    // Damaged on disk after it was written: skip it, say so in the stats.
    ++b.corrupt_entries;
    KELOLA_RETURN_IF_ERROR(PopFront());
  }
  return std::optional<std::pair<uint64_t, std::string>>();
}

Status DiskBuffer::PopFront() {
  Impl& b = *impl_;
  if (b.entries.empty()) return FailedPreconditionError("disk buffer: PopFront on an empty buffer");
  Impl::Entry e = b.entries.front();
  KELOLA_RETURN_IF_ERROR(WriteFileDurably(b.options.dir + "/" + std::string(kAckedFile), std::to_string(e.seq) + "\n"));
  b.entries.pop_front();
  b.acked = e.seq;
  b.bytes -= kEntryHeaderBytes + e.length;
  --b.segments[e.segment].live_entries;
  return b.DropAcknowledgedSegments();
}

bool DiskBuffer::empty() const { return impl_->entries.empty(); }
bool DiskBuffer::full() const { return impl_->bytes >= impl_->options.max_bytes; }

DiskBufferStats DiskBuffer::Stats() const {
  const Impl& b = *impl_;
  return DiskBufferStats{b.entries.size(), b.bytes, b.segments.size(), b.corrupt_entries, b.torn_bytes};
}

}  // namespace kelola
