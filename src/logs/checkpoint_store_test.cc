#include "logs/checkpoint_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "logs/scratch_dir_for_test.h"

namespace kelola {
namespace {

Checkpoint Make(std::string stream, uint64_t dev, uint64_t ino, uint64_t offset, std::string path) {
  Checkpoint cp;
  cp.stream_id = std::move(stream);
  cp.identity.device = dev;
  cp.identity.inode = ino;
  cp.identity.fingerprint_bytes = 256;
  cp.identity.fingerprint = 0xdeadbeefcafef00dULL;
  cp.offset = offset;
  cp.path = std::move(path);
  return cp;
}

TEST(CheckpointStoreTest, SaveAndReopenKeepsEveryFieldIncludingPathsWithSpaces) {
  ScratchDir dir;
  std::string file = dir.File("checkpoints");
  {
    auto store = CheckpointStore::Open(file);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ(store->size(), 0u);
    store->Put(Make("0123456789abcdef", 2049, 77, 12345, "/var/log/my app.log"));
    store->Put(Make("fedcba9876543210", 2049, 78, 0, "/var/log/b.log"));
    ASSERT_TRUE(store->Save().ok());
  }
  auto again = CheckpointStore::Open(file);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->size(), 2u);
  const Checkpoint* cp = again->Find(2049, 77);
  ASSERT_NE(cp, nullptr);
  EXPECT_EQ(cp->stream_id, "0123456789abcdef");
  EXPECT_EQ(cp->offset, 12345u);
  EXPECT_EQ(cp->path, "/var/log/my app.log");
  EXPECT_EQ(cp->identity.fingerprint, 0xdeadbeefcafef00dULL);
  EXPECT_EQ(cp->identity.fingerprint_bytes, 256u);
  EXPECT_EQ(again->Find(1, 1), nullptr);
  // No temporary file is left behind.
  EXPECT_NE(::access((file + ".tmp").c_str(), F_OK), 0);
}

TEST(CheckpointStoreTest, CorruptFileIsDataLossNamingFileAndLine) {
  auto r = CheckpointStore::Parse("kelola-checkpoints 1\n0123456789abcdef 1 2 3 ff 10 /a\nzz 1 2\n", "cp");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("cp:3:"), std::string::npos) << r.status().message();

  EXPECT_FALSE(CheckpointStore::Parse("other 1\n", "cp").ok());
  EXPECT_FALSE(CheckpointStore::Parse("kelola-checkpoints 1\n0123456789abcdef 1 2 3 ff 10 /a", "cp").ok());
  EXPECT_FALSE(CheckpointStore::Parse("kelola-checkpoints 1\n0123456789abcdef 1 x 3 ff 10 /a\n", "cp").ok());
  EXPECT_TRUE(CheckpointStore::Parse("", "cp").ok());
}

TEST(CheckpointStoreTest, RemoveForgetsTheEntry) {
  ScratchDir dir;
  auto store = CheckpointStore::Open(dir.File("cp"));
  ASSERT_TRUE(store.ok());
  store->Put(Make("0123456789abcdef", 1, 2, 3, "/x"));
  store->Remove(1, 2);
  EXPECT_EQ(store->Find(1, 2), nullptr);
}

TEST(CheckpointStoreTest, WriteFileDurablyReplacesContent) {
  ScratchDir dir;
  ASSERT_TRUE(WriteFileDurably(dir.File("f"), "one").ok());
  ASSERT_TRUE(WriteFileDurably(dir.File("f"), "two").ok());
  std::ifstream in(dir.File("f"));
  std::string s;
  in >> s;
  EXPECT_EQ(s, "two");
  EXPECT_FALSE(WriteFileDurably(dir.File("missing/f"), "x").ok());
}

}  // namespace
}  // namespace kelola
