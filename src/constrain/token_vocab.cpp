// Token byte strings and their trie (breadth-first, children contiguous for a cache-friendly walk).
#include "constrain/token_vocab.h"

#include <algorithm>
#include <deque>
#include <numeric>

#include "tokenizer/tokenizer.h"

namespace owl::constrain {

TokenVocab::TokenVocab(std::vector<std::string> token_bytes, std::vector<int32_t> eog,
                       std::vector<int32_t> special)
    : bytes_(std::move(token_bytes)), is_eog_(bytes_.size(), 0), is_special_(bytes_.size(), 0) {
  for (int32_t id : eog) {
    if (id >= 0 && static_cast<size_t>(id) < bytes_.size() && !is_eog_[static_cast<size_t>(id)]) {
      is_eog_[static_cast<size_t>(id)] = 1;
      eog_.push_back(id);
    }
  }
  for (int32_t id : special) {
    const auto i = static_cast<size_t>(id);
    if (id >= 0 && i < bytes_.size() && !is_eog_[i] && !is_special_[i] && !bytes_[i].empty()) {
      is_special_[i] = 1;
      special_.push_back(id);
    }
  }
  build_trie();
}

std::shared_ptr<const TokenVocab> TokenVocab::from_tokenizer(const Tokenizer& tokenizer) {
  const int32_t n = tokenizer.n_vocab();
  int32_t prev = -1;  // an ordinary token to stream after
  for (int32_t id = 0; id < n && prev < 0; ++id) {
    if (tokenizer.token_kind(id) == TokenKind::kNormal) prev = id;
  }
  std::vector<std::string> bytes(static_cast<size_t>(n));
  std::vector<int32_t> special;
  for (int32_t id = 0; id < n; ++id) {
    const TokenKind kind = tokenizer.token_kind(id);
    if (kind == TokenKind::kUnused || kind == TokenKind::kUnknown) continue;
    bytes[static_cast<size_t>(id)] = tokenizer.piece(id, prev);
    if (tokenizer.is_special(id)) special.push_back(id);
  }
  return std::make_shared<const TokenVocab>(std::move(bytes), tokenizer.end_of_generation_ids(),
                                            std::move(special));
}

void TokenVocab::build_trie() {
  std::vector<int32_t> order;
  for (int32_t id = 0; id < size(); ++id) {
    const auto i = static_cast<size_t>(id);
    if (!bytes_[i].empty() && !is_eog_[i] && !is_special_[i]) {
      order.push_back(id);
    }
  }
  std::sort(order.begin(), order.end(), [this](int32_t a, int32_t b) {
    return bytes_[static_cast<size_t>(a)] < bytes_[static_cast<size_t>(b)];
  });
  struct Pending {
    uint32_t node;
    size_t lo, hi;  // range of `order` sharing this node's prefix
    size_t depth;
  };
  nodes_.assign(1, Node{});
  token_ids_.clear();
  std::deque<Pending> queue{{0, 0, order.size(), 0}};
  while (!queue.empty()) {
    const Pending p = queue.front();
    queue.pop_front();
    size_t i = p.lo;
    nodes_[p.node].first_token = static_cast<uint32_t>(token_ids_.size());
    // Shorter strings sort first: those ending exactly at this depth come first.
    while (i < p.hi && bytes_[static_cast<size_t>(order[i])].size() == p.depth) {
      token_ids_.push_back(order[i++]);
    }
    nodes_[p.node].n_tokens = static_cast<uint32_t>(token_ids_.size()) - nodes_[p.node].first_token;
    nodes_[p.node].first_child = static_cast<uint32_t>(nodes_.size());
    while (i < p.hi) {
      const auto b = static_cast<uint8_t>(bytes_[static_cast<size_t>(order[i])][p.depth]);
      size_t j = i;
      while (j < p.hi && static_cast<uint8_t>(bytes_[static_cast<size_t>(order[j])][p.depth]) == b)
        ++j;
      Node child;
      child.byte = b;
      nodes_.push_back(child);
      queue.push_back({static_cast<uint32_t>(nodes_.size() - 1), i, j, p.depth + 1});
      ++nodes_[p.node].n_children;
      i = j;
    }
  }
}

}  // namespace owl::constrain
