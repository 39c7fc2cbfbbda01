// Template expressions with Jinja2's precedence: conditional, or/and/not, comparisons, + -, ~,
// * / // %, **, unary, then postfix access, calls, filters and tests binding tightest.
#include <fmt/format.h>

#include "template/builtins.h"
#include "template/parser_impl.h"

namespace owl::tmpl {

// ---- expressions --------------------------------------------------------------------------
bool Parser::is_tuple_end(const std::vector<std::string>& extra_end) const {
  const Token& t = cur();
  if (t.type == Tok::kVarEnd || t.type == Tok::kBlockEnd || t.type == Tok::kEof) return true;
  if (is_op(t, ")")) return true;
  return t.type == Tok::kName &&
         std::find(extra_end.begin(), extra_end.end(), t.text) != extra_end.end();
}

ExprPtr Parser::parse_expression(bool with_condexpr) {
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

ExprPtr Parser::binary(ExprKind k, ExprPtr l, ExprPtr r, int line, std::string op) {
  auto e = make(k, line);
  e->a = std::move(l);
  e->b = std::move(r);
  e->name = std::move(op);
  return e;
}

ExprPtr Parser::parse_or() {
  ChainScope chain(this);
  ExprPtr left = parse_and();
  while (is_name("or")) {
    chain.link();
    const int line = cur().line;
    next();
    left = binary(ExprKind::kOr, std::move(left), parse_and(), line);
  }
  return left;
}

ExprPtr Parser::parse_and() {
  ChainScope chain(this);
  ExprPtr left = parse_not();
  while (is_name("and")) {
    chain.link();
    const int line = cur().line;
    next();
    left = binary(ExprKind::kAnd, std::move(left), parse_not(), line);
  }
  return left;
}

ExprPtr Parser::parse_not() {
  if (is_name("not")) {
    DepthGuard guard(this);
    auto e = make(ExprKind::kNot, cur().line);
    next();
    e->a = parse_not();
    return e;
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
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

ExprPtr Parser::parse_concat() {
  const int line = cur().line;
  ExprPtr first = parse_math2();
  if (!is_op("~")) return first;
  auto e = make(ExprKind::kConcat, line);
  e->items.push_back(std::move(first));
  while (skip_op("~")) e->items.push_back(parse_math2());
  return e;
}

ExprPtr Parser::parse_pow() {
  ChainScope chain(this);
  ExprPtr left = parse_unary(true);
  while (is_op("**")) {
    chain.link();
    const int line = cur().line;
    next();
    ExprPtr right = parse_unary(true);
    const bool quirk = left->kind == ExprKind::kNeg && left->a->kind == ExprKind::kConst &&
                       left->a->value.is_number() && right->kind != ExprKind::kConst;
    left = binary(ExprKind::kBinary, std::move(left), std::move(right), line, "**");
    left->negated_base_quirk = quirk;
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
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

ExprPtr Parser::parse_primary() {
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

ExprPtr Parser::parse_list_or_dict(bool dict) {
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

ExprPtr Parser::parse_postfix(ExprPtr node) {
  ChainScope chain(this);
  while (true) {
    chain.link();
    if (is_op(".") || is_op("[")) {
      node = parse_subscript(std::move(node));
    } else if (is_op("(")) {
      node = parse_call(std::move(node));
    } else {
      return node;
    }
  }
}

ExprPtr Parser::parse_filter_expr(ExprPtr node) {
  ChainScope chain(this);
  while (true) {
    chain.link();
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

ExprPtr Parser::parse_subscript(ExprPtr node) {
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

ExprPtr Parser::parse_subscribed() {
  const int line = cur().line;
  ExprPtr start;
  if (!is_op(":")) {
    start = parse_expression(true);
    if (!is_op(":")) return start;
  }
  next();  // the first ':'
  auto slice = make(ExprKind::kSlice, line);
  slice->items.push_back(std::move(start));
  slice->items.push_back(is_op(":") || is_op("]") || is_op(",") ? nullptr : parse_expression(true));
  if (skip_op(":")) {
    slice->items.push_back(is_op("]") || is_op(",") ? nullptr : parse_expression(true));
  } else {
    slice->items.push_back(nullptr);
  }
  return slice;
}

void Parser::parse_call_args(Expr* e) {
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

ExprPtr Parser::parse_call(ExprPtr node) {
  auto e = make(ExprKind::kCall, cur().line);
  e->a = std::move(node);
  parse_call_args(e.get());
  return e;
}

std::string Parser::parse_dotted_name() {
  std::string name = expect_name();
  while (skip_op(".")) name += "." + expect_name();
  return name;
}

ExprPtr Parser::parse_filter(ExprPtr node, bool start_inline) {
  ChainScope chain(this);
  while (is_op("|") || start_inline) {
    chain.link();
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

ExprPtr Parser::parse_test(ExprPtr node) {
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

}  // namespace owl::tmpl
