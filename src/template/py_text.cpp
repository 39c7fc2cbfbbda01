// Python text semantics over UTF-8 (see py_text.h). Case tables follow Unicode's simple mappings
// for Latin, Greek, Cyrillic, Armenian and fullwidth forms, which is what CPython applies there.
#include "template/py_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace owl::tmpl {

namespace {

// Length of the UTF-8 sequence starting at s[i] (0 if invalid), and its code point.
int utf8_sequence(std::string_view s, size_t i, char32_t* cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  const int n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  char32_t v = c & (0x7f >> n);
  for (int k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    v = (v << 6) | (cc & 0x3f);
  }
  static const char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || v > 0x10ffff) return 0;
  *cp = v;
  return n;
}

}  // namespace

std::u32string utf8_decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    const int n = utf8_sequence(s, i, &cp);
    out.push_back(n == 0 ? 0xFFFD : cp);
    i += n == 0 ? 1 : n;
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

std::string utf8_encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool utf8_valid(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    const int n = utf8_sequence(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t utf8_offset(std::string_view s, size_t cp) {
  size_t i = 0;
  while (i < s.size() && cp > 0) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) ++i;
    --cp;
  }
  return i;
}

bool py_isspace(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
         c == 0x205f || c == 0x3000;
}

namespace {

bool in(char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; }

// Pair blocks where the upper case letter sits at an even (or odd) offset and the lower follows.
bool pair_upper_even(char32_t c) {
  return in(c, 0x100, 0x12f) || in(c, 0x132, 0x137) || in(c, 0x14a, 0x177) || in(c, 0x1de, 0x1ef) ||
         in(c, 0x1f8, 0x21f) || in(c, 0x222, 0x233) || in(c, 0x3d8, 0x3ef) || in(c, 0x460, 0x481) ||
         in(c, 0x48a, 0x4bf) || in(c, 0x4d0, 0x52f) || in(c, 0x1e00, 0x1e95) ||
         in(c, 0x1ea0, 0x1eff);
}
bool pair_upper_odd(char32_t c) {
  return in(c, 0x139, 0x148) || in(c, 0x179, 0x17e) || in(c, 0x1cd, 0x1dc) || in(c, 0x4c1, 0x4ce);
}

}  // namespace

std::u32string upper_cp(char32_t c) {
  if (c < 0x80) return {(c >= 'a' && c <= 'z') ? c - 32 : c};
  if (c == 0xb5) return {0x39c};
  if (c == 0xdf) return U"SS";
  if (in(c, 0xe0, 0xfe) && c != 0xf7) return {c - 32};
  if (c == 0xff) return {0x178};
  if (c == 0x131) return U"I";
  if (c == 0x17f) return U"S";
  if (pair_upper_even(c)) return {(c % 2 == 1) ? c - 1 : c};
  if (pair_upper_odd(c)) return {(c % 2 == 0) ? c - 1 : c};
  if (in(c, 0x3b1, 0x3c1) || in(c, 0x3c3, 0x3cb)) return {c - 32};
  if (c == 0x3c2) return {0x3a3};
  if (c == 0x3ac) return {0x386};
  if (in(c, 0x3ad, 0x3af)) return {c - 37};
  if (c == 0x3cc) return {0x38c};
  if (in(c, 0x3cd, 0x3ce)) return {c - 63};
  if (in(c, 0x430, 0x44f)) return {c - 32};
  if (in(c, 0x450, 0x45f)) return {c - 80};
  if (c == 0x4cf) return {0x4c0};
  if (in(c, 0x561, 0x586)) return {c - 48};
  if (in(c, 0xff41, 0xff5a)) return {c - 32};
  if (in(c, 0x10428, 0x1044f)) return {c - 40};
  return {c};
}

