#include "integrations/docker/build_context.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "integrations/docker/dockerignore.h"

namespace kelola::docker {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

Result<std::string> ReadSmallFile(const std::string& path) {
  FdCloser f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return NotFoundError("cannot open " + path);
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) return InternalError("reading " + path + " failed");
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > 1024 * 1024) return InvalidArgumentError(path + " is larger than 1 MiB");
  }
  return out;
}

class ContextWriter {
 public:
  ContextWriter(std::string root, const DockerIgnore& ignore, std::string dockerfile)
      : root_(std::move(root)), ignore_(ignore), dockerfile_(std::move(dockerfile)) {}

  Status Open(const std::string& tar_path) {
    a_.reset(archive_write_new());
    if (!a_) return InternalError("archive_write_new failed");
    archive_write_set_format_pax_restricted(a_.get());
    if (archive_write_open_filename(a_.get(), tar_path.c_str()) != ARCHIVE_OK) {
      return InternalError("cannot write the build context to " + tar_path + ": " + Error());
    }
    return OkStatus();
  }

  Status Close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return InternalError("closing the build context: " + Error());
    return OkStatus();
  }

  // Adds the directory `rel` ("" for the root) and everything below it.
  Status AddTree(const std::string& rel, int depth) {
    if (depth > 256) return InvalidArgumentError("build context nests deeper than 256 directories at " + rel);
    const std::string dir = rel.empty() ? root_ : root_ + "/" + rel;
    std::vector<std::string> names;
    {
      std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
      if (!d) return InternalError("cannot list " + dir);
      while (dirent* e = ::readdir(d.get())) {
        std::string name = e->d_name;
        if (name != "." && name != "..") names.push_back(std::move(name));
      }
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      const std::string child = rel.empty() ? name : rel + "/" + name;
      const std::string full = root_ + "/" + child;
      struct stat st {};
      if (::lstat(full.c_str(), &st) != 0) continue;  // vanished meanwhile
      const bool always = child == dockerfile_ || child == ".dockerignore";
      const bool excluded = !always && ignore_.Excludes(child);
      if (S_ISDIR(st.st_mode)) {
        if (excluded && !ignore_.has_exceptions()) {
          ++stats_.excluded;
          continue;
        }
        if (!excluded) {
          KELOLA_RETURN_IF_ERROR(AddEntry(child, full, st));
        } else {
          ++stats_.excluded;
        }
        KELOLA_RETURN_IF_ERROR(AddTree(child, depth + 1));
        continue;
      }
      if (excluded) {
        ++stats_.excluded;
        continue;
      }
      if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) KELOLA_RETURN_IF_ERROR(AddEntry(child, full, st));
    }
    return OkStatus();
  }

  const BuildContextStats& stats() const { return stats_; }

 private:
  std::string Error() const {
    const char* e = archive_error_string(a_.get());
    return e != nullptr ? e : "unknown libarchive error";
  }

  Status AddEntry(const std::string& rel, const std::string& full, const struct stat& st) {
    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), S_ISDIR(st.st_mode) ? (rel + "/").c_str() : rel.c_str());
    archive_entry_set_mode(entry.get(), st.st_mode);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      const ssize_t n = ::readlink(full.c_str(), target.data(), target.size());
      if (n < 0) return InternalError("cannot read the symlink " + full);
      target.resize(static_cast<size_t>(n));
      archive_entry_set_symlink(entry.get(), target.c_str());
      archive_entry_set_size(entry.get(), 0);
      ++stats_.symlinks;
    } else if (S_ISDIR(st.st_mode)) {
      archive_entry_set_size(entry.get(), 0);
      ++stats_.directories;
    } else {
      archive_entry_set_size(entry.get(), st.st_size);
      ++stats_.files;
    }
    if (archive_write_header(a_.get(), entry.get()) != ARCHIVE_OK) {
      return InternalError("adding " + rel + " to the build context: " + Error());
    }
    if (S_ISREG(st.st_mode)) {
      FdCloser f{::open(full.c_str(), O_RDONLY | O_CLOEXEC)};
      if (f.fd < 0) return PermissionDeniedError("cannot read " + full + " for the build context");
      char buf[64 * 1024];
      uint64_t left = static_cast<uint64_t>(st.st_size);
      while (left > 0) {
        ssize_t n = ::read(f.fd, buf, std::min<uint64_t>(sizeof buf, left));
        if (n <= 0) return InternalError(full + " changed size while the build context was written");
        if (archive_write_data(a_.get(), buf, static_cast<size_t>(n)) < 0) {
          return InternalError("writing " + rel + " into the build context: " + Error());
        }
        left -= static_cast<uint64_t>(n);
        stats_.bytes += static_cast<uint64_t>(n);
      }
    }
    return OkStatus();
  }

  std::string root_;
  const DockerIgnore& ignore_;
  std::string dockerfile_;
  std::unique_ptr<archive, ArchiveDeleter> a_;
  BuildContextStats stats_;
};

}  // namespace

Result<BuildContextStats> WriteBuildContext(const std::string& context_dir, const std::string& dockerfile,
                                            const std::string& tar_path) {
  struct stat st {};
  if (context_dir.empty() || ::stat(context_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return NotFoundError("build context directory " + context_dir + " does not exist");
  }
  const std::string df = CleanPath(dockerfile.empty() ? "Dockerfile" : dockerfile);
  if (df == "." || df.front() == '/' || df == ".." || df.rfind("../", 0) == 0) {
    return InvalidArgumentError("dockerfile \"" + dockerfile + "\" must be a path inside the build context");
  }
  const std::string df_full = context_dir + "/" + df;
  if (::lstat(df_full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return NotFoundError("dockerfile " + df + " not found in the build context " + context_dir);
  }
  DockerIgnore ignore;
  const std::string ignore_path = context_dir + "/.dockerignore";
  if (::lstat(ignore_path.c_str(), &st) == 0) {
    KELOLA_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(ignore_path));
    auto parsed = DockerIgnore::Parse(text);
    if (!parsed.ok()) return InvalidArgumentError(context_dir + "/" + parsed.status().message());
    ignore = std::move(*parsed);
  }
  ContextWriter writer(context_dir, ignore, df);
  KELOLA_RETURN_IF_ERROR(writer.Open(tar_path));
  KELOLA_RETURN_IF_ERROR(writer.AddTree("", 0));
  KELOLA_RETURN_IF_ERROR(writer.Close());
  return writer.stats();
}

}  // namespace kelola::docker
