// Python semantics of template values: truthiness, str/repr, equality, ordering, iteration.
#include "template/value.h"

#include <fmt/format.h>

#include <cmath>

#include "template/py_text.h"

namespace owl::tmpl {

const char* error_kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::kRaise:
      return "raise_exception";
    case ErrorKind::kSecurity:
      return "security";
    case ErrorKind::kType:
      return "type";
    case ErrorKind::kUndefined:
      return "undefined";
    case ErrorKind::kSyntax:
      return "syntax";
    case ErrorKind::kRuntime:
      return "runtime";
    case ErrorKind::kLimit:
      return "limit";
  }
  return "unknown";
}

TemplateError::TemplateError(ErrorKind kind, std::string message, int line)
    : Error(message), kind_(kind), message_(std::move(message)), line_(-1) {
  set_line(line);
}

void TemplateError::set_line(int line) {
  line_ = line;
  full_ = line_ > 0 ? fmt::format("{} (template line {})", message_, line_) : message_;
}

Value Value::string(std::string s, bool is_markup) {
  Value r = with_kind(Kind::kString);
  r.markup = is_markup;
  r.obj = std::make_shared<StrObj>(std::move(s));
  return r;
}

namespace {
Value make_seq(Kind k, std::vector<Value> items) {
  Value r;
  r.kind = k;
  auto l = std::make_shared<ListObj>();
  l->items = std::move(items);
  r.obj = std::move(l);
  return r;
}
}  // namespace

Value Value::list(std::vector<Value> items) { return make_seq(Kind::kList, std::move(items)); }
Value Value::tuple(std::vector<Value> items) { return make_seq(Kind::kTuple, std::move(items)); }
Value Value::iterator(std::vector<Value> items) {
  return make_seq(Kind::kIterator, std::move(items));
}

Value Value::undefined(std::string message, ErrorKind exc) {
  Value r;
  r.obj = std::make_shared<UndefinedObj>(std::move(message), exc);
  return r;
}

Value Value::undefined_name(const std::string& name) {
  return undefined(fmt::format("'{}' is undefined", name));
}

ListObj& Value::list_obj() const { return static_cast<ListObj&>(*obj); }
DictObj& Value::dict_obj() const { return static_cast<DictObj&>(*obj); }
const std::vector<Value>& Value::items() const { return list_obj().items; }

Value make_dict(std::shared_ptr<DictObj> d) {
  Value r;
  r.kind = Kind::kDict;
  r.obj = std::move(d);
  return r;
}

Value make_namespace(std::shared_ptr<DictObj> d) {
  Value r;
  r.kind = Kind::kNamespace;
  r.obj = std::move(d);
  return r;
}

const Value* DictObj::find(std::string_view key) const {
  if (entries.size() <= 8) {
    for (const auto& e : entries) {
      if (e.first.kind == Kind::kString && e.first.str() == key) return &e.second;
    }
    return nullptr;
  }
  auto it = string_index_.find(std::string(key));
  return it == string_index_.end() ? nullptr : &entries[it->second].second;
}

const Value* DictObj::find(const Value& key) const {
  if (key.kind == Kind::kString) return find(std::string_view(key.str()));
  for (const auto& e : entries) {
    if (e.first.kind != Kind::kString && py_eq(e.first, key)) return &e.second;
  }
  return nullptr;
}

void DictObj::set(const Value& key, Value value) {
  if (const Value* existing = find(key)) {
    *const_cast<Value*>(existing) = std::move(value);
    return;
  }
  if (key.kind == Kind::kString) string_index_.emplace(key.str(), entries.size());
  entries.emplace_back(key, std::move(value));
}

namespace {
thread_local int nest_depth = 0;
constexpr int kMaxNest = 900;
}  // namespace

NestGuard::NestGuard() {
  if (++nest_depth > kMaxNest) {
    --nest_depth;
    throw TemplateError(ErrorKind::kLimit, "maximum recursion depth exceeded in nested value");
  }
}

NestGuard::~NestGuard() { --nest_depth; }

[[noreturn]] void fail_undefined(const Value& v) {
  throw TemplateError(v.undef().exc, v.undef().message);
}

void check_defined(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
}

bool truthy(const Value& v) {
  switch (v.kind) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return v.b;
    case Kind::kInt:
      return v.i != 0;
    case Kind::kFloat:
      return v.f != 0;
    case Kind::kString:
      return !v.str().empty();
    case Kind::kList:
    case Kind::kTuple:
      return !v.items().empty();
    case Kind::kDict:
      return v.dict_obj().size() != 0;
    default:
      return true;  // namespace, callables, loop, generators
  }
}

std::string type_name(const Value& v) {
  switch (v.kind) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return v.markup ? "Markup" : "str";
    case Kind::kList:
      return "list";
    case Kind::kTuple:
      return "tuple";
    case Kind::kDict:
      return "dict";
    case Kind::kNamespace:
      return "Namespace";
    case Kind::kCallable:
      return "function";
    case Kind::kLoop:
      return "LoopContext";
    case Kind::kIterator:
      return "generator";
  }
  return "object";
}

namespace {

std::string join_repr(const std::vector<Value>& items) {
  std::string out;
  for (size_t k = 0; k < items.size(); ++k) {
    if (k) out += ", ";
    out += repr(items[k]);
  }
  return out;
}

std::string dict_repr(const DictObj& d) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : d.entries) {
    if (!first) out += ", ";
    first = false;
    out += repr(k) + ": " + repr(v);
  }
  return out + "}";
}

}  // namespace

