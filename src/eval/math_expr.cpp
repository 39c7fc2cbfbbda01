// Numeric evaluation of plain-text math answers, used where PRM800K's grader calls sympy.
#include "eval/math_expr.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "eval/text_util.h"

namespace owl::eval {

namespace {
constexpr size_t kMaxLength = 512;
constexpr int kMaxDepth = 64;
}  // namespace

// Recursive descent over the grammar
//   expr := term (('+'|'-') term)* ; term := unary (('*'|'/'|implicit) unary)*
//   unary := '-' unary | '+' unary | power ; power := postfix ('^' unary)?
//   postfix := atom '!'* ; atom := number | '(' expr ')' | name '(' expr ')' | name atom | pi | var
class MathExprParser {
 public:
  MathExprParser(std::string_view s, MathExpr& out) : s_(s), out_(out) {}

  bool run() {
    const int root = expr(0);
    if (root < 0 || pos_ != s_.size()) return false;
    out_.root_ = root;
    return true;
  }

 private:
  using Op = MathExpr::Op;

  int add(Op op, int a = -1, int b = -1, double value = 0, int var = -1) {
    out_.nodes_.push_back({op, value, var, a, b});
    return static_cast<int>(out_.nodes_.size()) - 1;
  }
  bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool starts(std::string_view word) const { return s_.substr(pos_).starts_with(word); }

  int expr(int depth) {
    if (depth > kMaxDepth) return -1;
    int left = term(depth);
    while (left >= 0 && (at('+') || at('-'))) {
      const Op op = s_[pos_++] == '+' ? Op::kAdd : Op::kSub;
      const int right = term(depth);
      if (right < 0) return -1;
      left = add(op, left, right);
    }
    return left;
  }

