#include "logs/file_tailer.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "logs/file_identity.h"
#include "logs/line_assembler.h"
#include "logs/multiline_joiner.h"

namespace kelola {
namespace {

using FileKey = std::pair<uint64_t, uint64_t>;  // device, inode

std::string NewStreamId() {
  static std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

struct TailedFile {
  TailedFile(size_t max_line, uint64_t start) : lines(max_line, start) {}
  int fd = -1;
  std::string path;
  FileIdentity identity;
  std::string stream_id;
  uint64_t size = 0;
  LineAssembler lines;
  std::unique_ptr<MultilineJoiner> joiner;
  bool seen = true;  // matched by the latest scan
  MonoTime last_data{};
};

}  // namespace

class FileTailer::Impl {
 public:
  Impl(FileTailerOptions o, CheckpointStore& cps, Clock& c) : options(std::move(o)), checkpoints(cps), clock(c) {}
  ~Impl() {
    for (auto& [key, f] : files) ::close(f->fd);
  }

  Status Poll(size_t max_bytes, std::vector<LogRecord>& out) {
    Scan(out);
    if (!files.empty()) {
      // Round-robin the first file so one busy file cannot starve the others.
      size_t n = files.size();
      size_t first = poll_count++ % n;
      std::vector<TailedFile*> order;
      for (auto& [key, f] : files) order.push_back(f.get());
      for (size_t i = 0; i < n; ++i) ReadFile(*order[(first + i) % n], max_bytes, out);
    }
    CloseFinishedRotatedFiles(out);
    if (must_save) {
      // New streams' start positions must be durable before their records leave.
      KELOLA_RETURN_IF_ERROR(checkpoints.Save());
      must_save = false;
      dirty = false;
    }
    return OkStatus();
  }

  void Scan(std::vector<LogRecord>& out) {
    std::set<FileKey> seen;
    for (const auto& pattern : options.include) {
      glob_t g{};
      if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
          std::string path = g.gl_pathv[i];
          if (Excluded(path)) continue;
          struct stat st {};
          if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
          FileKey key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
          seen.insert(key);
          auto it = files.find(key);
          if (it != files.end()) {
            it->second->path = path;
            continue;
          }
          OpenFile(path, seen);
        }
      }
      ::globfree(&g);
    }
    for (auto& [key, f] : files) f->seen = seen.count(key) > 0;
    if (first_scan) {
      // Checkpoints of files that are gone will never be used again.
      for (const auto& cp : checkpoints.All()) {
        FileKey key{cp.identity.device, cp.identity.inode};
        if (!seen.count(key)) {
          checkpoints.Remove(key.first, key.second);
          dirty = true;
        }
      }
      first_scan = false;
    }
    (void)out;
  }

  bool Excluded(const std::string& path) const {
    for (const auto& pattern : options.exclude) {
      if (::fnmatch(pattern.c_str(), path.c_str(), 0) == 0) return true;
    }
    return false;
  }

