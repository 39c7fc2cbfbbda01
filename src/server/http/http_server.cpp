// HTTP/1.1 server over POSIX sockets: accept loop, per-connection threads, response writing.
#include "server/http/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/error.h"
#include "base/log.h"

namespace owl::http {
namespace {

using Clock = std::chrono::steady_clock;

int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

Clock::time_point after(double seconds) {
  return Clock::now() + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

std::string error_body(int status, std::string_view message) {
  // Same shape as the OpenAI errors the API layer sends, for errors raised before routing.
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) escaped.push_back(c);
  }
  const char* type = status >= 500 ? "server_error" : "invalid_request_error";
  return "{\"error\": {\"message\": \"" + escaped + "\", \"type\": \"" + type +
         "\", \"param\": null, \"code\": null}}";
}

}  // namespace

Responder::Responder(int fd, const ServerOptions& options, bool keep_alive, bool head_only)
    : fd_(fd), options_(options), keep_alive_(keep_alive), head_only_(head_only) {}

bool Responder::write_all(std::string_view data) {
  if (failed_) return false;
  const auto deadline = after(options_.write_timeout_s);
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      const int wait = ms_until(deadline);
      if (wait > 0 && ::poll(&p, 1, wait) > 0 && !(p.revents & (POLLERR | POLLHUP))) continue;
    }
    failed_ = true;
    return false;
  }
  return true;
}

std::string Responder::head(int status, std::string_view content_type, const Headers& extra) const {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " " + std::string(status_reason(status)) +
                  "\r\nServer: owl\r\n";
  if (!content_type.empty()) h += "Content-Type: " + std::string(content_type) + "\r\n";
  for (const auto& [k, v] : extra) h += k + ": " + v + "\r\n";
  h += keep_alive_ ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  return h;
}

bool Responder::send(int status, std::string_view content_type, std::string_view body,
                     const Headers& extra) {
  if (state_ != State::kNone) return false;
  state_ = State::kDone;
  status_ = status;
  std::string out = head(status, content_type, extra);
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (!head_only_) out += body;
  return write_all(out);
}

bool Responder::begin_stream(int status, std::string_view content_type, const Headers& extra) {
  if (state_ != State::kNone) return false;
  state_ = State::kStreaming;
  status_ = status;
  return write_all(head(status, content_type, extra) + "Transfer-Encoding: chunked\r\n\r\n");
}

bool Responder::write(std::string_view data) {
  if (state_ != State::kStreaming) return false;
  if (data.empty()) return !failed_;  // a zero-length chunk would end the body
  char size[32];
  const int len = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  std::string chunk(size, static_cast<size_t>(len));
  chunk.append(data);
  chunk += "\r\n";
  return write_all(chunk);
}

bool Responder::end_stream() {
  if (state_ != State::kStreaming) return false;
  state_ = State::kDone;
  return write_all("0\r\n\r\n");
}

bool Responder::client_gone() {
  if (failed_) return true;
  pollfd p{fd_, static_cast<short>(POLLIN | POLLRDHUP), 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL)) return true;
  if (p.revents & POLLIN) {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return true;  // orderly shutdown by the peer
  }
  return false;
}

Server::Server(ServerOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

Server::~Server() { stop(); }

void Server::start() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  const int rc = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) fail("serve: cannot resolve host {}: {}", options_.host, ::gai_strerror(rc));
  std::string error = "no address";
  for (addrinfo* a = found; a != nullptr && listen_fd_ < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 128) == 0) {
      listen_fd_ = fd;
    } else {
      error = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0)
    fail("serve: cannot listen on {}:{}: {}", options_.host, options_.port, error);
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  stopping_ = false;
  accept_thread_ = std::thread([this] { accept_loop(); });
}

void Server::stop() {
  if (listen_fd_ < 0) return;
  stopping_ = true;
  if (accept_thread_.joinable()) accept_thread_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
  std::unique_lock lock(mutex_);
  // Wake connection threads blocked on their sockets; handlers see client_gone().
  for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  idle_cv_.wait(lock, [this] { return active_.load() == 0; });
}

void Server::reject(int fd, int status, std::string_view message) {
  Responder r(fd, options_, false, false);
  r.send(status, "application/json", error_body(status, message));
}

