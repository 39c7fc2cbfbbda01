// Recursive-descent parser with Jinja2's grammar (jinja2/parser.py semantics): statements, the
// expression precedence ladder, filters/tests binding tighter than arithmetic, tuples, slices.
#include "template/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "template/builtins.h"
#include "template/lexer.h"

namespace owl::tmpl {
namespace {

constexpr int kMaxNesting = 200;

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  ParsedTemplate run() {
    ParsedTemplate t;
    t.body = subparse({});
    if (cur().type != Tok::kEof) fail(fmt::format("unexpected '{}'", describe(cur())));
    return t;
  }

 private:
  // ---- token stream -------------------------------------------------------------------------
  const Token& cur() const { return toks_[p_]; }
  const Token& look(size_t k = 1) const { return toks_[std::min(p_ + k, toks_.size() - 1)]; }
  void next() {
    if (p_ + 1 < toks_.size()) ++p_;
  }
  bool is_op(const Token& t, const char* op) const { return t.type == Tok::kOp && t.text == op; }
  bool is_op(const char* op) const { return is_op(cur(), op); }
  bool is_name(const char* n) const { return cur().type == Tok::kName && cur().text == n; }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(const char* n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail(const std::string& msg) const {
    throw TemplateError(ErrorKind::kSyntax, msg, cur().line);
  }
  static std::string describe(const Token& t) {
    switch (t.type) {
      case Tok::kEof:
        return "end of template";
      case Tok::kBlockEnd:
        return "end of statement block";
      case Tok::kVarEnd:
        return "end of print statement";
      case Tok::kBlockBegin:
        return "begin of statement block";
      case Tok::kVarBegin:
        return "begin of print statement";
      case Tok::kData:
        return "template data";
      default:
        return t.text;
    }
  }
  void expect_op(const char* op) {
    if (!skip_op(op)) fail(fmt::format("expected token '{}', got '{}'", op, describe(cur())));
  }
  void expect(Tok type, const char* what) {
    if (cur().type != type) fail(fmt::format("expected {}, got '{}'", what, describe(cur())));
    next();
  }
  std::string expect_name() {
    if (cur().type != Tok::kName) fail(fmt::format("expected name, got '{}'", describe(cur())));
    std::string n = cur().text;
    next();
    return n;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser* p) : parser(p) {
      if (++parser->depth_ > kMaxNesting) parser->fail("template nesting too deep");
    }
    ~DepthGuard() { --parser->depth_; }
    Parser* parser;
  };

  // A frame flag saved/restored around bodies (soft = inside if/conditional expressions, where an
  // unknown filter or test only fails when evaluated, as in Jinja2's compiler).
  struct FrameState {
    FrameState(Parser* p, bool soft, bool loop)
        : parser(p), old_soft(p->soft_), old_loop(p->in_loop_) {
      p->soft_ = soft;
      p->in_loop_ = loop;
    }
    ~FrameState() {
      parser->soft_ = old_soft;
      parser->in_loop_ = old_loop;
    }
    Parser* parser;
    bool old_soft, old_loop;
  };

  ExprPtr make(ExprKind k, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->line = line;
    return e;
  }
  StmtPtr make_stmt(StmtKind k, int line) {
    auto s = std::make_unique<Stmt>();
    s->kind = k;
    s->line = line;
    return s;
  }

  // ---- statements ---------------------------------------------------------------------------
  bool at_end_name(const std::vector<std::string>& ends) const {
    return cur().type == Tok::kName &&
           std::find(ends.begin(), ends.end(), cur().text) != ends.end();
  }

