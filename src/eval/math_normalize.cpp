// The two PRM800K normalisation passes and a LaTeX-to-text renderer, written from the rules in
// ../shared/datasets/README.md §2 (no code taken from prm800k or pylatexenc).
#include "eval/math_normalize.h"

#include <cmath>
#include <cstdlib>

#include "eval/text_util.h"

namespace owl::eval {

namespace {

// The whole string is \text{...}: return the inside.
std::optional<std::string> unwrap_text(std::string_view s) {
  if (s.size() > 7 && s.starts_with("\\text{") && s.ends_with("}")) {
    return std::string(s.substr(6, s.size() - 7));
  }
  return std::nullopt;
}

// "\sqrt2" -> "\sqrt{2}"; nullopt where the reference would fail (nothing after \sqrt).
std::optional<std::string> fix_sqrt(const std::string& s) {
  const auto parts = [&] {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t pos = s.find("\\sqrt"); pos != std::string::npos; pos = s.find("\\sqrt", start)) {
      out.push_back(s.substr(start, pos - start));
      start = pos + 5;
    }
    out.push_back(s.substr(start));
    return out;
  }();
  std::string out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.empty()) return std::nullopt;
    if (p[0] != '{') {
      out += "\\sqrt{" + p.substr(0, 1) + "}" + p.substr(1);
    } else {
      out += "\\sqrt" + p;
    }
  }
  return out;
}

// "\frac12" -> "\frac{1}{2}", "\frac1{2}" -> "\frac{1}{2}"; nullopt where the reference fails.
std::optional<std::string> fix_fracs(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t pos = s.find("\\frac"); pos != std::string::npos; pos = s.find("\\frac", start)) {
    parts.push_back(s.substr(start, pos - start));
    start = pos + 5;
  }
  parts.push_back(s.substr(start));
  std::string out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    out += "\\frac";
    if (!p.empty() && p[0] == '{') {
      out += p;
      continue;
    }
    if (p.size() < 2) return std::nullopt;
    const char a = p[0], b = p[1];
    if (b != '{') {
      out += std::string("{") + a + "}{" + b + "}" + p.substr(2);
    } else {
      out += std::string("{") + a + "}" + b + p.substr(2);
    }
  }
  return out;
}

bool parse_canonical_int(std::string_view s, long long& value) {
  // str(int(x)) == x: optional '-', no leading zeros (except "0"), digits only.
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  if (s[i] == '0' && s.size() > i + 1) return false;
  if (s == "-0") return false;
  for (size_t k = i; k < s.size(); ++k) {
    if (!is_digit(s[k])) return false;
  }
  if (s.size() > 18) return false;
  value = std::strtoll(std::string(s).c_str(), nullptr, 10);
  return true;
}

// "3/4" -> "\frac{3}{4}" when both sides are canonical integers.
std::string fix_a_slash_b(const std::string& s) {
  const auto parts = split(s, '/');
  long long a = 0, b = 0;
  if (parts.size() != 2 || !parse_canonical_int(parts[0], a) || !parse_canonical_int(parts[1], b)) {
    return s;
  }
  return "\\frac{" + parts[0] + "}{" + parts[1] + "}";
}

std::optional<std::string> strip_string(std::string s) {
  replace_all(s, "\n", "");
  replace_all(s, "\\!", "");
  replace_all(s, "\\\\", "\\");
  replace_all(s, "tfrac", "frac");
  replace_all(s, "dfrac", "frac");
  replace_all(s, "\\left", "");
  replace_all(s, "\\right", "");
  replace_all(s, "^{\\circ}", "");
  replace_all(s, "^\\circ", "");
  replace_all(s, "\\$", "");
  // A trailing unit written "\text{ cm}"; the reference fails (keeps the input) on two of them.
  const size_t units = count_of(s, "\\text{ ");
  if (units > 1) return std::nullopt;
  if (units == 1) s = s.substr(0, s.find("\\text{ "));
  replace_all(s, "\\%", "");
  replace_all(s, " .", " 0.");
  replace_all(s, "{.", "{0.");
  if (s.empty()) return s;
  if (s[0] == '.') s = "0" + s;
  const auto sides = split(s, '=');
  if (sides.size() == 2 && sides[0].size() <= 2) s = sides[1];
  auto fixed = fix_sqrt(s);
  if (!fixed) return std::nullopt;
  s = *fixed;
  replace_all(s, " ", "");
  fixed = fix_fracs(s);
  if (!fixed) return std::nullopt;
  s = *fixed;
  if (s == "0.5") s = "\\frac{1}{2}";
  return fix_a_slash_b(s);
}

}  // namespace

std::string hendrycks_normalize(std::string_view answer) {
  std::string s = trim(answer);
  if (auto inner = unwrap_text(s)) s = trim(*inner);
  // Where the reference raises, its normaliser returns the (trimmed, unwrapped) input.
  auto out = strip_string(s);
  return out ? *out : s;
}

std::optional<double> python_float(std::string_view text) {
  const std::string_view s = trim_view(text);
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::string rest = to_lower(s.substr(i));
  if (rest == "inf" || rest == "infinity") return s[0] == '-' ? -INFINITY : INFINITY;
  if (rest == "nan") return NAN;
  std::string digits(s.substr(0, i));
  size_t mantissa = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (is_digit(c)) {
      digits += c;
      ++mantissa;
    } else if (c == '_' && i > 0 && is_digit(s[i - 1]) && i + 1 < s.size() && is_digit(s[i + 1])) {
      continue;
    } else if (c == '.' && !dot) {
      dot = true;
      digits += c;
    } else {
      break;
    }
  }
  if (mantissa == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    digits += 'e';
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) digits += s[i++];
    size_t exp_digits = 0;
    for (; i < s.size() && is_digit(s[i]); ++i, ++exp_digits) digits += s[i];
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return std::strtod(digits.c_str(), nullptr);
}

std::string strip_thousands_commas(std::string_view text) {
  // Removes "d,ddd" commas (followed by a non-digit or the end) until none is left.
  std::string s(text);
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 1; i + 3 < s.size(); ++i) {
      if (s[i] != ',' || !is_digit(s[i - 1])) continue;
      if (!is_digit(s[i + 1]) || !is_digit(s[i + 2]) || !is_digit(s[i + 3])) continue;
      if (i + 4 < s.size() && is_digit(s[i + 4])) continue;
      s.erase(i, 1);
      changed = true;
      break;
    }
  }
  return s;
}

bool str_is_int(std::string_view s) {
  const auto v = python_float(strip_thousands_commas(s));
  if (!v || !std::isfinite(*v)) return false;
  return std::fabs(*v - std::round(*v)) <= 1e-7;
}

bool is_plain_fraction(std::string_view s) {
  // ^-?[0-9]+.?/0*[1-9][0-9]*.?$ (the '.' is any one character, as in the reference regex)
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const size_t num_start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == num_start) return false;
  const size_t slash = s.find('/', i);
  if (slash == std::string_view::npos || slash > i + 1) return false;
  i = slash + 1;
  while (i < s.size() && s[i] == '0') ++i;
  if (i >= s.size() || s[i] < '1' || s[i] > '9') return false;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i == s.size() || i + 1 == s.size();
}

}  // namespace owl::eval
