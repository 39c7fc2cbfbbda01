// A small HTTP/1.1 server on POSIX sockets: one thread per connection (bounded), keep-alive,
// chunked streaming with client-disconnect detection, body-size limit, request timeouts.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "server/http/http_message.h"

namespace owl::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                    // 0: pick a free port (see HttpServer::port())
  size_t max_body_bytes = 16u << 20;  // larger bodies get 413
  size_t max_head_bytes = 64u << 10;  // larger heads get 431
  int max_connections = 64;           // more simultaneous connections get 503 and close
  double request_timeout_s = 30.0;    // a whole request (head + body) must arrive in this
  double idle_timeout_s = 15.0;       // keep-alive connection idle time before closing
  double write_timeout_s = 30.0;      // a blocked write to the client gives up after this
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Writes one response on a connection. Either send() once, or begin_stream(), write() any
// number of times, then end_stream(). Used from the connection's thread only.
class Responder {
 public:
  Responder(int fd, const ServerOptions& options, bool keep_alive, bool head_only);

  // A whole response with Content-Length.
  bool send(int status, std::string_view content_type, std::string_view body,
            const Headers& extra = {});
  // Starts a chunked response (Transfer-Encoding: chunked).
  bool begin_stream(int status, std::string_view content_type, const Headers& extra = {});
  // One chunk; false once the client is gone or a write timed out.
  bool write(std::string_view data);
  bool end_stream();

  // True when the peer closed or reset the connection (checked without blocking).
  bool client_gone();
  bool responded() const { return state_ != State::kNone; }
  // The response was fully written (a stream left open means the connection must close).
  bool complete() const { return state_ == State::kDone && !failed_; }
  // Raw bytes outside any response (the interim "100 Continue").
  bool write_raw(std::string_view data) { return write_all(data); }
  bool keep_alive() const { return keep_alive_ && !failed_; }
  int status() const { return status_; }

 private:
  enum class State { kNone, kStreaming, kDone };
  bool write_all(std::string_view data);
  std::string head(int status, std::string_view content_type, const Headers& extra) const;

  int fd_;
  const ServerOptions& options_;
  bool keep_alive_;
  bool head_only_;
  bool failed_ = false;
  int status_ = 0;
  State state_ = State::kNone;
};

using Handler = std::function<void(const Request&, Responder&)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens (throws owl::Error naming host:port on failure), then accepts on a
  // background thread.
  void start();
  // Stops accepting, shuts down open connections and waits for their threads.
  void stop();
  int port() const { return port_; }
  int active_connections() const { return active_.load(); }

 private:
  void accept_loop();
  void serve_connection(int fd);
  // Reads one request; false when the connection should close (timeout, EOF, error answered).
  bool read_request(int fd, std::string& buffer, Request& request, bool first);
  void reject(int fd, int status, std::string_view message);

  ServerOptions options_;
  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> active_{0};
  std::thread accept_thread_;
  std::mutex mutex_;
  std::condition_variable idle_cv_;
  std::set<int> open_fds_;  // connections being served (guarded by mutex_)
};

}  // namespace owl::http
