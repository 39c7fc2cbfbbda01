// HTTP request-head and chunked-body parsing: valid requests, every rejection path, and
// byte-at-a-time feeding giving the same result as feeding at once.
#include "server/http/http_message.h"

#include <gtest/gtest.h>

#include <random>

namespace owl::http {
namespace {

TEST(HttpHead, ParsesRequestLineAndHeaders) {
  Request r;
  const std::string data =
      "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type:  application/json \r\n"
      "X-Empty:\r\n\r\nBODY";
  const HeadResult h = parse_request_head(data, 1 << 16, r);
  ASSERT_EQ(h.state, ParseState::kDone) << h.error;
  EXPECT_EQ(h.head_bytes, data.size() - 4);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/v1/chat/completions");
  EXPECT_EQ(r.query, "x=1");
  ASSERT_NE(r.header("content-type"), nullptr);
  EXPECT_EQ(*r.header("content-type"), "application/json");
  ASSERT_NE(r.header("x-empty"), nullptr);
  EXPECT_EQ(*r.header("x-empty"), "");
  EXPECT_TRUE(r.keep_alive());
}

TEST(HttpHead, IncompleteUntilBlankLine) {
  const std::string data = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  for (size_t n = 0; n < data.size(); ++n) {
    Request r;
    EXPECT_EQ(parse_request_head(data.substr(0, n), 1 << 16, r).state, ParseState::kIncomplete)
        << n;
  }
}

TEST(HttpHead, KeepAliveRules) {
  Request r;
  ASSERT_EQ(parse_request_head("GET / HTTP/1.0\r\n\r\n", 1024, r).state, ParseState::kDone);
  EXPECT_FALSE(r.keep_alive());
  ASSERT_EQ(parse_request_head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1024, r).state,
            ParseState::kDone);
  EXPECT_TRUE(r.keep_alive());
  ASSERT_EQ(parse_request_head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 1024, r).state,
            ParseState::kDone);
  EXPECT_FALSE(r.keep_alive());
}

TEST(HttpHead, Rejections) {
  const std::pair<std::string, int> cases[] = {
      {"GET / HTTP/2.0\r\n\r\n", 505},
      {"GET  / HTTP/1.1\r\n\r\n", 400},
      {"GET /a b HTTP/1.1\r\n\r\n", 400},
      {"G(T / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nNo-Colon\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: \x01\r\n\r\n", 400},
      {" \r\n\r\n", 400},
  };
  for (const auto& [data, status] : cases) {
    Request r;
    const HeadResult h = parse_request_head(data, 1 << 16, r);
    EXPECT_EQ(h.state, ParseState::kError) << data;
    EXPECT_EQ(h.error_status, status) << data;
  }
  Request r;
  const std::string big = "GET / HTTP/1.1\r\nA: " + std::string(2000, 'x') + "\r\n";
  EXPECT_EQ(parse_request_head(big, 1000, r).error_status, 431);
}

TEST(HttpFraming, ContentLengthAndTransferEncoding) {
  auto framing = [](const std::string& headers) {
    Request r;
    parse_request_head("POST / HTTP/1.1\r\n" + headers + "\r\n", 1 << 16, r);
    return body_framing(r);
  };
  EXPECT_EQ(framing("Content-Length: 12\r\n").content_length, 12u);
  EXPECT_TRUE(framing("Transfer-Encoding: chunked\r\n").chunked);
  EXPECT_EQ(framing("Transfer-Encoding: gzip\r\n").error_status, 501);
  EXPECT_EQ(framing("Content-Length: -1\r\n").error_status, 400);
  EXPECT_EQ(framing("Content-Length: 1\r\nContent-Length: 2\r\n").error_status, 400);
  EXPECT_EQ(framing("Content-Length: 1\r\nContent-Length: 1\r\n").error_status, 0);
  EXPECT_EQ(framing("Content-Length: 1\r\nTransfer-Encoding: chunked\r\n").error_status, 400);
  EXPECT_EQ(framing("Content-Length: 99999999999999999999\r\n").error_status, 400);
}

TEST(Chunked, DecodesWithExtensionsAndTrailers) {
  const std::string body =
      "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\nNEXT";
  ChunkedDecoder d(1 << 20);
  std::string out;
  size_t used = 0;
  ASSERT_EQ(d.feed(body, used, out), ParseState::kDone) << d.error();
  EXPECT_EQ(out, "Wikipedia in\r\n\r\nchunks.");
  EXPECT_EQ(body.substr(used), "NEXT");
}

TEST(Chunked, ByteAtATimeEqualsAtOnce) {
  std::mt19937 rng(7);
  std::string payload, encoded;
  for (int i = 0; i < 20; ++i) {
    const std::string part(rng() % 40 + 1, static_cast<char>('a' + i));
    payload += part;
    char size[16];
    std::snprintf(size, sizeof(size), "%zX", part.size());
    encoded += std::string(size) + "\r\n" + part + "\r\n";
  }
  encoded += "0\r\n\r\n";
  ChunkedDecoder d(1 << 20);
  std::string out;
  ParseState s = ParseState::kIncomplete;
  for (size_t i = 0; i < encoded.size(); ++i) {
    size_t used = 0;
    s = d.feed(std::string_view(encoded).substr(i, 1), used, out);
    ASSERT_EQ(used, 1u);
    if (i + 1 < encoded.size()) {
      ASSERT_EQ(s, ParseState::kIncomplete) << i;
    }
  }
  EXPECT_EQ(s, ParseState::kDone);
  EXPECT_EQ(out, payload);
}

TEST(Chunked, Errors) {
  const std::pair<std::string, int> cases[] = {
      {"zz\r\n", 400}, {"4\r\nWikiXX\r\n", 400}, {"4\nWiki\r\n", 400}, {"1000\r\n", 413}};
  for (const auto& [data, status] : cases) {
    ChunkedDecoder d(100);
    std::string out;
    size_t used = 0;
    EXPECT_EQ(d.feed(data, used, out), ParseState::kError) << data;
    EXPECT_EQ(d.error_status(), status) << data;
  }
}

TEST(HttpHead, RandomBytesNeverCrash) {
  std::mt19937 rng(1);
  const std::string alphabet = "GET POST/ HTTP/1.1\r\n:abc\t\x01\x7f";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const size_t n = rng() % 80;
    for (size_t j = 0; j < n; ++j) s.push_back(alphabet[rng() % alphabet.size()]);
    Request r;
    const HeadResult h = parse_request_head(s, 64, r);
    if (h.state == ParseState::kDone) {
      (void)body_framing(r);
      EXPECT_LE(h.head_bytes, s.size());
    }
    ChunkedDecoder d(1000);
    std::string out;
    size_t used = 0;
    d.feed(s, used, out);
    EXPECT_LE(used, s.size());
  }
}

}  // namespace
}  // namespace owl::http
