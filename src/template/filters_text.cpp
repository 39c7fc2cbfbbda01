// String, number and conversion filters (upper, trim, indent, tojson, int, round, ...), with the
// Python/markupsafe behaviour Jinja2's filters inherit.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "template/filters.h"
#include "template/json_dumps.h"
#include "template/operators.h"
#include "template/py_text.h"

namespace owl::tmpl {
namespace {

[[noreturn]] void type_error(const std::string& msg) { throw TemplateError(ErrorKind::kType, msg); }

void no_extra(const char* name, const CallArgs& args) { bind_args(name, args, {}); }

Value opt(const std::optional<Value>& v, Value fallback) { return v ? *v : std::move(fallback); }

// Python float(str): whitespace, sign, digits with single underscores, inf/nan; no hex.
std::optional<double> parse_py_float(std::string_view s) {
  std::string t = py_strip(s, std::nullopt, true, true);
  std::string lower = py_lower(t);
  size_t i = (!lower.empty() && (lower[0] == '+' || lower[0] == '-')) ? 1 : 0;
  const std::string body = lower.substr(i);
  const double sign = (i == 1 && lower[0] == '-') ? -1.0 : 1.0;
  if (body == "inf" || body == "infinity") return sign * INFINITY;
  if (body == "nan") return std::nan("");
  std::string clean;
  bool digits = false, prev_digit = false;
  for (size_t k = i; k < t.size(); ++k) {
    const char c = t[k];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits = prev_digit = true;
      clean += c;
    } else if (c == '_') {
      if (!prev_digit || k + 1 >= t.size() || !std::isdigit(static_cast<unsigned char>(t[k + 1]))) {
        return std::nullopt;
      }
      prev_digit = false;
    } else if (c == '.' || c == 'e' || c == 'E' || ((c == '+' || c == '-') && k > i)) {
      prev_digit = false;
      clean += c;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  const std::string full = (sign < 0 ? "-" : "") + clean;
  char* end = nullptr;
  const double d = std::strtod(full.c_str(), &end);
  if (end != full.c_str() + full.size()) return std::nullopt;
  return d;
}

// Python int(str, base): whitespace, sign, single underscores, optional 0x/0o/0b prefix.
std::optional<int64_t> parse_py_int(std::string_view s, int64_t base) {
  std::string t = py_strip(s, std::nullopt, true, true);
  size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
  if (t.size() > i + 1 && t[i] == '0') {
    const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(t[i + 1])));
    const int64_t pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (pb != 0 && (base == pb || base == 0)) {
      base = pb;
      i += 2;
      if (i < t.size() && t[i] == '_') ++i;
    }
  }
  if (base == 0) base = 10;
  if (base < 2 || base > 36) type_error("int() base must be >= 2 and <= 36, or 0");
  std::string digits;
  for (size_t k = i; k < t.size(); ++k) {
    const char c = t[k];
    if (c == '_' && !digits.empty() && k + 1 < t.size() && t[k + 1] != '_') continue;
    const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                  : std::isalpha(static_cast<unsigned char>(c))
                      ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                      : 99;
    if (d >= base) return std::nullopt;
    digits += c;
  }
  if (digits.empty()) return std::nullopt;
  errno = 0;
  const unsigned long long v = std::strtoull(digits.c_str(), nullptr, static_cast<int>(base));
  if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX)) {
    type_error("integer too large (owl's templates use 64-bit integers)");
  }
  return neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

int64_t float_to_int(double d) {
  if (std::isnan(d)) type_error("cannot convert float NaN to integer");
  if (std::isinf(d)) type_error("cannot convert float infinity to integer");
  if (std::fabs(d) >= 9.2e18) type_error("integer too large (owl's templates use 64-bit integers)");
  return static_cast<int64_t>(std::trunc(d));
}