  // Parses until a block tag whose name is in `ends` (left as the current token) or the end.
  StmtList subparse(const std::vector<std::string>& ends) {
    DepthGuard guard(this);
    StmtList body;
    while (cur().type != Tok::kEof) {
      const Token& t = cur();
      if (t.type == Tok::kData) {
        auto s = make_stmt(StmtKind::kData, t.line);
        s->text = t.text;
        body.push_back(std::move(s));
        next();
      } else if (t.type == Tok::kVarBegin) {
        auto s = make_stmt(StmtKind::kOutput, t.line);
        next();
        s->exprs.push_back(parse_tuple(true, false, {}));
        expect(Tok::kVarEnd, "end of print statement");
        body.push_back(std::move(s));
      } else if (t.type == Tok::kBlockBegin) {
        next();
        if (!ends.empty() && at_end_name(ends)) return body;
        body.push_back(parse_statement());
        expect(Tok::kBlockEnd, "end of statement block");
      } else {
        fail(fmt::format("unexpected '{}'", describe(t)));
      }
    }
    if (!ends.empty()) {
      fail(
          fmt::format("Unexpected end of template. Jinja was looking for the following tags: '{}'.",
                      fmt::join(ends, "' or '")));
    }
    return body;
  }

  // Expects the block end, parses a body up to one of `ends`; consumes the end name if `drop`.
  StmtList parse_body(const std::vector<std::string>& ends, bool drop) {
    skip_op(":");
    expect(Tok::kBlockEnd, "end of statement block");
    StmtList body = subparse(ends);
    if (drop) next();
    return body;
  }

  StmtPtr parse_statement() {
    if (cur().type != Tok::kName) fail("tag name expected");
    const std::string tag = cur().text;
    const int line = cur().line;
    if (tag == "if") return parse_if();
    if (tag == "for") return parse_for();
    if (tag == "set") return parse_set();
    if (tag == "macro") return parse_macro();
    if (tag == "call") return parse_call_block();
    if (tag == "filter") return parse_filter_block();
    if (tag == "with") return parse_with();
    if (tag == "print") {
      next();
      auto s = make_stmt(StmtKind::kOutput, line);
      while (cur().type != Tok::kBlockEnd) {
        if (!s->exprs.empty()) expect_op(",");
        s->exprs.push_back(parse_expression(true));
      }
      return s;
    }
    if (tag == "break" || tag == "continue") {
      if (!in_loop_) fail(fmt::format("'{}' outside loop", tag));
      next();
      return make_stmt(tag == "break" ? StmtKind::kBreak : StmtKind::kContinue, line);
    }
    if (tag == "generation" || tag == "block") return parse_scope(tag);
    if (tag == "autoescape") {
      next();
      auto s = make_stmt(StmtKind::kAutoescape, line);
      s->value = parse_expression(true);
      s->body = parse_body({"endautoescape"}, true);
      return s;
    }
    if (tag == "extends" || tag == "include" || tag == "import" || tag == "from") {
      // Jinja2 parses these and fails when rendering them: there is no loader.
      while (cur().type != Tok::kBlockEnd && cur().type != Tok::kEof) next();
      return make_stmt(StmtKind::kLoaderError, line);
    }
    fail(fmt::format("Encountered unknown tag '{}'.", tag));
  }

  StmtPtr parse_if() {
    auto s = make_stmt(StmtKind::kIf, cur().line);
    next();
    FrameState frame(this, true, in_loop_);
    while (true) {
      s->exprs.push_back(parse_tuple(false, false, {}));
      s->bodies.push_back(parse_body({"elif", "else", "endif"}, false));
      const std::string tok = cur().text;
      next();
      if (tok == "elif") continue;
      if (tok == "else") s->bodies.push_back(parse_body({"endif"}, true));
      break;
    }
    return s;
  }

  StmtPtr parse_for() {
    auto s = make_stmt(StmtKind::kFor, cur().line);
    next();
    s->target = parse_assign_target(false, {"in"});
    if (!skip_name("in")) fail("expected 'in'");
    s->value = parse_tuple(false, false, {"recursive"});
    {
      FrameState frame(this, false, false);
      if (skip_name("if")) s->cond = parse_expression(true);
    }
    s->recursive = skip_name("recursive");
    FrameState frame(this, false, true);
    s->body = parse_body({"endfor", "else"}, false);
    const bool has_else = cur().text == "else";
    next();
    if (has_else) {
      FrameState else_frame(this, false, false);
      s->else_body = parse_body({"endfor"}, true);
    }
    return s;
  }

