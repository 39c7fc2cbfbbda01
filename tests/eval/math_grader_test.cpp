// Tests the math verifier: extraction, both PRM800K normalisation passes (rules from
// ../shared/datasets/README.md §2, cases worked out by hand) and numeric equivalence.
#include "eval/math_grader.h"

#include <gtest/gtest.h>

#include "eval/math_expr.h"
#include "eval/math_normalize.h"

namespace owl::eval {
namespace {

TEST(MathExtract, LastBoxedWinsAndNestedBracesMatch) {
  EXPECT_EQ(extract_math_answer("so \\boxed{3} or maybe \\boxed{\\frac{1}{2}}."), "\\frac{1}{2}");
  EXPECT_EQ(extract_math_answer("$\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}$"),
            "\\left( 3, \\frac{\\pi}{2} \\right)");
  EXPECT_EQ(extract_math_answer("\\fbox{42}"), "42");
  EXPECT_EQ(extract_math_answer("$\\framebox{204}$ minutes"), "204");
  EXPECT_EQ(extract_math_answer("the answer is $\\boxed 7$."), "7");
  EXPECT_EQ(extract_math_answer("\\boxed{\\{1, 2\\}}"), "\\{1, 2\\}");
}

TEST(MathExtract, UnbalancedBoxFallsBackToEarlierBox) {
  EXPECT_EQ(extract_math_answer("\\boxed{5} and then \\boxed{6"), "5");
  EXPECT_EQ(extract_math_answer("\\boxed{6"), std::nullopt);
  EXPECT_EQ(extract_math_answer("}}}{{{ \\boxed{"), std::nullopt);
}

TEST(MathExtract, FinalAnswerLines) {
  EXPECT_EQ(extract_math_answer("work...\nThe answer is 12."), "12");
  EXPECT_EQ(extract_math_answer("Final Answer: The final answer is $\\frac{3}{4}$. I hope it is "
                                "correct."),
            "\\frac{3}{4}");
  EXPECT_EQ(extract_math_answer("Final Answer:\n\n  $x=3$\n"), "x=3");
  EXPECT_EQ(extract_math_answer("The answer is \\(2\\sqrt{3}\\)"), "2\\sqrt{3}");
}

TEST(MathExtract, NoAnswer) {
  EXPECT_EQ(extract_math_answer(""), std::nullopt);
  EXPECT_EQ(extract_math_answer("I do not know how to solve this."), std::nullopt);
  EXPECT_EQ(extract_math_answer("The answer is"), std::nullopt);
}

TEST(HendrycksNormalize, Rules) {
  EXPECT_EQ(hendrycks_normalize("  \\text{Evelyn} "), "Evelyn");
  EXPECT_EQ(hendrycks_normalize("\\left( 3, \\frac{\\pi}{2} \\right)"), "(3,\\frac{\\pi}{2})");
  EXPECT_EQ(hendrycks_normalize("\\dfrac{1}{2}"), "\\frac{1}{2}");
  EXPECT_EQ(hendrycks_normalize("\\tfrac12"), "\\frac{1}{2}");
  EXPECT_EQ(hendrycks_normalize("\\frac1{2}"), "\\frac{1}{2}");
  EXPECT_EQ(hendrycks_normalize("\\sqrt2"), "\\sqrt{2}");
  EXPECT_EQ(hendrycks_normalize("90^\\circ"), "90");
  EXPECT_EQ(hendrycks_normalize("90^{\\circ}"), "90");
  EXPECT_EQ(hendrycks_normalize("\\$5"), "5");
  EXPECT_EQ(hendrycks_normalize("12 \\text{ cm}"), "12");
  EXPECT_EQ(hendrycks_normalize("50\\%"), "50");
  EXPECT_EQ(hendrycks_normalize(".5"), "\\frac{1}{2}");
  EXPECT_EQ(hendrycks_normalize("0.5"), "\\frac{1}{2}");
  EXPECT_EQ(hendrycks_normalize("x = 5"), "5");
  EXPECT_EQ(hendrycks_normalize("xyz = 5"), "xyz=5");
  EXPECT_EQ(hendrycks_normalize("3/4"), "\\frac{3}{4}");
  EXPECT_EQ(hendrycks_normalize("03/4"), "03/4");
  EXPECT_EQ(hendrycks_normalize("10,\\!000"), "10,000");
  EXPECT_EQ(hendrycks_normalize("a\\\\b"), "a\\b");
  // Where the reference raises (two "\text{ " units), the input comes back trimmed.
  EXPECT_EQ(hendrycks_normalize(" 1 \\text{ m} 2 \\text{ s} "), "1 \\text{ m} 2 \\text{ s}");
}

TEST(PrmNormalize, Rules) {
  EXPECT_EQ(prm_normalize("\\text{east}"), "east");
  EXPECT_EQ(prm_normalize("\\$1,\\!000"), "1000");
  EXPECT_EQ(prm_normalize("25\\%"), "25");
  EXPECT_EQ(prm_normalize("2 million"), "2*10^6");
  EXPECT_EQ(prm_normalize("5 inches"), "5");
  EXPECT_EQ(prm_normalize("10 feet^2"), "10");
  EXPECT_EQ(prm_normalize("30 ^\\circ"), "30");
  EXPECT_EQ(prm_normalize("{7}"), "7");
  EXPECT_EQ(prm_normalize("18.0"), "18");
  EXPECT_EQ(prm_normalize("025"), "25");
  EXPECT_EQ(prm_normalize("1,234"), "1234");
  EXPECT_EQ(prm_normalize("\\frac{1}{2}"), "1/2");
  EXPECT_EQ(prm_normalize("-\\frac{1}{2}"), "-1/2");
  EXPECT_EQ(prm_normalize("2\\frac{1}{2}"), "2+1/2");
  EXPECT_EQ(prm_normalize("7 3/4"), "7+3/4");
  EXPECT_EQ(prm_normalize("\\frac{\\sqrt{3}}{2}"), "(sqrt(3))/2");
  EXPECT_EQ(prm_normalize("3\\pi"), "3pi");
  EXPECT_EQ(prm_normalize("(-\\infty, 3] \\cup [5, \\infty)"), "(-inf,3]u[5,inf)");
  EXPECT_EQ(prm_normalize("2 \\cdot 3"), "2*3");
  EXPECT_EQ(prm_normalize("A and B"), "a,b");
  EXPECT_EQ(prm_normalize("2^{10}"), "2^10");
  // Without a backslash the braces are simply dropped, as in the reference.
  EXPECT_EQ(prm_normalize("2^{x+1}"), "2^x+1");
  EXPECT_EQ(prm_normalize("\\sqrt{2}^{x+1}"), "sqrt(2)^(x+1)");
}

TEST(MathEqual, StringPasses) {
  EXPECT_TRUE(math_answers_equal("\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"));
  EXPECT_TRUE(math_answers_equal("\\dfrac{17}{50}", "\\frac{17}{50}"));
  EXPECT_TRUE(math_answers_equal("\\frac12", "\\frac{1}{2}"));
  EXPECT_TRUE(math_answers_equal("\\frac{1}2", "\\frac{1}{2}"));
  EXPECT_TRUE(math_answers_equal("0.5", "\\frac{1}{2}"));
  EXPECT_TRUE(math_answers_equal("1/2", "\\frac{1}{2}"));
  EXPECT_TRUE(math_answers_equal("12\\text{ cm}", "12"));
  EXPECT_TRUE(math_answers_equal("12 \\text{cm}", "12"));
  EXPECT_TRUE(math_answers_equal("90^\\circ", "90"));
  EXPECT_TRUE(math_answers_equal("90^{\\circ}", "90^\\circ"));
  EXPECT_TRUE(math_answers_equal("\\$18.00", "18"));
  EXPECT_TRUE(math_answers_equal("25\\%", "25"));
  EXPECT_TRUE(math_answers_equal("5.0", "5"));
  EXPECT_TRUE(math_answers_equal("\\sqrt2", "\\sqrt{2}"));
  EXPECT_TRUE(math_answers_equal("x=5", "5"));
  EXPECT_TRUE(math_answers_equal("k = 3", "3"));
  EXPECT_TRUE(math_answers_equal("10,\\!000", "10000"));
  EXPECT_TRUE(math_answers_equal("\\text{Evelyn}", "Evelyn"));
  EXPECT_TRUE(math_answers_equal("\\textbf{east}", "\\text{east}"));
  EXPECT_TRUE(math_answers_equal("6 - 5i", "6-5i"));
  EXPECT_TRUE(math_answers_equal("3, 5, 7", "3,5,7"));
  EXPECT_TRUE(math_answers_equal("\\!\\!42", "42"));
  EXPECT_TRUE(math_answers_equal("025", "25"));  // AIME zero padding
  EXPECT_TRUE(math_answers_equal("25", "025"));
  EXPECT_TRUE(math_answers_equal("52_8", "52_8"));
}

TEST(MathEqual, NumericAndTuplePasses) {
  EXPECT_TRUE(math_answers_equal("\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt3}{2}"));
  EXPECT_TRUE(math_answers_equal("\\sqrt{3}/2", "\\frac{\\sqrt{3}}{2}"));
  EXPECT_TRUE(math_answers_equal("0.8660254038", "\\frac{\\sqrt{3}}{2}"));
  EXPECT_TRUE(math_answers_equal("2\\sqrt{2}", "\\sqrt{8}"));
  EXPECT_TRUE(math_answers_equal("\\frac{3\\pi}{2}", "1.5\\pi"));
  EXPECT_TRUE(math_answers_equal("(3, \\frac{\\pi}{2})", "\\left( 3, \\frac{\\pi}{2} \\right)"));
  EXPECT_TRUE(math_answers_equal("(-\\sqrt{3}, \\sqrt{3})", "(-\\sqrt3,\\sqrt{3})"));
  EXPECT_TRUE(math_answers_equal("[1.5, 2)", "[\\frac{3}{2}, 2)"));
  EXPECT_TRUE(math_answers_equal("2x+1", "1+2x"));
  EXPECT_TRUE(math_answers_equal("p - q", "-q+p"));
  EXPECT_TRUE(math_answers_equal("x^2+2x+1", "(x+1)^2"));
  EXPECT_TRUE(math_answers_equal("288\\pi", "288 \\pi"));
  EXPECT_TRUE(math_answers_equal("-\\frac{1}{3}", "\\frac{-1}{3}"));
  EXPECT_TRUE(math_answers_equal("0.35625", ".35625"));
}

TEST(MathEqual, WrongAnswersFail) {
  EXPECT_FALSE(math_answers_equal("", "5"));
  EXPECT_FALSE(math_answers_equal("6", "5"));
  EXPECT_FALSE(math_answers_equal("-5", "5"));
  EXPECT_FALSE(math_answers_equal("\\frac{1}{3}", "\\frac{1}{2}"));
  EXPECT_FALSE(math_answers_equal("\\frac{2}{4}", "\\frac{1}{2}"));  // unreduced: PRM800K rule
  EXPECT_FALSE(math_answers_equal("\\frac{10}{2}", "5"));            // integer vs non-integer form
  EXPECT_FALSE(math_answers_equal("3.14", "\\pi"));
  EXPECT_FALSE(math_answers_equal("0.866", "\\frac{\\sqrt{3}}{2}"));
  EXPECT_FALSE(math_answers_equal("\\sqrt{2}", "2"));
  EXPECT_FALSE(math_answers_equal("4", "4\\sqrt{2}"));
  EXPECT_FALSE(math_answers_equal("(3, 2)", "(2, 3)"));
  EXPECT_FALSE(math_answers_equal("(1, 2]", "(1, 2)"));
  EXPECT_FALSE(math_answers_equal("(1, 2, 3)", "(1, 2)"));
  EXPECT_FALSE(math_answers_equal("7,5,3", "3,5,7"));
  EXPECT_FALSE(math_answers_equal("2x", "x^2"));
  EXPECT_FALSE(math_answers_equal("\\text{west}", "\\text{east}"));
  EXPECT_FALSE(math_answers_equal("6+5i", "6-5i"));
  EXPECT_FALSE(math_answers_equal("x+y+z", "z+y+x+0"));  // more than 2 letters: not evaluated
  EXPECT_FALSE(math_answers_equal("52_8", "52"));
  // Large integers compare exactly, not within a relative tolerance.
  EXPECT_FALSE(math_answers_equal("11,\\! 111,\\! 111,\\! 101", "11,\\! 111,\\! 111,\\! 100"));
  EXPECT_TRUE(math_answers_equal("11111111100", "11,\\! 111,\\! 111,\\! 100"));
  EXPECT_FALSE(math_answers_equal("1000001", "1000000"));
}

TEST(MathEqual, AdversarialInputsDoNotCrash) {
  const std::string deep(5000, '(');
  EXPECT_FALSE(math_answers_equal(deep, "1"));
  EXPECT_FALSE(math_answers_equal(std::string(100000, '{'), "1"));
  EXPECT_FALSE(math_answers_equal("10^10^10^10", "1"));
  EXPECT_FALSE(math_answers_equal("\\frac", "1"));
  EXPECT_FALSE(math_answers_equal("\\sqrt", "1"));
  EXPECT_FALSE(math_answers_equal("\\frac{", "\\frac{1}{2}"));
  EXPECT_FALSE(math_answers_equal("1/0", "1"));
  EXPECT_FALSE(math_answers_equal("\xff\xfe", "1"));
}

TEST(MathExpr, Evaluates) {
  auto value = [](const char* s) {
    auto e = MathExpr::parse(s);
    EXPECT_TRUE(e.has_value()) << s;
    return e ? e->evaluate({}) : -1.0;
  };
  EXPECT_DOUBLE_EQ(value("1+2*3"), 7);
  EXPECT_DOUBLE_EQ(value("-2^2"), -4);
  EXPECT_DOUBLE_EQ(value("2^-1"), 0.5);
  EXPECT_DOUBLE_EQ(value("2^3^2"), 512);
  EXPECT_DOUBLE_EQ(value("(1+2)(3+4)"), 21);
  EXPECT_DOUBLE_EQ(value("3!"), 6);
  EXPECT_NEAR(value("2sqrt(2)"), 2.8284271247461903, 1e-15);
  EXPECT_NEAR(value("sqrt2pi"), 4.442882938158366, 1e-14);
  EXPECT_FALSE(MathExpr::parse("1+").has_value());
  EXPECT_FALSE(MathExpr::parse("(1").has_value());
  EXPECT_FALSE(MathExpr::parse("1..2").has_value());
  auto poly = MathExpr::parse("x^2+y");
  ASSERT_TRUE(poly.has_value());
  EXPECT_EQ(poly->variables(), "xy");
  EXPECT_DOUBLE_EQ(poly->evaluate({3, 1}), 10);
}

}  // namespace
}  // namespace owl::eval