  bool starts_atom() const {
    if (pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    return is_digit(c) || c == '(' || is_alpha(c) || starts("\xCF\x80") ||
           starts("\xE2\x88\x9A");  // π, √
  }

  int term(int depth) {
    int left = unary(depth);
    while (left >= 0) {
      Op op;
      if (at('*') || at('/')) {
        op = s_[pos_++] == '*' ? Op::kMul : Op::kDiv;
      } else if (starts_atom()) {
        op = Op::kMul;  // implicit multiplication: 2pi, 3sqrt(2), 2(x+1), xy
      } else {
        break;
      }
      const int right = unary(depth);
      if (right < 0) return -1;
      left = add(op, left, right);
    }
    return left;
  }

  int unary(int depth) {
    if (depth > kMaxDepth) return -1;
    if (at('-')) {
      ++pos_;
      const int a = unary(depth + 1);
      return a < 0 ? -1 : add(Op::kNeg, a);
    }
    if (at('+')) {
      ++pos_;
      return unary(depth + 1);
    }
    return power(depth);
  }

  int power(int depth) {
    const int base = postfix(depth);
    if (base < 0 || !at('^')) return base;
    ++pos_;
    const int exponent = unary(depth + 1);
    return exponent < 0 ? -1 : add(Op::kPow, base, exponent);
  }

  int postfix(int depth) {
    int a = atom(depth);
    while (a >= 0 && at('!')) {
      ++pos_;
      a = add(Op::kFact, a);
    }
    return a;
  }

  int number() {
    const size_t start = pos_;
    while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    if (at('.')) {
      ++pos_;
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    }
    const std::string text(s_.substr(start, pos_ - start));
    if (text == "." || text.empty()) return -1;
    return add(Op::kNum, -1, -1, std::strtod(text.c_str(), nullptr));
  }

  int function_call(Op op, int depth) {
    // sqrt(x) or sqrt x (the argument binds like an atom: sqrt2pi is sqrt(2)*pi).
    const int arg = postfix(depth + 1);
    return arg < 0 ? -1 : add(op, arg);
  }

  int atom(int depth) {
    if (depth > kMaxDepth || pos_ >= s_.size()) return -1;
    const char c = s_[pos_];
    if (is_digit(c) || c == '.') return number();
    if (c == '(') {
      ++pos_;
      const int inner = expr(depth + 1);
      if (inner < 0 || !at(')')) return -1;
      ++pos_;
      return inner;
    }
    static constexpr std::pair<std::string_view, Op> kFunctions[] = {
        {"sqrt", Op::kSqrt}, {"\xE2\x88\x9A", Op::kSqrt}, {"sin", Op::kSin}, {"cos", Op::kCos},
        {"tan", Op::kTan},   {"log", Op::kLog},           {"ln", Op::kLog},  {"exp", Op::kExp}};
    for (const auto& [name, op] : kFunctions) {
      if (starts(name)) {
        pos_ += name.size();
        return function_call(op, depth);
      }
    }
    if (starts("pi") || starts("\xCF\x80")) {
      pos_ += 2;  // "pi" and UTF-8 "π" are both two bytes
      return add(Op::kNum, -1, -1, std::numbers::pi);
    }
    if (is_alpha(c)) {
      ++pos_;
      const char lower = static_cast<char>(c | 0x20);
      if (out_.variables_.find(lower) == std::string::npos) out_.variables_ += lower;
      return add(Op::kVar, -1, -1, 0, lower - 'a');
    }
    return -1;
  }

  std::string_view s_;
  MathExpr& out_;
  size_t pos_ = 0;
};

std::optional<MathExpr> MathExpr::parse(std::string_view text) {
  if (text.empty() || text.size() > kMaxLength) return std::nullopt;
  MathExpr e;
  MathExprParser parser(text, e);
  if (!parser.run()) return std::nullopt;
  std::sort(e.variables_.begin(), e.variables_.end());
  return e;
}

double MathExpr::eval_node(int i, const double* letters) const {
  const Node& n = nodes_[static_cast<size_t>(i)];
  auto A = [&] { return eval_node(n.a, letters); };
  auto B = [&] { return eval_node(n.b, letters); };
  switch (n.op) {
    case Op::kNum:
      return n.value;
    case Op::kVar:
      return letters[n.var];
    case Op::kNeg:
      return -A();
    case Op::kAdd:
      return A() + B();
    case Op::kSub:
      return A() - B();
    case Op::kMul:
      return A() * B();
    case Op::kDiv: {
      const double d = B();
      return d == 0 ? NAN : A() / d;
    }
    case Op::kPow: {
      const double base = A(), exponent = B();
      if (std::fabs(exponent) > 1000) return NAN;  // guards against 10^10^10 style inputs
      return std::pow(base, exponent);
    }
    case Op::kSqrt: {
      const double x = A();
      return x < 0 ? NAN : std::sqrt(x);
    }
    case Op::kSin:
      return std::sin(A());
    case Op::kCos:
      return std::cos(A());
    case Op::kTan:
      return std::tan(A());
    case Op::kLog: {
      const double x = A();
      return x <= 0 ? NAN : std::log(x);
    }
    case Op::kExp:
      return std::exp(A());
    case Op::kFact: {
      const double x = A();
      if (x < 0 || x > 170 || x != std::floor(x)) return NAN;
      return std::tgamma(x + 1);
    }
  }
  return NAN;
}

double MathExpr::evaluate(const std::vector<double>& values) const {
  std::array<double, 26> letters{};
  for (size_t i = 0; i < variables_.size() && i < values.size(); ++i) {
    letters[static_cast<size_t>(variables_[i] - 'a')] = values[i];
  }
  const double v = eval_node(root_, letters.data());
  return std::isfinite(v) ? v : NAN;
}

bool numerically_equal(const MathExpr& a, const MathExpr& b) {
  // Points chosen away from 0, 1 and small integers so that distinct polynomials rarely agree.
  static constexpr double kPoints[3][3] = {
      {0.5772156649, 1.6180339887, 2.7182818285},
      {1.4142135624, 0.3183098862, 1.2020569032},
      {2.2360679775, 0.6931471806, 3.3166247904},
  };
  std::string vars = a.variables() + b.variables();
  std::sort(vars.begin(), vars.end());
  vars.erase(std::unique(vars.begin(), vars.end()), vars.end());
  if (vars.size() > 3) return false;
  int compared = 0;
  for (const auto& point : kPoints) {
    auto values_for = [&](const MathExpr& e) {
      std::vector<double> v;
      for (char var : e.variables()) v.push_back(point[vars.find(var)]);
      return v;
    };
    const double x = a.evaluate(values_for(a));
    const double y = b.evaluate(values_for(b));
    if (std::isnan(x) != std::isnan(y)) return false;
    if (std::isnan(x)) continue;
    const double scale = std::max(std::fabs(x), std::fabs(y));
    if (std::fabs(x - y) > 1e-6 * scale + 1e-12) return false;
    ++compared;
    if (vars.empty()) break;  // constants: one evaluation is enough
  }
  return compared > 0;
}

}  // namespace owl::eval
