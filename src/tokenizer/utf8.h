// UTF-8 helpers: decoding code points, validation, and a stream buffer that releases only
// complete UTF-8 sequences (for printing tokens one at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace owl {

namespace utf8 {

inline constexpr uint32_t kReplacement = 0xFFFD;

// Number of bytes of a well-formed sequence starting at s[i], or 0 if s[i..] does not start one
// (bad lead byte, bad continuation, overlong form, surrogate, > U+10FFFF, or truncated).
size_t valid_sequence_length(std::string_view s, size_t i);

// Decodes the code point at s[i] and advances i past it. An ill-formed byte decodes to U+FFFD
// and advances by one byte.
uint32_t decode(std::string_view s, size_t& i);

// Appends the UTF-8 encoding of cp (cp must be a valid scalar value).
void append(std::string& out, uint32_t cp);

bool is_valid(std::string_view s);

// s with every ill-formed byte replaced by U+FFFD (s itself when it is valid).
std::string sanitize(std::string_view s);

}  // namespace utf8

// Accumulates bytes (e.g. token pieces while streaming) and releases only complete UTF-8
// characters. Bytes that can never form a valid sequence are released as U+FFFD, so everything
// returned is valid UTF-8.
class Utf8StreamBuffer {
 public:
  // Adds bytes; returns the complete characters now available (possibly empty).
  std::string push(std::string_view bytes);
  // Releases whatever is held; an unfinished sequence becomes one U+FFFD.
  std::string flush();
  // Bytes of an unfinished sequence held back.
  size_t pending() const { return pending_.size(); }

 private:
  std::string pending_;
};

}  // namespace owl
