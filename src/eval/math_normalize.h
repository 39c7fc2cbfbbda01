// Answer normalisation as the PRM800K MATH grader does it (../shared/datasets/README.md §2):
// pass 1 is the Hendrycks MATH normaliser, pass 2 the grader's own, which also turns LaTeX into
// plain text (our stand-in for pylatexenc).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace owl::eval {

// Pass 1 (Hendrycks math_normalize): \text unwrapping, \left/\right, \dfrac, units after
// "\text{ ", \%, leading "0.", short "x=" prefixes, \sqrt2 and \frac12 braces, spaces, 0.5, a/b.
std::string hendrycks_normalize(std::string_view answer);

// Pass 2 (grader _normalize): $ and %, "and"/"or", million, unit words, ^\circ, outer braces,
// ",\!", integral floats, LaTeX to text, mixed numbers, spaces, braces, lower case, integers.
std::string prm_normalize(std::string_view answer);

// LaTeX to plain text: \frac{a}{b} -> " a/b" (parenthesised unless a and b are plain),
// \sqrt{x} -> sqrt(x), \pi -> pi, \infty -> inf, \cup -> U, \cdot/\times -> *, x^{ab} -> x^(ab),
// \text{..} and other styling -> contents, groups lose their braces.
std::string latex_to_text(std::string_view latex);

// Python's float(s) acceptance: optional sign, digits with one '.', exponent, inf/nan.
std::optional<double> python_float(std::string_view s);
// Removes thousands commas that are well-formed ("1,234,567" -> "1234567"; "1,23" stays).
std::string strip_thousands_commas(std::string_view s);
// float(s) after strip_thousands_commas is within 1e-7 of an integer.
bool str_is_int(std::string_view s);
// "a/b" with integer a, b (optionally signed a): the form PRM800K compares as a string.
bool is_plain_fraction(std::string_view s);

}  // namespace owl::eval
