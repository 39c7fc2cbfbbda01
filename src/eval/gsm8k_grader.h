// The `gsm8k` verifier: numbers compared as exact decimals after removing commas and '$'.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace owl::eval {

// Reference: the number after the first "####" of a GSM8K solution (commas removed).
std::optional<std::string> gsm8k_reference(std::string_view solution);

// From a completion: the number after the first "####" if there is one, else the last number in
// the last \boxed{}, else the last number in the text. Commas, '$' and a trailing period go.
std::optional<std::string> extract_gsm8k_answer(std::string_view completion);

// Canonical decimal: "18.00" -> "18", "-0.50" -> "-0.5", "007" -> "7"; nullopt if not a number.
std::optional<std::string> canonical_decimal(std::string_view number);

// Both canonicalise to the same decimal.
bool gsm8k_answers_equal(std::string_view given, std::string_view reference);

}  // namespace owl::eval
