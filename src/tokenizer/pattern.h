// A Hugging Face "pattern" (a literal {"String": ...} or a {"Regex": ...}) used by the Split
// pre-tokenizer and the Replace normalizer/decoder.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/json_util.h"
#include "tokenizer/regex.h"

namespace owl {

class TextPattern {
 public:
  static TextPattern literal(std::string s);
  static TextPattern regex(std::string_view pattern);
  static TextPattern from_json(const json_util::Json& j, const std::string& where);

  // Appends the [begin, end) ranges of successive non-overlapping matches.
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;
  // text with every match replaced by content.
  std::string replace_all(std::string_view text, std::string_view content) const;

 private:
  std::string literal_;
  std::shared_ptr<const Regex> regex_;
};

}  // namespace owl