  StmtPtr parse_set() {
    const int line = cur().line;
    next();
    ExprPtr target = parse_assign_target(true, {});
    if (skip_op("=")) {
      auto s = make_stmt(StmtKind::kSet, line);
      s->target = std::move(target);
      s->value = parse_tuple(true, false, {});
      return s;
    }
    auto s = make_stmt(StmtKind::kSetBlock, line);
    s->target = std::move(target);
    FrameState frame(this, false, in_loop_);
    if (is_op("|")) s->value = parse_filter(nullptr, false);
    s->body = parse_body({"endset"}, true);
    return s;
  }

  // Names used in a macro body (to know whether it takes varargs/kwargs/caller).
  void parse_signature(MacroDef* m, bool required) {
    if (!is_op("(")) {
      if (required) fail("expected '('");
      return;
    }
    next();
    while (!is_op(")")) {
      if (!m->params.empty()) expect_op(",");
      m->params.push_back(expect_name());
      if (skip_op("=")) {
        m->defaults.push_back(parse_expression(true));
      } else {
        if (!m->defaults.empty() && m->defaults.back()) {
          fail("non-default argument follows default argument");
        }
        m->defaults.push_back(nullptr);
      }
    }
    expect_op(")");
  }

  void parse_macro_body(MacroDef* m, const char* end) {
    FrameState frame(this, false, false);
    used_names_.emplace_back();
    m->body = parse_body({end}, true);
    const std::set<std::string> used = std::move(used_names_.back());
    used_names_.pop_back();
    m->uses_varargs = used.count("varargs") > 0;
    m->uses_kwargs = used.count("kwargs") > 0;
    m->uses_caller = used.count("caller") > 0;
    for (auto& outer : used_names_) outer.insert(used.begin(), used.end());
  }

  StmtPtr parse_macro() {
    auto s = make_stmt(StmtKind::kMacro, cur().line);
    next();
    s->macro = std::make_unique<MacroDef>();
    s->macro->name = expect_name();
    parse_signature(s->macro.get(), true);
    parse_macro_body(s->macro.get(), "endmacro");
    return s;
  }

  StmtPtr parse_call_block() {
    auto s = make_stmt(StmtKind::kCallBlock, cur().line);
    next();
    s->macro = std::make_unique<MacroDef>();
    s->macro->name = "caller";
    parse_signature(s->macro.get(), false);
    s->value = parse_expression(true);
    if (s->value->kind != ExprKind::kCall) fail("expected call");
    parse_macro_body(s->macro.get(), "endcall");
    return s;
  }

  StmtPtr parse_filter_block() {
    auto s = make_stmt(StmtKind::kFilterBlock, cur().line);
    next();
    FrameState frame(this, false, in_loop_);
    s->value = parse_filter(nullptr, true);
    s->body = parse_body({"endfilter"}, true);
    return s;
  }

  StmtPtr parse_with() {
    auto s = make_stmt(StmtKind::kWith, cur().line);
    next();
    while (cur().type != Tok::kBlockEnd) {
      if (!s->targets.empty()) expect_op(",");
      s->targets.push_back(parse_assign_target(false, {}));
      expect_op("=");
      s->exprs.push_back(parse_expression(true));
    }
    FrameState frame(this, false, in_loop_);
    s->body = parse_body({"endwith"}, true);
    return s;
  }

  StmtPtr parse_scope(const std::string& tag) {
    auto s = make_stmt(StmtKind::kScope, cur().line);
    next();
    const std::string end = "end" + tag;
    if (tag == "block") {
      s->text = expect_name();
      skip_name("scoped");
      skip_name("required");
    }
    FrameState frame(this, false, false);
    s->body = parse_body({end}, true);
    if (tag == "block" && cur().type == Tok::kName && cur().text == s->text) next();
    return s;
  }

