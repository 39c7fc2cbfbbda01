// Tests the gsm8k verifier on the official "####" format and on chat-style completions.
#include "eval/gsm8k_grader.h"

#include <gtest/gtest.h>

namespace owl::eval {
namespace {

TEST(Gsm8k, Reference) {
  EXPECT_EQ(gsm8k_reference("She makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18"), "18");
  EXPECT_EQ(gsm8k_reference("...\n#### 2,125"), "2125");
  EXPECT_EQ(gsm8k_reference("...\n#### -3"), "-3");
  EXPECT_EQ(gsm8k_reference("no marker"), std::nullopt);
}

TEST(Gsm8k, Extraction) {
  EXPECT_EQ(extract_gsm8k_answer("So 5 + 13 = 18.\n#### 18"), "18");
  EXPECT_EQ(extract_gsm8k_answer("#### $1,234.50 is it"), "1234.50");
  EXPECT_EQ(extract_gsm8k_answer("#### 12\n#### 13"), "12");  // first marker, as official
  EXPECT_EQ(extract_gsm8k_answer("The total is \\boxed{\\$1{,}000} dollars, not 5."), "1000");
  EXPECT_EQ(extract_gsm8k_answer("\\boxed{18 \\text{ dollars}}"), "18");
  EXPECT_EQ(extract_gsm8k_answer("First 3 apples, then 4, so she has 7."), "7");
  EXPECT_EQ(extract_gsm8k_answer("She has $1,200 left."), "1200");
  EXPECT_EQ(extract_gsm8k_answer("The temperature is -5 degrees."), "-5");
  EXPECT_EQ(extract_gsm8k_answer("It costs 18.00."), "18.00");
  EXPECT_EQ(extract_gsm8k_answer("Pages 3-5 give 12 total."), "12");
  EXPECT_EQ(extract_gsm8k_answer("We use x2 and 7"), "7");
  EXPECT_EQ(extract_gsm8k_answer("no numbers at all"), std::nullopt);
  EXPECT_EQ(extract_gsm8k_answer("#### no number"), std::nullopt);
  EXPECT_EQ(extract_gsm8k_answer(""), std::nullopt);
}

TEST(Gsm8k, Equality) {
  EXPECT_TRUE(gsm8k_answers_equal("18.00", "18"));
  EXPECT_TRUE(gsm8k_answers_equal("18.", "18"));
  EXPECT_TRUE(gsm8k_answers_equal("$18", "18"));
  EXPECT_TRUE(gsm8k_answers_equal("1,234", "1234"));
  EXPECT_TRUE(gsm8k_answers_equal("007", "7"));
  EXPECT_TRUE(gsm8k_answers_equal("-3", "-3"));
  EXPECT_TRUE(gsm8k_answers_equal("0.50", ".5"));
  EXPECT_FALSE(gsm8k_answers_equal("-3", "3"));
  EXPECT_FALSE(gsm8k_answers_equal("18.01", "18"));
  EXPECT_FALSE(gsm8k_answers_equal("180", "18"));
  EXPECT_FALSE(gsm8k_answers_equal("", "18"));
  EXPECT_FALSE(gsm8k_answers_equal("abc", "18"));
  EXPECT_EQ(canonical_decimal("-0.0"), "0");
}

}  // namespace
}  // namespace owl::eval
