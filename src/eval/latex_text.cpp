// LaTeX -> plain text for answer comparison, and the PRM800K second normalisation pass.
#include <cmath>
#include <utility>

#include "eval/math_normalize.h"
#include "eval/text_util.h"

namespace owl::eval {

namespace {

constexpr int kMaxDepth = 48;

size_t utf8_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

bool is_plain_atom(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c) && !is_alpha(c) && c != '.') return false;
  }
  return true;
}

// Appends x, parenthesised unless it is a plain atom (built with += to keep GCC 12's
// -Wrestrict false positive on `"(" + std::string` away).
void append_wrapped(std::string& out, const std::string& x) {
  if (is_plain_atom(x)) {
    out += x;
    return;
  }
  out += '(';
  out += x;
  out += ')';
}

class LatexRenderer {
 public:
  explicit LatexRenderer(std::string_view s) : s_(s) {}

  std::string render(int depth) {
    std::string out;
    while (pos_ < s_.size()) out += step(depth);
    return out;
  }

 private:
  // Raw LaTeX of the next macro argument: a {group}, a \macro, or one character.
  std::string_view next_arg_raw() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
    if (pos_ >= s_.size()) return {};
    const size_t start = pos_;
    if (s_[pos_] == '{') {
      const size_t end = match_brace(s_, pos_);
      if (end == std::string_view::npos) {
        pos_ = s_.size();
        return s_.substr(start + 1);
      }
      pos_ = end;
      return s_.substr(start + 1, end - start - 2);
    }
    if (s_[pos_] == '\\') {
      ++pos_;
      if (pos_ < s_.size() && is_alpha(s_[pos_])) {
        while (pos_ < s_.size() && is_alpha(s_[pos_])) ++pos_;
      } else if (pos_ < s_.size()) {
        ++pos_;
      }
      return s_.substr(start, pos_ - start);
    }
    pos_ += utf8_length(static_cast<unsigned char>(s_[pos_]));
    if (pos_ > s_.size()) pos_ = s_.size();
    return s_.substr(start, pos_ - start);
  }

  std::string arg(int depth) {
    const std::string_view raw = next_arg_raw();
    if (depth > kMaxDepth) return std::string(raw);
    LatexRenderer inner(raw);
    return inner.render(depth + 1);
  }

  std::string optional_arg(int depth) {
    if (pos_ >= s_.size() || s_[pos_] != '[') return {};
    const size_t close = s_.find(']', pos_);
    if (close == std::string_view::npos) return {};
    LatexRenderer inner(s_.substr(pos_ + 1, close - pos_ - 1));
    pos_ = close + 1;
    return inner.render(depth + 1);
  }

  std::string macro(std::string_view name, int depth) {
    static constexpr std::pair<std::string_view, std::string_view> kSymbols[] = {
        {"pi", "pi"},
        {"infty", "inf"},
        {"cup", "U"},
        {"cap", "\xE2\x88\xA9"},
        {"cdot", "*"},
        {"times", "*"},
        {"div", "/"},
        {"pm", "\xC2\xB1"},
        {"mp", "\xE2\x88\x93"},
        {"le", "\xE2\x89\xA4"},
        {"leq", "\xE2\x89\xA4"},
        {"ge", "\xE2\x89\xA5"},
        {"geq", "\xE2\x89\xA5"},
        {"ne", "\xE2\x89\xA0"},
        {"neq", "\xE2\x89\xA0"},
        {"lt", "<"},
        {"gt", ">"},
        {"circ", "\xC2\xB0"},
        {"degree", "\xC2\xB0"},
        {"ldots", "..."},
        {"cdots", "..."},
        {"dots", "..."},
        {"in", "\xE2\x88\x88"},
        {"approx", "\xE2\x89\x88"},
        {"to", "\xE2\x86\x92"},
        {"quad", " "},
        {"qquad", " "},
        {"alpha", "\xCE\xB1"},
        {"beta", "\xCE\xB2"},
        {"gamma", "\xCE\xB3"},
        {"delta", "\xCE\xB4"},
        {"theta", "\xCE\xB8"},
        {"lambda", "\xCE\xBB"},
        {"mu", "\xCE\xBC"},
        {"sigma", "\xCF\x83"},
        {"phi", "\xCF\x86"},
        {"omega", "\xCF\x89"},
        {"emptyset", "\xE2\x88\x85"},
        {"varnothing", "\xE2\x88\x85"}};
    static constexpr std::string_view kStyling[] = {
        "text", "textbf",   "textit",   "textrm",    "textnormal",   "mathrm", "mathbf",  "mathit",
        "mbox", "hbox",     "emph",     "boxed",     "operatorname", "mathbb", "mathcal", "textsf",
        "fbox", "framebox", "overline", "underline", "vec",          "hat",    "bar"};
    static constexpr std::string_view kDropped[] = {
        "left", "right", "big",          "Big",    "bigl",     "bigr",      "Bigl",       "Bigr",
        "bigg", "Bigg",  "displaystyle", "limits", "nolimits", "textstyle", "scriptstyle"};
    if (name == "frac" || name == "dfrac" || name == "tfrac" || name == "cfrac") {
      const std::string a = arg(depth), b = arg(depth);
      std::string out = " ";
      append_wrapped(out, a);
      out += '/';
      append_wrapped(out, b);
      return out;
    }
    if (name == "sqrt") {
      const std::string index = optional_arg(depth);
      const std::string radicand = arg(depth);
      if (!index.empty()) return "(" + radicand + ")^(1/(" + index + "))";
      return "sqrt(" + radicand + ")";
    }
    if (name == "begin" || name == "end") {
      arg(depth);  // environment name
      return "";
    }
    for (std::string_view s : kStyling) {
      if (name == s) return arg(depth);
    }
    for (std::string_view d : kDropped) {
      if (name == d) {
        // \left. and \right. are invisible delimiters.
        if ((name == "left" || name == "right") && pos_ < s_.size() && s_[pos_] == '.') ++pos_;
        return "";
      }
    }
    for (const auto& [n, text] : kSymbols) {
      if (name == n) return std::string(text);
    }
    return std::string(name);  // sin, cos, log, ... and unknown macros keep their name
  }

  std::string step(int depth) {
    const char c = s_[pos_];
    if (c == '\\') {
      ++pos_;
      if (pos_ >= s_.size()) return "";
      if (is_alpha(s_[pos_])) {
        const size_t start = pos_;
        while (pos_ < s_.size() && is_alpha(s_[pos_])) ++pos_;
        return macro(s_.substr(start, pos_ - start), depth);
      }
      const char sym = s_[pos_++];
      switch (sym) {
        case '{':
          return "{";
        case '}':
          return "}";
        case '%':
          return "%";
        case '$':
          return "$";
        case '&':
          return "&";
        case '#':
          return "#";
        case '_':
          return "_";
        case '!':
          return "";
        case '\\':
          return ";";
        default:
          return " ";  // \, \; \: "\ "
      }
    }
    if (c == '{') {
      const std::string_view raw = next_arg_raw();
      if (depth > kMaxDepth) return std::string(raw);
      LatexRenderer inner(raw);
      return inner.render(depth + 1);
    }
    ++pos_;
    if (c == '}' || c == '$') return "";
    if (c == '~') return " ";
    if (c == '&') return ",";
    if (c == '^' || c == '_') {
      const std::string x = arg(depth);
      if (c == '^' && !is_plain_atom(x) && x.size() != 1) return "^(" + x + ")";
      return std::string(1, c) + x;
    }
    return std::string(1, c);
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// Removes every "<unit>(es)?(s)? *(\^[0-9]+)?" occurrence, as the reference's regexes do.
void remove_unit_words(std::string& s) {
  static constexpr std::string_view kUnits[] = {
      "degree", "cm",   "centimeter", "meter", "mile", "second", "minute", "hour",
      "day",    "week", "month",      "year",  "foot", "feet",   "inch",   "yard"};
  for (std::string_view unit : kUnits) {
    std::string out;
    size_t pos = 0;
    while (true) {
      const size_t hit = s.find(unit, pos);
      if (hit == std::string::npos) break;
      out.append(s, pos, hit - pos);
      size_t end = hit + unit.size();
      if (s.compare(end, 2, "es") == 0) end += 2;
      if (end < s.size() && s[end] == 's') ++end;
      while (end < s.size() && s[end] == ' ') ++end;
      if (end + 1 < s.size() && s[end] == '^' && is_digit(s[end + 1])) {
        ++end;
        while (end < s.size() && is_digit(s[end])) ++end;
      }
      pos = end;
    }
    out.append(s, pos, std::string::npos);
    s = std::move(out);
  }
}

// "^ *\circ" -> "".
void remove_degree_marks(std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '^') {
      size_t j = i + 1;
      while (j < s.size() && s[j] == ' ') ++j;
      if (s.compare(j, 5, "\\circ") == 0) {
        i = j + 4;
        continue;
      }
    }
    out += s[i];
  }
  s = std::move(out);
}

}  // namespace