  void OpenFile(const std::string& path, std::set<FileKey>& seen) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      ++counters.read_errors;
      return;
    }
    auto id = IdentifyOpenFile(fd, options.fingerprint_bytes);
    if (!id.ok()) {
      ++counters.read_errors;
      ::close(fd);
      return;
    }
    FileKey key{id->device, id->inode};
    seen.insert(key);  // the path may have been replaced between stat and open
    if (files.count(key)) {
      ::close(fd);
      return;
    }
    uint64_t start = 0;
    std::string stream;
    const Checkpoint* cp = checkpoints.Find(key.first, key.second);
    if (cp != nullptr) {
      auto same = IsSameFile(fd, cp->identity);
      if (same.ok() && *same && id->size >= cp->offset) {
        start = cp->offset;
        stream = cp->stream_id;
      } else {
        ++counters.inode_reuses;
      }
    } else if (first_scan && !options.read_from_head) {
      start = id->size;
    }
    auto f = std::make_unique<TailedFile>(options.max_line_bytes, start);
    f->fd = fd;
    f->path = path;
    f->identity = *id;
    f->size = id->size;
    f->last_data = clock.Monotonic();
    if (!options.multiline_start.empty()) {
      // The pattern was validated in Create.
      f->joiner = std::move(MultilineJoiner::Create(options.multiline_start, options.multiline_max_bytes)).value();
    }
    if (stream.empty()) {
      f->stream_id = NewStreamId();
      RegisterStream(*f, start);
    } else {
      f->stream_id = stream;
      stream_keys[stream] = key;
    }
    ++counters.files_opened;
    files[key] = std::move(f);
  }

  // Records a new stream's start position, to be saved before its records leave.
  void RegisterStream(TailedFile& f, uint64_t start) {
    Checkpoint cp;
    cp.stream_id = f.stream_id;
    cp.identity = f.identity;
    cp.offset = start;
    cp.path = f.path;
    checkpoints.Put(std::move(cp));
    stream_keys[f.stream_id] = {f.identity.device, f.identity.inode};
    must_save = true;
  }

  // Sets where records [first, end) of `v` came from and when.
  void Stamp(const TailedFile& f, std::vector<LogRecord>& v, size_t first) {
    int64_t now_ms = UnixMillis(clock.Now());
    for (size_t i = first; i < v.size(); ++i) {
      LogRecord& r = v[i];
      r.stream_id = f.stream_id;
      r.path = f.path;
      r.time_ms = now_ms;
      if (r.split) ++counters.split_lines;
    }
  }

  void Deliver(TailedFile& f, std::vector<LogRecord>& lines, std::vector<LogRecord>& out) {
    Stamp(f, lines, 0);
    MonoTime now = clock.Monotonic();
    for (auto& r : lines) {
      if (f.joiner) {
        f.joiner->Add(std::move(r), now, out);
      } else {
        out.push_back(std::move(r));
      }
    }
    lines.clear();
  }

  void FlushFile(TailedFile& f, std::vector<LogRecord>& out) {
    std::vector<LogRecord> lines;
    f.lines.FlushPartial(lines);
    Deliver(f, lines, out);
    if (f.joiner) f.joiner->Flush(out);
  }

  void ReadFile(TailedFile& f, size_t& budget, std::vector<LogRecord>& out) {
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) {
      ++counters.read_errors;
      return;
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    uint64_t next = f.lines.next_offset();
    bool rewritten = size < next;
    if (!rewritten && size != f.size && f.identity.fingerprint_bytes > 0) {
      auto same = IsSameFile(f.fd, f.identity);
      rewritten = same.ok() && !*same;
    }
    if (rewritten) {
      // copytruncate (or truncate and rewrite): what is left of the old
      // content is shipped, the file starts over as a new stream.
      ++counters.truncations;
      FlushFile(f, out);
      auto id = IdentifyOpenFile(f.fd, options.fingerprint_bytes);
      if (id.ok()) f.identity = *id;
      f.lines.Reset(0);
      f.stream_id = NewStreamId();
      RegisterStream(f, 0);
      next = 0;
    } else if (f.identity.fingerprint_bytes < options.fingerprint_bytes && size > f.identity.fingerprint_bytes) {
      auto id = IdentifyOpenFile(f.fd, options.fingerprint_bytes);
      if (id.ok()) {
        f.identity = *id;
        const Checkpoint* cp = checkpoints.Find(id->device, id->inode);
        if (cp != nullptr && cp->stream_id == f.stream_id) {
          Checkpoint updated = *cp;
          updated.identity = *id;
          checkpoints.Put(std::move(updated));
          dirty = true;
        }
      }
    }
    f.size = size;
    // Without a multiline joiner, lines are assembled straight into `out`.
    std::vector<LogRecord> lines;
    std::vector<LogRecord>& assembled = f.joiner ? lines : out;
    const size_t first = assembled.size();
    std::string buf;
    while (next < size && budget > 0) {
      size_t want = static_cast<size_t>(std::min<uint64_t>({size - next, options.read_chunk_bytes, budget}));
      buf.resize(want);
      ssize_t n = ::pread(f.fd, buf.data(), want, static_cast<off_t>(next));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n < 0) ++counters.read_errors;
        break;
      }
      f.lines.Feed(std::string_view(buf.data(), static_cast<size_t>(n)), assembled);
      next += static_cast<uint64_t>(n);
      budget -= static_cast<size_t>(n);
      counters.bytes_read += static_cast<uint64_t>(n);
      f.last_data = clock.Monotonic();
    }
    if (f.joiner) {
      Deliver(f, lines, out);
    } else {
      Stamp(f, out, first);
    }
    if (f.joiner) f.joiner->FlushIfIdle(clock.Monotonic(), options.multiline_idle, out);
  }

  void CloseFinishedRotatedFiles(std::vector<LogRecord>& out) {
    MonoTime now = clock.Monotonic();
    for (auto it = files.begin(); it != files.end();) {
      TailedFile& f = *it->second;
      bool at_end = f.lines.next_offset() >= f.size;
      if (f.seen || !at_end || now - f.last_data < options.rotated_grace) {
        ++it;
        continue;
      }
      FlushFile(f, out);
      closed_final[f.stream_id] = f.lines.next_offset();
      ::close(f.fd);
      it = files.erase(it);
    }
  }

  void Acknowledge(const std::string& stream_id, uint64_t end_offset) {
    auto it = stream_keys.find(stream_id);
    if (it == stream_keys.end()) return;
    const Checkpoint* cp = checkpoints.Find(it->second.first, it->second.second);
    if (cp == nullptr || cp->stream_id != stream_id || end_offset <= cp->offset) return;
    Checkpoint updated = *cp;
    updated.offset = end_offset;
    auto open = files.find(it->second);
    if (open != files.end() && open->second->stream_id == stream_id) updated.path = open->second->path;
    checkpoints.Put(std::move(updated));
    dirty = true;
  }

  Status Commit() {
    for (auto it = closed_final.begin(); it != closed_final.end();) {
      auto key = stream_keys.find(it->first);
      const Checkpoint* cp =
          key == stream_keys.end() ? nullptr : checkpoints.Find(key->second.first, key->second.second);
      bool ours = cp != nullptr && cp->stream_id == it->first;
      if (ours && cp->offset < it->second) {
        ++it;
        continue;
      }
      if (ours && !files.count(key->second)) {
        checkpoints.Remove(key->second.first, key->second.second);
        dirty = true;
      }
      if (key != stream_keys.end()) stream_keys.erase(key);
      it = closed_final.erase(it);
    }
    if (!dirty) return OkStatus();
    KELOLA_RETURN_IF_ERROR(checkpoints.Save());
    dirty = false;
    return OkStatus();
  }

  std::vector<TailedFileStatus> Files() const {
    std::vector<TailedFileStatus> result;
    for (const auto& [key, f] : files) {
      TailedFileStatus s;
      s.path = f->path;
      s.stream_id = f->stream_id;
      s.size = f->size;
      s.read_offset = f->lines.next_offset();
      const Checkpoint* cp = checkpoints.Find(key.first, key.second);
      if (cp != nullptr && cp->stream_id == f->stream_id) s.acked_offset = cp->offset;
      result.push_back(std::move(s));
    }
    return result;
  }

  FileTailerOptions options;
  CheckpointStore& checkpoints;
  Clock& clock;
  std::map<FileKey, std::unique_ptr<TailedFile>> files;
  std::map<std::string, FileKey> stream_keys;    // every stream that may still be acknowledged
  std::map<std::string, uint64_t> closed_final;  // closed files' streams -> their last offset
  FileTailerCounters counters;
  size_t poll_count = 0;
  bool first_scan = true;
  bool must_save = false;
  bool dirty = false;
};

