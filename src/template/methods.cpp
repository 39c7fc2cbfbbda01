// Python methods of str, list, tuple and dict reachable from templates (x.strip(), d.items(),
// ...), with the immutable sandbox's rule that mutating list/dict methods are unsafe.
#include <fmt/format.h>

#include <algorithm>

#include "template/builtins.h"
#include "template/interpreter.h"
#include "template/operators.h"
#include "template/py_text.h"

namespace owl::tmpl {
namespace {

[[noreturn]] void type_error(const std::string& msg) { throw TemplateError(ErrorKind::kType, msg); }

constexpr const char* kStrMethods[] = {
    "capitalize",   "casefold",    "center",    "count",      "encode",       "endswith",
    "expandtabs",   "find",        "format",    "format_map", "index",        "isalnum",
    "isalpha",      "isascii",     "isdecimal", "isdigit",    "isidentifier", "islower",
    "isnumeric",    "isprintable", "isspace",   "istitle",    "isupper",      "join",
    "ljust",        "lower",       "lstrip",    "maketrans",  "partition",    "removeprefix",
    "removesuffix", "replace",     "rfind",     "rindex",     "rjust",        "rpartition",
    "rsplit",       "rstrip",      "split",     "splitlines", "startswith",   "strip",
    "swapcase",     "title",       "translate", "upper",      "zfill"};
constexpr const char* kListSafe[] = {"copy", "count", "index", "pop", "clear"};
constexpr const char* kListUnsafe[] = {"append", "extend", "insert", "remove", "reverse", "sort"};
constexpr const char* kTupleMethods[] = {"count", "index"};
constexpr const char* kDictSafe[] = {"copy", "fromkeys", "get", "items", "keys", "values"};
constexpr const char* kDictUnsafe[] = {"clear", "pop", "popitem", "setdefault", "update"};

template <size_t N>
bool listed(const char* const (&names)[N], const std::string& name) {
  return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return name == n; });
}

struct BoundMethod : CallableObj {
  Value self;
  std::string name;
  Value call(Interpreter& in, CallArgs& args) override { return call_method(in, self, name, args); }
  std::string repr() const override {
    return fmt::format("<built-in method {} of {} object>", name, type_name(self));
  }
};

Value bound(const Value& self, const std::string& name) {
  auto m = std::make_shared<BoundMethod>();
  m->self = self;
  m->name = name;
  Value v;
  v.kind = Kind::kCallable;
  v.obj = std::move(m);
  return v;
}

Value unsafe(const Value& self, const std::string& name) {
  return Value::undefined(
      fmt::format("access to attribute '{}' of '{}' object is unsafe.", name, type_name(self)),
      ErrorKind::kSecurity);
}

// Positional-only argument list with a count range, as CPython's str methods take them.
const std::vector<Value>& positional(const char* name, const CallArgs& args, size_t lo, size_t hi) {
  if (!args.kw.empty()) type_error(fmt::format("{}() takes no keyword arguments", name));
  if (args.pos.size() < lo || args.pos.size() > hi) {
    type_error(
        fmt::format("{}() takes {} to {} arguments ({} given)", name, lo, hi, args.pos.size()));
  }
  return args.pos;
}

std::optional<std::string> opt_str(const char* name, const std::vector<Value>& a, size_t k) {
  if (k >= a.size() || a[k].is_none()) return std::nullopt;
  return arg_str(name, a[k]);
}

// The [start:end] window of str methods, as byte offsets (arguments are code point indices).
std::pair<size_t, size_t> window(const std::string& s, const std::vector<Value>& a, size_t k) {
  const int64_t n = static_cast<int64_t>(utf8_length(s));
  auto idx = [&](size_t i, int64_t dflt) {
    if (i >= a.size() || a[i].is_none()) return dflt;
    int64_t x = arg_int("slice", a[i]);
    if (x < 0) x = std::max<int64_t>(x + n, 0);
    return std::min(x, n);
  };
  const int64_t b = idx(k, 0), e = idx(k + 1, n);
  return {utf8_offset(s, b), utf8_offset(s, std::max(b, e))};
}

Value find_like(const std::string& name, const std::string& s, const std::vector<Value>& a) {
  const std::string sub = arg_str(name.c_str(), a[0]);
  auto [b, e] = window(s, a, 1);
  if (e < b) e = b;
  std::string_view hay = std::string_view(s).substr(b, e - b);
  const bool from_right = name == "rfind" || name == "rindex";
  size_t hit = from_right ? hay.rfind(sub) : hay.find(sub);
  if (hit == std::string_view::npos) {
    if (name == "index" || name == "rindex") {
      throw TemplateError(ErrorKind::kType, "substring not found");
    }
    return Value::integer(-1);
  }
  return Value::integer(static_cast<int64_t>(utf8_length(std::string_view(s).substr(0, b + hit))));
}

