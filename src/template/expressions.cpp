// Expression evaluation and the sandbox's attribute/item access (jinja2.sandbox getattr/getitem:
// dict keys vs. methods, unsafe attributes become SecurityError-undefined values).
#include <fmt/format.h>

#include "template/builtins.h"
#include "template/interpreter.h"
#include "template/operators.h"
#include "template/py_text.h"

namespace owl::tmpl {
namespace {

// jinja2.utils.object_type_repr: how undefined-attribute messages name the object.
std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  if (v.kind == Kind::kNamespace) return "jinja2.utils.Namespace object";
  if (v.kind == Kind::kLoop) return "jinja2.runtime.LoopContext object";
  if (v.kind == Kind::kCallable) return "jinja2.runtime.Macro object";
  if (v.kind == Kind::kString && v.markup) return "markupsafe.Markup object";
  return type_name(v) + " object";
}

Value no_attribute(const Value& obj, const std::string& name) {
  return Value::undefined(fmt::format("'{}' has no attribute '{}'", object_type_repr(obj), name));
}

bool is_dunder(const std::string& name) {
  return name.size() > 4 && name.rfind("__", 0) == 0 && name.compare(name.size() - 2, 2, "__") == 0;
}

Value loop_attribute(const LoopObj& l, const std::string& name) {
  const auto& items = l.seq->items;
  const int64_t n = static_cast<int64_t>(items.size());
  const int64_t i = static_cast<int64_t>(l.index0);
  if (name == "index") return Value::integer(i + 1);
  if (name == "index0") return Value::integer(i);
  if (name == "revindex") return Value::integer(n - i);
  if (name == "revindex0") return Value::integer(n - i - 1);
  if (name == "first") return Value::boolean(i == 0);
  if (name == "last") return Value::boolean(i == n - 1);
  if (name == "length") return Value::integer(n);
  if (name == "depth") return Value::integer(l.depth0 + 1);
  if (name == "depth0") return Value::integer(l.depth0);
  if (name == "previtem") {
    return i > 0 ? items[i - 1] : Value::undefined("there is no previous item");
  }
  if (name == "nextitem") {
    return i + 1 < n ? items[i + 1] : Value::undefined("there is no next item");
  }
  return Value::undefined(
      fmt::format("'jinja2.runtime.LoopContext object' has no attribute '{}'", name));
}

// loop.cycle(...) and loop.changed(...) bound to one loop.
struct LoopMethod : CallableObj {
  std::shared_ptr<LoopObj> loop;
  bool cycle = true;
  Value call(Interpreter&, CallArgs& args) override {
    if (cycle) {
      if (args.pos.empty()) throw TemplateError(ErrorKind::kType, "no items for cycling given");
      return args.pos[loop->index0 % args.pos.size()];
    }
    if (loop->have_changed && loop->changed_last.size() == args.pos.size()) {
      bool same = true;
      for (size_t k = 0; k < args.pos.size() && same; ++k)
        same = py_eq(args.pos[k], loop->changed_last[k]);
      if (same) return Value::boolean(false);
    }
    loop->have_changed = true;
    loop->changed_last = args.pos;
    return Value::boolean(true);
  }
  std::string repr() const override { return "<bound method LoopContext.cycle>"; }
};

}  // namespace

Value Interpreter::getattr(const Value& obj, const std::string& name) {
  if (obj.is_undefined()) fail_undefined(obj);
  switch (obj.kind) {
    case Kind::kDict: {
      if (auto m = method_attribute(obj, name)) return *m;
      if (is_dunder(name))
        return Value::undefined(
            fmt::format("access to attribute '{}' of 'dict' object is unsafe.", name),
            ErrorKind::kSecurity);
      if (const Value* v = obj.dict_obj().find(std::string_view(name))) return *v;
      return no_attribute(obj, name);
    }
    case Kind::kNamespace: {
      if (const Value* v = obj.dict_obj().find(std::string_view(name))) return *v;
      return no_attribute(obj, name);
    }
    case Kind::kLoop: {
      auto loop = std::static_pointer_cast<LoopObj>(obj.obj);
      if (name == "cycle" || name == "changed") {
        auto m = std::make_shared<LoopMethod>();
        m->loop = loop;
        m->cycle = name == "cycle";
        Value v;
        v.kind = Kind::kCallable;
        v.obj = std::move(m);
        return v;
      }
      return loop_attribute(*loop, name);
    }
    case Kind::kCallable: {
      if (name == "name") {
        if (auto* m = dynamic_cast<MacroObj*>(obj.obj.get())) return Value::string(m->def->name);
      }
      return no_attribute(obj, name);
    }
    case Kind::kTuple:
      if (obj.list_obj().group_tuple && (name == "grouper" || name == "list")) {
        return obj.items()[name == "grouper" ? 0 : 1];
      }
      break;
    default:
      break;
  }
  if (auto m = method_attribute(obj, name)) return *m;
  if (is_dunder(name)) {
    return Value::undefined(
        fmt::format("access to attribute '{}' of '{}' object is unsafe.", name, type_name(obj)),
        ErrorKind::kSecurity);
  }
  return no_attribute(obj, name);
}

