// Final-answer extraction and PRM800K-style equivalence for math answers.
#include "eval/math_grader.h"

#include <cmath>
#include <set>
#include <vector>

#include "eval/math_expr.h"
#include "eval/math_normalize.h"
#include "eval/text_util.h"

namespace owl::eval {

namespace {

// Strips $...$, \(...\), \[...\] around (or inside) an answer line and the chatter after it.
std::string clean_answer_line(std::string line) {
  line = trim(line);
  static constexpr std::pair<std::string_view, std::string_view> kDelims[] = {
      {"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}};
  for (const auto& [open, close] : kDelims) {
    const size_t a = line.find(open);
    if (a == std::string::npos) continue;
    const size_t b = line.find(close, a + open.size());
    if (b == std::string::npos) continue;
    return trim(line.substr(a + open.size(), b - a - open.size()));
  }
  // Plain text: the answer ends at a sentence break (". " or end of line).
  const size_t stop = line.find(". ");
  if (stop != std::string::npos) line = line.substr(0, stop);
  line = trim(line);
  while (!line.empty() && line.back() == '.') line.pop_back();
  return trim(line);
}

std::optional<std::string> answer_after_phrase(std::string_view text) {
  static constexpr std::string_view kPhrases[] = {"final answer is",
                                                  "final answer:", "the answer is", "answer:"};
  const std::string lower = to_lower(text);
  size_t best = std::string::npos, best_len = 0;
  for (std::string_view phrase : kPhrases) {
    const size_t pos = lower.rfind(phrase);
    if (pos != std::string::npos && (best == std::string::npos || pos > best)) {
      best = pos;
      best_len = phrase.size();
    }
  }
  if (best == std::string::npos) return std::nullopt;
  size_t start = best + best_len;
  size_t end = text.find('\n', start);
  if (end == std::string_view::npos) end = text.size();
  // "Final Answer:" alone on its line: the answer is on the next non-empty line.
  while (trim_view(text.substr(start, end - start)).empty() && end < text.size()) {
    start = end + 1;
    end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
  }
  std::string answer = clean_answer_line(std::string(text.substr(start, end - start)));
  if (answer.empty()) return std::nullopt;
  return answer;
}

// Splits "(a,b]" style tuples and intervals as the reference does; other strings are one item.
std::vector<std::string> split_tuple(const std::string& normalized) {
  const std::string s = strip_thousands_commas(normalized);
  if (s.empty()) return {};
  auto bracket = [](char c) { return c == '(' || c == ')' || c == '[' || c == ']'; };
  bool inner_brackets = false;
  for (size_t i = 1; i + 1 < s.size(); ++i) inner_brackets |= bracket(s[i]);
  if (s.size() > 2 && bracket(s.front()) && bracket(s.back()) && !inner_brackets) {
    std::vector<std::string> elems;
    for (const std::string& e : split(std::string_view(s).substr(1, s.size() - 2), ',')) {
      elems.push_back(trim(e));
    }
    return elems;
  }
  return {s};
}

// Letters the reference counts before allowing symbolic comparison (sqrt and frac excluded).
size_t unknown_letters(std::string s) {
  replace_all(s, "sqrt", "");
  replace_all(s, "frac", "");
  std::set<char> letters;
  for (char c : s) {
    if (is_alpha(c)) letters.insert(c);
  }
  return letters.size();
}

bool elements_equal(const std::string& gold, const std::string& given) {
  if (is_plain_fraction(gold) && is_plain_fraction(given)) return gold == given;
  const bool gold_int = str_is_int(gold), given_int = str_is_int(given);
  if (gold_int != given_int) return false;
  if (gold_int) {
    // Integers compare exactly (a relative tolerance would let 11111111101 equal 11111111100).
    const auto a = python_float(strip_thousands_commas(gold));
    const auto b = python_float(strip_thousands_commas(given));
    if (!a || !b) return false;
    if (std::fabs(*a) < 9.0e15 && std::fabs(*b) < 9.0e15)
      return std::llround(*a) == std::llround(*b);
    return strip_thousands_commas(gold) == strip_thousands_commas(given);
  }
  if (unknown_letters(gold) > 2 || unknown_letters(given) > 2) return false;
  const auto a = MathExpr::parse(gold);
  const auto b = MathExpr::parse(given);
  return a && b && numerically_equal(*a, *b);
}

}  // namespace

std::optional<std::string> extract_math_answer(std::string_view completion) {
  if (auto boxed = last_boxed(completion)) return trim(*boxed);
  return answer_after_phrase(completion);
}

bool math_answers_equal(std::string_view given, std::string_view gold) {
  if (hendrycks_normalize(gold) == hendrycks_normalize(given)) return true;
  const std::string gold_n = prm_normalize(gold);
  const std::string given_n = prm_normalize(given);
  if (gold_n == given_n) return true;
  if (given_n.empty() || gold_n.empty()) return false;
  const auto gold_elems = split_tuple(gold_n);
  const auto given_elems = split_tuple(given_n);
  if (gold_elems.size() > 1 &&
      (gold_n.front() != given_n.front() || gold_n.back() != given_n.back())) {
    return false;
  }
  if (gold_elems.size() != given_elems.size()) return false;
  for (size_t i = 0; i < gold_elems.size(); ++i) {
    if (!elements_equal(gold_elems[i], given_elems[i])) return false;
  }
  return true;
}

}  // namespace owl::eval
