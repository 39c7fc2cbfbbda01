// HTTP/1.1 request parsing (RFC 9112): the request head, Content-Length and chunked bodies.
// Pure functions over bytes so they can be unit-tested and fuzzed without sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace owl::http {

struct Request {
  std::string method;     // "GET", "POST", ...
  std::string target;     // as sent: "/v1/models?x=1"
  std::string path;       // target without the query: "/v1/models"
  std::string query;      // after '?', not decoded
  int version_minor = 1;  // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::string body;

  // First header with this (lower-case) name, or nullptr.
  const std::string* header(std::string_view name) const;
  // HTTP/1.1 keeps the connection unless "Connection: close"; HTTP/1.0 needs "keep-alive".
  bool keep_alive() const;
};

enum class ParseState { kIncomplete, kDone, kError };

struct HeadResult {
  ParseState state = ParseState::kIncomplete;
  size_t head_bytes = 0;   // bytes of the head including the blank line (kDone)
  int error_status = 400;  // HTTP status to answer with (kError)
  std::string error;       // what is wrong (kError)
};

// Parses the request line and headers at the start of `data`. Needs the whole head (up to and
// including CRLF CRLF); answers kIncomplete until then, or kError(431) past max_head_bytes.
HeadResult parse_request_head(std::string_view data, size_t max_head_bytes, Request& out);

// How the body is framed, from the parsed headers.
struct BodyFraming {
  bool chunked = false;
  uint64_t content_length = 0;
  int error_status = 0;  // non-zero: the framing headers are invalid (400/501)
  std::string error;
};
BodyFraming body_framing(const Request& request);

// Incremental decoder of a chunked body (RFC 9112 section 7.1). Trailers are read and dropped.
class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(size_t max_body_bytes) : max_body_(max_body_bytes) {}
  // Consumes bytes from `in`, appending decoded data to `out`. Returns kDone after the last
  // chunk and its trailers (`consumed` then says where the next request starts), kError on a
  // malformed chunk (error_status() 400) or a body over the limit (413).
  ParseState feed(std::string_view in, size_t& consumed, std::string& out);
  int error_status() const { return error_status_; }
  const std::string& error() const { return error_; }

 private:
  enum class Phase { kSize, kData, kDataEnd, kTrailer, kDone };
  ParseState set_error(int status, std::string message);

  size_t max_body_;
  Phase phase_ = Phase::kSize;
  uint64_t remaining_ = 0;  // bytes left in the current chunk
  std::string line_;        // partial size or trailer line
  uint64_t total_ = 0;
  int error_status_ = 400;
  std::string error_;
};

// "200 OK" style reason phrase for the statuses the server sends.
std::string_view status_reason(int status);

}  // namespace owl::http