Value Interpreter::getitem(const Value& obj, const Value& key) {
  if (obj.is_undefined()) fail_undefined(obj);
  if (obj.kind == Kind::kDict) {
    if (key.kind == Kind::kList || key.kind == Kind::kDict) {
      return Value::undefined(fmt::format("dict object has no element {}", repr(key)));
    }
    if (const Value* v = obj.dict_obj().find(key)) return *v;
  } else if ((obj.is_sequence() || obj.kind == Kind::kString) &&
             (key.kind == Kind::kInt || key.kind == Kind::kBool)) {
    const int64_t n = obj.kind == Kind::kString ? static_cast<int64_t>(utf8_length(obj.str()))
                                                : static_cast<int64_t>(obj.items().size());
    int64_t i = key.kind == Kind::kBool ? key.b : key.i;
    if (i < 0) i += n;
    if (i >= 0 && i < n) {
      if (obj.kind != Kind::kString) return obj.items()[i];
      const std::string& s = obj.str();
      const size_t b = utf8_offset(s, i);
      const size_t e = utf8_offset(std::string_view(s).substr(b), 1) + b;
      return Value::string(s.substr(b, e - b), obj.markup);
    }
    return Value::undefined(fmt::format("{} has no element {}", object_type_repr(obj), repr(key)));
  }
  if (key.kind == Kind::kString) return getattr(obj, key.str());  // falls back to attributes
  return Value::undefined(fmt::format("{} has no element {}", object_type_repr(obj), repr(key)));
}

Value Interpreter::eval_name(const Expr& e, const ScopePtr& scope) {
  if (const Value* v = scope->find(e.name)) return *v;
  Value g = find_global(e.name);
  if (!g.is_undefined()) return g;
  return Value::undefined_name(e.name);
}

CallArgs Interpreter::eval_args(const Expr& e, const ScopePtr& scope) {
  CallArgs args;
  for (const auto& a : e.items) args.pos.push_back(eval(*a, scope));
  if (e.dyn_args) {
    for (auto& v : iterate(eval(*e.dyn_args, scope))) args.pos.push_back(std::move(v));
  }
  for (const auto& [k, a] : e.kwargs) args.kw.emplace_back(k, eval(*a, scope));
  if (e.dyn_kwargs) {
    Value d = eval(*e.dyn_kwargs, scope);
    if (d.kind != Kind::kDict) {
      throw TemplateError(ErrorKind::kType, "argument after ** must be a mapping");
    }
    for (const auto& [k, v] : d.dict_obj().entries) {
      if (k.kind != Kind::kString)
        throw TemplateError(ErrorKind::kType, "keywords must be strings");
      args.kw.emplace_back(k.str(), v);
    }
  }
  return args;
}

Value Interpreter::eval_call(const Expr& e, const ScopePtr& scope, const Value* caller) {
  Value fn = eval(*e.a, scope);
  CallArgs args = eval_args(e, scope);
  if (caller) args.kw.emplace_back("caller", *caller);
  return call(fn, args);
}

Value Interpreter::eval_filter(const Expr& e, const ScopePtr& scope, const Value* subject) {
  Value v = !e.a                                          ? *subject
            : (subject && e.a->kind == ExprKind::kFilter) ? eval_filter(*e.a, scope, subject)
                                                          : eval(*e.a, scope);
  if (!e.filter) {
    throw TemplateError(ErrorKind::kRuntime, fmt::format("No filter named '{}' found.", e.name));
  }
  CallArgs args = eval_args(e, scope);
  step();
  return e.filter(*this, v, args);
}

Value Interpreter::apply_filter(const std::string& name, const Value& subject, CallArgs& args) {
  FilterFn f = find_filter(name);
  if (!f)
    throw TemplateError(ErrorKind::kRuntime, fmt::format("No filter named '{}' found.", name));
  return f(*this, subject, args);
}

bool Interpreter::apply_test(const std::string& name, const Value& subject, CallArgs& args) {
  TestFn t = find_test(name);
  if (!t) throw TemplateError(ErrorKind::kRuntime, fmt::format("No test named '{}' found.", name));
  return t(*this, subject, args);
}

