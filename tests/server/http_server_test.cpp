// HTTP server over real sockets: keep-alive, pipelining, chunked bodies both ways, limits
// (413/431/503), timeouts (408, idle close), client-disconnect detection while streaming.
#include "server/http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server/test_http_client.h"

namespace owl::http {
namespace {

using owl::testing::TestConnection;

class HttpServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.port = 0;
    server_ =
        std::make_unique<Server>(options, [this](const Request& r, Responder& w) { handle(r, w); });
    server_->start();
  }
  void handle(const Request& r, Responder& w) {
    if (r.path == "/echo") {
      w.send(200, "text/plain", r.method + ":" + r.body);
    } else if (r.path == "/stream") {
      w.begin_stream(200, "text/event-stream");
      for (int i = 0; i < 3; ++i) w.write("part" + std::to_string(i));
      w.end_stream();
    } else if (r.path == "/wait_disconnect") {
      w.begin_stream(200, "text/event-stream");
      w.write("first");
      const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (std::chrono::steady_clock::now() < end) {
        if (w.client_gone()) {
          saw_disconnect_ = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      w.end_stream();
    } else if (r.path == "/throw") {
      throw std::runtime_error("boom");
    } else {
      w.send(404, "text/plain", "nope");
    }
  }
  std::unique_ptr<Server> server_;
  std::atomic<bool> saw_disconnect_{false};
};

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  TestConnection c(server_->port());
  for (int i = 0; i < 3; ++i) {
    const std::string body = "hello" + std::to_string(i);
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
    const auto reply = c.read_reply();
    ASSERT_TRUE(reply.ok);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, "POST:" + body);
    EXPECT_EQ(reply.headers.at("connection"), "keep-alive");
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  start();
  TestConnection c(server_->port());
  c.send("POST /echo HTTP/1.1\r\nContent-Length: 1\r\n\r\nAGET /echo HTTP/1.1\r\n\r\n");
  EXPECT_EQ(c.read_reply().body, "POST:A");
  EXPECT_EQ(c.read_reply().body, "GET:");
}

TEST_F(HttpServerTest, ChunkedRequestBody) {
  start();
  TestConnection c(server_->port());
  c.send(
      "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  EXPECT_EQ(c.read_reply().body, "POST:abcde");
}

TEST_F(HttpServerTest, BodyTooLargeGets413AndClose) {
  ServerOptions o;
  o.max_body_bytes = 100;
  start(o);
  TestConnection c(server_->port());
  c.send("POST /echo HTTP/1.1\r\nContent-Length: 101\r\n\r\n");
  const auto reply = c.read_reply();
  EXPECT_EQ(reply.status, 413);
  EXPECT_NE(reply.body.find("\"error\""), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer(2000));
  TestConnection d(server_->port());
  d.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n");
  EXPECT_EQ(d.read_reply().status, 413);
}

TEST_F(HttpServerTest, HeadTooLargeGets431) {
  ServerOptions o;
  o.max_head_bytes = 256;
  start(o);
  TestConnection c(server_->port());
  c.send("GET /echo HTTP/1.1\r\nX: " + std::string(400, 'a') + "\r\n\r\n");
  EXPECT_EQ(c.read_reply().status, 431);
}

TEST_F(HttpServerTest, ExpectContinue) {
  start();
  TestConnection c(server_->port());
  c.send("POST /echo HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  owl::testing::HttpReply interim;
  ASSERT_TRUE(c.read_head(interim, 2000));
  EXPECT_EQ(interim.status, 100);
  c.send("ok");
  EXPECT_EQ(c.read_reply().body, "POST:ok");
}

TEST_F(HttpServerTest, StreamsChunks) {
  start();
  TestConnection c(server_->port());
  c.send("GET /stream HTTP/1.1\r\n\r\n");
  owl::testing::HttpReply head;
  ASSERT_TRUE(c.read_head(head, 2000));
  EXPECT_EQ(head.headers.at("transfer-encoding"), "chunked");
  std::string chunk, all;
  while (c.read_chunk(chunk, 2000)) all += chunk + "|";
  EXPECT_EQ(all, "part0|part1|part2|");
  c.send("GET /echo HTTP/1.1\r\n\r\n");  // still usable after the stream
  EXPECT_EQ(c.read_reply().body, "GET:");
}

TEST_F(HttpServerTest, DetectsClientDisconnectWhileStreaming) {
  start();
  {
    TestConnection c(server_->port());
    c.send("GET /wait_disconnect HTTP/1.1\r\n\r\n");
    owl::testing::HttpReply head;
    ASSERT_TRUE(c.read_head(head, 2000));
    std::string chunk;
    ASSERT_TRUE(c.read_chunk(chunk, 2000));
    EXPECT_EQ(chunk, "first");
  }  // closes the socket
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!saw_disconnect_ && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(saw_disconnect_);
}

TEST_F(HttpServerTest, SlowRequestGets408) {
  ServerOptions o;
  o.request_timeout_s = 0.3;
  start(o);
  TestConnection c(server_->port());
  c.send("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  const auto reply = c.read_reply(3000);
  EXPECT_EQ(reply.status, 408);
  EXPECT_TRUE(c.closed_by_peer(2000));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions o;
  o.idle_timeout_s = 0.3;
  start(o);
  TestConnection c(server_->port());
  c.send("GET /echo HTTP/1.1\r\n\r\n");
  EXPECT_EQ(c.read_reply().status, 200);
  EXPECT_TRUE(c.closed_by_peer(3000));
}

TEST_F(HttpServerTest, TooManyConnectionsGet503) {
  ServerOptions o;
  o.max_connections = 2;
  start(o);
  TestConnection a(server_->port()), b(server_->port());
  a.send("GET /echo HTTP/1.1\r\n\r\n");
  b.send("GET /echo HTTP/1.1\r\n\r\n");
  ASSERT_EQ(a.read_reply().status, 200);
  ASSERT_EQ(b.read_reply().status, 200);
  TestConnection c(server_->port());
  EXPECT_EQ(c.read_reply().status, 503);
  a.close();
  b.close();
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (server_->active_connections() > 0 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  TestConnection d(server_->port());
  d.send("GET /echo HTTP/1.1\r\n\r\n");
  EXPECT_EQ(d.read_reply().status, 200);
}

TEST_F(HttpServerTest, HandlerExceptionGives500AndServerLives) {
  start();
  EXPECT_EQ(owl::testing::http_request(server_->port(), "GET", "/throw").status, 500);
  EXPECT_EQ(owl::testing::http_request(server_->port(), "GET", "/echo").status, 200);
}

TEST_F(HttpServerTest, MalformedRequestGets400) {
  start();
  TestConnection c(server_->port());
  c.send("BROKEN\r\n\r\n");
  EXPECT_EQ(c.read_reply().status, 400);
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsPromptly) {
  start();
  TestConnection c(server_->port());
  c.send("GET /echo HTTP/1.1\r\n\r\n");
  ASSERT_EQ(c.read_reply().status, 200);
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_TRUE(c.closed_by_peer(1000));
}

}  // namespace
}  // namespace owl::http
