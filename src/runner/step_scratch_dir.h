// StepScratchDir: a private temporary directory for one step's scripts,
// created under $TMPDIR (or /tmp) and removed with everything in it when the
// step ends. path() is empty when it could not be created.
// Not thread-safe; one owner.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace kelola {

class StepScratchDir {
 public:
  StepScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/kelola-step-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~StepScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  StepScratchDir(const StepScratchDir&) = delete;
  StepScratchDir& operator=(const StepScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace kelola
