#include "analyze/template_snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kelola::analyze {
namespace {

void Learn(TemplateMiner& m) {
  m.Add("Invalid user webmaster from 1.2.3.4", 10);
  m.Add("Invalid user oracle from 1.2.3.5", 20);
  m.Add("Invalid user guest from 1.2.3.6", 30);
  m.Add("Accepted password for alice from 1.2.3.7 port 22 ssh2", 40);
  m.Add("app - x.example.com:80 close, 10 bytes sent, 20 bytes received, lifetime 00:01", 50);
  m.Add("app - x.example.com:80 close, 1190 bytes (1.16 KB) sent, 20 bytes received, lifetime 00:01", 60);
}

TEST(TemplateSnapshotTest, RoundTripKeepsIdsCountsAndLearning) {
  TemplateMiner a;
  Learn(a);
  EXPECT_TRUE(a.dirty());
  const std::string snap = a.Snapshot();
  EXPECT_FALSE(a.dirty());
  TemplateMiner b;
  ASSERT_TRUE(b.LoadSnapshot(snap).ok());
  auto ta = a.Templates();
  auto tb = b.Templates();
  ASSERT_EQ(ta.size(), tb.size());
  for (size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].id, tb[i].id);
    EXPECT_EQ(ta[i].text, tb[i].text);
    EXPECT_EQ(ta[i].count, tb[i].count);
    EXPECT_EQ(ta[i].first_seen_ms, tb[i].first_seen_ms);
    EXPECT_EQ(ta[i].example, tb[i].example);
  }
  // Both continue the same way: same ids for old and new lines.
  for (const char* line : {"Invalid user admin2 from 9.9.9.9", "Accepted password for bob from 1.1.1.1 port 2 ssh2",
                           "app - y.example.com:81 close, 5 bytes sent, 7 bytes (2.0 KB) received, lifetime 00:02",
                           "something never seen before"}) {
    EXPECT_EQ(a.Resolve(a.Add(line, 100)), b.Resolve(b.Add(line, 100))) << line;
  }
  EXPECT_EQ(a.Snapshot(), b.Snapshot());
}

TEST(TemplateSnapshotTest, MalformedSnapshotsAreRejectedAndChangeNothing) {
  TemplateMiner m;
  Learn(m);
  const std::string before = m.Snapshot();
  for (const char* bad : {"", "[]", "{\"version\":2}", "{\"version\":1,\"templates\":[],\"clusters\":{}}",
                          "{\"version\":1,\"templates\":[{\"id\":2}],\"clusters\":[]}",
                          "{\"version\":1,\"templates\":[{\"id\":1,\"text\":\"a\",\"count\":1,\"firstSeen\":0,"
                          "\"lastSeen\":0,\"example\":\"a\",\"aliasOf\":1}],\"clusters\":[]}",
                          "{\"version\":1,\"templates\":[],\"clusters\":[{\"template\":5,\"joined\":false,"
                          "\"key\":[1,\"a\",null],\"tokens\":[\"a\"]}]}",
                          // Floats and negatives where integers belong (fuzz: 2e67 into uint64_t was UB).
                          "{\"version\":1,\"templates\":[{\"id\":1,\"text\":\"a\",\"count\":2e67,\"firstSeen\":0,"
                          "\"lastSeen\":0,\"example\":\"a\",\"aliasOf\":0}],\"clusters\":[]}",
                          "{\"version\":1,\"templates\":[{\"id\":-1}],\"clusters\":[]}",
                          "{\"version\":1,\"templates\":[{\"id\":1.5}],\"clusters\":[]}"}) {
    Status s = m.LoadSnapshot(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(m.Snapshot(), before);
}

TEST(TemplateSnapshotTest, FileIsWrittenAtomicallyAndReadBack) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("kelola_tpl_" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/templates.json";
  TemplateMiner fresh;
  EXPECT_EQ(ReadTemplateSnapshot(fresh, path).code(), StatusCode::kNotFound);
  TemplateMiner a;
  Learn(a);
  ASSERT_TRUE(WriteTemplateSnapshot(a, path).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  TemplateMiner b;
  ASSERT_TRUE(ReadTemplateSnapshot(b, path).ok());
  EXPECT_EQ(b.template_count(), a.template_count());
  { std::ofstream(path) << "{broken"; }
  TemplateMiner c;
  Status s = ReadTemplateSnapshot(c, path);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(path), std::string::npos);
  EXPECT_EQ(WriteTemplateSnapshot(a, dir + "/missing/dir/t.json").code(), StatusCode::kInternal);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kelola::analyze