std::u32string lower_cp(char32_t c) {
  if (c < 0x80) return {(c >= 'A' && c <= 'Z') ? c + 32 : c};
  if (in(c, 0xc0, 0xde) && c != 0xd7) return {c + 32};
  if (c == 0x130) return {0x69, 0x307};
  if (c == 0x178) return {0xff};
  if (c == 0x1e9e) return {0xdf};
  if (pair_upper_even(c)) return {(c % 2 == 0) ? c + 1 : c};
  if (pair_upper_odd(c)) return {(c % 2 == 1) ? c + 1 : c};
  if (in(c, 0x391, 0x3a1) || in(c, 0x3a3, 0x3ab)) return {c + 32};
  if (c == 0x386) return {0x3ac};
  if (in(c, 0x388, 0x38a)) return {c + 37};
  if (c == 0x38c) return {0x3cc};
  if (in(c, 0x38e, 0x38f)) return {c + 63};
  if (in(c, 0x410, 0x42f)) return {c + 32};
  if (in(c, 0x400, 0x40f)) return {c + 80};
  if (c == 0x4c0) return {0x4cf};
  if (in(c, 0x531, 0x556)) return {c + 48};
  if (in(c, 0xff21, 0xff3a)) return {c + 32};
  if (in(c, 0x10400, 0x10427)) return {c + 40};
  return {c};
}

bool py_iscased_upper(char32_t c) {
  auto l = lower_cp(c);
  return l.size() != 1 || l[0] != c;
}

bool py_iscased_lower(char32_t c) {
  if (c == 0xdf || c == 0xaa || c == 0xba) return c == 0xdf;
  auto u = upper_cp(c);
  return u.size() != 1 || u[0] != c;
}

bool py_isalpha(char32_t c) {
  if (c < 0x80) return (c | 32) >= 'a' && (c | 32) <= 'z';
  if (py_iscased_upper(c) || py_iscased_lower(c)) return true;
  return c == 0xaa || c == 0xba || in(c, 0xc0, 0xd6) || in(c, 0xd8, 0xf6) || in(c, 0xf8, 0x2c1) ||
         in(c, 0x2c6, 0x2d1) || in(c, 0x370, 0x373) ||
         (in(c, 0x386, 0x3ff) && c != 0x387 && c != 0x38b && c != 0x38d && c != 0x3a2 &&
          c != 0x3f6) ||
         in(c, 0x400, 0x481) || in(c, 0x48a, 0x52f) || in(c, 0x531, 0x556) || in(c, 0x561, 0x587) ||
         in(c, 0x5d0, 0x5ea) || in(c, 0x620, 0x64a) || in(c, 0x671, 0x6d3) || in(c, 0x904, 0x939) ||
         in(c, 0x958, 0x961) || in(c, 0xe01, 0xe30) || in(c, 0xe40, 0xe46) ||
         in(c, 0x10a0, 0x10ff) || in(c, 0x1100, 0x11ff) || in(c, 0x1e00, 0x1fbc) ||
         in(c, 0x3041, 0x3096) || in(c, 0x309d, 0x309f) || in(c, 0x30a1, 0x30fa) ||
         in(c, 0x30fc, 0x30ff) || in(c, 0x3131, 0x318e) || in(c, 0x3400, 0x4dbf) ||
         in(c, 0x4e00, 0x9fff) || in(c, 0xac00, 0xd7a3) || in(c, 0xf900, 0xfaff) ||
         in(c, 0xff66, 0xff9d) || in(c, 0x20000, 0x3134a);
}

bool py_isdecimal(char32_t c) {
  return in(c, '0', '9') || in(c, 0x660, 0x669) || in(c, 0x6f0, 0x6f9) || in(c, 0x966, 0x96f) ||
         in(c, 0x9e6, 0x9ef) || in(c, 0xe50, 0xe59) || in(c, 0xff10, 0xff19);
}

bool py_isdigit(char32_t c) {
  return py_isdecimal(c) || c == 0xb2 || c == 0xb3 || c == 0xb9 || c == 0x2070 ||
         in(c, 0x2074, 0x2079) || in(c, 0x2080, 0x2089) || in(c, 0x2460, 0x2468);
}

bool py_isnumeric(char32_t c) {
  static const char32_t kCjk[] = {0x3007, 0x4e00, 0x4e8c, 0x4e09, 0x56db, 0x4e94, 0x516d, 0x4e03,
                                  0x516b, 0x4e5d, 0x5341, 0x767e, 0x5343, 0x4e07, 0x5104, 0x96f6};
  if (py_isdigit(c) || in(c, 0xbc, 0xbe) || in(c, 0x2150, 0x218b)) return true;
  for (char32_t k : kCjk) {
    if (c == k) return true;
  }
  return false;
}

