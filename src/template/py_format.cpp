// Python string formatting: printf-style `str % args` (|format filter) and str.format() with the
// format-spec mini-language, including markupsafe's escaping of arguments for Markup formats.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <functional>

#include "template/interpreter.h"
#include "template/operators.h"
#include "template/py_text.h"

namespace owl::tmpl {
namespace {

[[noreturn]] void type_error(const std::string& msg) { throw TemplateError(ErrorKind::kType, msg); }

std::string pad(const std::string& body, int64_t width, char32_t fill, char align,
                size_t sign_len = 0) {
  const int64_t len = static_cast<int64_t>(utf8_length(body));
  if (width <= len) return body;
  const int64_t n = width - len;
  std::string f;
  append_utf8(f, fill);
  auto rep = [&](int64_t k) {
    std::string s;
    for (int64_t i = 0; i < k; ++i) s += f;
    return s;
  };
  switch (align) {
    case '<':
      return body + rep(n);
    case '^':
      return rep(n / 2) + body + rep(n - n / 2);
    case '=':
      return body.substr(0, sign_len) + rep(n) + body.substr(sign_len);
    default:
      return rep(n) + body;
  }
}

std::string c_format(const std::string& spec, double v) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), spec.c_str(), v);
  return buf;
}

std::string group_digits(const std::string& digits, char sep) {
  std::string out;
  const size_t n = digits.size();
  for (size_t k = 0; k < n; ++k) {
    if (k > 0 && (n - k) % 3 == 0) out += sep;
    out += digits[k];
  }
  return out;
}

int64_t int_of(const Value& v, const char* conv) {
  if (v.kind == Kind::kInt) return v.i;
  if (v.kind == Kind::kBool) return v.b;
  if (v.kind == Kind::kFloat && conv[0] != 'x' && conv[0] != 'X' && conv[0] != 'o') {
    if (!std::isfinite(v.f)) type_error("cannot convert float infinity or NaN to integer");
    return static_cast<int64_t>(std::trunc(v.f));
  }
  if (conv[0] == 'x' || conv[0] == 'X' || conv[0] == 'o') {
    type_error(fmt::format("%{} format: an integer is required, not {}", conv, type_name(v)));
  }
  type_error(fmt::format("%{} format: a real number is required, not {}", conv, type_name(v)));
}

// One printf conversion (flags, width, precision already parsed).
std::string percent_one(char conv, const Value& arg, const std::string& flags, int64_t width,
                        int64_t prec, bool markup) {
  const bool left = flags.find('-') != std::string::npos;
  const bool zero = flags.find('0') != std::string::npos && !left;
  std::string body;
  bool numeric = false;
  switch (conv) {
    case 's':
      body = markup ? escape_value(arg) : to_str(arg);
      break;
    case 'r':
    case 'a':
      body = markup ? html_escape(repr(arg)) : repr(arg);
      break;
    case 'c':
      if (arg.kind == Kind::kString && utf8_length(arg.str()) == 1) {
        body = arg.str();
      } else if (arg.kind == Kind::kInt) {
        append_utf8(body, static_cast<char32_t>(arg.i));
      } else {
        type_error("%c requires int or char");
      }
      break;
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      numeric = true;
      const char c[2] = {conv == 'i' || conv == 'u' ? 'd' : conv, 0};
      const int64_t v = int_of(arg, c);
      std::string f = "%";
      for (char fl : flags) {
        if (fl != '0' && fl != '-') f += fl;
      }
      if (prec >= 0) f += "." + std::to_string(prec);
      f += "ll";
      f += c[0];
      char buf[128];
      std::snprintf(buf, sizeof(buf), f.c_str(), static_cast<long long>(v));
      body = buf;
      break;
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      numeric = true;
      if (!arg.is_number()) type_error(fmt::format("must be real number, not {}", type_name(arg)));
      std::string f = "%";
      for (char fl : flags) {
        if (fl != '0' && fl != '-') f += fl;
      }
      f += "." + std::to_string(prec >= 0 ? prec : 6) + conv;
      body = c_format(f, to_double(arg));
      break;
    }
    default:
      throw TemplateError(ErrorKind::kType, fmt::format("unsupported format character '{}'", conv));
  }
  if (numeric && zero) {
    const size_t sign = !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ');
    size_t prefix = sign;
    if (body.size() > prefix + 1 && body[prefix] == '0' &&
        (body[prefix + 1] == 'x' || body[prefix + 1] == 'X' || body[prefix + 1] == 'o'))
      prefix += 2;
    return pad(body, width, '0', '=', prefix);
  }
  return pad(body, width, ' ', left ? '<' : '>');
}

}  // namespace

