// Python text semantics over UTF-8: code points, whitespace, case mapping, repr() of str and float.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace owl::tmpl {

std::u32string utf8_decode(std::string_view s);  // invalid bytes become U+FFFD
std::string utf8_encode(std::u32string_view s);
void append_utf8(std::string& out, char32_t c);
size_t utf8_length(std::string_view s);  // Python len(): code points
bool is_ascii(std::string_view s);
bool utf8_valid(std::string_view s);
// Byte offset of code point index `cp` (clamped to the end).
size_t utf8_offset(std::string_view s, size_t cp);

// Python str predicates on one code point (Unicode tables cover the common scripts).
bool py_isspace(char32_t c);
bool py_isalpha(char32_t c);
bool py_isdigit(char32_t c);
bool py_isdecimal(char32_t c);
bool py_isnumeric(char32_t c);
bool py_iscased_upper(char32_t c);
bool py_iscased_lower(char32_t c);
bool py_isprintable(char32_t c);

// Python str.upper()/lower() (ß -> SS, final sigma, ...).
std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_swapcase(std::string_view s);
std::string py_capitalize(std::string_view s);  // str.capitalize()
std::string py_title(std::string_view s);       // str.title()
std::u32string upper_cp(char32_t c);
std::u32string lower_cp(char32_t c);

// str.strip([chars]) family; chars == nullopt strips Python whitespace.
std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                     bool right);
// str.split / rsplit; sep == nullopt splits on whitespace runs.
std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep,
                                  int64_t maxsplit);
std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep,
                                   int64_t maxsplit);
std::vector<std::string> py_splitlines(std::string_view s, bool keepends);
std::string py_replace(std::string_view s, std::string_view old, std::string_view repl,
                       int64_t count);
int64_t py_count(std::string_view s, std::string_view sub);
std::string py_center(std::string_view s, int64_t width, char32_t fill);

std::string float_repr(double v);             // Python repr(float): 1.0, 1e-05, 1e+16, inf, nan
std::string str_repr(std::string_view s);     // Python repr(str) with its quote choice
std::string html_escape(std::string_view s);  // markupsafe.escape

}  // namespace owl::tmpl