  // Assignment targets: a name, a tuple of names, or (for set) namespace.attr.
  ExprPtr parse_assign_target(bool with_namespace, const std::vector<std::string>& extra_end) {
    const int line = cur().line;
    if (with_namespace && cur().type == Tok::kName && is_op(look(), ".")) {
      auto e = make(ExprKind::kNsRef, line);
      e->name = expect_name();
      next();
      e->value = Value::string(expect_name());
      return e;
    }
    ExprPtr t = parse_tuple(true, true, extra_end);
    check_assignable(*t);
    return t;
  }

  void check_assignable(const Expr& e) {
    if (e.kind == ExprKind::kName) {
      if (e.name == "true" || e.name == "false" || e.name == "none" || e.name == "True" ||
          e.name == "False" || e.name == "None") {
        fail("can't assign to 'const'");
      }
      return;
    }
    if (e.kind == ExprKind::kTuple) {
      for (const auto& i : e.items) check_assignable(*i);
      return;
    }
    fail("can't assign to this expression");
  }

  // ---- expressions --------------------------------------------------------------------------
  bool is_tuple_end(const std::vector<std::string>& extra_end) const {
    const Token& t = cur();
    if (t.type == Tok::kVarEnd || t.type == Tok::kBlockEnd || t.type == Tok::kEof) return true;
    if (is_op(t, ")")) return true;
    return t.type == Tok::kName &&
           std::find(extra_end.begin(), extra_end.end(), t.text) != extra_end.end();
  }

  // `a, b, c` without parentheses (the value of {{ }}, set, for).
  ExprPtr parse_tuple(bool with_condexpr, bool simplified,
                      const std::vector<std::string>& extra_end, bool explicit_parens = false) {
    const int line = cur().line;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) expect_op(",");
      if (is_tuple_end(extra_end)) break;
      if (simplified) {
        args.push_back(parse_primary());
        if (args.back()->kind != ExprKind::kName && args.back()->kind != ExprKind::kTuple) {
          fail("can't assign to this expression");
        }
      } else {
        args.push_back(parse_expression(with_condexpr));
      }
      if (is_op(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parens) fail(fmt::format("Expected an expression, got '{}'", describe(cur())));
    }
    auto t = make(ExprKind::kTuple, line);
    t->items = std::move(args);
    return t;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(this);
    if (!with_condexpr) return parse_or();
    const int line = cur().line;
    ExprPtr expr1 = parse_or();
    while (skip_name("if")) {
      FrameState frame(this, true, in_loop_);
      ExprPtr test = parse_or();
      ExprPtr other;
      if (skip_name("else")) other = parse_expression(true);
      auto e = make(ExprKind::kCond, line);
      e->a = std::move(test);
      e->b = std::move(expr1);
      e->c = std::move(other);
      expr1 = std::move(e);
    }
    return expr1;
  }

