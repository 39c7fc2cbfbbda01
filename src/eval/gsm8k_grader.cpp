// GSM8K answer extraction and comparison (../shared/datasets/README.md §1, with the usual
// chat-model fallbacks to \boxed{} and the last number).
#include "eval/gsm8k_grader.h"

#include <vector>

#include "eval/text_util.h"

namespace owl::eval {

namespace {

// A number at s[i]: optional '-', optional '$', digits with ',' groups, optional '.digits'.
// Returns its end, or npos if none starts here.
size_t scan_number(std::string_view s, size_t i) {
  size_t j = i;
  if (j < s.size() && s[j] == '-') ++j;
  if (j < s.size() && s[j] == '$') ++j;
  const size_t digits_start = j;
  while (j < s.size() && (is_digit(s[j]) || (s[j] == ',' && j > digits_start && j + 1 < s.size() &&
                                             is_digit(s[j + 1])))) {
    ++j;
  }
  bool any = j > digits_start;
  if (j + 1 < s.size() && s[j] == '.' && is_digit(s[j + 1])) {
    ++j;
    while (j < s.size() && is_digit(s[j])) ++j;
    any = true;
  }
  return any ? j : std::string_view::npos;
}

std::string clean_number(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    if (c != ',' && c != '$') out += c;
  }
  return out;
}

std::vector<std::string> all_numbers(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    // A '-' only signs a number when it does not follow a digit or letter ("3-2" is a range).
    const bool sign_ok = s[i] != '-' || i == 0 || !(is_digit(s[i - 1]) || is_alpha(s[i - 1]));
    const bool can_start = is_digit(s[i]) || s[i] == '$' || (s[i] == '-' && sign_ok);
    // Digits glued to a word (x2, a10) are part of the word, not a number.
    if (is_digit(s[i]) && i > 0 && is_alpha(s[i - 1])) {
      while (i < s.size() && (is_digit(s[i]) || is_alpha(s[i]))) ++i;
      continue;
    }
    if (can_start) {
      const size_t end = scan_number(s, i);
      if (end != std::string_view::npos) {
        out.push_back(clean_number(s.substr(i, end - i)));
        i = end;
        continue;
      }
    }
    ++i;
  }
  return out;
}

std::optional<std::string> number_after_marker(std::string_view text) {
  const size_t pos = text.find("####");
  if (pos == std::string_view::npos) return std::nullopt;
  size_t i = pos + 4;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  const size_t end = scan_number(text, i);
  if (end == std::string_view::npos) return std::string();  // marker without a number
  return clean_number(text.substr(i, end - i));
}

}  // namespace

std::optional<std::string> gsm8k_reference(std::string_view solution) {
  auto n = number_after_marker(solution);
  if (!n || n->empty()) return std::nullopt;
  return n;
}

std::optional<std::string> extract_gsm8k_answer(std::string_view completion) {
  if (auto n = number_after_marker(completion)) {
    if (n->empty()) return std::nullopt;
    return n;
  }
  if (auto boxed = last_boxed(completion)) {
    std::string content = *boxed;
    replace_all(content, "{,}", ",");  // 1{,}000
    replace_all(content, "\\!", "");
    replace_all(content, "\\,", "");
    const auto numbers = all_numbers(content);
    if (!numbers.empty()) return numbers.back();
  }
  const auto numbers = all_numbers(completion);
  if (numbers.empty()) return std::nullopt;
  return numbers.back();
}

std::optional<std::string> canonical_decimal(std::string_view number) {
  std::string s = clean_number(trim_view(number));
  while (!s.empty() && s.back() == '.') s.pop_back();
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.erase(0, 1);
  }
  if (!s.empty() && s[0] == '$') s.erase(0, 1);
  const size_t dot = s.find('.');
  std::string int_part = s.substr(0, dot);
  std::string frac_part = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (int_part.empty() && frac_part.empty()) return std::nullopt;
  for (char c : int_part + frac_part) {
    if (!is_digit(c)) return std::nullopt;
  }
  const size_t first_nonzero = int_part.find_first_not_of('0');
  int_part =
      first_nonzero == std::string::npos ? std::string(1, '0') : int_part.substr(first_nonzero);
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.pop_back();
  std::string out = negative ? "-" : "";
  out += int_part;
  if (!frac_part.empty()) {
    out += '.';
    out += frac_part;
  }
  if (out == "-0") out = "0";
  return out;
}

bool gsm8k_answers_equal(std::string_view given, std::string_view reference) {
  const auto a = canonical_decimal(given);
  const auto b = canonical_decimal(reference);
  return a && b && *a == *b;
}

}  // namespace owl::eval
