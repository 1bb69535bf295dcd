#include "analyze/token_masker.h"

#include <gtest/gtest.h>

namespace kelola::analyze {
namespace {

std::string Mask(std::string_view token) {
  std::string out;
  MaskToken(token, out);
  return out;
}

TEST(TokenMaskerTest, NumbersAndAddresses) {
  EXPECT_EQ(Mask("42"), "<*>");
  EXPECT_EQ(Mask("-17"), "<*>");
  EXPECT_EQ(Mask("3.14"), "<*>");
  EXPECT_EQ(Mask("64k"), "<*>");
  EXPECT_EQ(Mask("0x1f3a"), "<*>");
  EXPECT_EQ(Mask("10.251.73.220:50010"), "<*>");
  EXPECT_EQ(Mask("[173.234.31.186]"), "[<*>]");
  EXPECT_EQ(Mask("fe80::1"), "fe80::<*>");
  EXPECT_EQ(Mask("proxy.example.com:5070"), "<*>");
  EXPECT_EQ(Mask("<1"), "<*>");
  EXPECT_EQ(Mask("port"), "port");
}

TEST(TokenMaskerTest, IdsAndUuids) {
  EXPECT_EQ(Mask("blk_-6952295868487656571"), "<*>");
  EXPECT_EQ(Mask("attempt_1445144423722_0020_m_000000_0"), "<*>");
  EXPECT_EQ(Mask("123e4567-e89b-12d3-a456-426614174000"), "<*>");
  EXPECT_EQ(Mask("deadbeef42"), "<*>");
  EXPECT_EQ(Mask("jetty-6.1.26"), "jetty-<*>");
  EXPECT_EQ(Mask("user1234"), "<*>");
  // Names with a digit are not values.
  EXPECT_EQ(Mask("ssh2"), "ssh2");
  EXPECT_EQ(Mask("SOCKS5"), "SOCKS5");
  EXPECT_EQ(Mask("log4j"), "log4j");
}

TEST(TokenMaskerTest, KeyValuesKeepTheKey) {
  EXPECT_EQ(Mask("uid=0"), "uid=<*>");
  EXPECT_EQ(Mask("rhost=218.188.2.4"), "rhost=<*>");
  EXPECT_EQ(Mask("(uid=500)"), "(uid=<*>)");
  EXPECT_EQ(Mask("CPU#1"), "CPU#<*>");
  EXPECT_EQ(Mask("50010."), "<*>.");
  EXPECT_EQ(Mask("ruser="), "ruser=");
}

TEST(TokenMaskerTest, PathsUrlsDatesWords) {
  EXPECT_EQ(Mask("/var/log/syslog"), "<*>");
  EXPECT_EQ(Mask("'/udev/vcs1'"), "'<*>'");
  EXPECT_EQ(Mask("hdfs://namenode:9000/user/x"), "hdfs://<*>");
  EXPECT_EQ(Mask("(https://example.org/a),"), "(https://<*>),");
  EXPECT_EQ(Mask("Jul"), "<*>");
  EXPECT_EQ(Mask("true"), "<*>");
  EXPECT_EQ(Mask("root"), "<*>");
  EXPECT_EQ(Mask("ns.example.com"), "<*>");
  EXPECT_EQ(Mask("org.apache.hadoop.Foo"), "org.apache.hadoop.Foo");
}

TEST(TokenMaskerTest, MaskLineCollapsesAdjacentWildcards) {
  EXPECT_EQ(MaskLine("  Received block blk_1 of size 67108864 from /10.0.0.1  "),
            "Received block <*> of size <*> from <*>");
  EXPECT_EQ(MaskLine("at Sun Jul 10 03:55:15 2005 done"), "at <*> done");
  EXPECT_EQ(MaskLine(""), "");
}

TEST(TokenMaskerTest, NormalizeTemplateFollowsLoghub) {
  EXPECT_EQ(NormalizeTemplate("<*>:<*> Served  block <*> to <*>"), "<*> Served block <*> to <*>");
  EXPECT_EQ(NormalizeTemplate("a <*>.<*>.<*> <*> b"), "a <*> b");
  EXPECT_EQ(NormalizeTemplate("<*><*>"), "<*>");
  EXPECT_EQ(NormalizeTemplate("no vars "), "no vars");
  EXPECT_EQ(NormalizeTemplate(NormalizeTemplate("x <*> <*>:<*>")), "x <*>");
}

}  // namespace
}  // namespace kelola::analyze