Value starts_ends(const std::string& name, const std::string& s, const std::vector<Value>& a) {
  auto [b, e] = window(s, a, 1);
  std::string_view hay = e >= b ? std::string_view(s).substr(b, e - b) : std::string_view();
  std::vector<Value> options;
  if (a[0].kind == Kind::kTuple) {
    options = a[0].items();
  } else if (a[0].kind == Kind::kString) {
    options.push_back(a[0]);
  } else {
    type_error(
        fmt::format("{} first arg must be str or a tuple of str, not {}", name, type_name(a[0])));
  }
  for (const Value& o : options) {
    const std::string p = arg_str(name.c_str(), o);
    if (p.size() > hay.size()) continue;
    if (name == "startswith" ? hay.substr(0, p.size()) == p
                             : hay.substr(hay.size() - p.size()) == p) {
      return Value::boolean(true);
    }
  }
  return Value::boolean(false);
}

Value string_list(const std::vector<std::string>& parts, bool markup) {
  std::vector<Value> out;
  out.reserve(parts.size());
  for (const auto& p : parts) out.push_back(Value::string(p, markup));
  return Value::list(std::move(out));
}

template <typename Pred>
Value all_chars(const std::string& s, Pred pred) {
  std::u32string cps = utf8_decode(s);
  if (cps.empty()) return Value::boolean(false);
  return Value::boolean(std::all_of(cps.begin(), cps.end(), pred));
}

Value str_predicate(const std::string& name, const std::string& s) {
  if (name == "isdigit") return all_chars(s, py_isdigit);
  if (name == "isdecimal") return all_chars(s, py_isdecimal);
  if (name == "isnumeric") return all_chars(s, py_isnumeric);
  if (name == "isalpha") return all_chars(s, py_isalpha);
  if (name == "isspace") return all_chars(s, py_isspace);
  if (name == "isalnum") {
    return all_chars(s, [](char32_t c) { return py_isalpha(c) || py_isnumeric(c); });
  }
  if (name == "isascii") return Value::boolean(is_ascii(s));
  if (name == "isprintable") {
    std::u32string cps = utf8_decode(s);
    return Value::boolean(std::all_of(cps.begin(), cps.end(), py_isprintable));
  }
  if (name == "isidentifier") {
    std::u32string cps = utf8_decode(s);
    if (cps.empty() || py_isdigit(cps[0])) return Value::boolean(false);
    return all_chars(s, [](char32_t c) { return c == '_' || py_isalpha(c) || py_isdigit(c); });
  }
  bool any_cased = false, ok = true, prev_cased = false;
  for (char32_t c : utf8_decode(s)) {
    const bool up = py_iscased_upper(c), low = py_iscased_lower(c);
    if (name == "islower" && up) ok = false;
    if (name == "isupper" && low) ok = false;
    if (name == "istitle") {
      if (up && prev_cased) ok = false;
      if (low && !prev_cased) ok = false;
      prev_cased = up || low;
    }
    any_cased = any_cased || up || low;
  }
  return Value::boolean(ok && any_cased);
}

