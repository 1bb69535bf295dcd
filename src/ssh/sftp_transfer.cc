// SshSession's file transfers over SFTP, and the remote file inspection the
// idempotent runbook steps rely on.
//
// libssh 0.10 exposes neither the posix-rename@openssh.com extension nor a
// way to send other SFTP extensions, and plain SFTP rename refuses to
// replace an existing file. So the upload is finished by one small remote
// script (run through ExecArgv: every value is a positional parameter, never
// spliced into the script) that sets mode and owner, checks the SHA-256 and
// renames with mv — rename(2) in the same directory, which is atomic.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "base/crypto.h"
#include "ssh/ssh_session_internal.h"

namespace kelola {
namespace {

constexpr size_t kChunk = 1 << 16;  // well under OpenSSH's 256 KiB SFTP message limit
constexpr int kChecksumMismatchExit = 65;

// $1 written file, $2 temp name beside the target, $3 target, $4 mode,
// $5 owner or "", $6 expected SHA-256 or "" to skip the check.
constexpr const char* kFinishUploadScript = R"sh(set -e
src=$1 tmp=$2 dest=$3 mode=$4 owner=$5 want=$6
trap 'status=$?; if [ $status -ne 0 ]; then rm -f -- "$tmp" "$src"; fi' EXIT
if [ "$src" != "$tmp" ]; then
  cp -- "$src" "$tmp"
  rm -f -- "$src"
  sync -- "$tmp" 2>/dev/null || true
fi
chmod -- "$mode" "$tmp"
if [ -n "$owner" ]; then chown -- "$owner" "$tmp"; fi
if [ -n "$want" ]; then
  got=$(sha256sum -- "$tmp")
  got=${got%% *}
  got=${got#\\}
  if [ "$got" != "$want" ]; then echo "checksum mismatch: the host computed $got" >&2; exit 65; fi
fi
mv -f -- "$tmp" "$dest"
)sh";

// $1 path. Prints "absent", or "<mode> <owner> <group> <size> <type>" and,
// for a regular file, a sha256sum line.
constexpr const char* kInspectScript = R"sh(p=$1
if [ -e "$p" ]; then
  stat -L -c '%a %U %G %s %F' -- "$p"
  if [ -f "$p" ]; then sha256sum -- "$p"; fi
else
  echo absent
fi
)sh";

class Sha256Stream {
 public:
  Sha256Stream() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256Stream() { EVP_MD_CTX_free(ctx_); }
  void Update(const char* data, size_t n) { EVP_DigestUpdate(ctx_, data, n); }
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_, digest, &length);
    return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
  }

 private:
  EVP_MD_CTX* ctx_;
};

Status SftpError(SshSession::Impl& impl, const std::string& what) {
  const std::string prefix = "sftp " + impl.target + ": " + what;
  if (!ssh_is_connected(impl.session)) return UnavailableError(prefix + ": the connection is closed");
  switch (sftp_get_error(impl.sftp)) {
    case SSH_FX_NO_SUCH_FILE:
    case SSH_FX_NO_SUCH_PATH: return NotFoundError(prefix + ": no such file or directory");
    // PermissionDenied is reserved for host-key refusals (ssh_error.h).
    case SSH_FX_PERMISSION_DENIED: return FailedPreconditionError(prefix + ": permission denied");
    case SSH_FX_FILE_ALREADY_EXISTS: return AlreadyExistsError(prefix + ": already exists");
    default: return LibsshError(impl.session, StatusCode::kInternal, prefix);
  }
}

Status ValidateRemotePath(const std::string& path) {
  if (path.empty()) return InvalidArgumentError("remote path is empty");
  if (path.find('\0') != std::string::npos) return InvalidArgumentError("remote path contains a NUL byte");
  if (path.back() == '/') return InvalidArgumentError("remote path " + path + " names a directory, not a file");
  return OkStatus();
}

Result<std::string> RandomSuffix() {
  KELOLA_ASSIGN_OR_RETURN(std::string bytes, RandomBytes(8));
  return HexEncode(bytes);
}

std::string OctalMode(unsigned mode) {
  char text[16];
  std::snprintf(text, sizeof text, "%04o", mode & 07777u);
  return text;
}