Result<std::unique_ptr<FileTailer>> FileTailer::Create(FileTailerOptions options, CheckpointStore& checkpoints,
                                                       Clock& clock) {
  if (options.include.empty()) return InvalidArgumentError("file input: include needs at least one glob");
  if (options.max_line_bytes == 0) return InvalidArgumentError("file input: max_line_bytes must be > 0");
  if (options.read_chunk_bytes == 0) return InvalidArgumentError("file input: read_chunk_bytes must be > 0");
  if (!options.multiline_start.empty()) {
    KELOLA_RETURN_IF_ERROR(MultilineJoiner::Create(options.multiline_start, options.multiline_max_bytes).status());
  }
  // Existing checkpoints' streams can be acknowledged once their files are found.
  auto impl = std::make_unique<Impl>(std::move(options), checkpoints, clock);
  return std::unique_ptr<FileTailer>(new FileTailer(std::move(impl)));
}

FileTailer::FileTailer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileTailer::~FileTailer() = default;
Status FileTailer::Poll(size_t max_bytes, std::vector<LogRecord>& out) { return impl_->Poll(max_bytes, out); }
void FileTailer::Acknowledge(const std::string& stream_id, uint64_t end_offset) {
  impl_->Acknowledge(stream_id, end_offset);
}
Status FileTailer::CommitCheckpoints() { return impl_->Commit(); }
std::vector<TailedFileStatus> FileTailer::Files() const { return impl_->Files(); }
const FileTailerCounters& FileTailer::counters() const { return impl_->counters; }

}  // namespace kelola