Value str_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& args) {
  const std::string& s = self.str();
  const bool mk = self.markup;
  const char* n = name.c_str();
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const auto& a = positional(n, args, 0, 1);
    return Value::string(py_strip(s, opt_str(n, a, 0), name != "rstrip", name != "lstrip"), mk);
  }
  if (name == "split" || name == "rsplit") {
    auto a = bind_args(n, args, {"sep", "maxsplit"});
    std::optional<std::string> sep;
    if (a[0] && !a[0]->is_none()) sep = arg_str(n, *a[0]);
    if (sep && sep->empty()) type_error("empty separator");
    const int64_t maxsplit = a[1] ? arg_int(n, *a[1]) : -1;
    return string_list(name == "split" ? py_split(s, sep, maxsplit) : py_rsplit(s, sep, maxsplit),
                       mk);
  }
  if (name == "splitlines") {
    auto a = bind_args(n, args, {"keepends"});
    return string_list(py_splitlines(s, a[0] && truthy(*a[0])), mk);
  }
  if (name == "startswith" || name == "endswith")
    return starts_ends(name, s, positional(n, args, 1, 3));
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    return find_like(name, s, positional(n, args, 1, 3));
  }
  if (name == "count") {
    const auto& a = positional(n, args, 1, 3);
    auto [b, e] = window(s, a, 1);
    return Value::integer(e < b ? 0
                                : py_count(std::string_view(s).substr(b, e - b), arg_str(n, a[0])));
  }
  if (name == "upper") return positional(n, args, 0, 0), Value::string(py_upper(s), mk);
  if (name == "lower" || name == "casefold")
    return positional(n, args, 0, 0), Value::string(py_lower(s), mk);
  if (name == "title") return positional(n, args, 0, 0), Value::string(py_title(s), mk);
  if (name == "capitalize") return positional(n, args, 0, 0), Value::string(py_capitalize(s), mk);
  if (name == "swapcase") return positional(n, args, 0, 0), Value::string(py_swapcase(s), mk);
  if (name == "replace") {
    const auto& a = positional(n, args, 2, 3);
    std::string r =
        py_replace(s, arg_str(n, a[0]), arg_str(n, a[1]), a.size() > 2 ? arg_int(n, a[2]) : -1);
    in.check_size(r.size());
    return Value::string(std::move(r), mk);
  }
  if (name == "join") {
    const auto& a = positional(n, args, 1, 1);
    std::string out;
    size_t k = 0;
    for (const Value& item : iterate(a[0])) {
      if (item.kind != Kind::kString) {
        type_error(
            fmt::format("sequence item {}: expected str instance, {} found", k, type_name(item)));
      }
      if (k++) out += s;
      out += mk && !item.markup ? html_escape(item.str()) : item.str();
      in.check_size(out.size());
    }
    return Value::string(std::move(out), mk);
  }
  if (name == "format") return str_format(in, self, args);
  if (name == "center" || name == "ljust" || name == "rjust") {
    const auto& a = positional(n, args, 1, 2);
    const int64_t width = arg_int(n, a[0]);
    char32_t fill = ' ';
    if (a.size() > 1) {
      std::u32string f = utf8_decode(arg_str(n, a[1]));
      if (f.size() != 1) type_error("The fill character must be exactly one character long");
      fill = f[0];
    }
    in.check_size(static_cast<size_t>(std::max<int64_t>(width, 0)) * 4);
    if (name == "center") return Value::string(py_center(s, width, fill), mk);
    const int64_t len = static_cast<int64_t>(utf8_length(s));
    std::string f;
    append_utf8(f, fill);
    std::string padding;
    for (int64_t k = len; k < width; ++k) padding += f;
    return Value::string(name == "ljust" ? s + padding : padding + s, mk);
  }
  if (name == "zfill") {
    const auto& a = positional(n, args, 1, 1);
    const int64_t width = arg_int(n, a[0]);
    const int64_t len = static_cast<int64_t>(utf8_length(s));
    if (width <= len) return self;
    in.check_size(static_cast<size_t>(width));
    const bool sign = !s.empty() && (s[0] == '+' || s[0] == '-');
    return Value::string(
        (sign ? s.substr(0, 1) : "") + std::string(width - len, '0') + s.substr(sign), mk);
  }
  if (name == "partition" || name == "rpartition") {
    const std::string sep = arg_str(n, positional(n, args, 1, 1)[0]);
    if (sep.empty()) type_error("empty separator");
    const size_t hit = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (hit == std::string::npos) {
      return name == "partition" ? Value::tuple({Value::string(s, mk), Value::string("", mk),
                                                 Value::string("", mk)})
                                 : Value::tuple({Value::string("", mk), Value::string("", mk),
                                                 Value::string(s, mk)});
    }
    return Value::tuple({Value::string(s.substr(0, hit), mk), Value::string(sep, mk),
                         Value::string(s.substr(hit + sep.size()), mk)});
  }
  if (name == "removeprefix" || name == "removesuffix") {
    const std::string p = arg_str(n, positional(n, args, 1, 1)[0]);
    if (name == "removeprefix" && s.compare(0, p.size(), p) == 0)
      return Value::string(s.substr(p.size()), mk);
    if (name == "removesuffix" && !p.empty() && s.size() >= p.size() &&
        s.compare(s.size() - p.size(), p.size(), p) == 0) {
      return Value::string(s.substr(0, s.size() - p.size()), mk);
    }
    return self;
  }
  if (name == "expandtabs") {
    auto a = bind_args(n, args, {"tabsize"});
    const int64_t tab = a[0] ? arg_int(n, *a[0]) : 8;
    std::string out;
    int64_t col = 0;
    for (char32_t c : utf8_decode(s)) {
      if (c == '\t') {
        const int64_t spaces = tab > 0 ? tab - col % tab : 0;
        out += std::string(spaces, ' ');
        col += spaces;
      } else {
        append_utf8(out, c);
        col = (c == '\n' || c == '\r') ? 0 : col + 1;
      }
    }
    return Value::string(std::move(out), mk);
  }
  if (name.rfind("is", 0) == 0) {
    positional(n, args, 0, 0);
    return str_predicate(name, s);
  }
  throw TemplateError(ErrorKind::kRuntime, fmt::format("str.{}() is not supported by owl", name));
}

