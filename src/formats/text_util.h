// Small text helpers for error messages about untrusted input.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace owl::formats {

// s with non-printable bytes escaped as \xNN and cut after max_bytes (names from corrupt files
// can hold anything).
inline std::string printable(std::string_view s, size_t max_bytes = 120) {
  std::string out;
  size_t n = std::min(s.size(), max_bytes);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < s.size()) out += "...";
  return out;
}

}  // namespace owl::formats