Value percent_format(Interpreter& in, const Value& fmt_value, const Value& args) {
  const std::string& f = fmt_value.str();
  const bool markup = fmt_value.markup;
  std::vector<Value> pos;
  const DictObj* mapping = nullptr;
  if (args.kind == Kind::kTuple) {
    pos = args.items();
  } else {
    if (args.kind == Kind::kDict) mapping = &args.dict_obj();
    pos.push_back(args);
  }
  const bool single_mapping_like = args.kind == Kind::kDict || args.kind == Kind::kList;
  size_t next = 0;
  auto take = [&]() -> Value {
    if (next >= pos.size()) type_error("not enough arguments for format string");
    return pos[next++];
  };
  std::string out;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (++i >= f.size()) type_error("incomplete format");
    Value arg;
    bool have_arg = false;
    if (f[i] == '(') {
      size_t close = f.find(')', i);
      if (close == std::string::npos) type_error("incomplete format key");
      if (!mapping) type_error("format requires a mapping");
      const Value* v = mapping->find(std::string_view(f).substr(i + 1, close - i - 1));
      if (!v) type_error(fmt::format("KeyError: '{}'", f.substr(i + 1, close - i - 1)));
      arg = *v;
      have_arg = true;
      i = close + 1;
    }
    std::string flags;
    while (i < f.size() && std::string_view("-+ #0").find(f[i]) != std::string_view::npos)
      flags += f[i++];
    auto number = [&]() -> int64_t {
      if (i < f.size() && f[i] == '*') {
        ++i;
        Value w = take();
        if (w.kind != Kind::kInt) type_error("* wants int");
        return w.i;
      }
      int64_t n = -1;
      while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i])))
        n = (n < 0 ? 0 : n) * 10 + (f[i++] - '0');
      return n;
    };
    int64_t width = number();
    int64_t prec = -1;
    if (i < f.size() && f[i] == '.') {
      ++i;
      prec = std::max<int64_t>(number(), 0);
    }
    while (i < f.size() && (f[i] == 'h' || f[i] == 'l' || f[i] == 'L')) ++i;
    if (i >= f.size()) type_error("incomplete format");
    const char conv = f[i];
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (!have_arg) arg = take();
    out += percent_one(conv, arg, flags, width, prec, markup);
    in.check_size(out.size());
  }
  if (next < pos.size() && !single_mapping_like) {
    type_error("not all arguments converted during string formatting");
  }
  return Value::string(std::move(out), markup);
}