// "abc...  path" (or "\abc...  path" for odd names) -> "abc..."
std::string FirstField(const std::string& line) {
  std::string field = line.substr(0, line.find_first_of(" \n"));
  if (!field.empty() && field[0] == '\\') field.erase(0, 1);
  return field;
}

}  // namespace

Result<TransferResult> SshSession::Upload(const std::string& local_path, const UploadOptions& options) {
  std::FILE* file = std::fopen(local_path.c_str(), "rb");
  if (file == nullptr) return NotFoundError("upload: cannot read local file " + local_path);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(file, &std::fclose);
  return UploadFrom(
      [&](char* buffer, size_t size) -> Result<size_t> {
        size_t n = std::fread(buffer, 1, size, file);
        if (n == 0 && std::ferror(file)) return InternalError("upload: read error on " + local_path);
        return n;
      },
      options);
}

Result<TransferResult> SshSession::UploadContent(std::string_view content, const UploadOptions& options) {
  size_t offset = 0;
  return UploadFrom(
      [&](char* buffer, size_t size) -> Result<size_t> {
        size_t n = std::min(size, content.size() - offset);
        std::copy_n(content.data() + offset, n, buffer);
        offset += n;
        return n;
      },
      options);
}

Result<TransferResult> SshSession::UploadFrom(const std::function<Result<size_t>(char*, size_t)>& read_chunk,
                                              const UploadOptions& options) {
  KELOLA_RETURN_IF_ERROR(ValidateRemotePath(options.remote_path));
  if (options.mode > 07777) return InvalidArgumentError("upload: mode " + OctalMode(options.mode) + " is invalid");
  Clock& clock = *impl_->clock;
  const MonoTime start = clock.Monotonic();
  KELOLA_ASSIGN_OR_RETURN(sftp_session sftp, SftpFor(*impl_));
  KELOLA_ASSIGN_OR_RETURN(std::string suffix, RandomSuffix());

  const std::string& dest = options.remote_path;
  const size_t slash = dest.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : dest.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? dest : dest.substr(slash + 1);
  const std::string temp = dir + "." + base + ".kelola-" + suffix;
  // Under sudo the login user may not write the target directory: stage in
  // /tmp and let the privileged script copy it beside the target.
  const std::string written = options.sudo ? "/tmp/.kelola-upload-" + suffix : temp;

  sftp_file file = sftp_open(sftp, written.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (file == nullptr) return SftpError(*impl_, "create " + written);
  auto abandon = [&](Status status) {
    sftp_unlink(sftp, written.c_str());
    return status;
  };
  Sha256Stream hash;
  TransferResult result;
  std::string buffer(kChunk, '\0');
  while (true) {
    auto n = read_chunk(buffer.data(), buffer.size());
    if (!n.ok()) {
      sftp_close(file);
      return abandon(n.status());
    }
    if (*n == 0) break;
    hash.Update(buffer.data(), *n);
    size_t done = 0;
    while (done < *n) {
      ssize_t w = sftp_write(file, buffer.data() + done, *n - done);
      if (w <= 0) {
        Status error = SftpError(*impl_, "write " + written);
        sftp_close(file);
        return abandon(error);
      }
      done += static_cast<size_t>(w);
    }
    result.bytes += *n;
  }
  if (sftp_extension_supported(sftp, "fsync@openssh.com", "1") && sftp_fsync(file) != 0) {
    Status error = SftpError(*impl_, "fsync " + written);
    sftp_close(file);
    return abandon(error);
  }
  if (sftp_close(file) != SSH_NO_ERROR) return abandon(SftpError(*impl_, "close " + written));
  result.sha256 = hash.HexDigest();

  ExecOptions exec;
  exec.sudo = options.sudo;
  auto finished = ExecArgv({"/bin/sh", "-c", kFinishUploadScript, "kelola-upload", written, temp, dest,
                            OctalMode(options.mode), options.owner, options.verify_checksum ? result.sha256 : ""},
                           exec);
  if (!finished.ok()) return abandon(finished.status());
  if (finished->exit_code == kChecksumMismatchExit) {
    return DataLossError("upload to " + impl_->target + ":" + dest + ": sent sha256 " + result.sha256 + ", but " +
                         finished->err);
  }
  if (!finished->ok()) {
    return FailedPreconditionError("upload to " + impl_->target + ":" + dest + " could not be finished (" +
                                   finished->Describe() + "): " + finished->err);
  }
  result.duration = clock.Monotonic() - start;
  return result;
}

Result<TransferResult> SshSession::Download(const std::string& remote_path, const std::string& local_path) {
  KELOLA_RETURN_IF_ERROR(ValidateRemotePath(remote_path));
  Clock& clock = *impl_->clock;
  const MonoTime start = clock.Monotonic();
  KELOLA_ASSIGN_OR_RETURN(sftp_session sftp, SftpFor(*impl_));
  KELOLA_ASSIGN_OR_RETURN(std::string suffix, RandomSuffix());
  sftp_file file = sftp_open(sftp, remote_path.c_str(), O_RDONLY, 0);
  if (file == nullptr) return SftpError(*impl_, "open " + remote_path);
  std::unique_ptr<sftp_file_struct, int (*)(sftp_file)> remote(file, &sftp_close);

  const size_t slash = local_path.rfind('/');
  const std::string temp = (slash == std::string::npos ? std::string() : local_path.substr(0, slash + 1)) + "." +
                           local_path.substr(slash == std::string::npos ? 0 : slash + 1) + ".kelola-" + suffix;
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return InternalError("download: cannot create " + temp);
  auto abandon = [&](Status status) {
    ::close(fd);
    ::unlink(temp.c_str());
    return status;
  };
  Sha256Stream hash;
  TransferResult result;
  std::string buffer(kChunk, '\0');
  while (true) {
    ssize_t n = sftp_read(file, buffer.data(), buffer.size());
    if (n < 0) return abandon(SftpError(*impl_, "read " + remote_path));
    if (n == 0) break;
    hash.Update(buffer.data(), static_cast<size_t>(n));
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(fd, buffer.data() + done, static_cast<size_t>(n - done));
      if (w < 0) return abandon(InternalError("download: write error on " + temp));
      done += w;
    }
    result.bytes += static_cast<uint64_t>(n);
  }
  result.sha256 = hash.HexDigest();
  auto sum = ExecArgv({"sha256sum", "--", remote_path});
  if (!sum.ok()) return abandon(sum.status());
  if (!sum->ok()) {
    return abandon(FailedPreconditionError("download: sha256sum of " + impl_->target + ":" + remote_path + " failed (" +
                                           sum->Describe() + "): " + sum->err));
  }
  if (FirstField(sum->out) != result.sha256) {
    return abandon(DataLossError("download of " + impl_->target + ":" + remote_path + ": received sha256 " +
                                 result.sha256 + ", the host has " + FirstField(sum->out)));
  }
  if (::fsync(fd) != 0) return abandon(InternalError("download: fsync " + temp + " failed"));
  ::close(fd);
  if (::rename(temp.c_str(), local_path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return InternalError("download: cannot rename " + temp + " to " + local_path);
  }
  result.duration = clock.Monotonic() - start;
  return result;
}

Result<RemoteFileState> SshSession::InspectFile(const std::string& remote_path, bool sudo) {
  KELOLA_RETURN_IF_ERROR(ValidateRemotePath(remote_path));
  ExecOptions exec;
  exec.sudo = sudo;
  KELOLA_ASSIGN_OR_RETURN(ExecResult run,
                          ExecArgv({"/bin/sh", "-c", kInspectScript, "kelola-inspect", remote_path}, exec));
  if (!run.ok()) {
    return FailedPreconditionError("inspect " + impl_->target + ":" + remote_path + " (" + run.Describe() +
                                   "): " + run.err);
  }
  RemoteFileState state;
  if (run.out.rfind("absent", 0) == 0) return state;
  unsigned mode = 0;
  unsigned long long size = 0;
  char owner[256] = {}, group[256] = {};
  if (std::sscanf(run.out.c_str(), "%o %255s %255s %llu", &mode, owner, group, &size) != 4) {
    return InternalError("inspect " + impl_->target + ":" + remote_path +
                         ": unexpected stat output: " + run.out.substr(0, 200));
  }
  state.exists = true;
  state.mode = mode;
  state.owner = owner;
  state.group = group;
  state.size = size;
  const size_t newline = run.out.find('\n');
  if (newline != std::string::npos && newline + 1 < run.out.size())
    state.sha256 = FirstField(run.out.substr(newline + 1));
  return state;
}

}  // namespace kelola
