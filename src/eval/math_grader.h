// The `math` verifier (MATH-500, AIME): find the final answer in a completion and decide whether
// it equals the reference the way the PRM800K grader does, plus numeric equality.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace owl::eval {

// The last well-formed \boxed{...} (or \fbox/\framebox); failing that, the text after the last
// "final answer is", "Final Answer:", "the answer is" or "Answer:" on its line, with $...$ math
// delimiters and a trailing period removed. nullopt when the completion states no answer.
std::optional<std::string> extract_math_answer(std::string_view completion);

// True when `given` is a correct answer for the reference `gold`:
//   1. equal after the Hendrycks normalisation, or
//   2. equal after PRM800K's second normalisation, or
//   3. element by element (tuples/intervals with matching brackets and arity): plain fractions
//      compare as strings, an integer never equals a non-integer, and otherwise both sides
//      evaluate to the same number (relative 1e-6) at fixed points of up to 2 free letters.
// Step 3 replaces PRM800K's sympy.simplify(gold - given) == 0; it also accepts a decimal that
// agrees with an exact answer to 1e-6 (1.4142136 for \sqrt{2}), which sympy would reject.
bool math_answers_equal(std::string_view given, std::string_view gold);

}  // namespace owl::eval
