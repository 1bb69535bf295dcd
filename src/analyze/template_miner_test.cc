#include "analyze/template_miner.h"

#include <gtest/gtest.h>

#include <thread>

namespace kelola::analyze {
namespace {

TEST(TemplateMinerTest, GroupsLinesOfOneTemplate) {
  TemplateMiner miner;
  uint64_t a = miner.Add("PacketResponder 1 for block blk_388 terminating", 1000);
  uint64_t b = miner.Add("PacketResponder 0 for block blk_-695 terminating", 2000);
  uint64_t c = miner.Add("Verification succeeded for blk_42", 3000);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto t = miner.Get(a);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->text, "PacketResponder <*> for block <*> terminating");
  EXPECT_EQ(t->count, 2u);
  EXPECT_EQ(t->first_seen_ms, 1000);
  EXPECT_EQ(t->last_seen_ms, 2000);
  EXPECT_EQ(t->example, "PacketResponder 1 for block blk_388 terminating");
  EXPECT_EQ(miner.template_count(), 2u);
}

TEST(TemplateMinerTest, AWordBecomesAVariableAfterThreeDistinctValues) {
  TemplateMiner miner;
  uint64_t a = miner.Add("Invalid user webmaster from 1.2.3.4", 1);
  uint64_t b = miner.Add("Invalid user oracle from 1.2.3.5", 2);
  EXPECT_NE(miner.Resolve(a), miner.Resolve(b));  // two words may be two events
  uint64_t c = miner.Add("Invalid user guest from 1.2.3.6", 3);
  EXPECT_EQ(miner.Resolve(a), miner.Resolve(c));
  EXPECT_EQ(miner.Resolve(b), miner.Resolve(c));
  auto t = miner.Get(c);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->text, "Invalid user <*> from <*>");
  EXPECT_EQ(t->count, 3u);
  EXPECT_EQ(miner.template_count(), 1u);
}

TEST(TemplateMinerTest, StateWordsAndEmptyValuesStaySeparate) {
  TemplateMiner miner;
  uint64_t https = miner.Add("host:443 open through proxy p.example.com:5070 HTTPS", 1);
  uint64_t socks = miner.Add("host:443 open through proxy p.example.com:5070 SOCKS5", 2);
  EXPECT_NE(https, socks);
  uint64_t empty = miner.Add("connection from 1.2.3.4 () at 10:00", 3);
  uint64_t named = miner.Add("connection from 1.2.3.5 (web.example.net) at 10:01", 4);
  EXPECT_NE(empty, named);
}

TEST(TemplateMinerTest, JoinsLinesThatDifferOnlyByValues) {
  TemplateMiner miner;
  uint64_t a = miner.Add("app - x.example.com:80 close, 10 bytes sent, 20 bytes received, lifetime 00:01", 1);
  uint64_t b =
      miner.Add("app - x.example.com:80 close, 1190 bytes (1.16 KB) sent, 20 bytes received, lifetime 00:01", 2);
  uint64_t c = miner.Add("app - x.example.com:80 close, 10 bytes sent, 20 bytes received, lifetime <1 sec", 3);
  EXPECT_EQ(miner.Resolve(a), miner.Resolve(b));
  EXPECT_EQ(miner.Resolve(a), miner.Resolve(c));
  EXPECT_EQ(miner.Get(b)->count, 3u);
}

TEST(TemplateMinerTest, LongAndEmptyLines) {
  MinerOptions options;
  options.max_tokens = 8;
  TemplateMiner miner(options);
  std::string long_line;
  for (int i = 0; i < 100; ++i) long_line += "word" + std::string(1, static_cast<char>('a' + i % 26)) + " ";
  uint64_t id = miner.Add(long_line, 1);
  EXPECT_NE(id, 0u);
  EXPECT_EQ(miner.Get(id)->text, "worda wordb wordc wordd worde wordf wordg <*>");
  uint64_t e1 = miner.Add("", 2);
  uint64_t e2 = miner.Add("   ", 3);
  EXPECT_EQ(e1, e2);
  EXPECT_EQ(miner.Get(e1)->text, "");
}

TEST(TemplateMinerTest, MaxClustersBoundsMemory) {
  MinerOptions options;
  options.max_clusters = 2;
  TemplateMiner miner(options);
  EXPECT_NE(miner.Add("alpha one", 1), 0u);
  EXPECT_NE(miner.Add("beta two three", 2), 0u);
  EXPECT_EQ(miner.Add("gamma four five six", 3), 0u);
  EXPECT_EQ(miner.Add("alpha one", 4), miner.Add("alpha one", 5));
}

TEST(TemplateMinerTest, ConcurrentAddsCountEveryLine) {
  TemplateMiner miner;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&miner, t] {
      for (int i = 0; i < 2000; ++i) {
        miner.Add("request " + std::to_string(i) + " served in " + std::to_string(t) + " ms", i);
      }
    });
  }
  for (auto& th : threads) th.join();
  auto all = miner.Templates();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].count, 8000u);
  EXPECT_EQ(all[0].text, "request <*> served in <*> ms");
}

}  // namespace
}  // namespace kelola::analyze
