#include "logs/log_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <re2/re2.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "logs/log_level.h"
#include "logs/log_store_block.h"

namespace kelola {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string SegmentName(uint64_t first_id) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "segment-%020llu.kls", static_cast<unsigned long long>(first_id));
  return buf;
}

Result<std::string> ReadAt(int fd, uint64_t offset, size_t n) {
  std::string buf(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf.data() + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return InternalError(Errno("reading log segment"));
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  buf.resize(got);
  return buf;
}

struct BlockIndex {
  uint64_t offset = 0;  // in the segment file
  BlockHeader header;
  BlockMeta meta;
};

struct Segment {
  std::string path;
  uint64_t first_id = 0;  // of its first record (the next id when it is empty)
  uint64_t bytes = 0;
  WallTime created{};
  std::vector<BlockIndex> blocks;
  int64_t max_time_ms = std::numeric_limits<int64_t>::min();
};

bool FieldsMatch(const LogRecord& r, const std::map<std::string, std::string>& wanted) {
  for (const auto& [name, value] : wanted) {
    auto it = r.fields.find(name);
    if (it == r.fields.end() || it->second != value) return false;
  }
  return true;
}

bool BlockMayMatch(const BlockIndex& b, const LogQuery& q) {
  uint64_t last_id = b.header.first_id + b.header.record_count - 1;
  if (b.header.record_count == 0 || last_id <= q.after_id) return false;
  if (b.header.max_time_ms < q.from_ms || b.header.min_time_ms >= q.to_ms) return false;
  for (const auto& [name, value] : q.labels) {
    if (name == "agent") {
      if (b.meta.agent != value) return false;
    } else if (name == "file") {
      bool any = std::any_of(b.meta.streams.begin(), b.meta.streams.end(), [&](auto& s) { return s.path == value; });
      if (!any) return false;
    } else {
      auto it = b.meta.labels.find(name);
      if (it == b.meta.labels.end() || it->second != value) return false;
    }
  }
  return true;
}

}  // namespace

class LogStore::Impl {
 public:
  Impl(LogStoreOptions o, Clock& c) : options(std::move(o)), clock(c) {}
  ~Impl() {
    if (active_fd >= 0) ::close(active_fd);
  }

