// Small string helpers shared by the answer extractors and graders (no regex engine needed).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace owl::eval {

std::string_view trim_view(std::string_view s);
std::string trim(std::string_view s);
std::string to_lower(std::string_view s);
void replace_all(std::string& s, std::string_view from, std::string_view to);
std::vector<std::string> split(std::string_view s, char sep);
size_t count_of(std::string_view s, std::string_view needle);
bool is_digit(char c);
bool is_alpha(char c);
bool is_space(char c);

// Index one past the '}' matching the '{' at s[open]; npos when the braces never close.
size_t match_brace(std::string_view s, size_t open);

// Contents of the last well-formed \boxed{...}, \boxed x, \fbox{...} or \framebox{...} (nested
// braces matched); nullopt when there is none. A box whose braces never close is skipped.
std::optional<std::string> last_boxed(std::string_view text);

// Where the text stops being valid UTF-8 is repaired by replacing bad bytes with U+FFFD, so the
// string can go into JSON.
std::string valid_utf8(std::string_view s);

}  // namespace owl::eval