// Python round(float, n): correctly rounded, ties to even (what glibc's printf does).
double round_float(double x, int64_t n) {
  if (!std::isfinite(x) || n > 308) return x;
  if (n >= 0) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(n), x);
    return std::strtod(buf, nullptr);
  }
  if (n < -308) return std::copysign(0.0, x);
  const double p = std::pow(10.0, static_cast<double>(-n));
  return std::nearbyint(x / p) * p;
}

}  // namespace

Value soft_str(const Value& v) {
  if (v.kind == Kind::kString) return v;
  return Value::string(to_str(v));
}

Value f_upper(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("upper", args);
  Value s = soft_str(v);
  return Value::string(py_upper(s.str()), s.markup);
}

Value f_lower(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("lower", args);
  Value s = soft_str(v);
  return Value::string(py_lower(s.str()), s.markup);
}

Value f_capitalize(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("capitalize", args);
  Value s = soft_str(v);
  return Value::string(py_capitalize(s.str()), s.markup);
}

// Jinja2's title: split at runs of [-\s({\[<], upper-case each piece's first char.
Value f_title(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("title", args);
  std::u32string cps = utf8_decode(soft_str(v).str());
  auto is_sep = [](char32_t c) {
    return py_isspace(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
  };
  std::string out;
  size_t i = 0;
  while (i < cps.size()) {
    size_t j = i;
    const bool sep = is_sep(cps[i]);
    while (j < cps.size() && is_sep(cps[j]) == sep) ++j;
    std::u32string_view piece(cps.data() + i, j - i);
    if (sep) {
      out += utf8_encode(piece);
    } else {
      out += py_upper(utf8_encode(piece.substr(0, 1)));
      out += py_lower(utf8_encode(piece.substr(1)));
    }
    i = j;
  }
  return Value::string(std::move(out));
}

Value f_trim(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("trim", args, {"chars"});
  std::optional<std::string> chars;
  if (a[0] && !a[0]->is_none()) chars = arg_str("trim", *a[0]);
  Value s = soft_str(v);
  return Value::string(py_strip(s.str(), chars, true, true), s.markup);
}

Value f_center(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("center", args, {"width"});
  Value s = soft_str(v);
  return Value::string(py_center(s.str(), a[0] ? arg_int("center", *a[0]) : 80, ' '), s.markup);
}

Value f_replace(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("replace", args, {"old", "new", "count"});
  if (!a[0] || !a[1]) type_error("replace() missing required arguments 'old' and 'new'");
  const int64_t count = a[2] && !a[2]->is_none() ? arg_int("replace", *a[2]) : -1;
  std::string r = py_replace(to_str(v), to_str(*a[0]), to_str(*a[1]), count);
  in.check_size(r.size());
  return Value::string(std::move(r));
}

Value f_indent(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("indent", args, {"width", "first", "blank"});
  std::string ind = "    ";
  if (a[0]) {
    if (a[0]->kind == Kind::kString) {
      ind = a[0]->str();
    } else {
      const int64_t w = arg_int("indent", *a[0]);
      ind = std::string(w > 0 ? static_cast<size_t>(w) : 0, ' ');
    }
  }
  const bool first = a[1] && truthy(*a[1]);
  const bool blank = a[2] && truthy(*a[2]);
  if (v.kind != Kind::kString) {
    check_defined(v);
    type_error(fmt::format("unsupported operand type(s) for +=: '{}' and 'str'", type_name(v)));
  }
  std::vector<std::string> lines = py_splitlines(v.str() + "\n", false);
  std::string rv;
  for (size_t k = 0; k < lines.size(); ++k) {
    if (k > 0) rv += "\n";
    if (k > 0 && (blank || !lines[k].empty())) rv += ind;
    rv += lines[k];
  }
  if (first) rv = ind + rv;
  in.check_size(rv.size());
  return Value::string(std::move(rv), v.markup);
}

Value f_truncate(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("truncate", args, {"length", "killwords", "end", "leeway"});
  const int64_t length = a[0] ? arg_int("truncate", *a[0]) : 255;
  const bool killwords = a[1] && truthy(*a[1]);
  const std::string end = a[2] ? arg_str("truncate", *a[2]) : "...";
  const int64_t leeway = a[3] && !a[3]->is_none() ? arg_int("truncate", *a[3]) : 5;
  const std::string s = arg_str("truncate", v);
  const int64_t end_len = static_cast<int64_t>(utf8_length(end));
  if (length < end_len) type_error(fmt::format("expected length >= {}, got {}", end_len, length));
  if (leeway < 0) type_error(fmt::format("expected leeway >= 0, got {}", leeway));
  if (static_cast<int64_t>(utf8_length(s)) <= length + leeway) return v;
  std::string head = s.substr(0, utf8_offset(s, length - end_len));
  if (killwords) return Value::string(head + end, v.markup);
  return Value::string(py_rsplit(head, std::string(" "), 1)[0] + end, v.markup);
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("wordcount", args);
  int64_t n = 0;
  bool in_word = false;
  for (char32_t c : utf8_decode(soft_str(v).str())) {
    const bool w = c == '_' || py_isalpha(c) || py_isnumeric(c);
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value::integer(n);
}

Value f_string(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("string", args);
  return soft_str(v);
}

Value f_safe(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("safe", args);
  if (v.kind == Kind::kString && v.markup) return v;
  return Value::string(to_str(v), true);
}

Value f_escape(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("escape", args);
  return Value::string(escape_value(v), true);
}

Value f_forceescape(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("forceescape", args);
  return Value::string(html_escape(to_str(v)), true);
}

Value f_striptags(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("striptags", args);
  std::string s = to_str(v), no_tags;
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, 4, "<!--") == 0) {
      size_t e = s.find("-->", i + 4);
      if (e != std::string::npos) {
        i = e + 3;
        continue;
      }
    }
    if (s[i] == '<') {
      size_t e = s.find('>', i + 1);
      if (e != std::string::npos) {
        i = e + 1;
        continue;
      }
    }
    no_tags += s[i++];
  }
  std::vector<std::string> words = py_split(no_tags, std::nullopt, -1);
  std::string joined;
  for (size_t k = 0; k < words.size(); ++k) joined += (k ? " " : "") + words[k];
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&amp;", "&"},  {"&lt;", "<"},  {"&gt;", ">"},   {"&quot;", "\""},
      {"&#34;", "\""}, {"&#39;", "'"}, {"&#x27;", "'"}, {"&nbsp;", "\xc2\xa0"}};
  std::string out;
  for (size_t i = 0; i < joined.size();) {
    bool hit = false;
    for (const auto& [ent, rep] : kEntities) {
      if (joined.compare(i, std::strlen(ent), ent) == 0) {
        out += rep;
        i += std::strlen(ent);
        hit = true;
        break;
      }
    }
    if (!hit) out += joined[i++];
  }
  return Value::string(std::move(out));
}