bool py_isprintable(char32_t c) {
  if (c < 0x20 || in(c, 0x7f, 0xa0)) return false;
  if (c == 0xad || c == 0x1680 || in(c, 0x2000, 0x200f) || in(c, 0x2028, 0x202f) ||
      in(c, 0x205f, 0x2064) || in(c, 0x2066, 0x206f) || c == 0x3000 || c == 0xfeff ||
      in(c, 0xfff9, 0xfffb) || c == 0xfffe || c == 0xffff || in(c, 0xd800, 0xf8ff) ||
      in(c, 0xfdd0, 0xfdef) || in(c, 0x600, 0x605) || c == 0x61c || c == 0x6dd || c == 0x70f ||
      c == 0x180e || in(c, 0xe0000, 0xe0fff) || c >= 0xf0000) {
    return false;
  }
  return true;
}

namespace {

bool is_cased(char32_t c) { return py_iscased_upper(c) || py_iscased_lower(c); }

template <typename Fn>
std::string map_cps(std::string_view s, Fn fn) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& ch : out) ch = static_cast<char>(fn(static_cast<char32_t>(ch))[0]);
    return out;
  }
  std::string out;
  for (char32_t c : utf8_decode(s)) out += utf8_encode(fn(c));
  return out;
}

}  // namespace

std::string py_upper(std::string_view s) { return map_cps(s, upper_cp); }

std::string py_lower(std::string_view s) {
  if (is_ascii(s)) return map_cps(s, lower_cp);
  std::u32string cps = utf8_decode(s);
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps[i] == 0x3a3) {  // Final_Sigma: a cased letter before, none after
      bool before = i > 0 && is_cased(cps[i - 1]);
      bool after = i + 1 < cps.size() && is_cased(cps[i + 1]);
      append_utf8(out, before && !after ? 0x3c2 : 0x3c3);
      continue;
    }
    out += utf8_encode(lower_cp(cps[i]));
  }
  return out;
}

std::string py_swapcase(std::string_view s) {
  return map_cps(s, [](char32_t c) {
    if (py_iscased_upper(c)) return lower_cp(c);
    if (py_iscased_lower(c)) return upper_cp(c);
    return std::u32string{c};
  });
}

namespace {
std::u32string title_cp(char32_t c) { return c == 0xdf ? std::u32string(U"Ss") : upper_cp(c); }
}  // namespace

std::string py_capitalize(std::string_view s) {
  std::u32string cps = utf8_decode(s);
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) {
    out += utf8_encode(i == 0 ? title_cp(cps[i]) : lower_cp(cps[i]));
  }
  return out;
}

std::string py_title(std::string_view s) {
  std::string out;
  bool prev_cased = false;
  for (char32_t c : utf8_decode(s)) {
    out += utf8_encode(prev_cased ? lower_cp(c) : title_cp(c));
    prev_cased = is_cased(c);
  }
  return out;
}

std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                     bool right) {
  std::u32string set;
  if (chars) set = utf8_decode(*chars);
  auto strip_me = [&](char32_t c) {
    return chars ? set.find(c) != std::u32string::npos : py_isspace(c);
  };
  if (is_ascii(s) && (!chars || is_ascii(*chars))) {
    size_t b = 0, e = s.size();
    if (left) {
      while (b < e && strip_me(static_cast<unsigned char>(s[b]))) ++b;
    }
    if (right) {
      while (e > b && strip_me(static_cast<unsigned char>(s[e - 1]))) --e;
    }
    return std::string(s.substr(b, e - b));
  }
  std::u32string cps = utf8_decode(s);
  size_t b = 0, e = cps.size();
  if (left) {
    while (b < e && strip_me(cps[b])) ++b;
  }
  if (right) {
    while (e > b && strip_me(cps[e - 1])) --e;
  }
  return utf8_encode(std::u32string_view(cps).substr(b, e - b));
}

namespace {

// Whitespace-run splitting works on code points because Python's whitespace includes U+00A0 etc.
std::vector<std::string> split_ws(std::string_view s, int64_t maxsplit, bool from_right) {
  std::u32string cps = utf8_decode(s);
  std::vector<std::u32string> parts;
  if (!from_right) {
    size_t i = 0;
    const size_t n = cps.size();
    while (true) {
      while (i < n && py_isspace(cps[i])) ++i;
      if (i >= n) break;
      if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
        parts.push_back(cps.substr(i));
        break;
      }
      size_t j = i;
      while (j < n && !py_isspace(cps[j])) ++j;
      parts.push_back(cps.substr(i, j - i));
      i = j;
    }
  } else {
    size_t i = cps.size();
    while (true) {
      while (i > 0 && py_isspace(cps[i - 1])) --i;
      if (i == 0) break;
      if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
        parts.push_back(cps.substr(0, i));
        break;
      }
      size_t j = i;
      while (j > 0 && !py_isspace(cps[j - 1])) --j;
      parts.push_back(cps.substr(j, i - j));
      i = j;
    }
    std::reverse(parts.begin(), parts.end());
  }
  std::vector<std::string> out;
  out.reserve(parts.size());
  for (auto& p : parts) out.push_back(utf8_encode(p));
  return out;
}

}  // namespace

