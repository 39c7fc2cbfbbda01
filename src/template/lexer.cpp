// Jinja2-compatible lexer: root text/tag splitting with whitespace control, and expression tokens
// inside {{ }} and {% %}. Mirrors the rules of jinja2/lexer.py (3.1) as documented behaviour.
#include "template/lexer.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <string_view>

#include "template/py_text.h"
#include "template/template.h"

namespace owl::tmpl {
namespace {

[[noreturn]] void syntax_error(int line, const std::string& msg) {
  throw TemplateError(ErrorKind::kSyntax, msg, line);
}

// Newlines (\r\n, \r, \n) become \n and one trailing newline is dropped.
std::string normalize_newlines(const std::string& src) {
  std::string out;
  out.reserve(src.size());
  for (size_t i = 0; i < src.size(); ++i) {
    if (src[i] == '\r') {
      out += '\n';
      if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
    } else {
      out += src[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Python's \s at byte position i: returns the byte length of the whitespace char, else 0.
size_t space_at(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return py_isspace(c) ? 1 : 0;
  size_t n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + n > s.size()) return 0;
  std::u32string cp = utf8_decode(s.substr(i, n));
  return cp.size() == 1 && py_isspace(cp[0]) ? n : 0;
}

size_t skip_spaces(std::string_view s, size_t i) {
  while (i < s.size()) {
    size_t n = space_at(s, i);
    if (n == 0) break;
    i += n;
  }
  return i;
}

bool all_spaces(std::string_view s) { return !s.empty() && skip_spaces(s, 0) == s.size(); }

class Lexer {
 public:
  explicit Lexer(const std::string& source) : src_(normalize_newlines(source)) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      if (!root_step()) break;
    }
    Token eof;
    eof.type = Tok::kEof;
    eof.line = line_;
    out_.push_back(eof);
    return std::move(out_);
  }

 private:
  bool starts(size_t p, std::string_view what) const {
    return std::string_view(src_).substr(p, what.size()) == what;
  }

  void emit(Tok type, std::string text = {}) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.line = line_;
    out_.push_back(std::move(t));
  }

  void advance_to(size_t p) {
    for (size_t k = pos_; k < p && k < src_.size(); ++k) line_ += src_[k] == '\n';
    pos_ = p;
  }

  // Data before a tag, with `-` (strip all whitespace) or lstrip_blocks applied.
  void emit_data(std::string_view text, char sign, bool lstrip_allowed) {
    std::string data(text);
    if (sign == '-') {
      data = py_strip(data, std::nullopt, false, true);
    } else if (sign != '+' && lstrip_allowed) {
      size_t nl = data.rfind('\n');
      size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
      if ((l_pos > 0 || line_starting_) && all_spaces(std::string_view(data).substr(l_pos))) {
        data.resize(l_pos);
      }
    }
    if (!data.empty()) emit(Tok::kData, std::move(data));
  }

  // After a tag's closing delimiter: `-` strips following whitespace, plain block/comment ends
  // drop one newline (trim_blocks). Returns the end of the match.
  size_t finish_tag(size_t after, char sign, bool trim) {
    size_t end = after;
    if (sign == '-') {
      end = skip_spaces(src_, after);
    } else if (sign == 0 && trim && end < src_.size() && src_[end] == '\n') {
      ++end;
    }
    line_starting_ = end > 0 && src_[end - 1] == '\n';
    return end;
  }

  // Matches `{%[-+]?\s*raw\s*(-%}\s*|%})` at p; returns the end or npos.
  size_t match_raw_begin(size_t p, char* sign) const {
    size_t q = p + 2;
    *sign = 0;
    if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) *sign = src_[q++];
    q = skip_spaces(src_, q);
    if (!starts(q, "raw")) return std::string::npos;
    q = skip_spaces(src_, q + 3);
    if (starts(q, "-%}")) return skip_spaces(src_, q + 3);
    if (starts(q, "%}")) return q + 2;
    return std::string::npos;
  }

  bool root_step() {
    size_t t = pos_;
    while (true) {
      t = src_.find('{', t);
      if (t == std::string::npos || t + 1 >= src_.size()) {
        emit_data(std::string_view(src_).substr(pos_), 0, false);
        advance_to(src_.size());
        return false;
      }
      const char k = src_[t + 1];
      if (k == '{' || k == '%' || k == '#') break;
      ++t;
    }
    const char kind = src_[t + 1];
    size_t after = t + 2;
    char sign = 0;
    if (after < src_.size() && (src_[after] == '-' || src_[after] == '+')) sign = src_[after++];
    std::string_view text = std::string_view(src_).substr(pos_, t - pos_);
    char raw_sign = 0;
    const size_t raw_end = kind == '%' ? match_raw_begin(t, &raw_sign) : std::string::npos;
    emit_data(text, sign, kind != '{');
    advance_to(t);
    if (raw_end != std::string::npos) {
      line_starting_ = src_[raw_end - 1] == '\n';
      advance_to(raw_end);
      lex_raw_body();
    } else if (kind == '#') {
      lex_comment(after);
    } else {
      emit(kind == '{' ? Tok::kVarBegin : Tok::kBlockBegin);
      advance_to(after);
      lex_tag(kind == '{');
    }
    return true;
  }

