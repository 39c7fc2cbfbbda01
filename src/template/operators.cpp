// Python binary/unary operators, `in`, and slicing on template values (CPython's int/float
// floor-division and modulo rules, markupsafe's escaping concatenation).
#include "template/operators.h"

#include <fmt/format.h>

#include <cmath>

#include "template/interpreter.h"
#include "template/py_text.h"

namespace owl::tmpl {
namespace {

[[noreturn]] void type_error(const std::string& msg) { throw TemplateError(ErrorKind::kType, msg); }

[[noreturn]] void unsupported(const char* op, const Value& a, const Value& b) {
  type_error(fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", op, type_name(a),
                         type_name(b)));
}

bool is_int_like(const Value& v) { return v.kind == Kind::kInt || v.kind == Kind::kBool; }
int64_t as_int(const Value& v) { return v.kind == Kind::kBool ? v.b : v.i; }

[[noreturn]] void overflow() {
  type_error("integer overflow (owl's templates use 64-bit integers)");
}

Value repeat(Interpreter& in, const Value& seq, int64_t n) {
  if (n < 0) n = 0;
  if (seq.kind == Kind::kString) {
    in.check_size(seq.str().size() * static_cast<size_t>(n));
    std::string out;
    out.reserve(seq.str().size() * n);
    for (int64_t k = 0; k < n; ++k) out += seq.str();
    return Value::string(std::move(out), seq.markup);
  }
  in.check_size(seq.items().size() * static_cast<size_t>(n) * sizeof(Value));
  std::vector<Value> out;
  for (int64_t k = 0; k < n; ++k) out.insert(out.end(), seq.items().begin(), seq.items().end());
  return seq.kind == Kind::kList ? Value::list(std::move(out)) : Value::tuple(std::move(out));
}

Value add(Interpreter& in, const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (is_int_like(a) && is_int_like(b)) {
      int64_t r;
      if (__builtin_add_overflow(as_int(a), as_int(b), &r)) overflow();
      return Value::integer(r);
    }
    return Value::real(to_double(a) + to_double(b));
  }
  if (a.kind == Kind::kString && b.kind == Kind::kString) {
    std::string s;
    if (a.markup == b.markup) {
      s = a.str() + b.str();
    } else {
      s = escape_value(a) + escape_value(b);
    }
    in.check_size(s.size());
    return Value::string(std::move(s), a.markup || b.markup);
  }
  if ((a.kind == Kind::kList || a.kind == Kind::kTuple) && a.kind == b.kind) {
    std::vector<Value> items = a.items();
    items.insert(items.end(), b.items().begin(), b.items().end());
    return a.kind == Kind::kList ? Value::list(std::move(items)) : Value::tuple(std::move(items));
  }
  if (a.kind == Kind::kString && !a.markup) {
    type_error(fmt::format("can only concatenate str (not \"{}\") to str", type_name(b)));
  }
  if (a.kind == Kind::kList || a.kind == Kind::kTuple) {
    type_error(fmt::format("can only concatenate {} (not \"{}\") to {}", type_name(a), type_name(b),
                           type_name(a)));
  }
  unsupported("+", a, b);
}

// CPython float_floor_div / float_rem.
double py_fmod(double x, double y) {
  double mod = std::fmod(x, y);
  if (mod != 0) {
    if ((y < 0) != (mod < 0)) mod += y;
  } else {
    mod = std::copysign(0.0, y);
  }
  return mod;
}

double py_floordiv(double x, double y) {
  double mod = std::fmod(x, y);
  double div = (x - mod) / y;
  if (mod != 0 && ((y < 0) != (mod < 0))) div -= 1.0;
  if (div == 0) return std::copysign(0.0, x / y);
  double f = std::floor(div);
  if (div - f > 0.5) f += 1.0;
  return f;
}

Value int_pow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) {
      if (__builtin_mul_overflow(result, base, &result)) overflow();
    }
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
  }
  return Value::integer(result);
}

Value arith(const std::string& op, const Value& a, const Value& b) {
  const bool ints = is_int_like(a) && is_int_like(b);
  const int64_t x = ints ? as_int(a) : 0, y = ints ? as_int(b) : 0;
  const double fx = to_double(a), fy = to_double(b);
  int64_t r;
  if (op == "-") {
    if (!ints) return Value::real(fx - fy);
    if (__builtin_sub_overflow(x, y, &r)) overflow();
    return Value::integer(r);
  }
  if (op == "*") {
    if (!ints) return Value::real(fx * fy);
    if (__builtin_mul_overflow(x, y, &r)) overflow();
    return Value::integer(r);
  }
  if (op == "/") {
    if (fy == 0) throw TemplateError(ErrorKind::kType, "division by zero");
    return Value::real(ints ? static_cast<double>(x) / static_cast<double>(y) : fx / fy);
  }
  if (op == "//" || op == "%") {
    if (ints) {
      if (y == 0) throw TemplateError(ErrorKind::kType, "integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) overflow();
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        q -= 1;
        m += y;
      }
      return Value::integer(op == "//" ? q : m);
    }
    if (fy == 0) {
      throw TemplateError(ErrorKind::kType,
                          op == "//" ? "float floor division by zero" : "float modulo");
    }
    return Value::real(op == "//" ? py_floordiv(fx, fy) : py_fmod(fx, fy));
  }
  // "**"
  if (ints && y >= 0) return int_pow(x, y);
  if (fx == 0 && fy < 0) {
    throw TemplateError(ErrorKind::kType, "0.0 cannot be raised to a negative power");
  }
  return Value::real(std::pow(fx, fy));
}

}  // namespace

