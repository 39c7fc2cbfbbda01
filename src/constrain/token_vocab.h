// The vocabulary as byte strings plus a trie over them, built once per tokenizer: constraints
// walk the trie to find every token that can continue a valid prefix.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace owl {
class Tokenizer;
}

namespace owl::constrain {

class TokenVocab {
 public:
  struct Node {
    uint32_t first_child = 0;  // children are contiguous: [first_child, first_child + n_children)
    uint32_t n_children = 0;
    uint32_t first_token = 0;  // tokens whose bytes end here: token_ids_[first_token, +n_tokens)
    uint32_t n_tokens = 0;
    uint8_t byte = 0;  // the byte on the edge from the parent
  };

  // token_bytes[id]: what the token adds to the text; empty for tokens never to be chosen
  // under a constraint. eog: end-of-generation ids (allowed exactly when the grammar accepts).
  // special: control tokens (<|im_start|>, <|end|>, ...), matched only against marker byte sets
  // (fixed syntax), never inside free text or JSON strings.
  TokenVocab(std::vector<std::string> token_bytes, std::vector<int32_t> eog,
             std::vector<int32_t> special = {});
  // Uses Tokenizer::piece() after an ordinary token (so no SentencePiece start-of-text rule);
  // Tokenizer::is_special() tokens are the special ones.
  static std::shared_ptr<const TokenVocab> from_tokenizer(const Tokenizer& tokenizer);

  int32_t size() const { return static_cast<int32_t>(bytes_.size()); }
  const std::string& bytes(int32_t id) const { return bytes_[static_cast<size_t>(id)]; }
  bool is_eog(int32_t id) const { return is_eog_[static_cast<size_t>(id)] != 0; }
  bool is_special(int32_t id) const { return is_special_[static_cast<size_t>(id)] != 0; }
  const std::vector<int32_t>& special_ids() const { return special_; }  // not in the trie
  const std::vector<int32_t>& eog_ids() const { return eog_; }
  const std::vector<Node>& nodes() const { return nodes_; }  // nodes_[0] is the root
  const std::vector<int32_t>& token_ids() const { return token_ids_; }

 private:
  void build_trie();

  std::vector<std::string> bytes_;  // [n_vocab]
  std::vector<uint8_t> is_eog_;     // [n_vocab]
  std::vector<int32_t> eog_;
  std::vector<uint8_t> is_special_;  // [n_vocab]
  std::vector<int32_t> special_;
  std::vector<Node> nodes_;         // breadth-first
  std::vector<int32_t> token_ids_;  // grouped by end node
};

}  // namespace owl::constrain