void Server::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (active_.load() >= options_.max_connections) {
      reject(fd, 503, "too many open connections");
      ::close(fd);
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      open_fds_.insert(fd);
      active_.fetch_add(1);
    }
    std::thread([this, fd] { serve_connection(fd); }).detach();
  }
}

void Server::serve_connection(int fd) {
  std::string buffer;  // bytes read but not yet consumed (pipelined requests stay here)
  bool first = true;
  while (!stopping_) {
    Request request;
    if (!read_request(fd, buffer, request, first)) break;
    first = false;
    Responder responder(fd, options_, request.keep_alive() && !stopping_, request.method == "HEAD");
    try {
      handler_(request, responder);
    } catch (const std::exception& e) {
      OWL_LOG_WARN("http: handler failed on {}: {}", request.path, e.what());
      if (!responder.responded())
        responder.send(500, "application/json", error_body(500, e.what()));
    }
    if (!responder.responded()) {
      responder.send(500, "application/json", error_body(500, "no response"));
    }
    if (!responder.keep_alive() || !responder.complete()) break;
  }
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
  std::lock_guard lock(mutex_);
  open_fds_.erase(fd);
  active_.fetch_sub(1);
  idle_cv_.notify_all();
}

bool Server::read_request(int fd, std::string& buffer, Request& request, bool first) {
  // Until the first byte of a request arrives the idle timeout applies (the first request on a
  // new connection gets the request timeout), then the whole request must arrive in time.
  auto deadline = after(first ? options_.request_timeout_s : options_.idle_timeout_s);
  bool started = !buffer.empty();
  if (started) deadline = after(options_.request_timeout_s);
  HeadResult head;
  size_t need = 0;  // total bytes of head + Content-Length body
  BodyFraming framing;
  ChunkedDecoder chunked(options_.max_body_bytes);
  size_t chunk_pos = 0;  // next byte of buffer for the chunked decoder
  for (;;) {
    if (head.state != ParseState::kDone) {
      head = parse_request_head(buffer, options_.max_head_bytes, request);
      if (head.state == ParseState::kError) {
        reject(fd, head.error_status, head.error);
        return false;
      }
      if (head.state == ParseState::kDone) {
        framing = body_framing(request);
        if (framing.error_status != 0) {
          reject(fd, framing.error_status, framing.error);
          return false;
        }
        if (!framing.chunked && framing.content_length > options_.max_body_bytes) {
          reject(fd, 413,
                 "request body too large (limit " + std::to_string(options_.max_body_bytes) +
                     " bytes)");
          return false;
        }
        const std::string* expect = request.header("expect");
        if (expect != nullptr && (*expect == "100-continue" || *expect == "100-Continue")) {
          Responder cont(fd, options_, true, false);
          if (!cont.write_raw("HTTP/1.1 100 Continue\r\n\r\n")) return false;
        }
        need = head.head_bytes + static_cast<size_t>(framing.content_length);
        chunk_pos = head.head_bytes;
      }
    }
    if (head.state == ParseState::kDone) {
      if (framing.chunked) {
        size_t used = 0;
        const ParseState s =
            chunked.feed(std::string_view(buffer).substr(chunk_pos), used, request.body);
        chunk_pos += used;
        if (s == ParseState::kError) {
          reject(fd, chunked.error_status(), chunked.error());
          return false;
        }
        if (s == ParseState::kDone) {
          buffer.erase(0, chunk_pos);
          return true;
        }
      } else if (buffer.size() >= need) {
        request.body = buffer.substr(head.head_bytes, need - head.head_bytes);
        buffer.erase(0, need);
        return true;
      }
    }
    if (stopping_) return false;
    pollfd p{fd, POLLIN, 0};
    const int wait = std::min(ms_until(deadline), 200);
    if (wait == 0 && ms_until(deadline) == 0) {
      if (started) reject(fd, 408, "request timed out");
      return false;
    }
    if (::poll(&p, 1, wait) <= 0) continue;
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return false;
    }
    if (!started) {
      started = true;
      deadline = after(options_.request_timeout_s);
    }
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace owl::http
