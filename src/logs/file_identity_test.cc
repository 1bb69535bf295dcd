#include "logs/file_identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "logs/scratch_dir_for_test.h"

namespace kelola {
namespace {

struct Fd {
  explicit Fd(const std::string& path) : fd(::open(path.c_str(), O_RDONLY)) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

TEST(FileIdentityTest, FingerprintCoversAtMostTheConfiguredHead) {
  ScratchDir dir;
  dir.Write("a", "0123456789");
  Fd f(dir.File("a"));
  auto id = IdentifyOpenFile(f.fd, 4);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->fingerprint_bytes, 4u);
  EXPECT_EQ(id->fingerprint, Fnv1a64("0123"));
  EXPECT_EQ(id->size, 10u);
  auto same = IsSameFile(f.fd, *id);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(*same);
}

TEST(FileIdentityTest, RewrittenHeadOrShorterFileIsAnotherFile) {
  ScratchDir dir;
  dir.Write("a", "first content\n");
  Fd f(dir.File("a"));
  auto id = IdentifyOpenFile(f.fd, 256);
  ASSERT_TRUE(id.ok());
  dir.Write("a", "other content\n");  // same inode, new bytes
  EXPECT_FALSE(*IsSameFile(f.fd, *id));
  dir.Write("a", "first");  // a prefix of the old content, but shorter than the fingerprint
  EXPECT_FALSE(*IsSameFile(f.fd, *id));
  dir.Write("a", "first content\nand more\n");  // grown: still the same file
  EXPECT_TRUE(*IsSameFile(f.fd, *id));
}

TEST(FileIdentityTest, ReusedInodeWithDifferentContentIsDetected) {
  ScratchDir dir;
  dir.Write("a", "old file line 1\n");
  FileIdentity old_id;
  {
    Fd f(dir.File("a"));
    old_id = *IdentifyOpenFile(f.fd, 256);
  }
  dir.Remove("a");
  dir.Write("b", "brand new file\n");
  Fd f(dir.File("b"));
  auto new_id = IdentifyOpenFile(f.fd, 256);
  ASSERT_TRUE(new_id.ok());
  // Whether or not the filesystem handed out the same inode number, a
  // remembered identity with this device and inode but the old head is
  // another file.
  FileIdentity remembered = old_id;
  remembered.device = new_id->device;
  remembered.inode = new_id->inode;
  auto same = IsSameFile(f.fd, remembered);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(*same);
  EXPECT_TRUE(*IsSameFile(f.fd, *new_id));
}

}  // namespace
}  // namespace kelola
