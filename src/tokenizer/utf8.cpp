// UTF-8 decoding, validation and the streaming buffer (RFC 3629 well-formedness rules).
#include "tokenizer/utf8.h"

namespace owl {
namespace utf8 {

namespace {

bool is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

// Length of the sequence a lead byte announces (0 for bytes that cannot lead).
size_t lead_length(uint8_t b) {
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;
}

// Whether the second byte is allowed after lead byte b (excludes overlongs, surrogates and
// code points above U+10FFFF, per the Unicode table of well-formed byte sequences).
bool second_ok(uint8_t b, uint8_t c) {
  if (!is_cont(c)) return false;
  if (b == 0xE0) return c >= 0xA0;
  if (b == 0xED) return c <= 0x9F;
  if (b == 0xF0) return c >= 0x90;
  if (b == 0xF4) return c <= 0x8F;
  return true;
}

// How many bytes of s[i..] could still be the start of a well-formed sequence that is merely
// cut short (0 when the bytes are already ill-formed or complete).
size_t incomplete_prefix(std::string_view s, size_t i) {
  uint8_t b = static_cast<uint8_t>(s[i]);
  size_t n = lead_length(b);
  if (n <= 1) return 0;
  size_t avail = s.size() - i;
  if (avail >= n) return 0;
  if (avail >= 2 && !second_ok(b, static_cast<uint8_t>(s[i + 1]))) return 0;
  for (size_t k = 2; k < avail; ++k) {
    if (!is_cont(static_cast<uint8_t>(s[i + k]))) return 0;
  }
  return avail;
}

}  // namespace

size_t valid_sequence_length(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  uint8_t b = static_cast<uint8_t>(s[i]);
  size_t n = lead_length(b);
  if (n <= 1) return n;
  if (i + n > s.size()) return 0;
  if (!second_ok(b, static_cast<uint8_t>(s[i + 1]))) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (!is_cont(static_cast<uint8_t>(s[i + k]))) return 0;
  }
  return n;
}

uint32_t decode(std::string_view s, size_t& i) {
  size_t n = valid_sequence_length(s, i);
  const auto* p = reinterpret_cast<const uint8_t*>(s.data() + i);
  uint32_t cp;
  switch (n) {
    case 1:
      cp = p[0];
      break;
    case 2:
      cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
      break;
    case 3:
      cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
      break;
    case 4:
      cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
      break;
    default:
      i += 1;
      return kReplacement;
  }
  i += n;
  return cp;
}

void append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_valid(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = valid_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string sanitize(std::string_view s) {
  if (is_valid(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    size_t n = valid_sequence_length(s, i);
    if (n == 0) {
      append(out, kReplacement);
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace utf8

std::string Utf8StreamBuffer::push(std::string_view bytes) {
  pending_.append(bytes);
  std::string out;
  size_t i = 0;
  std::string_view s = pending_;
  while (i < s.size()) {
    size_t n = utf8::valid_sequence_length(s, i);
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else if (utf8::incomplete_prefix(s, i) > 0) {
      break;  // wait for the rest of this character
    } else {
      utf8::append(out, utf8::kReplacement);
      ++i;
    }
  }
  pending_.erase(0, i);
  return out;
}

std::string Utf8StreamBuffer::flush() {
  std::string out = push("");
  if (!pending_.empty()) {
    utf8::append(out, utf8::kReplacement);
    pending_.clear();
  }
  return out;
}

}  // namespace owl