namespace {
std::string url_quote(const std::string& s, bool for_qs) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || (!for_qs && c == '/')) {
      out += static_cast<char>(c);
    } else if (for_qs && c == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}
}  // namespace

Value f_urlencode(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("urlencode", args);
  if (v.kind == Kind::kString) return Value::string(url_quote(v.str(), false));
  std::vector<std::pair<Value, Value>> items;
  if (v.kind == Kind::kDict) {
    items = v.dict_obj().entries;
  } else {
    for (const auto& it : iterate(v)) {
      auto pair = iterate(it);
      if (pair.size() != 2) type_error("urlencode expects (key, value) pairs");
      items.emplace_back(pair[0], pair[1]);
    }
  }
  std::string out;
  for (const auto& [k, val] : items) {
    if (!out.empty()) out += "&";
    out += url_quote(to_str(k), true) + "=" + url_quote(to_str(val), true);
  }
  return Value::string(std::move(out));
}

Value f_xmlattr(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("xmlattr", args, {"autospace"});
  if (v.kind != Kind::kDict) type_error("xmlattr expects a mapping");
  std::string rv;
  for (const auto& [k, val] : v.dict_obj().entries) {
    if (val.is_none() || val.is_undefined()) continue;
    const std::string key = to_str(k);
    for (char32_t c : utf8_decode(key)) {
      if ((c < 0x80 && py_isspace(c)) || c == '/' || c == '>' || c == '=') {
        type_error(fmt::format("Invalid character in attribute name: {}", str_repr(key)));
      }
    }
    if (!rv.empty()) rv += " ";
    rv += html_escape(key) + "=\"" + escape_value(val) + "\"";
  }
  if ((!a[0] || truthy(*a[0])) && !rv.empty()) rv = " " + rv;
  return Value::string(std::move(rv));
}

