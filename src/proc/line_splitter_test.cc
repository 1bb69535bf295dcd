#include "proc/line_splitter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kelola {
namespace {

using ::testing::ElementsAre;

struct Collector {
  std::vector<std::string> lines;
  LineSplitter::LineFn fn() {
    return [this](std::string_view line) { lines.emplace_back(line); };
  }
};

TEST(LineSplitter, SplitsAcrossChunks) {
  Collector c;
  LineSplitter s(c.fn(), 100);
  s.Append("one\ntw");
  s.Append("o\n\nthr");
  s.Append("ee");
  EXPECT_THAT(c.lines, ElementsAre("one", "two", ""));
  s.Finish();
  EXPECT_THAT(c.lines, ElementsAre("one", "two", "", "three"));
  s.Finish();
  EXPECT_EQ(c.lines.size(), 4u) << "nothing left to flush";
}

TEST(LineSplitter, LongLinesArriveInPiecesWhateverTheChunking) {
  for (std::string chunking : {"whole", "bytes"}) {
    Collector c;
    LineSplitter s(c.fn(), 4);
    std::string input = "abcdefghij\nabcd\nxy";
    if (chunking == "whole") {
      s.Append(input);
    } else {
      for (char ch : input) s.Append(std::string_view(&ch, 1));
    }
    s.Finish();
    EXPECT_THAT(c.lines, ElementsAre("abcd", "efgh", "ij", "abcd", "xy")) << chunking;
  }
}

TEST(LineSplitter, NullCallbackIsANoOp) {
  LineSplitter s(nullptr, 4);
  s.Append("abc\ndef");
  s.Finish();
}

}  // namespace
}  // namespace kelola