std::string format_spec(const Value& v, const std::string& spec) {
  if (spec.empty()) return to_str(v);
  std::u32string s = utf8_decode(spec);
  size_t i = 0;
  char32_t fill = ' ';
  char align = 0;
  auto is_align = [](char32_t c) { return c == '<' || c == '>' || c == '=' || c == '^'; };
  if (s.size() >= 2 && is_align(s[1])) {
    fill = s[0];
    align = static_cast<char>(s[1]);
    i = 2;
  } else if (!s.empty() && is_align(s[0])) {
    align = static_cast<char>(s[0]);
    i = 1;
  }
  char sign = '-';
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sign = static_cast<char>(s[i++]);
  if (i < s.size() && s[i] == 'z') ++i;
  const bool alt = i < s.size() && s[i] == '#' && ++i;
  if (i < s.size() && s[i] == '0') {
    if (!align) {
      fill = '0';
      align = '=';
    }
    ++i;
  }
  int64_t width = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') width = width * 10 + (s[i++] - '0');
  char group = 0;
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) group = static_cast<char>(s[i++]);
  int64_t prec = -1;
  if (i < s.size() && s[i] == '.') {
    ++i;
    prec = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') prec = prec * 10 + (s[i++] - '0');
  }
  char type = i < s.size() ? static_cast<char>(s[i++]) : 0;
  if (i != s.size()) type_error("Invalid format specifier");

  if (v.kind == Kind::kString) {
    if (type != 0 && type != 's') {
      type_error(fmt::format("Unknown format code '{}' for object of type 'str'", type));
    }
    std::string body = v.str();
    if (prec >= 0) body = body.substr(0, utf8_offset(body, prec));
    return pad(body, width, fill, align ? align : '<');
  }
  if (!v.is_number()) {
    type_error(fmt::format("unsupported format string passed to {}.__format__", type_name(v)));
  }
  const bool integral = v.kind != Kind::kFloat;
  if (integral && (type == 0 || type == 'd' || type == 'n' || type == 'b' || type == 'o' ||
                   type == 'x' || type == 'X' || type == 'c')) {
    if (v.kind == Kind::kBool && type == 0 && spec.empty()) return to_str(v);
    const int64_t n = v.kind == Kind::kBool ? v.b : v.i;
    if (type == 'c') {
      std::string c;
      append_utf8(c, static_cast<char32_t>(n));
      return pad(c, width, fill, align ? align : '<');
    }
    const uint64_t mag = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
    const int base = type == 'b' ? 2 : type == 'o' ? 8 : (type == 'x' || type == 'X') ? 16 : 10;
    std::string digits = mag == 0 ? "0" : "";
    for (uint64_t m = mag; m > 0; m /= base)
      digits.insert(digits.begin(), "0123456789abcdef"[m % base]);
    if (type == 'X') digits = py_upper(digits);
    if (group) digits = group_digits(digits, group);
    std::string prefix = n < 0 ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
    if (alt && base != 10)
      prefix += type == 'b' ? "0b" : type == 'o' ? "0o" : type == 'X' ? "0X" : "0x";
    return pad(prefix + digits, width, fill, align ? align : '>', prefix.size());
  }
  double x = to_double(v);
  std::string body;
  const char t = type == 0 ? 'r' : type;
  if (t == 'r' && prec < 0) {
    body = float_repr(std::fabs(x));
  } else if (t == '%') {
    body = c_format("%." + std::to_string(prec < 0 ? 6 : prec) + "f", std::fabs(x) * 100) + "%";
  } else if (t == 'r') {
    body = c_format("%." + std::to_string(prec == 0 ? 1 : prec) + "g", std::fabs(x));
    if (body.find_first_of(".einfa") == std::string::npos) body += ".0";
  } else if (std::string_view("eEfFgGn").find(t) != std::string_view::npos) {
    const char ct = t == 'n' ? 'g' : t;
    body = c_format(
        std::string("%") + (alt ? "#" : "") + "." + std::to_string(prec < 0 ? 6 : prec) + ct,
        std::fabs(x));
  } else {
    type_error(fmt::format("Unknown format code '{}' for object of type '{}'", type, type_name(v)));
  }
  if (group) {
    size_t end = body.find_first_not_of("0123456789");
    if (end == std::string::npos) end = body.size();
    body = group_digits(body.substr(0, end), group) + body.substr(end);
  }
  const bool neg = std::signbit(x) && !std::isnan(x);
  std::string prefix = neg ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
  return pad(prefix + body, width, fill, align ? align : '>', prefix.size());
}

