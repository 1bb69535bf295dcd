#include "runner/step_script.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace kelola {

Result<std::string> StepScriptText(const std::vector<std::string>& commands) {
  if (commands.empty()) return InvalidArgumentError("step has no commands");
  std::string text = "set -e\n";
  for (size_t i = 0; i < commands.size(); ++i) {
    if (commands[i].find('\0') != std::string::npos) {
      return InvalidArgumentError("command " + std::to_string(i + 1) + " contains a NUL byte");
    }
    text += commands[i];
    text += '\n';
  }
  return text;
}

Result<std::string> WriteStepScript(const std::string& dir, const std::string& step_name,
                                    const std::vector<std::string>& commands) {
  KELOLA_ASSIGN_OR_RETURN(std::string text, StepScriptText(commands));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InternalError("cannot create the step script directory " + dir + ": " + ec.message());
  std::string base;
  for (char c : step_name.substr(0, 64)) {
    const bool keep =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    base += keep ? c : '_';
  }
  if (base.empty() || base[0] == '.') base = "step" + base;
  static std::atomic<uint64_t> counter{0};
  const std::string path =
      dir + "/" + base + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".sh";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return InternalError("cannot create the step script " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return InternalError("cannot write the step script " + path);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return path;
}

Status ValidateWorkingDir(const std::string& working_dir) {
  if (working_dir.empty()) return OkStatus();
  if (working_dir.front() == '/') {
    return InvalidArgumentError("working dir \"" + working_dir + "\" must be relative to the workspace");
  }
  for (const auto& part : std::filesystem::path(working_dir)) {
    if (part == "..") {
      return InvalidArgumentError("working dir \"" + working_dir + "\" must stay inside the workspace");
    }
  }
  return OkStatus();
}

}  // namespace kelola