Value Interpreter::eval_compare(const Expr& e, const ScopePtr& scope) {
  Value left = eval(*e.items[0], scope);
  for (size_t k = 0; k < e.ops.size(); ++k) {
    Value right = eval(*e.items[k + 1], scope);
    const std::string& op = e.ops[k];
    bool r;
    if (op == "==") {
      r = py_eq(left, right);
    } else if (op == "!=") {
      r = !py_eq(left, right);
    } else if (op == "in") {
      r = contains(right, left);
    } else if (op == "notin") {
      r = !contains(right, left);
    } else {
      const int c = py_compare(left, right, op.c_str());
      r = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
    }
    if (!r) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

Value Interpreter::eval_collection(const Expr& e, const ScopePtr& scope) {
  if (e.kind == ExprKind::kDict) {
    auto d = std::make_shared<DictObj>();
    for (size_t k = 0; k + 1 < e.items.size(); k += 2) {
      Value key = eval(*e.items[k], scope);
      if (key.kind == Kind::kList || key.kind == Kind::kDict || key.kind == Kind::kNamespace) {
        throw TemplateError(ErrorKind::kType, fmt::format("unhashable type: '{}'", type_name(key)));
      }
      d->set(key, eval(*e.items[k + 1], scope));
    }
    return make_dict(std::move(d));
  }
  std::vector<Value> items;
  items.reserve(e.items.size());
  for (const auto& i : e.items) items.push_back(eval(*i, scope));
  return e.kind == ExprKind::kList ? Value::list(std::move(items)) : Value::tuple(std::move(items));
}

Value Interpreter::eval_slice(const Value& obj, const Expr& slice, const ScopePtr& scope) {
  std::optional<int64_t> parts[3];
  bool bad = false;
  for (int k = 0; k < 3; ++k) {
    if (!slice.items[k]) continue;
    Value v = eval(*slice.items[k], scope);
    if (v.kind == Kind::kInt) {
      parts[k] = v.i;
    } else if (v.kind == Kind::kBool) {
      parts[k] = v.b;
    } else if (!v.is_none()) {
      bad = true;
    }
  }
  if (obj.is_undefined()) fail_undefined(obj);
  if (bad || !(obj.is_sequence() || obj.kind == Kind::kString)) {
    return Value::undefined(fmt::format("{} has no element slice", type_name(obj) + " object"));
  }
  return slice_value(obj, parts[0], parts[1], parts[2]);
}

Value Interpreter::eval(const Expr& e, const ScopePtr& scope) {
  DepthGuard guard(this);
  switch (e.kind) {
    case ExprKind::kConst:
      return e.value;
    case ExprKind::kName:
      return eval_name(e, scope);
    case ExprKind::kNsRef:
      return Value::undefined("namespace reference used as a value");
    case ExprKind::kList:
    case ExprKind::kTuple:
    case ExprKind::kDict:
      return eval_collection(e, scope);
    case ExprKind::kGetattr:
      return getattr(eval(*e.a, scope), e.name);
    case ExprKind::kGetitem: {
      Value obj = eval(*e.a, scope);
      if (e.b->kind == ExprKind::kSlice) return eval_slice(obj, *e.b, scope);
      return getitem(obj, eval(*e.b, scope));
    }
    case ExprKind::kSlice:
      return Value::undefined("slice used outside a subscript");
    case ExprKind::kCall:
      return eval_call(e, scope, nullptr);
    case ExprKind::kFilter:
      return eval_filter(e, scope, nullptr);
    case ExprKind::kTest: {
      Value v = eval(*e.a, scope);
      if (!e.test) {
        throw TemplateError(ErrorKind::kRuntime, fmt::format("No test named '{}' found.", e.name));
      }
      CallArgs args = eval_args(e, scope);
      return Value::boolean(e.test(*this, v, args));
    }
    case ExprKind::kNeg:
      return negate(eval(*e.a, scope));
    case ExprKind::kPos:
      return unary_plus(eval(*e.a, scope));
    case ExprKind::kNot:
      return Value::boolean(!truthy(eval(*e.a, scope)));
    case ExprKind::kBinary: {
      Value a = eval(*e.a, scope);
      Value b = eval(*e.b, scope);
      return binary_op(*this, e.name, a, b);
    }
    case ExprKind::kAnd: {
      Value a = eval(*e.a, scope);
      return truthy(a) ? eval(*e.b, scope) : a;
    }
    case ExprKind::kOr: {
      Value a = eval(*e.a, scope);
      return truthy(a) ? a : eval(*e.b, scope);
    }
    case ExprKind::kCompare:
      return eval_compare(e, scope);
    case ExprKind::kConcat: {
      std::string s;
      for (const auto& i : e.items) {
        Value v = eval(*i, scope);
        s += autoescape_ ? escape_value(v) : to_str(v);
        check_size(s.size());
      }
      return Value::string(std::move(s), autoescape_);
    }
    case ExprKind::kCond: {
      if (truthy(eval(*e.a, scope))) return eval(*e.b, scope);
      if (e.c) return eval(*e.c, scope);
      return Value::undefined(fmt::format(
          "the inline if-expression on line {} evaluated to false and no else section was defined.",
          e.line));
    }
  }
  return Value();
}

}  // namespace owl::tmpl
