#include "integrations/docker/memory_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <ctime>
#include <memory>

namespace kelola::docker {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ReaderDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t Append(archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

}  // namespace

Result<std::string> MakeTar(const std::vector<TarEntry>& entries) {
  std::string out;
  std::unique_ptr<archive, ArchiveDeleter> a(archive_write_new());
  if (!a) return InternalError("archive_write_new failed");
  archive_write_set_format_pax_restricted(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (archive_write_open(a.get(), &out, nullptr, Append, nullptr) != ARCHIVE_OK) {
    return InternalError(std::string("opening an in-memory tar: ") + archive_error_string(a.get()));
  }
  const time_t now = std::time(nullptr);
  for (const TarEntry& e : entries) {
    if (e.path.empty() || e.path.front() == '/' || e.path.find("..") != std::string::npos) {
      return InvalidArgumentError("tar entry \"" + e.path + "\" must be relative and hold no \"..\"");
    }
    const bool dir = e.path.back() == '/';
    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), e.path.c_str());
    archive_entry_set_filetype(entry.get(), dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry.get(), e.mode & 07777);
    archive_entry_set_uid(entry.get(), e.uid);
    archive_entry_set_gid(entry.get(), e.gid);
    archive_entry_set_mtime(entry.get(), now, 0);
    archive_entry_set_size(entry.get(), dir ? 0 : static_cast<la_int64_t>(e.content.size()));
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) {
      return InternalError("writing tar entry " + e.path + ": " + archive_error_string(a.get()));
    }
    if (!dir && !e.content.empty() &&
        archive_write_data(a.get(), e.content.data(), e.content.size()) != static_cast<la_ssize_t>(e.content.size())) {
      return InternalError("writing tar entry " + e.path + ": " + archive_error_string(a.get()));
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return InternalError(std::string("closing an in-memory tar: ") + archive_error_string(a.get()));
  }
  return out;
}

Result<std::string> ReadFirstTarFile(const std::string& tar, size_t max_bytes) {
  std::unique_ptr<archive, ReaderDeleter> a(archive_read_new());
  if (!a) return InternalError("archive_read_new failed");
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), tar.data(), tar.size()) != ARCHIVE_OK) {
    return InvalidArgumentError(std::string("reading a tar: ") + archive_error_string(a.get()));
  }
  archive_entry* entry = nullptr;
  while (true) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) return NotFoundError("the tar holds no regular file");
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return InvalidArgumentError(std::string("reading a tar: ") + archive_error_string(a.get()));
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    if (archive_entry_size(entry) < 0 || static_cast<uint64_t>(archive_entry_size(entry)) > max_bytes) {
      return ResourceExhaustedError("the file in the tar is larger than " + std::to_string(max_bytes) + " bytes");
    }
    std::string out;
    char buf[16384];
    while (true) {
      const la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
      if (n < 0) return InvalidArgumentError(std::string("reading a tar: ") + archive_error_string(a.get()));
      if (n == 0) break;
      if (out.size() + static_cast<size_t>(n) > max_bytes) {
        return ResourceExhaustedError("the file in the tar is larger than " + std::to_string(max_bytes) + " bytes");
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
}

}  // namespace kelola::docker