Value f_format(Interpreter& in, const Value& v, CallArgs& args) {
  if (!args.pos.empty() && !args.kw.empty()) {
    throw TemplateError(ErrorKind::kRuntime,
                        "can't handle positional and keyword arguments at the same time");
  }
  Value fmt_value = soft_str(v);
  if (!args.kw.empty()) {
    auto d = std::make_shared<DictObj>();
    for (const auto& [k, val] : args.kw) d->set(Value::string(k), val);
    return percent_format(in, fmt_value, make_dict(std::move(d)));
  }
  return percent_format(in, fmt_value, Value::tuple(args.pos));
}

// HF's tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
Value f_tojson(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions o;
  o.ensure_ascii = a[0] && truthy(*a[0]);
  if (a[1] && !a[1]->is_none()) {
    if (a[1]->kind == Kind::kString) {
      o.indent = a[1]->str();
    } else if (a[1]->kind == Kind::kInt || a[1]->kind == Kind::kBool) {
      const int64_t n = arg_int("tojson", *a[1]);
      o.indent = std::string(n > 0 ? static_cast<size_t>(n) : 0, ' ');
    } else {
      type_error(fmt::format("can't multiply sequence by non-int of type '{}'", type_name(*a[1])));
    }
    o.item_separator = std::string(1, ',');  // json.dumps: "," once indent is set
  }
  if (a[2] && !a[2]->is_none()) {
    std::vector<Value> seps = iterate(*a[2]);
    if (seps.size() != 2) type_error("separators must be an (item_separator, key_separator) pair");
    o.item_separator = arg_str("tojson", seps[0]);
    o.key_separator = arg_str("tojson", seps[1]);
  }
  o.sort_keys = a[3] && truthy(*a[3]);
  std::string s = json_dumps(v, o);
  in.check_size(s.size());
  return Value::string(std::move(s));
}

Value f_pprint(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("pprint", args);
  return Value::string(repr(v));
}

Value f_int(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("int", args, {"default", "base"});
  const Value fallback = opt(a[0], Value::integer(0));
  const int64_t base = a[1] ? arg_int("int", *a[1]) : 10;
  switch (v.kind) {
    case Kind::kInt:
      return v;
    case Kind::kBool:
      return Value::integer(v.b);
    case Kind::kFloat:
      return Value::integer(float_to_int(v.f));
    case Kind::kString: {
      if (auto i = parse_py_int(v.str(), base)) return Value::integer(*i);
      if (auto d = parse_py_float(v.str())) {
        if (std::isnan(*d)) return fallback;
        return Value::integer(float_to_int(*d));
      }
      return fallback;
    }
    default:
      return fallback;
  }
}

Value f_float(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("float", args, {"default"});
  const Value fallback = opt(a[0], Value::real(0.0));
  if (v.is_number()) return Value::real(to_double(v));
  if (v.kind == Kind::kString) {
    if (auto d = parse_py_float(v.str())) return Value::real(*d);
  }
  return fallback;
}