  Status Open() {
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) return InternalError("log store " + options.dir + ": " + ec.message());
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(options.dir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("segment-", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".kls") {
        names.push_back(name);
      }
    }
    if (ec) return InternalError("listing " + options.dir + ": " + ec.message());
    std::sort(names.begin(), names.end());
    for (size_t i = 0; i < names.size(); ++i) {
      KELOLA_RETURN_IF_ERROR(LoadSegment(options.dir + "/" + names[i], i + 1 == names.size()));
    }
    visible_next_id = next_id;  // what is on disk now counts as durable
    return OkStatus();
  }

  // Indexes a segment. The last one may end in a torn block (crash
  // mid-append), which is cut off: it was never acknowledged.
  Status LoadSegment(const std::string& path, bool last) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return InternalError(Errno("opening " + path));
    struct stat st {};
    ::fstat(fd, &st);
    Segment seg;
    seg.path = path;
    seg.first_id = next_id;
    seg.created = WallTime(std::chrono::seconds(st.st_mtime));
    uint64_t size = static_cast<uint64_t>(st.st_size);
    uint64_t pos = 0;
    while (pos < size) {
      auto head = ReadAt(fd, pos, kBlockHeaderBytes);
      if (!head.ok()) break;
      auto header = DecodeBlockHeader(*head);
      if (!header.ok() || pos + header->total_bytes() > size) break;
      bool valid = true;
      if (last) {
        auto whole = ReadAt(fd, pos, header->total_bytes());
        valid = whole.ok() && BlockChecksumMatches(*header, *whole);
      }
      auto meta_bytes = ReadAt(fd, pos + kBlockHeaderBytes, header->meta_len);
      auto meta = meta_bytes.ok() ? DecodeBlockMeta(*meta_bytes) : Result<BlockMeta>(meta_bytes.status());
      if (!valid || !meta.ok() || header->first_id < next_id) break;
      for (const auto& s : meta->streams) {
        uint64_t& mark = marks[meta->agent + '/' + s.stream_id];
        mark = std::max(mark, s.end_offset);
      }
      seg.max_time_ms = std::max(seg.max_time_ms, header->max_time_ms);
      if (seg.blocks.empty()) seg.first_id = header->first_id;
      next_id = header->first_id + header->record_count;
      seg.blocks.push_back({pos, *header, std::move(*meta)});
      pos += header->total_bytes();
    }
    if (pos < size) {
      if (!last) {
        // Sealed segments are never written again; index what is readable.
        stats.corrupt_blocks++;
      } else {
        stats.torn_bytes_truncated += size - pos;
        if (::ftruncate(fd, static_cast<off_t>(pos)) != 0) {
          Status s = InternalError(Errno("truncating torn block in " + path));
          ::close(fd);
          return s;
        }
      }
    }
    seg.bytes = pos;
    total_bytes += pos;
    segments.push_back(std::move(seg));
    if (last) {
      active_fd = fd;
    } else {
      ::close(fd);
    }
    return OkStatus();
  }

  Status StartSegment() {
    if (active_fd >= 0) ::close(active_fd);
    active_fd = -1;
    Segment seg;
    seg.path = options.dir + "/" + SegmentName(next_id);
    seg.first_id = next_id;
    seg.created = clock.Now();
    int fd = ::open(seg.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return InternalError(Errno("creating " + seg.path));
    if (options.fsync) {
      int dfd = ::open(options.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
      }
    }
    active_fd = fd;
    segments.push_back(std::move(seg));
    return OkStatus();
  }

  Result<AppendResult> Append(const LogBatch& batch, const CompressedPayload* as_sent) {
    std::unique_lock<std::mutex> lock(mu);
    KELOLA_RETURN_IF_ERROR(write_failure);
    AppendResult result;
    // Marks move only when the block is durable; a batch may repeat a stream.
    std::unordered_map<std::string, uint64_t> pending;
    std::vector<bool> keep(batch.records.size(), true);
    const std::string* run_stream = nullptr;  // records of a stream come in runs: look up once per run
    uint64_t* mark = nullptr;                 // pending's entry for run_stream (stable across inserts)
    for (size_t i = 0; i < batch.records.size(); ++i) {
      const LogRecord& r = batch.records[i];
      if (r.stream_id.empty()) continue;
      if (run_stream == nullptr || *run_stream != r.stream_id) {
        std::string key = batch.agent + '/' + r.stream_id;
        auto [p, inserted] = pending.try_emplace(key, 0);
        if (inserted) {
          if (auto m = marks.find(key); m != marks.end()) p->second = m->second;
        }
        run_stream = &r.stream_id;
        mark = &p->second;
      }
      if (r.end_offset <= *mark) {
        keep[i] = false;
        ++result.duplicates;
        continue;
      }
      *mark = r.end_offset;
    }
    stats.duplicates_dropped += result.duplicates;
    if (result.duplicates == batch.records.size()) {
      // The marks that made them duplicates may belong to a block still
      // waiting for its sync: acknowledge only once that is durable.
      KELOLA_RETURN_IF_ERROR(WaitDurableLocked(lock, written_seq));
      return result;
    }
    // Copy only when some records are dropped; usually the batch is stored as it came.
    LogBatch filtered;
    if (result.duplicates > 0) {
      filtered.agent = batch.agent;
      filtered.labels = batch.labels;
      for (size_t i = 0; i < batch.records.size(); ++i) {
        if (keep[i]) filtered.records.push_back(batch.records[i]);
      }
    }
    const LogBatch& accepted = result.duplicates > 0 ? filtered : batch;
    BlockAnnotations annotations;
    if (options.annotate) {
      annotations.field = options.annotate_field;
      annotations.values.reserve(accepted.records.size());
      for (const LogRecord& r : accepted.records) annotations.values.push_back(options.annotate(r));
    }

    bool roll = active_fd < 0 || segments.empty() || segments.back().bytes >= options.segment_max_bytes ||
                (segments.back().bytes > 0 && clock.Now() - segments.back().created >= options.segment_max_age);
    if (roll) {
      KELOLA_RETURN_IF_ERROR(SealActiveLocked(lock));
      KELOLA_RETURN_IF_ERROR(StartSegment());
    }
    Segment& seg = segments.back();
    // The agent's compressed payload is the block's body when the block holds
    // exactly that batch; annotations (template ids) live in the meta.
    if (result.duplicates > 0) as_sent = nullptr;
    KELOLA_ASSIGN_OR_RETURN(std::string block, EncodeBlock(accepted, next_id, options.zstd_level, kFramePayloadV2,
                                                           as_sent, options.annotate ? &annotations : nullptr));
    size_t done = 0;
    while (done < block.size()) {
      ssize_t n = ::pwrite(active_fd, block.data() + done, block.size() - done, static_cast<off_t>(seg.bytes + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        Status s = InternalError(Errno("writing " + seg.path));
        // Leave no torn block behind; blocks before it (still syncing) are whole.
        (void)::ftruncate(active_fd, static_cast<off_t>(seg.bytes));
        return s;
      }
      done += static_cast<size_t>(n);
    }
    auto header = DecodeBlockHeader(std::string_view(block).substr(0, kBlockHeaderBytes));
    auto meta = DecodeBlockMeta(std::string_view(block).substr(kBlockHeaderBytes, header->meta_len));
    seg.blocks.push_back({seg.bytes, *header, std::move(*meta)});
    seg.bytes += block.size();
    seg.max_time_ms = std::max(seg.max_time_ms, header->max_time_ms);
    total_bytes += block.size();
    for (const auto& [key, mark] : pending) marks[key] = mark;
    next_id += accepted.records.size();
    result.accepted = accepted.records.size();
    stats.records_appended += result.accepted;
    const uint64_t my_seq = ++written_seq;
    if (!options.fsync) {
      synced_seq = written_seq;
      visible_next_id = next_id;
      cv.notify_all();
    }
    RetainLocked();
    KELOLA_RETURN_IF_ERROR(WaitDurableLocked(lock, my_seq));
    return result;
  }

  // Group commit: returns once every block up to `seq` is durable. The first
  // waiter runs one fdatasync for every block written so far, outside the
  // lock; appends arriving meanwhile write their blocks and wait for the
  // next one, which covers them all.
  Status WaitDurableLocked(std::unique_lock<std::mutex>& lock, uint64_t seq) {
    while (synced_seq < seq) {
      KELOLA_RETURN_IF_ERROR(write_failure);
      if (syncing) {
        sync_cv.wait(lock);
        continue;
      }
      syncing = true;
      const uint64_t target_seq = written_seq;
      const uint64_t target_next_id = next_id;
      const int fd = active_fd;  // rolls wait for `syncing` to clear before closing it
      const std::string path = segments.back().path;
      lock.unlock();
      const int rc = SyncFd(fd);
      const int err = errno;
      lock.lock();
      syncing = false;
      ++stats.syncs;
      if (rc != 0) {
        errno = err;
        write_failure =
            InternalError(Errno("fdatasync " + path) + "; the log store takes no more writes until it is reopened");
      } else {
        MarkDurableLocked(target_seq, target_next_id);
      }
      sync_cv.notify_all();
    }
    return OkStatus();
  }

  // Before a roll closes the active segment: nothing of it may still wait
  // for a sync (the next sync would go to the new segment's fd).
  Status SealActiveLocked(std::unique_lock<std::mutex>& lock) {
    while (syncing) sync_cv.wait(lock);
    KELOLA_RETURN_IF_ERROR(write_failure);
    if (synced_seq == written_seq || active_fd < 0) return OkStatus();
    ++stats.syncs;
    if (SyncFd(active_fd) != 0) {
      write_failure = InternalError(Errno("fdatasync " + segments.back().path) +
                                    "; the log store takes no more writes until it is reopened");
      sync_cv.notify_all();
      return write_failure;
    }
    MarkDurableLocked(written_seq, next_id);
    sync_cv.notify_all();
    return OkStatus();
  }

  void MarkDurableLocked(uint64_t seq, uint64_t durable_next_id) {
    synced_seq = std::max(synced_seq, seq);
    if (durable_next_id > visible_next_id) {
      visible_next_id = durable_next_id;
      cv.notify_all();
    }
  }

  int SyncFd(int fd) const { return options.sync_fd ? options.sync_fd(fd) : ::fdatasync(fd); }

  // Ids [first, last] of a segment: it ends where the next one starts.
  uint64_t SegmentLastIdLocked(size_t i) const {
    return i + 1 < segments.size() ? segments[i + 1].first_id - 1 : next_id - 1;
  }

  void RetainLocked() {
    int64_t now_ms = UnixMillis(clock.Now());
    int64_t age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options.retention_age).count();
    uint64_t held_after = std::numeric_limits<uint64_t>::max();  // records above this are not delivered
    for (const auto& [holder, delivered] : holds) held_after = std::min(held_after, delivered);
    stats.segments_held = 0;
    while (segments.size() > 1) {
      const Segment& oldest = segments.front();
      bool too_old = age_ms > 0 && oldest.max_time_ms < now_ms - age_ms;
      bool too_big = options.retention_bytes > 0 && total_bytes > options.retention_bytes;
      if (too_old && !too_big && SegmentLastIdLocked(0) > held_after) {
        for (const Segment& seg : segments) {
          if (seg.max_time_ms < now_ms - age_ms) ++stats.segments_held;
        }
        break;
      }
      if (!too_old && !too_big) break;
      ::unlink(oldest.path.c_str());
      total_bytes -= oldest.bytes;
      segments.erase(segments.begin());
      ++stats.segments_deleted;
    }
  }

  Result<LogQueryResult> Query(const LogQuery& q) const {
    std::unique_ptr<re2::RE2> re;
    if (!q.regex.empty()) {
      RE2::Options opts;
      opts.set_log_errors(false);
      re = std::make_unique<re2::RE2>(q.regex, opts);
      if (!re->ok()) return InvalidArgumentError("regex \"" + q.regex + "\": " + re->error());
    }
    const int min_rank = q.min_level.empty() ? -1 : LevelRank(q.min_level);
    if (!q.min_level.empty() && min_rank < 0) {
      return InvalidArgumentError("level \"" + q.min_level + "\": expected trace, debug, info, warn, error or fatal");
    }
    struct Candidate {
      std::string path;
      BlockIndex block;
    };
    std::vector<Candidate> candidates;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& seg : segments) {
        for (const auto& b : seg.blocks) {
          if (b.header.first_id >= visible_next_id) break;  // written, not durable yet
          if (BlockMayMatch(b, q)) candidates.push_back({seg.path, b});
        }
      }
    }
    LogQueryResult result;
    result.last_id = q.after_id;
    auto file_filter = q.labels.find("file");
    std::string open_path;
    int fd = -1;
    for (const auto& c : candidates) {
      if (c.path != open_path) {
        if (fd >= 0) ::close(fd);
        fd = ::open(c.path.c_str(), O_RDONLY | O_CLOEXEC);
        open_path = c.path;
      }
      if (fd < 0) continue;  // deleted by retention meanwhile
      auto bytes = ReadAt(fd, c.block.offset, c.block.header.total_bytes());
      if (!bytes.ok() || !BlockChecksumMatches(c.block.header, *bytes)) {
        ++corrupt_seen;
        continue;
      }
      auto batch = DecodeBlockRecords(c.block.header, *bytes);
      if (!batch.ok()) {
        ++corrupt_seen;
        continue;
      }
      for (size_t i = 0; i < batch->records.size(); ++i) {
        uint64_t id = c.block.header.first_id + i;
        const LogRecord& r = batch->records[i];
        if (id <= q.after_id || r.time_ms < q.from_ms || r.time_ms >= q.to_ms) continue;
        if (file_filter != q.labels.end() && r.path != file_filter->second) continue;
        if (!q.contains.empty() && r.text.find(q.contains) == std::string::npos) continue;
        if (re && !RE2::PartialMatch(r.text, *re)) continue;
        if (min_rank >= 0 && LevelRank(r.level) < min_rank) continue;
        if (!FieldsMatch(r, q.fields)) continue;
        if (result.records.size() >= q.limit) {
          result.more = true;
          break;
        }
        result.records.push_back({id, batch->agent, batch->labels, r});
        result.last_id = id;
      }
      if (result.more) break;
    }
    if (fd >= 0) ::close(fd);
    return result;
  }

  uint64_t WaitForNewer(uint64_t after_id, MonoTime deadline) {
    std::unique_lock<std::mutex> lock(mu);
    while (visible_next_id <= after_id + 1 && clock.Monotonic() < deadline) clock.WaitUntil(lock, cv, deadline);
    return visible_next_id;
  }

  LogStoreStats Stats() const {
    std::lock_guard<std::mutex> lock(mu);
    LogStoreStats s = stats;
    s.segments = segments.size();
    s.bytes = total_bytes;
    for (const auto& seg : segments) s.blocks += seg.blocks.size();
    s.next_id = visible_next_id;
    s.first_id = segments.empty() ? visible_next_id : std::min(segments.front().first_id, visible_next_id);
    s.corrupt_blocks += corrupt_seen;
    return s;
  }

  LogStoreOptions options;
  Clock& clock;
  mutable std::mutex mu;
  std::condition_variable cv;     // readers: visible_next_id moved
  std::vector<Segment> segments;  // oldest first; the last one is written
  int active_fd = -1;
  uint64_t total_bytes = 0;
  uint64_t next_id = 1;  // the id the next written record gets
  // Group commit (docs/formats/log-store.md): blocks written and blocks
  // known durable, counted; readers see ids below visible_next_id only.
  uint64_t written_seq = 0;
  uint64_t synced_seq = 0;
  uint64_t visible_next_id = 1;
  bool syncing = false;
  std::condition_variable sync_cv;
  Status write_failure;                             // set by a failed fdatasync: no more writes until reopened
  std::unordered_map<std::string, uint64_t> marks;  // "agent/stream" -> end offset stored
  std::map<std::string, uint64_t> holds;            // retention holder -> last id it delivered
  LogStoreStats stats;
  mutable std::atomic<uint64_t> corrupt_seen{0};
};

Result<std::unique_ptr<LogStore>> LogStore::Open(LogStoreOptions options, Clock& clock) {
  if (options.dir.empty()) return InvalidArgumentError("log store: dir is empty");
  auto impl = std::make_unique<Impl>(std::move(options), clock);
  KELOLA_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<LogStore>(new LogStore(std::move(impl)));
}

LogStore::LogStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogStore::~LogStore() = default;
Result<AppendResult> LogStore::Append(const LogBatch& batch, const CompressedPayload* as_sent) {
  return impl_->Append(batch, as_sent);
}
Result<LogQueryResult> LogStore::Query(const LogQuery& query) const { return impl_->Query(query); }
uint64_t LogStore::WaitForNewer(uint64_t after_id, MonoTime deadline) {
  return impl_->WaitForNewer(after_id, deadline);
}
Status LogStore::ApplyRetention() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->RetainLocked();
  return OkStatus();
}
void LogStore::HoldRetention(const std::string& holder, uint64_t delivered) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->holds[holder] = delivered;
}
void LogStore::ReleaseRetention(const std::string& holder) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->holds.erase(holder);
}
LogStoreStats LogStore::Stats() const { return impl_->Stats(); }

}  // namespace kelola
