// WriteBuildContext, read back with libarchive.
#include "integrations/docker/build_context.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace kelola::docker {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << content;
}

// path -> content ("<dir>" for directories, "-> target" for symlinks).
std::map<std::string, std::string> ReadTar(const std::string& path) {
  std::map<std::string, std::string> entries;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_filename(a, path.c_str(), 10240), ARCHIVE_OK);
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(e);
    if (archive_entry_filetype(e) == AE_IFDIR) {
      entries[name] = "<dir>";
    } else if (archive_entry_filetype(e) == AE_IFLNK) {
      entries[name] = std::string("-> ") + archive_entry_symlink(e);
    } else {
      std::string content(static_cast<size_t>(archive_entry_size(e)), '\0');
      archive_read_data(a, content.data(), content.size());
      entries[name] = content;
    }
  }
  archive_read_free(a);
  return entries;
}

class BuildContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("build_context_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "ctx");
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(BuildContextTest, HonoursDockerignoreButKeepsDockerfileAndIgnoreFile) {
  const fs::path ctx = root_ / "ctx";
  Write(ctx / "Dockerfile", "FROM scratch\n");
  Write(ctx / ".dockerignore", "**/*.log\nsecrets/\nDockerfile\n.dockerignore\nnode_modules\n");
  Write(ctx / "app/main.c", "int main(){}\n");
  Write(ctx / "app/debug.log", "noise");
  Write(ctx / "secrets/key", "k");
  Write(ctx / "node_modules/x/y.js", "y");
  fs::create_symlink("/etc/passwd", ctx / "app/link");
  const std::string tar = (root_ / "ctx.tar").string();
  auto stats = WriteBuildContext(ctx.string(), "", tar);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  auto entries = ReadTar(tar);
  EXPECT_EQ(entries, (std::map<std::string, std::string>{
                         {".dockerignore", "**/*.log\nsecrets/\nDockerfile\n.dockerignore\nnode_modules\n"},
                         {"Dockerfile", "FROM scratch\n"},
                         {"app/", "<dir>"},
                         {"app/link", "-> /etc/passwd"},
                         {"app/main.c", "int main(){}\n"}}));
  EXPECT_EQ(stats->files, 3u);
  EXPECT_EQ(stats->symlinks, 1u);
  EXPECT_EQ(stats->excluded, 3u);  // debug.log, secrets/, node_modules/
}

TEST_F(BuildContextTest, ExceptionsReachIntoExcludedDirectories) {
  const fs::path ctx = root_ / "ctx";
  Write(ctx / "build/Dockerfile.ci", "FROM scratch\n");
  Write(ctx / ".dockerignore", "docs\n!docs/keep.md\n");
  Write(ctx / "docs/keep.md", "keep");
  Write(ctx / "docs/drop.md", "drop");
  const std::string tar = (root_ / "ctx.tar").string();
  auto stats = WriteBuildContext(ctx.string(), "build/Dockerfile.ci", tar);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  auto entries = ReadTar(tar);
  EXPECT_EQ(entries.count("docs/keep.md"), 1u);
  EXPECT_EQ(entries.count("docs/drop.md"), 0u);
  EXPECT_EQ(entries.count("build/Dockerfile.ci"), 1u);
}

TEST_F(BuildContextTest, ErrorsSayWhat) {
  const fs::path ctx = root_ / "ctx";
  const std::string tar = (root_ / "ctx.tar").string();
  EXPECT_EQ(WriteBuildContext((root_ / "missing").string(), "", tar).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(WriteBuildContext(ctx.string(), "", tar).status().code(), StatusCode::kNotFound);  // no Dockerfile
  EXPECT_EQ(WriteBuildContext(ctx.string(), "../Dockerfile", tar).status().code(), StatusCode::kInvalidArgument);
  Write(ctx / "Dockerfile", "FROM scratch\n");
  Write(ctx / ".dockerignore", "ok\n[broken\n");
  auto bad = WriteBuildContext(ctx.string(), "", tar);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("line 2"), std::string::npos);
}

}  // namespace
}  // namespace kelola::docker