Value f_abs(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("abs", args);
  if (v.kind == Kind::kFloat) return Value::real(std::fabs(v.f));
  if (v.kind == Kind::kInt || v.kind == Kind::kBool) {
    const int64_t i = v.kind == Kind::kBool ? v.b : v.i;
    if (i == INT64_MIN) type_error("integer overflow");
    return Value::integer(i < 0 ? -i : i);
  }
  check_defined(v);
  type_error(fmt::format("bad operand type for abs(): '{}'", type_name(v)));
}

Value f_round(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("round", args, {"precision", "method"});
  const int64_t prec = a[0] ? arg_int("round", *a[0]) : 0;
  const std::string method = a[1] ? arg_str("round", *a[1]) : "common";
  if (method != "common" && method != "ceil" && method != "floor") {
    throw TemplateError(ErrorKind::kRuntime, "method must be common, ceil or floor");
  }
  check_defined(v);
  if (!v.is_number()) {
    type_error(fmt::format("type {} doesn't define __round__ method", type_name(v)));
  }
  if (method == "common") {
    if (v.kind != Kind::kFloat) {
      const int64_t i = v.kind == Kind::kBool ? v.b : v.i;
      if (prec >= 0) return Value::integer(i);
      return Value::integer(static_cast<int64_t>(round_float(static_cast<double>(i), prec)));
    }
    return Value::real(round_float(v.f, prec));
  }
  const double p = std::pow(10.0, static_cast<double>(prec));
  const double x = to_double(v) * p;
  return Value::real((method == "ceil" ? std::ceil(x) : std::floor(x)) / p);
}

Value f_filesizeformat(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("filesizeformat", args, {"binary"});
  const bool binary = a[0] && truthy(*a[0]);
  double bytes;
  if (v.is_number()) {
    bytes = to_double(v);
  } else if (auto d = v.kind == Kind::kString ? parse_py_float(v.str()) : std::nullopt) {
    bytes = *d;
  } else {
    type_error("filesizeformat expects a number");
  }
  const double base = binary ? 1024 : 1000;
  static const char* kPrefixes[2][8] = {{"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"},
                                        {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}};
  if (bytes == 1) return Value::string("1 Byte");
  if (bytes < base) return Value::string(fmt::format("{} Bytes", float_to_int(bytes)));
  double unit = base;
  for (int i = 0; i < 8; ++i) {
    unit *= base;
    if (bytes < unit || i == 7) {
      return Value::string(fmt::format("{:.1f} {}", base * bytes / unit, kPrefixes[binary][i]));
    }
  }
  return Value::string("");
}

Value f_default(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("default", args, {"default_value", "boolean"});
  const bool boolean = a[1] && truthy(*a[1]);
  if (v.is_undefined() || (boolean && !truthy(v))) return opt(a[0], Value::string(""));
  return v;
}

Value f_attr(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("attr", args, {"name"});
  if (!a[0]) type_error("attr() missing required argument 'name'");
  const std::string name = arg_str("attr", *a[0]);
  // Python getattr only: a dict's keys are not attributes (unlike `d.name` in a template).
  if (v.kind == Kind::kDict) {
    if (auto m = method_attribute(v, name)) return *m;
    return Value::undefined(fmt::format("'dict object' has no attribute '{}'", name));
  }
  return in.getattr(v, name);
}

Value f_unsupported_random(Interpreter&, const Value&, CallArgs&) {
  throw TemplateError(ErrorKind::kRuntime, "filter 'random' is not supported (not reproducible)");
}
Value f_unsupported_urlize(Interpreter&, const Value&, CallArgs&) {
  throw TemplateError(ErrorKind::kRuntime, "filter 'urlize' is not supported by owl");
}
Value f_unsupported_wordwrap(Interpreter&, const Value&, CallArgs&) {
  throw TemplateError(ErrorKind::kRuntime, "filter 'wordwrap' is not supported by owl");
}

}  // namespace owl::tmpl
