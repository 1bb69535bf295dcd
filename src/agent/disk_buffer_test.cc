#include "agent/disk_buffer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "logs/scratch_dir_for_test.h"

namespace kelola {
namespace {

DiskBufferOptions Options(const ScratchDir& dir) {
  DiskBufferOptions o;
  o.dir = dir.File("buffer");
  o.fsync = FsyncPolicy::kAlways;
  return o;
}

std::unique_ptr<DiskBuffer> MustOpen(const DiskBufferOptions& o) {
  auto b = DiskBuffer::Open(o);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? std::move(*b) : nullptr;
}

// Pops everything, returning the payloads in order.
std::vector<std::string> Drain(DiskBuffer& b) {
  std::vector<std::string> out;
  while (true) {
    auto front = b.Front();
    EXPECT_TRUE(front.ok()) << front.status().ToString();
    if (!front.ok() || !front->has_value()) break;
    out.push_back((*front)->second);
    EXPECT_TRUE(b.PopFront().ok());
  }
  return out;
}

std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".seg") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DiskBufferTest, FifoAcrossReopenResumesAfterTheLastAcknowledgement) {
  ScratchDir dir;
  auto o = Options(dir);
  {
    auto b = MustOpen(o);
    for (int i = 1; i <= 5; ++i) ASSERT_EQ(*b->Append("frame-" + std::to_string(i)), static_cast<uint64_t>(i));
    auto front = b->Front();
    ASSERT_TRUE(front.ok() && front->has_value());
    EXPECT_EQ((*front)->first, 1u);
    EXPECT_EQ((*front)->second, "frame-1");
    ASSERT_TRUE(b->PopFront().ok());
    ASSERT_TRUE(b->PopFront().ok());
  }
  auto b = MustOpen(o);
  EXPECT_EQ(b->Stats().entries, 3u);
  EXPECT_EQ(Drain(*b), (std::vector<std::string>{"frame-3", "frame-4", "frame-5"}));
  // Sequence numbers keep growing after a reopen, so acknowledgements stay unambiguous.
  EXPECT_EQ(*b->Append("frame-6"), 6u);
  EXPECT_TRUE(b->PopFront().ok());
  auto again = MustOpen(o);
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(*again->Append("frame-7"), 7u);
}

TEST(DiskBufferTest, TornTailOfTheLastSegmentIsCutAndAppendsContinue) {
  ScratchDir dir;
  auto o = Options(dir);
  {
    auto b = MustOpen(o);
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(b->Append(std::string(100, 'a' + i)).ok());
  }
  auto files = SegmentFiles(o.dir);
  ASSERT_EQ(files.size(), 1u);
  auto size = std::filesystem::file_size(files[0]);
  std::filesystem::resize_file(files[0], size - 30);  // the crash hit the third append
  auto b = MustOpen(o);
  EXPECT_EQ(b->Stats().entries, 2u);
  EXPECT_EQ(b->Stats().torn_bytes_truncated, 120u - 30u);
  EXPECT_EQ(*b->Append("after"), 3u);
  auto got = Drain(*b);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2], "after");
}

TEST(DiskBufferTest, ADamagedEntryIsSkippedAndCountedTheOthersArrive) {
  ScratchDir dir;
  auto o = Options(dir);
  {
    auto b = MustOpen(o);
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(b->Append("payload-" + std::to_string(i)).ok());
  }
  auto files = SegmentFiles(o.dir);
  ASSERT_EQ(files.size(), 1u);
  {
    // Flip a byte in the second entry's payload (entries are 20 + 9 bytes).
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(29 + 20 + 3);
    f.put('X');
  }
  auto b = MustOpen(o);
  EXPECT_EQ(Drain(*b), (std::vector<std::string>{"payload-1", "payload-3"}));
  EXPECT_EQ(b->Stats().corrupt_entries, 1u);
}

TEST(DiskBufferTest, FullBufferRefusesUntilTheServerAcknowledges) {
  ScratchDir dir;
  auto o = Options(dir);
  o.max_bytes = 3 * (20 + 100);
  auto b = MustOpen(o);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b->Append(std::string(100, 'x')).ok());
  EXPECT_TRUE(b->full());
  auto refused = b->Append("one more");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(b->Front().ok());
  ASSERT_TRUE(b->PopFront().ok());
  EXPECT_FALSE(b->full());
  EXPECT_TRUE(b->Append("one more").ok());
  EXPECT_EQ(b->Stats().entries, 3u);
}

TEST(DiskBufferTest, SegmentsRotateAndAcknowledgedOnesAreDeleted) {
  ScratchDir dir;
  auto o = Options(dir);
  o.segment_max_bytes = 240;  // full after two 120-byte entries
  auto b = MustOpen(o);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(b->Append(std::string(100, '0' + i)).ok());
  EXPECT_EQ(SegmentFiles(o.dir).size(), 3u);
  EXPECT_EQ(b->Stats().segments, 3u);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(b->Front().ok());
    ASSERT_TRUE(b->PopFront().ok());
  }
  EXPECT_EQ(SegmentFiles(o.dir).size(), 1u);
  auto reopened = MustOpen(o);
  auto got = Drain(*reopened);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], std::string(100, '4'));
}

TEST(DiskBufferTest, IntervalPolicyMakesDataDurableOnSync) {
  ScratchDir dir;
  auto o = Options(dir);
  o.fsync = FsyncPolicy::kInterval;
  auto b = MustOpen(o);
  ASSERT_TRUE(b->Append("a").ok());
  EXPECT_TRUE(b->Sync().ok());
  EXPECT_TRUE(b->Sync().ok());  // nothing new: no-op
  auto reopened = MustOpen(o);
  EXPECT_EQ(Drain(*reopened), (std::vector<std::string>{"a"}));
}

TEST(DiskBufferTest, BadOptionsAndPathsAreClearErrors) {
  ScratchDir dir;
  dir.Append("plainfile", "x");
  DiskBufferOptions o;
  o.dir = dir.File("plainfile");
  auto b = DiskBuffer::Open(o);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("plainfile"), std::string::npos);
  o.dir = "";
  EXPECT_EQ(DiskBuffer::Open(o).status().code(), StatusCode::kInvalidArgument);

  o = Options(dir);
  ASSERT_TRUE(DiskBuffer::Open(o).ok());
  {
    std::ofstream acked(o.dir + "/acked");
    acked << "garbage";
  }
  EXPECT_EQ(DiskBuffer::Open(o).status().code(), StatusCode::kDataLoss);

  EXPECT_EQ(*ParseFsyncPolicy("always"), FsyncPolicy::kAlways);
  EXPECT_EQ(*ParseFsyncPolicy("never"), FsyncPolicy::kNever);
  EXPECT_FALSE(ParseFsyncPolicy("sometimes").ok());
  ScratchDir empty;
  auto e = MustOpen(Options(empty));
  EXPECT_EQ(e->PopFront().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace kelola
