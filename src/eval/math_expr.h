// A small numeric evaluator for plain-text math answers ("3sqrt(2)/2", "2pi", "x^2+1"): the
// stand-in for the sympy step of the PRM800K grader. Letters are free variables.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace owl::eval {

class MathExpr {
 public:
  // Parses the text form produced by prm_normalize(); nullopt if it is not an expression this
  // evaluator understands (unknown symbols, unbalanced parentheses, too long or deep).
  static std::optional<MathExpr> parse(std::string_view text);

  // Free single-letter variables, sorted ('a'..'z').
  const std::string& variables() const { return variables_; }
  // Value with variables[i] = values[i] (missing values count as 0); NaN when undefined.
  double evaluate(const std::vector<double>& values) const;

 private:
  enum class Op : unsigned char {
    kNum,
    kVar,
    kNeg,
    kAdd,
    kSub,
    kMul,
    kDiv,
    kPow,
    kSqrt,
    kSin,
    kCos,
    kTan,
    kLog,
    kExp,
    kFact
  };
  struct Node {
    Op op;
    double value = 0;  // kNum
    int var = -1;      // kVar: letter index 0..25
    int a = -1, b = -1;
  };
  friend class MathExprParser;
  double eval_node(int i, const double* letters) const;

  std::vector<Node> nodes_;
  int root_ = -1;
  std::string variables_;
};

// True when both expressions evaluate to the same number (relative 1e-6, absolute 1e-12) at
// several fixed points of their free variables. Missing or undefined values compare unequal.
bool numerically_equal(const MathExpr& a, const MathExpr& b);

}  // namespace owl::eval
