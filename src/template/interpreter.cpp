// Statement execution: output, if/for/set/macro/call/filter/with blocks, loop controls, macro
// invocation with Jinja2's argument rules, and the resource guards.
#include "template/interpreter.h"

#include <fmt/format.h>

#include "template/builtins.h"
#include "template/py_text.h"

namespace owl::tmpl {

const Value* Scope::find(const std::string& name) const {
  for (const Scope* s = this; s != nullptr; s = s->parent.get()) {
    for (auto it = s->vars.rbegin(); it != s->vars.rend(); ++it) {
      if (it->first == name) return &it->second;
    }
  }
  return nullptr;
}

void Scope::set(const std::string& name, Value v) {
  for (auto& [k, val] : vars) {
    if (k == name) {
      val = std::move(v);
      return;
    }
  }
  vars.emplace_back(name, std::move(v));
}

std::string MacroObj::repr() const { return fmt::format("<Macro '{}'>", def->name); }

Interpreter::DepthGuard::DepthGuard(Interpreter* in) : in_(in) {
  const char* here = static_cast<const char*>(__builtin_frame_address(0));
  const size_t used = in->stack_base_ > here ? static_cast<size_t>(in->stack_base_ - here) : 0;
  if (++in->depth_ > in->opts_.limits.max_depth || used > kMaxStackBytes) {
    --in->depth_;
    throw TemplateError(ErrorKind::kLimit, "maximum template recursion depth exceeded");
  }
}

Interpreter::Interpreter(const RenderOptions& opts) : opts_(opts) {}

Interpreter::~Interpreter() {
  // Namespaces are the only mutable containers, so the only way to build reference cycles.
  for (auto& w : namespaces_) {
    if (auto ns = w.lock()) ns->entries.clear();
  }
}

std::string Interpreter::render(const ParsedTemplate& t, const nlohmann::ordered_json& variables) {
  if (!variables.is_object()) fail("template variables must be a JSON object");
  stack_base_ = static_cast<const char*>(__builtin_frame_address(0));
  root_ = std::make_shared<Scope>(nullptr);
  for (const auto& [k, v] : variables.items()) root_->set(k, from_json(v));
  std::string out;
  out_ = &out;
  exec_list(t.body, root_);
  out_ = nullptr;
  root_.reset();
  return out;
}

void Interpreter::step() {
  if (++steps_ > opts_.limits.max_steps) {
    throw TemplateError(ErrorKind::kLimit, "template exceeded its step budget (endless loop?)");
  }
}

void Interpreter::check_size(size_t bytes) const {
  if (bytes > opts_.limits.max_output_bytes) {
    throw TemplateError(ErrorKind::kLimit, fmt::format("template output exceeds {} bytes",
                                                       opts_.limits.max_output_bytes));
  }
}

void Interpreter::write(std::string_view s) {
  check_size(out_->size() + s.size());
  out_->append(s);
}

void Interpreter::write(const Value& v) {
  if (v.kind == Kind::kString && (v.markup || !autoescape_)) {
    write(std::string_view(v.str()));
  } else if (autoescape_) {
    write(std::string_view(html_escape(to_str(v))));
  } else {
    write(std::string_view(to_str(v)));
  }
}

std::string Interpreter::capture(const StmtList& body, const ScopePtr& scope) {
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  try {
    exec_list(body, scope);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buf;
}

Interpreter::Flow Interpreter::exec_list(const StmtList& body, const ScopePtr& scope) {
  for (const auto& s : body) {
    Flow f = exec(*s, scope);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s, const ScopePtr& scope) {
  DepthGuard guard(this);
  step();
  try {
    switch (s.kind) {
      case StmtKind::kData:
        write(std::string_view(s.text));
        break;
      case StmtKind::kOutput:
        for (const auto& e : s.exprs) write(eval(*e, scope));
        break;
      case StmtKind::kIf:
        return exec_if(s, scope);
      case StmtKind::kFor:
        exec_for(s, scope, eval(*s.value, scope), 0);
        break;
      case StmtKind::kSet:
        assign(*s.target, eval(*s.value, scope), scope);
        break;
      case StmtKind::kSetBlock:
        exec_set_block(s, scope);
        break;
      case StmtKind::kMacro: {
        auto m = std::make_shared<MacroObj>();
        m->def = s.macro.get();
        m->scope = scope;
        Value v;
        v.kind = Kind::kCallable;
        v.obj = std::move(m);
        scope->set(s.macro->name, std::move(v));
        break;
      }
      case StmtKind::kCallBlock:
        exec_call_block(s, scope);
        break;
      case StmtKind::kFilterBlock:
        exec_filter_block(s, scope);
        break;
      case StmtKind::kWith: {
        auto inner = std::make_shared<Scope>(scope);
        for (size_t k = 0; k < s.targets.size(); ++k)
          assign(*s.targets[k], eval(*s.exprs[k], scope), inner);
        return exec_list(s.body, inner);
      }
      case StmtKind::kScope:
        exec_list(s.body, std::make_shared<Scope>(scope));
        break;
      case StmtKind::kAutoescape: {
        const bool saved = autoescape_;
        autoescape_ = truthy(eval(*s.value, scope));
        Flow f = Flow::kNormal;
        try {
          f = exec_list(s.body, scope);
        } catch (...) {
          autoescape_ = saved;
          throw;
        }
        autoescape_ = saved;
        return f;
      }
      case StmtKind::kLoaderError:
        throw TemplateError(ErrorKind::kType, "no loader for this environment specified");
      case StmtKind::kBreak:
        return Flow::kBreak;
      case StmtKind::kContinue:
        return Flow::kContinue;
    }
  } catch (TemplateError& e) {
    if (e.line() < 0) e.set_line(s.line);
    throw;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::exec_if(const Stmt& s, const ScopePtr& scope) {
  for (size_t k = 0; k < s.exprs.size(); ++k) {
    if (truthy(eval(*s.exprs[k], scope))) return exec_list(s.bodies[k], scope);
  }
  if (s.bodies.size() > s.exprs.size()) return exec_list(s.bodies.back(), scope);
  return Flow::kNormal;
}

namespace {

// The callable `loop` of a recursive for loop: renders the loop body over another iterable.
struct RecursiveLoopObj : CallableObj {
  const Stmt* stmt = nullptr;
  std::weak_ptr<Scope> scope;
  int64_t depth0 = 0;
  Value call(Interpreter& in, CallArgs& args) override {
    if (args.pos.size() != 1 || !args.kw.empty()) {
      throw TemplateError(ErrorKind::kType, "loop() takes exactly one argument");
    }
    return in.call_loop(*stmt, scope, depth0 + 1, args.pos[0]);
  }
  std::string repr() const override { return "<bound method LoopContext.__call__>"; }
};

}  // namespace

Value Interpreter::call_loop(const Stmt& for_stmt, const std::weak_ptr<Scope>& scope,
                             int64_t depth0, const Value& iterable) {
  ScopePtr s = scope.lock();
  if (!s) s = root_;
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  try {
    exec_for(for_stmt, s, iterable, depth0);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return Value::string(std::move(buf), autoescape_);
}

void Interpreter::exec_for(const Stmt& s, const ScopePtr& scope, const Value& iterable,
                           int64_t depth0) {
  std::vector<Value> items = iterate(iterable);
  if (s.cond) {  // the loop filter sees the target but not `loop`
    std::vector<Value> kept;
    for (auto& item : items) {
      step();
      auto test_scope = std::make_shared<Scope>(scope);
      assign(*s.target, item, test_scope);
      if (truthy(eval(*s.cond, test_scope))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    if (!s.else_body.empty()) exec_list(s.else_body, std::make_shared<Scope>(scope));
    return;
  }
  auto loop = std::make_shared<LoopObj>();
  loop->seq = std::make_shared<ListObj>();
  loop->seq->items = std::move(items);
  loop->depth0 = depth0;
  if (s.recursive) {
    auto r = std::make_shared<RecursiveLoopObj>();
    r->stmt = &s;
    r->scope = scope;
    r->depth0 = depth0;
    loop->recurse.kind = Kind::kCallable;
    loop->recurse.obj = std::move(r);
  }
  Value loop_value;
  loop_value.kind = Kind::kLoop;
  loop_value.obj = loop;
  const size_t n = loop->seq->items.size();
  for (size_t k = 0; k < n; ++k) {
    step();
    loop->index0 = k;
    auto iter_scope = std::make_shared<Scope>(scope);
    assign(*s.target, loop->seq->items[k], iter_scope);
    iter_scope->set("loop", loop_value);
    if (exec_list(s.body, iter_scope) == Flow::kBreak) break;
  }
}

void Interpreter::assign(const Expr& target, const Value& v, const ScopePtr& scope) {
  if (target.kind == ExprKind::kName) {
    scope->set(target.name, v);
    return;
  }
  if (target.kind == ExprKind::kNsRef) {
    const Value* ns = scope->find(target.name);
    if (ns == nullptr || ns->kind != Kind::kNamespace) {
      throw TemplateError(ErrorKind::kRuntime, "cannot assign attribute on non-namespace object");
    }
    ns->dict_obj().set(target.value, v);
    return;
  }
  // Tuple unpacking.
  std::vector<Value> values = iterate(v);
  const size_t want = target.items.size();
  if (values.size() < want) {
    throw TemplateError(
        ErrorKind::kType,
        fmt::format("not enough values to unpack (expected {}, got {})", want, values.size()));
  }
  if (values.size() > want) {
    throw TemplateError(ErrorKind::kType,
                        fmt::format("too many values to unpack (expected {})", want));
  }
  for (size_t k = 0; k < want; ++k) assign(*target.items[k], values[k], scope);
}

void Interpreter::exec_set_block(const Stmt& s, const ScopePtr& scope) {
  Value body = Value::string(capture(s.body, std::make_shared<Scope>(scope)), autoescape_);
  if (s.value) body = eval_filter(*s.value, scope, &body);
  assign(*s.target, body, scope);
}

void Interpreter::exec_filter_block(const Stmt& s, const ScopePtr& scope) {
  Value body = Value::string(capture(s.body, scope), autoescape_);
  write(eval_filter(*s.value, scope, &body));
}

void Interpreter::exec_call_block(const Stmt& s, const ScopePtr& scope) {
  auto m = std::make_shared<MacroObj>();
  m->def = s.macro.get();
  m->scope = scope;
  Value caller;
  caller.kind = Kind::kCallable;
  caller.obj = std::move(m);
  write(eval_call(*s.value, scope, &caller));
}

Value Interpreter::call(const Value& fn_value, CallArgs& args) {
  Value fn = fn_value;
  if (fn.kind == Kind::kLoop) {  // loop(...) of a recursive loop
    fn = static_cast<const LoopObj&>(*fn.obj).recurse;
    if (fn.is_undefined()) {
      throw TemplateError(ErrorKind::kType,
                          "Tried to call non recursive loop. Maybe you forgot the 'recursive' "
                          "modifier.");
    }
  }
  if (fn.is_undefined()) fail_undefined(fn);
  if (fn.kind != Kind::kCallable) {
    throw TemplateError(ErrorKind::kType,
                        fmt::format("'{}' object is not callable", type_name(fn)));
  }
  DepthGuard guard(this);
  step();
  return static_cast<CallableObj&>(*fn.obj).call(*this, args);
}

Value Interpreter::call_macro(const MacroObj& m, CallArgs& args) {
  const MacroDef& d = *m.def;
  ScopePtr parent = m.scope.lock();
  auto scope = std::make_shared<Scope>(parent ? parent : root_);
  const size_t n = d.params.size();
  std::vector<std::pair<std::string, Value>> kw = args.kw;
  auto take_kw = [&kw](const std::string& name, Value* out) {
    for (auto it = kw.begin(); it != kw.end(); ++it) {
      if (it->first == name) {
        *out = std::move(it->second);
        kw.erase(it);
        return true;
      }
    }
    return false;
  };
  std::vector<bool> given(n, false);
  for (size_t k = 0; k < n && k < args.pos.size(); ++k) {
    scope->set(d.params[k], args.pos[k]);
    given[k] = true;
  }
  for (size_t k = args.pos.size(); k < n; ++k) {
    Value v;
    if (take_kw(d.params[k], &v)) {
      scope->set(d.params[k], std::move(v));
      given[k] = true;
    }
  }
  if (d.uses_caller) {
    Value caller;
    if (!take_kw("caller", &caller)) caller = Value::undefined("No caller defined");
    scope->set("caller", caller);
  }
  if (d.uses_kwargs) {
    auto dict = std::make_shared<DictObj>();
    for (auto& [k, v] : kw) dict->set(Value::string(k), v);
    scope->set("kwargs", make_dict(std::move(dict)));
  } else if (!kw.empty()) {
    for (const auto& [k, v] : kw) {
      if (k == "caller") {
        throw TemplateError(ErrorKind::kType,
                            fmt::format("macro '{}' was invoked with two values for the special "
                                        "caller argument. This is most likely a bug.",
                                        d.name));
      }
    }
    throw TemplateError(ErrorKind::kType, fmt::format("macro '{}' takes no keyword argument '{}'",
                                                      d.name, kw.front().first));
  }
  if (d.uses_varargs) {
    std::vector<Value> extra;
    for (size_t k = n; k < args.pos.size(); ++k) extra.push_back(args.pos[k]);
    scope->set("varargs", Value::tuple(std::move(extra)));
  } else if (args.pos.size() > n) {
    throw TemplateError(ErrorKind::kType,
                        fmt::format("macro '{}' takes not more than {} argument(s)", d.name, n));
  }
  for (size_t k = 0; k < n; ++k) {  // defaults are evaluated in the macro's frame, in order
    if (given[k]) continue;
    scope->set(d.params[k], d.defaults[k] ? eval(*d.defaults[k], scope)
                                          : Value::undefined(fmt::format(
                                                "parameter '{}' was not provided", d.params[k])));
  }
  return Value::string(capture(d.body, scope), autoescape_);
}

}  // namespace owl::tmpl
