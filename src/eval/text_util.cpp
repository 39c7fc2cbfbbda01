// String helpers for the answer extractors and graders.
#include "eval/text_util.h"

namespace owl::eval {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim_view(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string trim(std::string_view s) { return std::string(trim_view(s)); }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out.append(to);
    pos = hit + from.size();
  }
  if (pos == 0) return;
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

size_t count_of(std::string_view s, std::string_view needle) {
  if (needle.empty()) return 0;
  size_t n = 0;
  for (size_t pos = s.find(needle); pos != std::string_view::npos;
       pos = s.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

size_t match_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
      ++i;  // \{ and \} are literal braces (sets), not grouping
      continue;
    }
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i + 1;
  }
  return std::string_view::npos;
}

namespace {

// The box argument starting at s[pos] (just after the macro name), if well-formed.
std::optional<std::string> box_argument(std::string_view s, size_t pos) {
  if (pos < s.size() && s[pos] == '{') {
    const size_t end = match_brace(s, pos);
    if (end == std::string_view::npos) return std::nullopt;
    return std::string(s.substr(pos + 1, end - pos - 2));
  }
  // "\boxed 5" form: the argument runs to the next '$' or line end.
  if (pos < s.size() && s[pos] == ' ') {
    size_t end = pos;
    while (end < s.size() && s[end] != '$' && s[end] != '\n') ++end;
    std::string arg = trim(s.substr(pos, end - pos));
    if (arg.empty()) return std::nullopt;
    return arg;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> last_boxed(std::string_view text) {
  static constexpr std::string_view kMacros[] = {"\\boxed", "\\fbox", "\\framebox"};
  // Candidates from the end backwards; the first well-formed one wins.
  size_t limit = text.size();
  while (true) {
    size_t best = std::string_view::npos;
    std::string_view best_macro;
    for (std::string_view m : kMacros) {
      const size_t pos = text.rfind(m, limit == 0 ? 0 : limit - 1);
      if (pos != std::string_view::npos && pos < limit &&
          (best == std::string_view::npos || pos > best)) {
        best = pos;
        best_macro = m;
      }
    }
    if (best == std::string_view::npos) return std::nullopt;
    const size_t after = best + best_macro.size();
    // "\boxedfoo" is a different macro.
    if (after >= text.size() || !is_alpha(text[after])) {
      if (auto arg = box_argument(text, after)) return arg;
    }
    if (best == 0) return std::nullopt;
    limit = best;
  }
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    if (c < 0x80) {
      len = 1;
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      len = 4;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok && len == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

}  // namespace owl::eval