  ExprPtr binary(ExprKind k, ExprPtr l, ExprPtr r, int line, std::string op = {}) {
    auto e = make(k, line);
    e->a = std::move(l);
    e->b = std::move(r);
    e->name = std::move(op);
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
      const int line = cur().line;
      next();
      left = binary(ExprKind::kOr, std::move(left), parse_and(), line);
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
      const int line = cur().line;
      next();
      left = binary(ExprKind::kAnd, std::move(left), parse_not(), line);
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(this);
      auto e = make(ExprKind::kNot, cur().line);
      next();
      e->a = parse_not();
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const int line = cur().line;
    ExprPtr expr = parse_math1();
    std::vector<std::string> ops;
    std::vector<ExprPtr> operands;
    while (true) {
      const Token& t = cur();
      if (t.type == Tok::kOp && (t.text == "==" || t.text == "!=" || t.text == "<" ||
                                 t.text == "<=" || t.text == ">" || t.text == ">=")) {
        ops.push_back(t.text);
        next();
      } else if (is_name("in")) {
        ops.push_back("in");
        next();
      } else if (is_name("not") && look().type == Tok::kName && look().text == "in") {
        ops.push_back("notin");
        next();
        next();
      } else {
        break;
      }
      operands.push_back(parse_math1());
    }
    if (ops.empty()) return expr;
    auto e = make(ExprKind::kCompare, line);
    e->items.push_back(std::move(expr));
    for (auto& o : operands) e->items.push_back(std::move(o));
    e->ops = std::move(ops);
    return e;
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      const std::string op = cur().text;
      const int line = cur().line;
      next();
      left = binary(ExprKind::kBinary, std::move(left), parse_concat(), line, op);
    }
    return left;
  }

  ExprPtr parse_concat() {
    const int line = cur().line;
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto e = make(ExprKind::kConcat, line);
    e->items.push_back(std::move(first));
    while (skip_op("~")) e->items.push_back(parse_math2());
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const std::string op = cur().text;
      const int line = cur().line;
      next();
      left = binary(ExprKind::kBinary, std::move(left), parse_pow(), line, op);
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
      const int line = cur().line;
      next();
      left = binary(ExprKind::kBinary, std::move(left), parse_unary(true), line, "**");
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(this);
    const int line = cur().line;
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      const bool neg = is_op("-");
      next();
      node = make(neg ? ExprKind::kNeg : ExprKind::kPos, line);
      node->a = parse_unary(false);
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    DepthGuard guard(this);
    const Token& t = cur();
    const int line = t.line;
    if (t.type == Tok::kName) {
      auto e = make(ExprKind::kConst, line);
      if (t.text == "true" || t.text == "True") {
        e->value = Value::boolean(true);
      } else if (t.text == "false" || t.text == "False") {
        e->value = Value::boolean(false);
      } else if (t.text == "none" || t.text == "None") {
        e->value = Value::none();
      } else {
        e->kind = ExprKind::kName;
        e->name = t.text;
        for (auto& u : used_names_) u.insert(t.text);
      }
      next();
      return e;
    }
    if (t.type == Tok::kString) {
      std::string s;
      while (cur().type == Tok::kString) {
        s += cur().text;
        next();
      }
      auto e = make(ExprKind::kConst, line);
      e->value = Value::string(std::move(s));
      return e;
    }
    if (t.type == Tok::kInt || t.type == Tok::kFloat) {
      auto e = make(ExprKind::kConst, line);
      e->value = t.type == Tok::kInt ? Value::integer(t.ival) : Value::real(t.fval);
      next();
      return e;
    }
    if (is_op("(")) {
      next();
      ExprPtr e = parse_tuple(true, false, {}, true);
      expect_op(")");
      return e;
    }
    if (is_op("[")) return parse_list_or_dict(false);
    if (is_op("{")) return parse_list_or_dict(true);
    fail(fmt::format("unexpected '{}'", describe(t)));
  }

  ExprPtr parse_list_or_dict(bool dict) {
    auto e = make(dict ? ExprKind::kDict : ExprKind::kList, cur().line);
    const char* close = dict ? "}" : "]";
    next();
    while (!is_op(close)) {
      if (!e->items.empty()) expect_op(",");
      if (is_op(close)) break;
      e->items.push_back(parse_expression(true));
      if (dict) {
        expect_op(":");
        e->items.push_back(parse_expression(true));
      }
    }
    expect_op(close);
    return e;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (is_op(".") || is_op("[")) {
        node = parse_subscript(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|")) {
        node = parse_filter(std::move(node), false);
      } else if (is_name("is")) {
        node = parse_test(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    const int line = cur().line;
    if (skip_op(".")) {
      if (cur().type == Tok::kName) {
        auto e = make(ExprKind::kGetattr, line);
        e->a = std::move(node);
        e->name = expect_name();
        return e;
      }
      if (cur().type != Tok::kInt) fail("expected name or number");
      auto e = make(ExprKind::kGetitem, line);
      e->a = std::move(node);
      e->b = make(ExprKind::kConst, line);
      e->b->value = Value::integer(cur().ival);
      next();
      return e;
    }
    expect_op("[");
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    auto e = make(ExprKind::kGetitem, line);
    e->a = std::move(node);
    if (args.size() == 1) {
      e->b = std::move(args[0]);
    } else {
      e->b = make(ExprKind::kTuple, line);
      e->b->items = std::move(args);
    }
    return e;
  }

  ExprPtr parse_subscribed() {
    const int line = cur().line;
    ExprPtr start;
    if (!is_op(":")) {
      start = parse_expression(true);
      if (!is_op(":")) return start;
    }
    next();  // the first ':'
    auto slice = make(ExprKind::kSlice, line);
    slice->items.push_back(std::move(start));
    slice->items.push_back(is_op(":") || is_op("]") || is_op(",") ? nullptr
                                                                  : parse_expression(true));
    if (skip_op(":")) {
      slice->items.push_back(is_op("]") || is_op(",") ? nullptr : parse_expression(true));
    } else {
      slice->items.push_back(nullptr);
    }
    return slice;
  }

  void parse_call_args(Expr* e) {
    expect_op("(");
    bool require_comma = false;
    while (!is_op(")")) {
      if (require_comma) {
        expect_op(",");
        if (is_op(")")) break;
      }
      if (is_op("*")) {
        if (e->dyn_args || e->dyn_kwargs) fail("invalid syntax for function call expression");
        next();
        e->dyn_args = parse_expression(true);
      } else if (is_op("**")) {
        if (e->dyn_kwargs) fail("invalid syntax for function call expression");
        next();
        e->dyn_kwargs = parse_expression(true);
      } else if (cur().type == Tok::kName && is_op(look(), "=")) {
        if (e->dyn_kwargs) fail("invalid syntax for function call expression");
        std::string key = expect_name();
        next();
        e->kwargs.emplace_back(std::move(key), parse_expression(true));
      } else {
        if (e->dyn_args || e->dyn_kwargs || !e->kwargs.empty()) {
          fail("invalid syntax for function call expression");
        }
        e->items.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(")");
  }

  ExprPtr parse_call(ExprPtr node) {
    auto e = make(ExprKind::kCall, cur().line);
    e->a = std::move(node);
    parse_call_args(e.get());
    return e;
  }

  std::string parse_dotted_name() {
    std::string name = expect_name();
    while (skip_op(".")) name += "." + expect_name();
    return name;
  }

  ExprPtr parse_filter(ExprPtr node, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) next();
      start_inline = false;
      auto e = make(ExprKind::kFilter, cur().line);
      e->name = parse_dotted_name();
      e->filter = find_filter(e->name);
      if (!e->filter && !soft_) fail(fmt::format("No filter named '{}'.", e->name));
      e->a = std::move(node);
      if (is_op("(")) parse_call_args(e.get());
      node = std::move(e);
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    const int line = cur().line;
    next();  // 'is'
    const bool negated = skip_name("not");
    auto e = make(ExprKind::kTest, line);
    e->name = parse_dotted_name();
    e->test = find_test(e->name);
    if (!e->test && !soft_) fail(fmt::format("No test named '{}'.", e->name));
    e->a = std::move(node);
    const Token& t = cur();
    if (is_op("(")) {
      parse_call_args(e.get());
    } else if ((t.type == Tok::kName || t.type == Tok::kString || t.type == Tok::kInt ||
                t.type == Tok::kFloat || is_op("[") || is_op("{")) &&
               !(t.type == Tok::kName && (t.text == "else" || t.text == "or" || t.text == "and"))) {
      if (is_name("is")) fail("You cannot chain multiple tests with is");
      e->items.push_back(parse_postfix(parse_primary()));
    }
    if (!negated) return e;
    auto n = make(ExprKind::kNot, line);
    n->a = std::move(e);
    return n;
  }

  std::vector<Token> toks_;
  size_t p_ = 0;
  int depth_ = 0;
  bool soft_ = false;
  bool in_loop_ = false;
  std::vector<std::set<std::string>> used_names_;
};

}  // namespace

ParsedTemplate parse_template(const std::string& source) { return Parser(tokenize(source)).run(); }

}  // namespace owl::tmpl
