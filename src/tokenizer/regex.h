// Regular expressions as Hugging Face tokenizers write them (Oniguruma syntax), compiled once
// with PCRE2 (UTF, UCP, JIT). \p{..}, \s, \d, \w and \h are rewritten into explicit code point
// classes taken from ICU, so character classes follow ICU's Unicode version (close to the
// references') and Oniguruma's definitions rather than PCRE2's built-in tables.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace owl {

class Regex {
 public:
  // Throws owl::Error (with the pattern and PCRE2's message) if the pattern is invalid.
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Appends the [begin, end) byte ranges of successive non-overlapping matches in text, with
  // the iteration rules of Oniguruma's find_iter as used by Hugging Face tokenizers (an empty
  // match right after the previous match is skipped by advancing one character).
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Impl;
  std::string pattern_;
  std::unique_ptr<Impl> impl_;
};

// The PCRE2 pattern a Hugging Face (Oniguruma) pattern is translated to; exposed for tests.
std::string translate_regex(std::string_view pattern);

}  // namespace owl
