// HTTP/1.1 request head and body-framing parser (RFC 9112), strict about what it accepts.
#include "server/http/http_message.h"

#include <algorithm>
#include <cctype>

namespace owl::http {
namespace {

// RFC 9110 section 5.6.2: token characters.
bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HeadResult head_error(int status, std::string message) {
  HeadResult r;
  r.state = ParseState::kError;
  r.error_status = status;
  r.error = std::move(message);
  return r;
}

bool parse_request_line(std::string_view line, Request& out, std::string& error) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) {
    error = "malformed request line";
    return false;
  }
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    error = "malformed request line";
    return false;
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!std::all_of(method.begin(), method.end(), is_tchar)) {
    error = "invalid method";
    return false;
  }
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      error = "invalid character in request target";
      return false;
    }
  }
  if (version.find(' ') != std::string_view::npos) {
    error = "malformed request line";
    return false;
  }
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || version[7] < '0' ||
      version[7] > '9') {
    error = "unsupported HTTP version";
    return false;
  }
  out.method = std::string(method);
  out.target = std::string(target);
  const size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  out.query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  out.version_minor = version[7] - '0';
  return true;
}

bool parse_header_line(std::string_view line, Request& out, std::string& error) {
  if (line.front() == ' ' || line.front() == '\t') {
    error = "obsolete header line folding";
    return false;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    error = "malformed header line";
    return false;
  }
  const std::string_view name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), is_tchar)) {
    error = "invalid header name";
    return false;
  }
  const std::string_view value = trim_ows(line.substr(colon + 1));
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      error = "invalid character in header value";
      return false;
    }
  }
  out.headers.emplace_back(lower(name), std::string(value));
  return true;
}

}  // namespace

const std::string* Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

bool Request::keep_alive() const {
  const std::string* connection = header("connection");
  const std::string value = connection ? lower(*connection) : std::string();
  if (value.find("close") != std::string::npos) return false;
  if (version_minor == 0) return value.find("keep-alive") != std::string::npos;
  return true;
}

HeadResult parse_request_head(std::string_view data, size_t max_head_bytes, Request& out) {
  // RFC 9112 section 2.2: ignore at least one empty line before the request line.
  size_t start = 0;
  while (data.substr(start, 2) == "\r\n") start += 2;
  const size_t end = data.find("\r\n\r\n", start);
  if (end == std::string_view::npos) {
    if (data.size() > max_head_bytes) return head_error(431, "request head too large");
    return {};
  }
  if (end + 4 > max_head_bytes) return head_error(431, "request head too large");
  out = Request();
  const std::string_view head = data.substr(start, end - start);
  std::string error;
  size_t pos = 0;
  bool first = true;
  while (pos <= head.size()) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = head.size();
    const std::string_view line = head.substr(pos, eol - pos);
    if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
      return head_error(400, "bare CR or LF in request head");
    }
    if (first) {
      if (!parse_request_line(line, out, error)) {
        return head_error(error == "unsupported HTTP version" ? 505 : 400, error);
      }
      first = false;
    } else if (!parse_header_line(line, out, error)) {
      return head_error(400, error);
    }
    pos = eol + 2;
  }
  HeadResult r;
  r.state = ParseState::kDone;
  r.head_bytes = end + 4;
  return r;
}

BodyFraming body_framing(const Request& request) {
  BodyFraming f;
  bool has_length = false;
  bool has_te = false;
  for (const auto& [name, value] : request.headers) {
    if (name == "transfer-encoding") {
      has_te = true;
      if (lower(value) != "chunked") {
        f.error_status = 501;
        f.error = "unsupported transfer-encoding: " + value;
        return f;
      }
      f.chunked = true;
    } else if (name == "content-length") {
      if (value.empty() || value.size() > 15 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        f.error_status = 400;
        f.error = "invalid content-length";
        return f;
      }
      const uint64_t n = std::stoull(value);
      if (has_length && n != f.content_length) {
        f.error_status = 400;
        f.error = "conflicting content-length headers";
        return f;
      }
      has_length = true;
      f.content_length = n;
    }
  }
  if (has_te && has_length) {
    // RFC 9112 section 6.3: a message with both is a smuggling risk; refuse it.
    f.error_status = 400;
    f.error = "both transfer-encoding and content-length";
  }
  return f;
}

ParseState ChunkedDecoder::set_error(int status, std::string message) {
  error_status_ = status;
  error_ = std::move(message);
  return ParseState::kError;
}

ParseState ChunkedDecoder::feed(std::string_view in, size_t& consumed, std::string& out) {
  consumed = 0;
  while (consumed < in.size()) {
    if (phase_ == Phase::kData) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - consumed));
      out.append(in.substr(consumed, take));
      consumed += take;
      remaining_ -= take;
      if (remaining_ == 0) phase_ = Phase::kDataEnd;
      continue;
    }
    // The other phases read CRLF-terminated lines.
    const char c = in[consumed++];
    if (line_.size() > 4096) return set_error(400, "chunk line too long");
    if (c != '\n') {
      line_.push_back(c);
      continue;
    }
    if (line_.empty() || line_.back() != '\r') return set_error(400, "bare LF in chunked body");
    line_.pop_back();
    std::string line = std::move(line_);
    line_.clear();
    switch (phase_) {
      case Phase::kSize: {
        const std::string_view digits = std::string_view(line).substr(0, line.find(';'));
        const std::string_view hex = trim_ows(digits);
        if (hex.empty() || hex.size() > 12 || !std::all_of(hex.begin(), hex.end(), [](char h) {
              return std::isxdigit(static_cast<unsigned char>(h));
            })) {
          return set_error(400, "invalid chunk size");
        }
        remaining_ = std::stoull(std::string(hex), nullptr, 16);
        total_ += remaining_;
        if (total_ > max_body_) return set_error(413, "request body too large");
        phase_ = remaining_ == 0 ? Phase::kTrailer : Phase::kData;
        break;
      }
      case Phase::kDataEnd:
        if (!line.empty()) return set_error(400, "missing CRLF after chunk data");
        phase_ = Phase::kSize;
        break;
      case Phase::kTrailer:
        if (line.empty()) {
          phase_ = Phase::kDone;
          return ParseState::kDone;
        }
        break;
      default:
        return set_error(400, "data after the end of the chunked body");
    }
  }
  return phase_ == Phase::kDone ? ParseState::kDone : ParseState::kIncomplete;
}

std::string_view status_reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace owl::http
