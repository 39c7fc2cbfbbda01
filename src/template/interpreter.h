// Executes a parsed template: scopes, statements, macros, loops, and the expression evaluator.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "template/ast.h"
#include "template/template.h"
#include "template/value.h"

namespace owl::tmpl {

// Variables of one frame. Jinja2 scoping: for-loop iterations, macros, set-blocks and with-blocks
// get a child scope; if-blocks and filter-blocks write to the enclosing one.
struct Scope {
  explicit Scope(std::shared_ptr<Scope> p) : parent(std::move(p)) {}
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;

  const Value* find(const std::string& name) const;
  void set(const std::string& name, Value v);
};
using ScopePtr = std::shared_ptr<Scope>;

struct MacroObj;

class Interpreter {
 public:
  explicit Interpreter(const RenderOptions& opts);
  ~Interpreter();

  std::string render(const ParsedTemplate& t, const nlohmann::ordered_json& variables);

  // Used by filters, tests, globals and methods.
  const RenderOptions& options() const { return opts_; }
  bool autoescape() const { return autoescape_; }
  Value call(const Value& fn, CallArgs& args);
  Value getattr(const Value& obj, const std::string& name);  // sandboxed obj.name
  Value getitem(const Value& obj, const Value& key);         // sandboxed obj[key]
  Value apply_filter(const std::string& name, const Value& subject, CallArgs& args);
  bool apply_test(const std::string& name, const Value& subject, CallArgs& args);
  void step();                          // counts work against RenderLimits::max_steps
  void check_size(size_t bytes) const;  // a string about to be built (output, repetition)
  void track_namespace(const std::shared_ptr<DictObj>& ns) { namespaces_.push_back(ns); }
  Value call_macro(const MacroObj& m, CallArgs& args);
  Value call_loop(const Stmt& for_stmt, const std::weak_ptr<Scope>& scope, int64_t depth0,
                  const Value& iterable);

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  // Bounds the nesting of exec/eval (recursive macros, deep expressions) by count and stack bytes.
  class DepthGuard {
   public:
    explicit DepthGuard(Interpreter* in);
    ~DepthGuard() { --in_->depth_; }

   private:
    static constexpr size_t kMaxStackBytes = size_t{3} << 20;
    Interpreter* in_;
  };

  Flow exec_list(const StmtList& body, const ScopePtr& scope);
  Flow exec(const Stmt& s, const ScopePtr& scope);
  Flow exec_if(const Stmt& s, const ScopePtr& scope);
  void exec_for(const Stmt& s, const ScopePtr& scope, const Value& iterable, int64_t depth0);
  void exec_set_block(const Stmt& s, const ScopePtr& scope);
  void exec_call_block(const Stmt& s, const ScopePtr& scope);
  void exec_filter_block(const Stmt& s, const ScopePtr& scope);
  void assign(const Expr& target, const Value& v, const ScopePtr& scope);
  std::string capture(const StmtList& body, const ScopePtr& scope);
  void write(const Value& v);
  void write(std::string_view s);

  Value eval(const Expr& e, const ScopePtr& scope);
  Value eval_name(const Expr& e, const ScopePtr& scope);
  Value eval_call(const Expr& e, const ScopePtr& scope, const Value* caller);
  CallArgs eval_args(const Expr& e, const ScopePtr& scope);
  Value eval_filter(const Expr& e, const ScopePtr& scope, const Value* subject);
  Value eval_compare(const Expr& e, const ScopePtr& scope);
  Value eval_collection(const Expr& e, const ScopePtr& scope);
  Value eval_slice(const Value& obj, const Expr& slice, const ScopePtr& scope);

  RenderOptions opts_;
  std::string* out_ = nullptr;
  ScopePtr root_;
  bool autoescape_ = false;
  int depth_ = 0;
  uint64_t steps_ = 0;
  const char* stack_base_ = nullptr;
  std::vector<std::weak_ptr<DictObj>> namespaces_;  // cleared after rendering (may hold cycles)
};

// A macro (or the `caller` of a call block) closed over the scope that defined it.
struct MacroObj : CallableObj {
  const MacroDef* def = nullptr;
  std::weak_ptr<Scope> scope;
  Value call(Interpreter& in, CallArgs& args) override { return in.call_macro(*this, args); }
  std::string repr() const override;
};

}  // namespace owl::tmpl