Value list_method(const Value& self, const std::string& name, CallArgs& args) {
  auto& items = self.list_obj().items;
  const char* n = name.c_str();
  if (name == "copy") return positional(n, args, 0, 0), Value::list(items);
  if (name == "count") {
    const auto& a = positional(n, args, 1, 1);
    return Value::integer(
        std::count_if(items.begin(), items.end(), [&](const Value& v) { return py_eq(v, a[0]); }));
  }
  if (name == "index") {
    const auto& a = positional(n, args, 1, 3);
    const int64_t len = static_cast<int64_t>(items.size());
    auto bound_idx = [&](size_t i, int64_t d) {
      if (i >= a.size()) return d;
      int64_t x = arg_int(n, a[i]);
      if (x < 0) x = std::max<int64_t>(x + len, 0);
      return std::min(x, len);
    };
    for (int64_t k = bound_idx(1, 0); k < bound_idx(2, len); ++k) {
      if (py_eq(items[k], a[0])) return Value::integer(k);
    }
    type_error(fmt::format("{} is not in {}", repr(a[0]), type_name(self)));
  }
  if (name == "pop") {  // allowed by Jinja2's ImmutableSandboxedEnvironment: mutates the list
    const auto& a = positional(n, args, 0, 1);
    if (items.empty()) type_error("pop from empty list");
    int64_t i = a.empty() ? -1 : arg_int(n, a[0]);
    if (i < 0) i += static_cast<int64_t>(items.size());
    if (i < 0 || i >= static_cast<int64_t>(items.size())) type_error("pop index out of range");
    Value v = items[i];
    items.erase(items.begin() + i);
    return v;
  }
  if (name == "clear") {
    positional(n, args, 0, 0);
    items.clear();
    return Value::none();
  }
  throw TemplateError(ErrorKind::kRuntime, fmt::format("list.{}() is not supported", name));
}

Value dict_method(const Value& self, const std::string& name, CallArgs& args) {
  const DictObj& d = self.dict_obj();
  const char* n = name.c_str();
  if (name == "get") {
    const auto& a = positional(n, args, 1, 2);
    if (a[0].kind == Kind::kList || a[0].kind == Kind::kDict) {
      type_error(fmt::format("unhashable type: '{}'", type_name(a[0])));
    }
    const Value* v = d.find(a[0]);
    return v ? *v : (a.size() > 1 ? a[1] : Value::none());
  }
  if (name == "items" || name == "keys" || name == "values") {
    positional(n, args, 0, 0);
    std::vector<Value> out;
    for (const auto& [k, v] : d.entries) {
      out.push_back(name == "items" ? Value::tuple({k, v}) : name == "keys" ? k : v);
    }
    Value r = Value::list(std::move(out));
    r.list_obj().view = name == "items"  ? "dict_items"
                        : name == "keys" ? "dict_keys"
                                         : "dict_values";
    return r;
  }
  if (name == "copy") {
    positional(n, args, 0, 0);
    auto c = std::make_shared<DictObj>();
    for (const auto& [k, v] : d.entries) c->set(k, v);
    return make_dict(std::move(c));
  }
  if (name == "fromkeys") {
    const auto& a = positional(n, args, 1, 2);
    auto c = std::make_shared<DictObj>();
    for (const auto& k : iterate(a[0])) c->set(k, a.size() > 1 ? a[1] : Value::none());
    return make_dict(std::move(c));
  }
  throw TemplateError(ErrorKind::kRuntime, fmt::format("dict.{}() is not supported", name));
}

}  // namespace

std::optional<Value> method_attribute(const Value& self, const std::string& name) {
  switch (self.kind) {
    case Kind::kString:
      if (listed(kStrMethods, name)) return bound(self, name);
      return std::nullopt;
    case Kind::kList:
      if (listed(kListSafe, name)) return bound(self, name);
      if (listed(kListUnsafe, name)) return unsafe(self, name);
      return std::nullopt;
    case Kind::kTuple:
      if (listed(kTupleMethods, name)) return bound(self, name);
      return std::nullopt;
    case Kind::kDict:
      if (listed(kDictSafe, name)) return bound(self, name);
      if (listed(kDictUnsafe, name)) return unsafe(self, name);
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

Value call_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& args) {
  switch (self.kind) {
    case Kind::kString:
      return str_method(in, self, name, args);
    case Kind::kList:
      return list_method(self, name, args);
    case Kind::kTuple:
      return list_method(self, name, args);
    case Kind::kDict:
      return dict_method(self, name, args);
    default:
      type_error(fmt::format("'{}' object has no method '{}'", type_name(self), name));
  }
}

}  // namespace owl::tmpl
