// ScratchDir: a temporary directory for the logs tests, removed afterwards,
// with helpers that write, append and rotate files the way applications and
// logrotate do. Header-only and used by *_test.cc only.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace kelola {

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kelola-logs-XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    path_ = made ? made : "";
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

  void Append(const std::string& name, const std::string& text) const {
    std::ofstream out(File(name), std::ios::app | std::ios::binary);
    out << text;
  }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream out(File(name), std::ios::trunc | std::ios::binary);
    out << text;
  }
  // logrotate's copytruncate: copy the content away, then truncate in place.
  void CopyTruncate(const std::string& name, const std::string& copy_name) const {
    std::filesystem::copy_file(File(name), File(copy_name), std::filesystem::copy_options::overwrite_existing);
    ::truncate(File(name).c_str(), 0);
  }
  void Rename(const std::string& from, const std::string& to) const { std::filesystem::rename(File(from), File(to)); }
  void Remove(const std::string& name) const { std::filesystem::remove(File(name)); }

 private:
  std::string path_;
};

}  // namespace kelola
