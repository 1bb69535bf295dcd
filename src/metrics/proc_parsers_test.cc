#include "metrics/proc_parsers.h"

#include <gtest/gtest.h>

namespace kelola::metrics {
namespace {

// Captured on a Debian 12 build machine (2 CPUs).
constexpr std::string_view kStat1 =
    "cpu  4822720 54469 1014664 1907082 15851 0 11771 39913 0 0\n"
    "cpu0 2399768 27033 503797 974033 5811 0 3382 19012 0 0\n"
    "cpu1 2422951 27435 510867 933049 10039 0 8388 20901 0 0\n"
    "intr 1 2 3\nctxt 123\nbtime 1700000000\n";
constexpr std::string_view kStat2 =
    "cpu  4822800 54469 1014684 1907162 15871 0 11771 39913 0 0\n"
    "cpu0 2399808 27033 503807 974073 5821 0 3382 19012 0 0\n";
constexpr std::string_view kLoadAvg = "7.20 4.80 3.18 9/174 14521\n";
constexpr std::string_view kMemInfo =
    "MemTotal:       24684092 kB\nMemFree:        17835272 kB\nMemAvailable:   22858400 kB\n"
    "Buffers:           52612 kB\nHugePages_Total:       0\n";
constexpr std::string_view kNetDev1 =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier "
    "compressed\n"
    "    lo: 20445955409 13210705    0    0    0     0          0         0 20445955409 13210705    0    0    0     0  "
    "     0          0\n"
    "  eth0: 1000 10 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n"
    "docker0: 200 2 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n";
constexpr std::string_view kNetDev2 =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier "
    "compressed\n"
    "    lo: 30445955409 13210705    0    0    0     0          0         0 30445955409 13210705    0    0    0     0  "
    "     0          0\n"
    "  eth0: 21000 10 0 0 0 0 0 0 4500 5 0 0 0 0 0 0\n"
    "docker0: 100 2 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n"
    "  veth9: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n";

TEST(ProcParsers, StatCpuLine) {
  auto t = ParseProcStat(kStat1);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->total, 4822720u + 54469 + 1014664 + 1907082 + 15851 + 0 + 11771 + 39913);
  EXPECT_EQ(t->busy, t->total - 1907082 - 15851);
}

TEST(ProcParsers, CpuBusyPercentFromTwoReadings) {
  auto a = ParseProcStat(kStat1);
  auto b = ParseProcStat(kStat2);
  ASSERT_TRUE(a.ok() && b.ok());
  // Δuser 80 + Δsystem 20 busy; Δidle 80 + Δiowait 20: 100 of 200.
  EXPECT_DOUBLE_EQ(CpuBusyPercent(*a, *b), 50.0);
  EXPECT_EQ(CpuBusyPercent(*b, *a), 0.0);  // counters went back
  EXPECT_EQ(CpuBusyPercent(*a, *a), 0.0);  // no time passed
}

TEST(ProcParsers, StatErrorsNameTheLine) {
  EXPECT_EQ(ParseProcStat("intr 1\n").status().message(), "/proc/stat: no \"cpu\" line");
  auto bad = ParseProcStat("ctxt 1\ncpu 1 2 x 4\n");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("line 2"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(ParseProcStat("cpu 1 2\n").ok());
}

TEST(ProcParsers, LoadAvg) {
  auto l = ParseLoadAvg(kLoadAvg);
  ASSERT_TRUE(l.ok());
  EXPECT_DOUBLE_EQ(l->load1, 7.20);
  EXPECT_DOUBLE_EQ(l->load5, 4.80);
  EXPECT_DOUBLE_EQ(l->load15, 3.18);
  EXPECT_FALSE(ParseLoadAvg("1.0 2.0\n").ok());
  EXPECT_FALSE(ParseLoadAvg("1.0 nan 2.0\n").ok());
  EXPECT_FALSE(ParseLoadAvg("").ok());
}

TEST(ProcParsers, MemInfo) {
  auto m = ParseMemInfo(kMemInfo);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->total_bytes, 24684092ull * 1024);
  EXPECT_EQ(m->available_bytes, 22858400ull * 1024);
  EXPECT_NEAR(MemoryUsedPercent(*m), 100.0 * (24684092 - 22858400) / 24684092, 1e-9);
  EXPECT_NE(ParseMemInfo("MemTotal: 10 kB\n").status().message().find("MemAvailable"), std::string::npos);
  EXPECT_FALSE(ParseMemInfo("MemTotal: ten kB\nMemAvailable: 1 kB\n").ok());
  EXPECT_EQ(MemoryUsedPercent({}), 0.0);
}

TEST(ProcParsers, NetDevSkipsLoopbackAndSumsDeltas) {
  auto a = ParseNetDev(kNetDev1);
  auto b = ParseNetDev(kNetDev2);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->count("lo"), 0u);
  ASSERT_EQ(a->count("eth0"), 1u);
  EXPECT_EQ(a->at("eth0").rx, 1000u);
  EXPECT_EQ(a->at("eth0").tx, 500u);
  NetBytes d = NetDelta(*a, *b);
  // eth0 +20000/+4000; docker0 went back (reset): 0; veth9 is new: no baseline.
  EXPECT_EQ(d.rx, 20000u);
  EXPECT_EQ(d.tx, 4000u);
}

TEST(ProcParsers, NetDevErrors) {
  EXPECT_FALSE(ParseNetDev("h1\nh2\neth0: 1 2 3\n").ok());
  EXPECT_FALSE(ParseNetDev("h1\nh2\neth0: x 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0\n").ok());
  EXPECT_FALSE(ParseNetDev("h1\nh2\nno colon here\n").ok());
  auto empty = ParseNetDev("h1\nh2\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace kelola::metrics
