// Unicode services the tokenizers need, backed by ICU: normalization forms, lower-casing,
// character properties, and property ranges for building regex classes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace owl::unicode {

enum class Form { kNFC, kNFD, kNFKC, kNFKD };

// s (valid UTF-8) in the given normalization form.
std::string normalize(std::string_view s, Form form);

// Full lower-case mapping without locale tailoring (like Rust's str::to_lowercase, which the
// Hugging Face Lowercase normalizer uses; final sigma handled).
std::string to_lower(std::string_view s);

// Rust char::is_whitespace: the White_Space property.
bool is_whitespace(uint32_t cp);
// Hugging Face's punctuation test: ASCII punctuation or general category P*.
bool is_punctuation(uint32_t cp);
// Rust char::is_numeric: general categories Nd, Nl, No.
bool is_numeric(uint32_t cp);
// Rust char::is_alphanumeric: Alphabetic or numeric.
bool is_alphanumeric(uint32_t cp);
// General category Mn (what BertNormalizer's strip_accents removes after NFD).
bool is_nonspacing_mark(uint32_t cp);
// General category M* (combining marks, what the StripAccents normalizer removes).
bool is_mark(uint32_t cp);
// General category C* (BertNormalizer's clean_text drops these, except \t \n \r).
bool is_control(uint32_t cp);
// CJK ideograph blocks as BertNormalizer's handle_chinese_chars defines them.
bool is_chinese_char(uint32_t cp);

// Code point ranges [first, last] of a Unicode property as written inside \p{...} (general
// categories such as "L", "Lu", "N", "P"; scripts such as "Han"), surrogates excluded.
// Returns false when ICU does not know the name.
using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;
bool property_ranges(std::string_view name, Ranges& out);

// The Unicode version of the character data (e.g. "15.0").
std::string version();

}  // namespace owl::unicode
