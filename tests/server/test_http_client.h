// A blocking HTTP/1.1 test client over a raw socket: sends exact bytes, reads whole responses
// (Content-Length or chunked) so tests can check framing, keep-alive and disconnects.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace owl::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
  bool ok = false;                             // a whole response was read
};

class TestConnection {
 public:
  explicit TestConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~TestConnection() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  // Reads more bytes into the buffer; false on EOF/timeout.
  bool fill(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[8192];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }
  // True when the server closed the connection (EOF) within the timeout.
  bool closed_by_peer(int timeout_ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return true;
      buffer_.append(buf, static_cast<size_t>(n));
    }
    return false;
  }
  // Reads the head of a response (status line and headers).
  bool read_head(HttpReply& r, int timeout_ms) {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(timeout_ms)) return false;
    }
    const std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    r.status = std::stoi(head.substr(9, 3));
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos < head.size()) {
      const size_t next = head.find("\r\n", pos + 2);
      const std::string line =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      }
      pos = next;
    }
    return true;
  }
  // Reads one chunk of a chunked body; returns false at the end or on error. `data` gets it.
  bool read_chunk(std::string& data, int timeout_ms) {
    size_t eol;
    while ((eol = buffer_.find("\r\n")) == std::string::npos) {
      if (!fill(timeout_ms)) return false;
    }
    const size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
    while (buffer_.size() < eol + 2 + size + 2) {
      if (!fill(timeout_ms)) return false;
    }
    data = buffer_.substr(eol + 2, size);
    buffer_.erase(0, eol + 2 + size + 2);
    return size > 0;
  }
  HttpReply read_reply(int timeout_ms = 5000) {
    HttpReply r;
    if (!read_head(r, timeout_ms)) return r;
    if (r.headers.count("transfer-encoding")) {
      std::string chunk;
      while (read_chunk(chunk, timeout_ms)) r.body += chunk;
      r.ok = true;
      return r;
    }
    const size_t n =
        r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buffer_.size() < n) {
      if (!fill(timeout_ms)) return r;
    }
    r.body = buffer_.substr(0, n);
    buffer_.erase(0, n);
    r.ok = true;
    return r;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection ("Connection: close").
inline HttpReply http_request(int port, std::string_view method, std::string_view path,
                              std::string_view body = {}, std::string_view extra_headers = {}) {
  TestConnection c(port);
  std::string req = std::string(method) + " " + std::string(path) +
                    " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  req += extra_headers;
  if (!body.empty() || method == "POST") {
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n";
  req += body;
  c.send(req);
  return c.read_reply(20000);
}

}  // namespace owl::testing