std::string latex_to_text(std::string_view latex) {
  std::string s(latex);
  replace_all(s, "\\tfrac", "\\frac");
  replace_all(s, "\\dfrac", "\\frac");
  LatexRenderer renderer(s);
  std::string out = renderer.render(0);
  replace_all(out, "\xE2\x88\x9A", "sqrt");  // √
  replace_all(out, "\xCF\x80", "pi");        // π
  replace_all(out, "\xE2\x88\x9E", "inf");   // ∞
  replace_all(out, "\xE2\x88\xAA", "U");     // ∪
  replace_all(out, "\xC2\xB7", "*");         // ·
  replace_all(out, "\xC3\x97", "*");         // ×
  return trim(out);
}

std::string prm_normalize(std::string_view answer) {
  std::string s(answer);
  if (s.size() > 7 && s.starts_with("\\text{") && s.ends_with("}")) s = s.substr(6, s.size() - 7);
  replace_all(s, "\\%", "%");
  replace_all(s, "\\$", "$");
  replace_all(s, "$", "");
  replace_all(s, "%", "");
  replace_all(s, " or ", " , ");
  replace_all(s, " and ", " , ");
  replace_all(s, "million", "*10^6");
  replace_all(s, "billion", "*10^9");
  replace_all(s, "trillion", "*10^12");
  remove_unit_words(s);
  remove_degree_marks(s);
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}') s = s.substr(1, s.size() - 2);
  // ",\!" thousands separators (and the spaces after them).
  for (size_t pos = s.find(",\\!"); pos != std::string::npos; pos = s.find(",\\!", pos)) {
    size_t end = pos + 3;
    while (end < s.size() && s[end] == ' ') ++end;
    s.erase(pos, end - pos);
  }
  if (auto v = python_float(s);
      v && std::isfinite(*v) && std::fabs(*v) < 1e15 && std::fabs(*v - std::round(*v)) <= 1e-7) {
    s = std::to_string(static_cast<long long>(std::llround(*v)));
  }
  if (s.find('\\') != std::string::npos) s = latex_to_text(s);
  // "- *" -> "-"
  std::string t;
  for (size_t i = 0; i < s.size(); ++i) {
    t += s[i];
    if (s[i] == '-') {
      while (i + 1 < s.size() && s[i + 1] == ' ') ++i;
    }
  }
  // An implicit mixed number "7 3/4" means 7+3/4.
  std::string u;
  for (size_t i = 0; i < t.size(); ++i) {
    u += t[i];
    if (is_digit(t[i])) {
      size_t j = i + 1;
      while (j < t.size() && t[j] == ' ') ++j;
      if (j > i + 1 && j < t.size() && is_digit(t[j])) {
        u += '+';
        u += t[j];
        i = j;  // matches do not overlap: the second digit cannot start another one
      }
    }
  }
  std::string out;
  for (char c : u) {
    if (c != ' ' && c != '{' && c != '}') out += c;
  }
  out = to_lower(out);
  if (str_is_int(out)) {
    std::string digits = strip_thousands_commas(out);
    replace_all(digits, ",", "");
    if (auto v = python_float(digits); v && std::fabs(*v) < 1e15) {
      out = std::to_string(static_cast<long long>(*v));  // int() truncates toward zero
    }
  }
  return out;
}

}  // namespace owl::eval