std::string to_str(const Value& v) {
  NestGuard guard;
  switch (v.kind) {
    case Kind::kUndefined:
      return "";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return v.b ? "True" : "False";
    case Kind::kInt:
      return std::to_string(v.i);
    case Kind::kFloat:
      return float_repr(v.f);
    case Kind::kString:
      return v.str();
    case Kind::kList:
      if (v.list_obj().view)
        return std::string(v.list_obj().view) + "([" + join_repr(v.items()) + "])";
      return "[" + join_repr(v.items()) + "]";
    case Kind::kTuple:
      return v.items().size() == 1 ? "(" + repr(v.items()[0]) + ",)"
                                   : "(" + join_repr(v.items()) + ")";
    case Kind::kDict:
      return dict_repr(v.dict_obj());
    case Kind::kNamespace:
      return "<Namespace " + dict_repr(v.dict_obj()) + ">";
    case Kind::kCallable:
      return static_cast<const CallableObj&>(*v.obj).repr();
    case Kind::kLoop: {
      const auto& l = static_cast<const LoopObj&>(*v.obj);
      return fmt::format("<LoopContext {}/{}>", l.index0 + 1, l.seq->items.size());
    }
    case Kind::kIterator:
      return "<generator object>";
  }
  return "";
}

std::string repr(const Value& v) {
  if (v.kind == Kind::kString) {
    return v.markup ? "Markup(" + str_repr(v.str()) + ")" : str_repr(v.str());
  }
  if (v.kind == Kind::kUndefined) return "Undefined";
  return to_str(v);
}

double to_double(const Value& v) {
  switch (v.kind) {
    case Kind::kBool:
      return v.b ? 1 : 0;
    case Kind::kInt:
      return static_cast<double>(v.i);
    case Kind::kFloat:
      return v.f;
    default:
      return 0;
  }
}

bool py_eq(const Value& a, const Value& b) {
  NestGuard guard;
  if (a.is_number() && b.is_number()) {
    if (a.kind != Kind::kFloat && b.kind != Kind::kFloat) {
      const int64_t x = a.kind == Kind::kBool ? a.b : a.i;
      const int64_t y = b.kind == Kind::kBool ? b.b : b.i;
      return x == y;
    }
    return to_double(a) == to_double(b);
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return a.str() == b.str();
    case Kind::kList:
    case Kind::kTuple: {
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t k = 0; k < x.size(); ++k) {
        if (!py_eq(x[k], y[k])) return false;
      }
      return true;
    }
    case Kind::kDict: {
      const auto& x = a.dict_obj();
      const auto& y = b.dict_obj();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries) {
        const Value* other = y.find(k);
        if (!other || !py_eq(v, *other)) return false;
      }
      return true;
    }
    default:
      return a.obj == b.obj;
  }
}

int py_compare(const Value& a, const Value& b, const char* op) {
  NestGuard guard;
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (a.is_number() && b.is_number()) {
    if (a.kind != Kind::kFloat && b.kind != Kind::kFloat) {
      const int64_t x = a.kind == Kind::kBool ? a.b : a.i;
      const int64_t y = b.kind == Kind::kBool ? b.b : b.i;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const double x = to_double(a), y = to_double(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.kind == Kind::kString && b.kind == Kind::kString) {
    const int c = a.str().compare(b.str());  // UTF-8 byte order is code point order
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.kind == b.kind && (a.kind == Kind::kList || a.kind == Kind::kTuple)) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t k = 0; k < x.size() && k < y.size(); ++k) {
      if (!py_eq(x[k], y[k])) return py_compare(x[k], y[k], op);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  throw TemplateError(ErrorKind::kType,
                      fmt::format("'{}' not supported between instances of '{}' and '{}'", op,
                                  type_name(a), type_name(b)));
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind) {
    case Kind::kUndefined:
      return {};
    case Kind::kList:
    case Kind::kTuple:
      return v.items();
    case Kind::kIterator: {
      auto& l = v.list_obj();
      std::vector<Value> rest(l.items.begin() + static_cast<ptrdiff_t>(l.consumed), l.items.end());
      l.consumed = l.items.size();
      return rest;
    }
    case Kind::kDict: {
      std::vector<Value> keys;
      keys.reserve(v.dict_obj().size());
      for (const auto& e : v.dict_obj().entries) keys.push_back(e.first);
      return keys;
    }
    case Kind::kString: {
      std::vector<Value> chars;
      for (char32_t c : utf8_decode(v.str())) {
        std::string s;
        append_utf8(s, c);
        chars.push_back(Value::string(std::move(s)));
      }
      return chars;
    }
    default:
      throw TemplateError(ErrorKind::kType,
                          fmt::format("'{}' object is not iterable", type_name(v)));
  }
}

Value from_json(const nlohmann::ordered_json& j) {
  NestGuard guard;
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
      return Value::none();
    case nlohmann::ordered_json::value_t::boolean:
      return Value::boolean(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value::integer(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value::integer(static_cast<int64_t>(u));
      return Value::real(static_cast<double>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value::real(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value::string(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e));
      return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      auto d = std::make_shared<DictObj>();
      for (const auto& [k, e] : j.items()) d->set(Value::string(k), from_json(e));
      return make_dict(std::move(d));
    }
    default:
      return Value::none();
  }
}

}  // namespace owl::tmpl
