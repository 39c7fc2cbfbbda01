// Template statements: subparse loop, block tags (if/for/set/macro/call/filter/with/...),
// assignment targets. Expressions are in parse_expressions.cpp.
#include "template/parser.h"

#include "template/builtins.h"
#include "template/parser_impl.h"

namespace owl::tmpl {

// ---- statements ---------------------------------------------------------------------------
bool Parser::at_end_name(const std::vector<std::string>& ends) const {
  return cur().type == Tok::kName && std::find(ends.begin(), ends.end(), cur().text) != ends.end();
}

// Parses until a block tag whose name is in `ends` (left as the current token) or the end.
StmtList Parser::subparse(const std::vector<std::string>& ends) {
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
    fail(fmt::format("Unexpected end of template. Jinja was looking for the following tags: '{}'.",
                     fmt::join(ends, "' or '")));
  }
  return body;
}

// Expects the block end, parses a body up to one of `ends`; consumes the end name if `drop`.
StmtList Parser::parse_body(const std::vector<std::string>& ends, bool drop) {
  skip_op(":");
  expect(Tok::kBlockEnd, "end of statement block");
  StmtList body = subparse(ends);
  if (drop) next();
  return body;
}

StmtPtr Parser::parse_statement() {
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

StmtPtr Parser::parse_if() {
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

StmtPtr Parser::parse_for() {
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

StmtPtr Parser::parse_set() {
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
void Parser::parse_signature(MacroDef* m, bool required) {
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

void Parser::parse_macro_body(MacroDef* m, const char* end) {
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

StmtPtr Parser::parse_macro() {
  auto s = make_stmt(StmtKind::kMacro, cur().line);
  next();
  s->macro = std::make_unique<MacroDef>();
  s->macro->name = expect_name();
  parse_signature(s->macro.get(), true);
  parse_macro_body(s->macro.get(), "endmacro");
  return s;
}

StmtPtr Parser::parse_call_block() {
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

StmtPtr Parser::parse_filter_block() {
  auto s = make_stmt(StmtKind::kFilterBlock, cur().line);
  next();
  FrameState frame(this, false, in_loop_);
  s->value = parse_filter(nullptr, true);
  s->body = parse_body({"endfilter"}, true);
  return s;
}

StmtPtr Parser::parse_with() {
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

StmtPtr Parser::parse_scope(const std::string& tag) {
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
ExprPtr Parser::parse_assign_target(bool with_namespace,
                                    const std::vector<std::string>& extra_end) {
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

void Parser::check_assignable(const Expr& e) {
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

ParsedTemplate parse_template(const std::string& source) { return Parser(tokenize(source)).run(); }

}  // namespace owl::tmpl