  void lex_comment(size_t after) {
    size_t q = src_.find("#}", after);
    if (q == std::string::npos) syntax_error(line_, "Missing end of comment tag");
    char sign = 0;
    if (q > after && (src_[q - 1] == '-' || src_[q - 1] == '+')) sign = src_[q - 1];
    advance_to(finish_tag(q + 2, sign, true));
  }

  void lex_raw_body() {
    const size_t start = pos_;
    size_t p = start;
    while (true) {
      p = src_.find("{%", p);
      if (p == std::string::npos) syntax_error(line_, "Missing end of raw directive");
      size_t q = p + 2;
      char sign = 0;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) sign = src_[q++];
      q = skip_spaces(src_, q);
      if (starts(q, "endraw")) {
        q = skip_spaces(src_, q + 6);
        char end_sign = 0;
        if (starts(q, "+%}") || starts(q, "-%}")) end_sign = src_[q++];
        if (starts(q, "%}")) {
          emit_data(std::string_view(src_).substr(start, p - start), sign, true);
          advance_to(finish_tag(q + 2, end_sign, true));
          return;
        }
      }
      p += 2;
    }
  }

  // Expression tokens up to the tag's end delimiter.
  void lex_tag(bool is_var) {
    std::vector<char> balance;
    while (true) {
      if (pos_ >= src_.size()) syntax_error(line_, "unexpected end of template, tag not closed");
      if (balance.empty() && at_tag_end(is_var)) return;
      const size_t sp = space_at(src_, pos_);
      if (sp > 0) {
        advance_to(skip_spaces(src_, pos_));
        continue;
      }
      const char c = src_[pos_];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        lex_number();
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t e = pos_;
        while (e < src_.size() &&
               (std::isalnum(static_cast<unsigned char>(src_[e])) || src_[e] == '_'))
          ++e;
        emit(Tok::kName, src_.substr(pos_, e - pos_));
        advance_to(e);
      } else if (c == '\'' || c == '"') {
        lex_string(c);
      } else {
        lex_operator(&balance);
      }
    }
  }

  bool at_tag_end(bool is_var) {
    if (is_var) {
      if (starts(pos_, "-}}")) return close_tag(Tok::kVarEnd, 3, '-', false);
      if (starts(pos_, "}}")) return close_tag(Tok::kVarEnd, 2, 0, false);
      return false;
    }
    if (starts(pos_, "+%}")) return close_tag(Tok::kBlockEnd, 3, '+', true);
    if (starts(pos_, "-%}")) return close_tag(Tok::kBlockEnd, 3, '-', true);
    if (starts(pos_, "%}")) return close_tag(Tok::kBlockEnd, 2, 0, true);
    return false;
  }

  bool close_tag(Tok type, size_t len, char sign, bool trim) {
    emit(type);
    advance_to(finish_tag(pos_ + len, sign, trim));
    return true;
  }

  void lex_number() {
    // Float: digits with '.' fraction and/or exponent (underscores allowed between digits),
    // not directly after a '.' (so `x.0.1` is two integer subscripts).
    auto digits = [&](size_t p) {
      size_t e = p;
      while (e < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[e])) ||
                                 (src_[e] == '_' && e > p && e + 1 < src_.size() &&
                                  std::isdigit(static_cast<unsigned char>(src_[e + 1]))))) {
        ++e;
      }
      return e;
    };
    const bool after_dot = pos_ > 0 && src_[pos_ - 1] == '.';
    size_t e = digits(pos_);
    size_t f = e;
    bool is_float = false;
    if (!after_dot) {
      if (f < src_.size() && src_[f] == '.' && f + 1 < src_.size() &&
          std::isdigit(static_cast<unsigned char>(src_[f + 1]))) {
        f = digits(f + 1);
        is_float = true;
      }
      if (f < src_.size() && (src_[f] == 'e' || src_[f] == 'E')) {
        size_t g = f + 1;
        if (g < src_.size() && (src_[g] == '+' || src_[g] == '-')) ++g;
        if (g < src_.size() && std::isdigit(static_cast<unsigned char>(src_[g]))) {
          f = digits(g);
          is_float = true;
        }
      }
    }
    if (is_float) {
      std::string text;
      for (size_t k = pos_; k < f; ++k) {
        if (src_[k] != '_') text += src_[k];
      }
      emit(Tok::kFloat, text);
      out_.back().fval = std::strtod(text.c_str(), nullptr);
      advance_to(f);
      return;
    }
    lex_integer();
  }

  void lex_integer() {
    int base = 10;
    size_t p = pos_;
    if (src_[p] == '0' && p + 1 < src_.size()) {
      const char x = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[p + 1])));
      base = x == 'b' ? 2 : x == 'o' ? 8 : x == 'x' ? 16 : 10;
      if (base != 10) p += 2;
    }
    std::string digits;
    size_t e = p;
    const bool zero = base == 10 && src_[pos_] == '0';  // "0(_?0)*": only zeros may follow
    while (e < src_.size()) {
      const char c = src_[e];
      if (c == '_' && !digits.empty() && e + 1 < src_.size() &&
          std::isxdigit(static_cast<unsigned char>(src_[e + 1]))) {
        ++e;
        continue;
      }
      const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                    : std::isxdigit(static_cast<unsigned char>(c))
                        ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                        : 99;
      if (d >= base || (zero && c != '0')) break;
      digits += c;
      ++e;
    }
    if (digits.empty()) syntax_error(line_, "invalid integer literal");
    errno = 0;
    const unsigned long long v = std::strtoull(digits.c_str(), nullptr, base);
    if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX)) {
      syntax_error(line_, "integer literal too large (owl supports 64-bit integers)");
    }
    emit(Tok::kInt, src_.substr(pos_, e - pos_));
    out_.back().ival = static_cast<int64_t>(v);
    advance_to(e);
  }

  void lex_string(char quote) {
    size_t e = pos_ + 1;
    while (e < src_.size() && src_[e] != quote) e += src_[e] == '\\' ? 2 : 1;
    if (e >= src_.size()) syntax_error(line_, fmt::format("unexpected char '{}'", quote));
    const int start_line = line_;
    std::string value = unescape(std::string_view(src_).substr(pos_ + 1, e - pos_ - 1));
    emit(Tok::kString, std::move(value));
    out_.back().line = start_line;
    advance_to(e + 1);
  }

  // Python's "unicode-escape" decoding of the literal body (as Jinja2 does).
  std::string unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\' || i + 1 >= s.size()) {
        out += s[i];
        continue;
      }
      const char c = s[++i];
      switch (c) {
        case '\n':
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
          out += hex_escape(s, &i, 2, "truncated \\xXX escape");
          break;
        case 'u':
          out += hex_escape(s, &i, 4, "truncated \\uXXXX escape");
          break;
        case 'U':
          out += hex_escape(s, &i, 8, "truncated \\UXXXXXXXX escape");
          break;
        default:
          if (c >= '0' && c <= '7') {
            unsigned v = c - '0';
            for (int k = 0; k < 2 && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7'; ++k) {
              v = v * 8 + (s[++i] - '0');
            }
            append_utf8(out, v);
          } else if (static_cast<unsigned char>(c) >= 0x80) {
            // Jinja2 backslash-escapes non-ASCII before decoding: "\é" stays "\xe9" literally.
            size_t n = 1;
            while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xc0) == 0x80) ++n;
            const char32_t cp = utf8_decode(s.substr(i, n))[0];
            out += cp < 0x100     ? fmt::format("\\x{:02x}", static_cast<unsigned>(cp))
                   : cp < 0x10000 ? fmt::format("\\u{:04x}", static_cast<unsigned>(cp))
                                  : fmt::format("\\U{:08x}", static_cast<unsigned>(cp));
            i += n - 1;
          } else {
            out += '\\';
            out += c;
          }
      }
    }
    return out;
  }

  std::string hex_escape(std::string_view s, size_t* i, int n, const char* err) {
    if (*i + static_cast<size_t>(n) >= s.size()) syntax_error(line_, err);
    unsigned v = 0;
    for (int k = 1; k <= n; ++k) {
      const char h = s[*i + k];
      if (!std::isxdigit(static_cast<unsigned char>(h))) syntax_error(line_, err);
      v = v * 16 + (std::isdigit(static_cast<unsigned char>(h))
                        ? h - '0'
                        : std::tolower(static_cast<unsigned char>(h)) - 'a' + 10);
    }
    *i += n;
    if (v > 0x10ffff) syntax_error(line_, "illegal Unicode character");
    std::string out;
    append_utf8(out, v);
    return out;
  }

  void lex_operator(std::vector<char>* balance) {
    static const char* kOps[] = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "/",
                                 "*",  "%",  "~",  "[",  "]",  "(",  ")", "{", "}",
                                 ">",  "<",  "=",  ".",  ":",  "|",  ",", ";"};
    for (const char* op : kOps) {
      const std::string_view o(op);
      if (!starts(pos_, o)) continue;
      if (o == "(" || o == "[" || o == "{") {
        balance->push_back(o == "(" ? ')' : o == "[" ? ']' : '}');
      } else if (o == ")" || o == "]" || o == "}") {
        if (balance->empty()) syntax_error(line_, fmt::format("unexpected '{}'", o));
        const char expected = balance->back();
        balance->pop_back();
        if (expected != o[0]) {
          syntax_error(line_, fmt::format("unexpected '{}', expected '{}'", o, expected));
        }
      }
      emit(Tok::kOp, std::string(o));
      advance_to(pos_ + o.size());
      return;
    }
    size_t n = 1;
    while (pos_ + n < src_.size() && (static_cast<unsigned char>(src_[pos_ + n]) & 0xc0) == 0x80)
      ++n;
    syntax_error(line_,
                 fmt::format("unexpected char {} at {}", str_repr(src_.substr(pos_, n)), pos_));
  }

  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source) { return Lexer(source).run(); }

}  // namespace owl::tmpl
