// Internal: the template parser, split over parser.cpp (statements) and parse_expressions.cpp
// (expressions); recursive descent with Jinja2's grammar (jinja2/parser.py semantics).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "template/ast.h"
#include "template/lexer.h"

namespace owl::tmpl {

constexpr int kMaxNesting = 300;  // syntax-tree depth: parens, blocks, chain links

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

  // Left-deep chains (a + b + c, a.b.c, x|f|g) deepen the tree without recursing in the parser:
  // count each link against the same nesting budget, so evaluation and destruction stay shallow.
  struct ChainScope {
    explicit ChainScope(Parser* p) : parser(p), saved(p->depth_) {}
    ~ChainScope() { parser->depth_ = saved; }
    void link() {
      if (++parser->depth_ > kMaxNesting) parser->fail("expression nesting too deep");
    }
    Parser* parser;
    int saved;
  };

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
  bool at_end_name(const std::vector<std::string>& ends) const;

  // Parses until a block tag whose name is in `ends` (left as the current token) or the end.
  StmtList subparse(const std::vector<std::string>& ends);

  // Expects the block end, parses a body up to one of `ends`; consumes the end name if `drop`.
  StmtList parse_body(const std::vector<std::string>& ends, bool drop);

  StmtPtr parse_statement();

  StmtPtr parse_if();

  StmtPtr parse_for();

  StmtPtr parse_set();

  // Names used in a macro body (to know whether it takes varargs/kwargs/caller).
  void parse_signature(MacroDef* m, bool required);

  void parse_macro_body(MacroDef* m, const char* end);

  StmtPtr parse_macro();

  StmtPtr parse_call_block();

  StmtPtr parse_filter_block();

  StmtPtr parse_with();

  StmtPtr parse_scope(const std::string& tag);

  // Assignment targets: a name, a tuple of names, or (for set) namespace.attr.
  ExprPtr parse_assign_target(bool with_namespace, const std::vector<std::string>& extra_end);

  void check_assignable(const Expr& e);

  // ---- expressions --------------------------------------------------------------------------
  bool is_tuple_end(const std::vector<std::string>& extra_end) const;

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

  ExprPtr parse_expression(bool with_condexpr);

  ExprPtr binary(ExprKind k, ExprPtr l, ExprPtr r, int line, std::string op = {});

  ExprPtr parse_or();

  ExprPtr parse_and();

  ExprPtr parse_not();

  ExprPtr parse_compare();

  ExprPtr parse_math1() {
    ChainScope chain(this);
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      chain.link();
      const std::string op = cur().text;
      const int line = cur().line;
      next();
      left = binary(ExprKind::kBinary, std::move(left), parse_concat(), line, op);
    }
    return left;
  }

  ExprPtr parse_concat();

  ExprPtr parse_math2() {
    ChainScope chain(this);
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      chain.link();
      const std::string op = cur().text;
      const int line = cur().line;
      next();
      left = binary(ExprKind::kBinary, std::move(left), parse_pow(), line, op);
    }
    return left;
  }

  ExprPtr parse_pow();

  ExprPtr parse_unary(bool with_filter);

  ExprPtr parse_primary();

  ExprPtr parse_list_or_dict(bool dict);

  ExprPtr parse_postfix(ExprPtr node);

  ExprPtr parse_filter_expr(ExprPtr node);

  ExprPtr parse_subscript(ExprPtr node);

  ExprPtr parse_subscribed();

  void parse_call_args(Expr* e);

  ExprPtr parse_call(ExprPtr node);

  std::string parse_dotted_name();

  ExprPtr parse_filter(ExprPtr node, bool start_inline);

  ExprPtr parse_test(ExprPtr node);

  std::vector<Token> toks_;
  size_t p_ = 0;
  int depth_ = 0;
  bool soft_ = false;
  bool in_loop_ = false;
  std::vector<std::set<std::string>> used_names_;
};

}  // namespace owl::tmpl