Value str_format(Interpreter& in, const Value& fmt_value, const CallArgs& args) {
  const std::string& f = fmt_value.str();
  const bool markup = fmt_value.markup;
  int auto_index = 0;
  bool manual = false;
  std::function<std::string(const std::string&, int)> render;
  auto field_value = [&](const std::string& field) -> Value {
    size_t end = field.find_first_of(".[");
    std::string first = field.substr(0, end);
    Value v;
    if (first.empty()) {
      if (manual)
        type_error("cannot switch from manual field specification to automatic field numbering");
      auto_index++;
      if (static_cast<size_t>(auto_index - 1) >= args.pos.size()) {
        type_error(fmt::format("Replacement index {} out of range for positional args tuple",
                               auto_index - 1));
      }
      v = args.pos[auto_index - 1];
    } else if (std::isdigit(static_cast<unsigned char>(first[0]))) {
      if (auto_index > 0)
        type_error("cannot switch from automatic field numbering to manual field specification");
      manual = true;
      const size_t k = std::stoul(first);
      if (k >= args.pos.size())
        type_error(fmt::format("Replacement index {} out of range for positional args tuple", k));
      v = args.pos[k];
    } else {
      bool found = false;
      for (const auto& [name, val] : args.kw) {
        if (name == first) {
          v = val;
          found = true;
        }
      }
      if (!found) type_error(fmt::format("KeyError: '{}'", first));
    }
    size_t p = end;
    while (p != std::string::npos && p < field.size()) {
      if (field[p] == '.') {
        size_t q = field.find_first_of(".[", p + 1);
        v = in.getattr(v,
                       field.substr(p + 1, q == std::string::npos ? std::string::npos : q - p - 1));
        p = q;
      } else {
        size_t q = field.find(']', p);
        if (q == std::string::npos) type_error("Missing ']' in format string");
        std::string key = field.substr(p + 1, q - p - 1);
        const bool digits =
            !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
        v = in.getitem(v, digits ? Value::integer(std::stoll(key)) : Value::string(key));
        p = q + 1;
      }
    }
    return v;
  };
  render = [&](const std::string& s, int depth) -> std::string {
    if (depth > 2) type_error("Max string recursion exceeded");
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '}') {
        if (i + 1 < s.size() && s[i + 1] == '}') {
          out += '}';
          ++i;
          continue;
        }
        type_error("Single '}' encountered in format string");
      }
      if (c != '{') {
        out += c;
        continue;
      }
      if (i + 1 < s.size() && s[i + 1] == '{') {
        out += '{';
        ++i;
        continue;
      }
      int level = 1;
      size_t j = i + 1;
      for (; j < s.size() && level > 0; ++j) level += s[j] == '{' ? 1 : s[j] == '}' ? -1 : 0;
      if (level != 0) type_error("expected '}' before end of string");
      std::string inner = s.substr(i + 1, j - i - 2);
      i = j - 1;
      size_t colon = std::string::npos, bang = std::string::npos;
      for (size_t k = 0, br = 0; k < inner.size(); ++k) {
        if (inner[k] == '[') br++;
        if (inner[k] == ']' && br) br--;
        if (br == 0 && inner[k] == '!' && bang == std::string::npos && colon == std::string::npos)
          bang = k;
        if (br == 0 && inner[k] == ':') {
          colon = k;
          break;
        }
      }
      std::string name = inner.substr(0, std::min(bang, colon));
      std::string spec =
          colon == std::string::npos ? "" : render(inner.substr(colon + 1), depth + 1);
      Value v = field_value(name);
      if (bang != std::string::npos) {
        const char conv = bang + 1 < inner.size() ? inner[bang + 1] : 0;
        if (conv == 'r' || conv == 'a') {
          v = Value::string(repr(v));
        } else if (conv == 's') {
          v = Value::string(to_str(v));
        } else {
          type_error("Unknown conversion specifier");
        }
      }
      std::string piece = format_spec(v, spec);
      out += markup && !(v.kind == Kind::kString && v.markup) ? html_escape(piece) : piece;
      in.check_size(out.size());
    }
    return out;
  };
  return Value::string(render(f, 0), markup);
}

}  // namespace owl::tmpl
