// Jinja2's built-in tests (`x is defined`, `x is divisibleby 3`, ...) and the argument binder
// shared by all built-ins.
#include <fmt/format.h>

#include <cstring>

#include "template/builtins.h"
#include "template/interpreter.h"
#include "template/operators.h"
#include "template/py_text.h"

namespace owl::tmpl {

std::vector<std::optional<Value>> bind_args(const char* func, const CallArgs& args,
                                            std::initializer_list<const char*> params) {
  std::vector<std::optional<Value>> out(params.size());
  if (args.pos.size() > params.size()) {
    throw TemplateError(ErrorKind::kType,
                        fmt::format("{}() takes at most {} argument(s) ({} given)", func,
                                    params.size(), args.pos.size()));
  }
  for (size_t k = 0; k < args.pos.size(); ++k) out[k] = args.pos[k];
  for (const auto& [name, v] : args.kw) {
    size_t k = 0;
    for (const char* p : params) {
      if (name == p) break;
      ++k;
    }
    if (k == params.size()) {
      throw TemplateError(ErrorKind::kType,
                          fmt::format("{}() got an unexpected keyword argument '{}'", func, name));
    }
    if (out[k]) {
      throw TemplateError(ErrorKind::kType,
                          fmt::format("{}() got multiple values for argument '{}'", func, name));
    }
    out[k] = v;
  }
  return out;
}

int64_t arg_int(const char* func, const Value& v) {
  if (v.kind == Kind::kInt) return v.i;
  if (v.kind == Kind::kBool) return v.b;
  check_defined(v);
  throw TemplateError(ErrorKind::kType, fmt::format("{}: '{}' object cannot be interpreted as an "
                                                    "integer",
                                                    func, type_name(v)));
}

std::string arg_str(const char* func, const Value& v) {
  if (v.kind == Kind::kString) return v.str();
  check_defined(v);
  throw TemplateError(ErrorKind::kType,
                      fmt::format("{}: argument must be str, not {}", func, type_name(v)));
}

namespace {

const Value& one_arg(const char* name, const CallArgs& args) {
  if (args.pos.size() != 1 || !args.kw.empty()) {
    throw TemplateError(ErrorKind::kType,
                        fmt::format("test '{}' takes exactly one argument", name));
  }
  return args.pos[0];
}

void no_args(const char* name, const CallArgs& args) {
  if (!args.pos.empty() || !args.kw.empty()) {
    throw TemplateError(ErrorKind::kType, fmt::format("test '{}' takes no arguments", name));
  }
}

bool mod_eq(Interpreter& in, const Value& v, const Value& d, int64_t want) {
  Value r = binary_op(in, "%", v, d);
  return py_eq(r, Value::integer(want));
}

bool t_odd(Interpreter& in, const Value& v, CallArgs& a) {
  no_args("odd", a);
  return mod_eq(in, v, Value::integer(2), 1);
}
bool t_even(Interpreter& in, const Value& v, CallArgs& a) {
  no_args("even", a);
  return mod_eq(in, v, Value::integer(2), 0);
}
bool t_divisibleby(Interpreter& in, const Value& v, CallArgs& a) {
  return mod_eq(in, v, one_arg("divisibleby", a), 0);
}
bool t_defined(Interpreter&, const Value& v, CallArgs&) { return !v.is_undefined(); }
bool t_undefined(Interpreter&, const Value& v, CallArgs&) { return v.is_undefined(); }
bool t_none(Interpreter&, const Value& v, CallArgs&) { return v.is_none(); }
bool t_boolean(Interpreter&, const Value& v, CallArgs&) { return v.kind == Kind::kBool; }
bool t_false(Interpreter&, const Value& v, CallArgs&) { return v.kind == Kind::kBool && !v.b; }
bool t_true(Interpreter&, const Value& v, CallArgs&) { return v.kind == Kind::kBool && v.b; }
bool t_integer(Interpreter&, const Value& v, CallArgs&) { return v.kind == Kind::kInt; }
bool t_float(Interpreter&, const Value& v, CallArgs&) { return v.kind == Kind::kFloat; }
bool t_string(Interpreter&, const Value& v, CallArgs&) { return v.kind == Kind::kString; }
bool t_mapping(Interpreter&, const Value& v, CallArgs&) { return v.kind == Kind::kDict; }
bool t_number(Interpreter&, const Value& v, CallArgs&) { return v.is_number(); }
bool t_escaped(Interpreter&, const Value& v, CallArgs&) {
  return v.kind == Kind::kString && v.markup;
}

// Python str.islower()/isupper(): at least one cased character and no cased one of the other case.
bool case_test(const Value& v, bool want_lower) {
  bool any = false;
  for (char32_t c : utf8_decode(to_str(v))) {
    const bool up = py_iscased_upper(c), low = py_iscased_lower(c);
    if (want_lower ? up : low) return false;
    any = any || (want_lower ? low : up);
  }
  return any;
}
bool t_lower(Interpreter&, const Value& v, CallArgs&) { return case_test(v, true); }
bool t_upper(Interpreter&, const Value& v, CallArgs&) { return case_test(v, false); }

// len() and __getitem__ both exist (str, list, tuple, dict, and Undefined's stubs).
bool t_sequence(Interpreter&, const Value& v, CallArgs&) {
  return v.kind == Kind::kString || v.is_sequence() || v.kind == Kind::kDict || v.is_undefined();
}
bool t_iterable(Interpreter&, const Value& v, CallArgs&) {
  return v.kind == Kind::kString || v.is_sequence() || v.kind == Kind::kDict || v.is_undefined() ||
         v.kind == Kind::kIterator || v.kind == Kind::kLoop;
}
bool t_callable(Interpreter&, const Value& v, CallArgs&) {
  return v.kind == Kind::kCallable || v.is_undefined() ||
         (v.kind == Kind::kLoop && !static_cast<const LoopObj&>(*v.obj).recurse.is_undefined());
}

// Python `is`: singletons and small ints compare by value, objects by identity.
bool t_sameas(Interpreter&, const Value& v, CallArgs& a) {
  const Value& o = one_arg("sameas", a);
  if (v.kind != o.kind) return false;
  switch (v.kind) {
    case Kind::kNone:
      return true;
    case Kind::kBool:
      return v.b == o.b;
    case Kind::kInt:
      return v.i == o.i && v.i >= -5 && v.i <= 256;
    case Kind::kFloat:
      return false;
    default:
      return v.obj == o.obj;
  }
}

bool t_in(Interpreter&, const Value& v, CallArgs& a) { return contains(one_arg("in", a), v); }
bool t_filter(Interpreter&, const Value& v, CallArgs&) {
  return v.kind == Kind::kString && find_filter(v.str()) != nullptr;
}
bool t_test(Interpreter&, const Value& v, CallArgs&) {
  return v.kind == Kind::kString && find_test(v.str()) != nullptr;
}

bool t_eq(Interpreter&, const Value& v, CallArgs& a) { return py_eq(v, one_arg("eq", a)); }
bool t_ne(Interpreter&, const Value& v, CallArgs& a) { return !py_eq(v, one_arg("ne", a)); }
bool t_gt(Interpreter&, const Value& v, CallArgs& a) {
  return py_compare(v, one_arg("gt", a), ">") > 0;
}
bool t_ge(Interpreter&, const Value& v, CallArgs& a) {
  return py_compare(v, one_arg("ge", a), ">=") >= 0;
}
bool t_lt(Interpreter&, const Value& v, CallArgs& a) {
  return py_compare(v, one_arg("lt", a), "<") < 0;
}
bool t_le(Interpreter&, const Value& v, CallArgs& a) {
  return py_compare(v, one_arg("le", a), "<=") <= 0;
}

struct TestEntry {
  const char* name;
  TestFn fn;
};

constexpr TestEntry kTests[] = {
    {"odd", t_odd},
    {"even", t_even},
    {"divisibleby", t_divisibleby},
    {"defined", t_defined},
    {"undefined", t_undefined},
    {"filter", t_filter},
    {"test", t_test},
    {"none", t_none},
    {"boolean", t_boolean},
    {"false", t_false},
    {"true", t_true},
    {"integer", t_integer},
    {"float", t_float},
    {"lower", t_lower},
    {"upper", t_upper},
    {"string", t_string},
    {"mapping", t_mapping},
    {"number", t_number},
    {"sequence", t_sequence},
    {"iterable", t_iterable},
    {"callable", t_callable},
    {"sameas", t_sameas},
    {"escaped", t_escaped},
    {"in", t_in},
    {"==", t_eq},
    {"eq", t_eq},
    {"equalto", t_eq},
    {"!=", t_ne},
    {"ne", t_ne},
    {">", t_gt},
    {"gt", t_gt},
    {"greaterthan", t_gt},
    {"ge", t_ge},
    {">=", t_ge},
    {"<", t_lt},
    {"lt", t_lt},
    {"lessthan", t_lt},
    {"<=", t_le},
    {"le", t_le},
};

}  // namespace

TestFn find_test(std::string_view name) {
  for (const auto& t : kTests) {
    if (name == t.name) return t.fn;
  }
  return nullptr;
}

}  // namespace owl::tmpl
