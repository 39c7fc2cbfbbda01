// Syntax tree of a parsed template: expressions and statements (the nodes of jinja2/nodes.py
// that chat templates use).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "template/value.h"

namespace owl::tmpl {

class Interpreter;
using FilterFn = Value (*)(Interpreter& in, const Value& subject, CallArgs& args);
using TestFn = bool (*)(Interpreter& in, const Value& subject, CallArgs& args);

enum class ExprKind {
  kConst,    // value
  kName,     // name
  kNsRef,    // name.attr as an assignment target (namespace attribute)
  kList,     // items
  kTuple,    // items
  kDict,     // items = key0, value0, key1, value1, ...
  kGetattr,  // a.name
  kGetitem,  // a[b]
  kSlice,    // items = start, stop, step (each may be null)
  kCall,     // a(items..., kwargs...)
  kFilter,   // a|name(items..., kwargs...); a is null inside {% filter %} / {% set %} blocks
  kTest,     // a is name(items...)
  kNeg,      // -a
  kPos,      // +a
  kNot,      // not a
  kBinary,   // a <name> b for + - * / // % **
  kAnd,      // a and b
  kOr,       // a or b
  kCompare,  // items[0] ops[0] items[1] ops[1] items[2] ...
  kConcat,   // items joined with ~
  kCond,     // b if a else c (c may be null)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::kConst;
  int line = 0;
  Value value;
  std::string name;
  ExprPtr a, b, c;
  std::vector<ExprPtr> items;
  std::vector<std::string> ops;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  ExprPtr dyn_args, dyn_kwargs;  // *args, **kwargs of a call
  FilterFn filter = nullptr;     // resolved kFilter (null: unknown, raises when evaluated)
  TestFn test = nullptr;         // resolved kTest
};

enum class StmtKind {
  kData,         // text
  kOutput,       // {{ exprs }} or {% print %}
  kIf,           // conds[i] -> bodies[i]; bodies.size() == conds.size() + 1 when there is an else
  kFor,          // target in iter [if cond] body [else else_body]
  kSet,          // target = value
  kSetBlock,     // {% set target [| filter] %}body{% endset %}
  kMacro,        // macro definition
  kCallBlock,    // {% call(params) value %}body{% endcall %}
  kFilterBlock,  // {% filter value %}body{% endfilter %}
  kWith,         // {% with targets = values %}body{% endwith %}
  kScope,        // body in a child scope ({% generation %}, {% block %})
  kAutoescape,   // value -> body rendered with output escaping on/off
  kBreak,
  kContinue,
  kLoaderError,  // include/import/extends: HF's environment has no template loader
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

struct MacroDef {
  std::string name;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // one per param, null where there is no default
  StmtList body;
  bool uses_varargs = false;  // the body reads `varargs`
  bool uses_kwargs = false;   // the body reads `kwargs`
  bool uses_caller = false;   // the body reads `caller`
};

struct Stmt {
  StmtKind kind = StmtKind::kData;
  int line = 0;
  std::string text;
  std::vector<ExprPtr> exprs;    // kOutput expressions; kIf conditions; kWith values
  std::vector<ExprPtr> targets;  // kWith targets
  std::vector<StmtList> bodies;  // kIf branch bodies
  ExprPtr target, value, cond;   // kFor: target/value(iter)/cond; kSet; kSetBlock filter in value
  StmtList body, else_body;
  bool recursive = false;           // kFor
  std::unique_ptr<MacroDef> macro;  // kMacro, kCallBlock (the caller's signature and body)
};

struct ParsedTemplate {
  StmtList body;
};

}  // namespace owl::tmpl
