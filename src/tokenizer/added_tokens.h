// Added (special and user-defined) tokens: found in the text before anything else is done, so a
// literal "<|im_start|>" becomes its single id. Matching follows Hugging Face's
// AddedVocabulary: leftmost-longest among all added tokens, with the lstrip / rstrip /
// single_word options, and special tokens skipped when specials are not parsed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace owl {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;      // skipped when parse_special is false; skipped by skip_special
  bool lstrip = false;       // also swallows whitespace on its left
  bool rstrip = false;       // also swallows whitespace on its right
  bool single_word = false;  // only matches as a whole word
};

// A piece of the input: either text to tokenize or an added token.
struct TextSegment {
  size_t begin, end;  // bytes of the input
  int32_t token;      // -1 for text
};

class AddedTokenMatcher {
 public:
  // contents must be non-empty; the first of several tokens with the same content wins.
  void build(std::vector<AddedToken> tokens);
  bool empty() const { return tokens_.empty(); }
  const std::vector<AddedToken>& tokens() const { return tokens_; }

  // Splits text into segments covering it in order (tokens and the text between them).
  std::vector<TextSegment> split(std::string_view text, bool parse_special) const;

 private:
  struct Node {
    int32_t child = -1;    // first child
    int32_t sibling = -1;  // next sibling
    uint8_t byte = 0;
    int32_t token = -1;  // index in tokens_ of a token ending here
  };
  // The longest token starting at text[pos] (index in tokens_ and its length), or -1.
  int32_t longest_at(std::string_view text, size_t pos, size_t& len) const;

  std::vector<AddedToken> tokens_;
  std::vector<Node> trie_;
  bool first_byte_[256] = {};
};

}  // namespace owl