std::string escape_value(const Value& v) {
  if (v.kind == Kind::kString && v.markup) return v.str();
  return html_escape(to_str(v));
}

Value binary_op(Interpreter& in, const std::string& op, const Value& a, const Value& b) {
  check_defined(a);
  check_defined(b);
  if (op == "+") return add(in, a, b);
  if (op == "*") {
    const bool a_seq = a.kind == Kind::kString || a.is_sequence();
    const bool b_seq = b.kind == Kind::kString || b.is_sequence();
    if (a_seq && is_int_like(b)) return repeat(in, a, as_int(b));
    if (b_seq && is_int_like(a)) return repeat(in, b, as_int(a));
    if (a_seq || b_seq) {
      if (a.is_number() || b.is_number()) {
        type_error(fmt::format("can't multiply sequence by non-int of type '{}'",
                               type_name(a_seq ? b : a)));
      }
      type_error(fmt::format("can't multiply sequence by non-int of type '{}'", type_name(b)));
    }
  }
  if (op == "%" && a.kind == Kind::kString) return percent_format(in, a, b);
  if (a.is_number() && b.is_number()) return arith(op, a, b);
  unsupported(op.c_str(), a, b);
}

Value negate(const Value& v) {
  check_defined(v);
  if (v.kind == Kind::kFloat) return Value::real(-v.f);
  if (is_int_like(v)) {
    if (as_int(v) == INT64_MIN) overflow();
    return Value::integer(-as_int(v));
  }
  type_error(fmt::format("bad operand type for unary -: '{}'", type_name(v)));
}

Value unary_plus(const Value& v) {
  check_defined(v);
  if (v.kind == Kind::kFloat) return v;
  if (is_int_like(v)) return Value::integer(as_int(v));
  type_error(fmt::format("bad operand type for unary +: '{}'", type_name(v)));
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind) {
    case Kind::kUndefined:
      return false;  // iterates as empty
    case Kind::kString:
      if (item.kind != Kind::kString) {
        type_error(
            fmt::format("'in <string>' requires string as left operand, not {}", type_name(item)));
      }
      return container.str().find(item.str()) != std::string::npos;
    case Kind::kList:
    case Kind::kTuple:
      for (const auto& v : container.items()) {
        if (py_eq(v, item)) return true;
      }
      return false;
    case Kind::kDict:
      if (item.kind == Kind::kList || item.kind == Kind::kDict) {
        type_error(fmt::format("unhashable type: '{}'", type_name(item)));
      }
      return container.dict_obj().find(item) != nullptr;
    case Kind::kIterator: {
      auto& l = container.list_obj();
      while (l.consumed < l.items.size()) {
        if (py_eq(l.items[l.consumed++], item)) return true;
      }
      return false;
    }
    default:
      type_error(fmt::format("argument of type '{}' is not iterable", type_name(container)));
  }
}

Value slice_value(const Value& obj, std::optional<int64_t> start, std::optional<int64_t> stop,
                  std::optional<int64_t> step) {
  const int64_t st = step.value_or(1);
  if (st == 0) throw TemplateError(ErrorKind::kType, "slice step cannot be zero");
  std::u32string cps;
  const bool is_str = obj.kind == Kind::kString;
  const bool ascii = is_str && is_ascii(obj.str());
  if (is_str && !ascii) cps = utf8_decode(obj.str());
  const int64_t len = !is_str ? static_cast<int64_t>(obj.items().size())
                      : ascii ? static_cast<int64_t>(obj.str().size())
                              : static_cast<int64_t>(cps.size());
  // CPython PySlice_AdjustIndices.
  auto adjust = [&](std::optional<int64_t> v, bool is_start) -> int64_t {
    if (!v) return is_start ? (st < 0 ? len - 1 : 0) : (st < 0 ? -1 : len);
    int64_t x = *v;
    if (x < 0) {
      x += len;
      if (x < 0) x = st < 0 ? -1 : 0;
    } else if (x >= len) {
      x = st < 0 ? len - 1 : len;
    }
    return x;
  };
  const int64_t b = adjust(start, true), e = adjust(stop, false);
  std::vector<int64_t> idx;
  for (int64_t i = b; st > 0 ? i < e : i > e; i += st) idx.push_back(i);
  if (is_str) {
    std::string out;
    if (ascii) {
      for (int64_t i : idx) out += obj.str()[i];
    } else {
      for (int64_t i : idx) append_utf8(out, cps[i]);
    }
    return Value::string(std::move(out), obj.markup);
  }
  std::vector<Value> items;
  items.reserve(idx.size());
  for (int64_t i : idx) items.push_back(obj.items()[i]);
  return obj.kind == Kind::kTuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
}

}  // namespace owl::tmpl