std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep,
                                  int64_t maxsplit) {
  if (!sep) return split_ws(s, maxsplit, false);
  std::vector<std::string> out;
  size_t pos = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    size_t hit = s.find(*sep, pos);
    if (hit == std::string_view::npos) break;
    out.emplace_back(s.substr(pos, hit - pos));
    pos = hit + sep->size();
  }
  out.emplace_back(s.substr(pos));
  return out;
}

std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep,
                                   int64_t maxsplit) {
  if (!sep) return split_ws(s, maxsplit, true);
  std::vector<std::string> out;
  size_t end = s.size();
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    if (end < sep->size()) break;
    size_t hit = s.rfind(*sep, end - sep->size());
    if (hit == std::string_view::npos) break;
    out.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
    end = hit;
  }
  out.emplace_back(s.substr(0, end));
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> py_splitlines(std::string_view s, bool keepends) {
  std::u32string cps = utf8_decode(s);
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  auto is_break = [](char32_t c) {
    return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) ||
           c == 0x85 || c == 0x2028 || c == 0x2029;
  };
  while (i < cps.size()) {
    if (!is_break(cps[i])) {
      ++i;
      continue;
    }
    size_t eol = i;
    size_t next = i + 1;
    if (cps[i] == '\r' && next < cps.size() && cps[next] == '\n') ++next;
    out.push_back(
        utf8_encode(std::u32string_view(cps).substr(start, (keepends ? next : eol) - start)));
    start = i = next;
  }
  if (start < cps.size()) out.push_back(utf8_encode(std::u32string_view(cps).substr(start)));
  return out;
}

std::string py_replace(std::string_view s, std::string_view old, std::string_view repl,
                       int64_t count) {
  std::string out;
  if (old.empty()) {  // inserts repl before every code point and at the end
    std::u32string cps = utf8_decode(s);
    int64_t done = 0;
    for (char32_t c : cps) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      append_utf8(out, c);
    }
    if (count < 0 || done < count) out += repl;
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t hit = s.find(old, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(repl);
    pos = hit + old.size();
    ++done;
  }
  out.append(s.substr(pos));
  return out;
}

int64_t py_count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(utf8_length(s)) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos;
       pos = s.find(sub, pos + sub.size())) {
    ++n;
  }
  return n;
}

std::string py_center(std::string_view s, int64_t width, char32_t fill) {
  const int64_t len = static_cast<int64_t>(utf8_length(s));
  if (width <= len) return std::string(s);
  // CPython's pad(): left = marg / 2 + (marg & width & 1).
  const int64_t marg = width - len;
  const int64_t left = marg / 2 + (marg & width & 1);
  std::string f;
  append_utf8(f, fill);
  std::string out;
  for (int64_t k = 0; k < left; ++k) out += f;
  out += s;
  for (int64_t k = 0; k < marg - left; ++k) out += f;
  return out;
}

std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then CPython's 'r' layout: exponent form when the decimal point
  // position is < -3 or > 16.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t e = sci.find('e');
  int exp10 = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (size_t k = 0; k < e; ++k) {
    if (sci[k] != '.') digits.push_back(sci[k]);
  }
  const int decpt = exp10 + 1;
  std::string out = neg ? "-" : "";
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(-decpt, '0') + digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      out += digits + std::string(decpt - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, decpt) + "." + digits.substr(decpt);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char ebuf[16];
  std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
  return out + ebuf;
}

std::string str_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : utf8_decode(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (py_isprintable(c)) {
      append_utf8(out, c);
    } else {
      char buf[16];
      if (c < 0x100) {
        std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(c));
      } else if (c < 0x10000) {
        std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      } else {
        std::snprintf(buf, sizeof(buf), "\\U%08x", static_cast<unsigned>(c));
      }
      out += buf;
    }
  }
  out += quote;
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace owl::tmpl
