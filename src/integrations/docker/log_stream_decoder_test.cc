#include "integrations/docker/log_stream_decoder.h"

#include <gtest/gtest.h>

namespace kelola::docker {
namespace {

std::string Frame(uint8_t stream, std::string_view payload) {
  std::string f = {static_cast<char>(stream), 0, 0, 0};
  const uint32_t n = static_cast<uint32_t>(payload.size());
  f += static_cast<char>(n >> 24);
  f += static_cast<char>(n >> 16);
  f += static_cast<char>(n >> 8);
  f += static_cast<char>(n);
  f.append(payload);
  return f;
}

struct Collected {
  std::string out, err, syserr;
  LogStreamDecoder::PayloadFn Fn() {
    return [this](LogStream s, std::string_view b) {
      (s == LogStream::kStdout ? out : s == LogStream::kStderr ? err : syserr).append(b);
    };
  }
};

TEST(LogStreamDecoderTest, SplitsStdoutAndStderrAtAnyChunking) {
  const std::string payload = std::string("bin\0ary\n", 8);
  const std::string stream =
      Frame(1, "hello\n") + Frame(2, "oops\n") + Frame(1, payload) + Frame(1, "") + Frame(0, "stdin-as-stdout");
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    Collected c;
    LogStreamDecoder decoder(c.Fn());
    for (size_t i = 0; i < stream.size(); i += chunk) {
      ASSERT_TRUE(decoder.Feed(std::string_view(stream).substr(i, chunk)).ok());
    }
    ASSERT_TRUE(decoder.Finish().ok());
    EXPECT_EQ(c.out, "hello\n" + payload + "stdin-as-stdout") << "chunk " << chunk;
    EXPECT_EQ(c.err, "oops\n");
    EXPECT_EQ(decoder.frames(), 5u);
  }
}

TEST(LogStreamDecoderTest, SystemErrStreamIsItsOwn) {
  Collected c;
  LogStreamDecoder decoder(c.Fn());
  ASSERT_TRUE(decoder.Feed(Frame(3, "log driver failed")).ok());
  EXPECT_EQ(c.syserr, "log driver failed");
}

TEST(LogStreamDecoderTest, BadHeadersAndTruncationAreDataLoss) {
  Collected c;
  LogStreamDecoder tty(c.Fn());
  // A TTY container's raw output is not multiplexed.
  EXPECT_EQ(tty.Feed("hello world\n").code(), StatusCode::kDataLoss);
  EXPECT_EQ(tty.Feed(Frame(1, "x")).code(), StatusCode::kDataLoss);  // stays failed

  LogStreamDecoder padding(c.Fn());
  std::string f = Frame(1, "x");
  f[2] = 1;
  EXPECT_EQ(padding.Feed(f).code(), StatusCode::kDataLoss);

  LogStreamDecoder cut(c.Fn());
  ASSERT_TRUE(cut.Feed(Frame(1, "hello").substr(0, 10)).ok());
  EXPECT_EQ(cut.Finish().code(), StatusCode::kDataLoss);
  LogStreamDecoder cut_header(c.Fn());
  ASSERT_TRUE(cut_header.Feed(Frame(1, "hello").substr(0, 3)).ok());
  EXPECT_EQ(cut_header.Finish().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace kelola::docker
