// The token table shared by the models: id -> (text, kind, score) and text -> id, plus the
// merge table of byte-pair encoding. Hash tables are flat and open-addressed: lookups sit on
// the hot path of every encode.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace owl {

class Vocab {
 public:
  explicit Vocab(size_t n = 0);

  size_t size() const { return kinds_.size(); }
  // Sets token id (id < size()). A text seen twice maps to the later id (as llama.cpp).
  // in_model: the model may produce it (false for Hugging Face added tokens that are not in
  // model.vocab: those come only from the added-token matcher).
  void set(int32_t id, std::string_view text, TokenKind kind, float score = 0.0f,
           bool in_model = true);
  // Grows the table to n entries (new entries are empty, kind kUnused).
  void resize(size_t n);
  // Builds the text -> id index; call once after the last set().
  void build_index();

  std::string_view text(int32_t id) const {
    return std::string_view(arena_).substr(offsets_[id], lengths_[id]);
  }
  TokenKind kind(int32_t id) const { return kinds_[id]; }
  float score(int32_t id) const { return scores_[id]; }
  void set_kind(int32_t id, TokenKind k) { kinds_[id] = k; }
  bool valid(int32_t id) const { return id >= 0 && static_cast<size_t>(id) < size(); }

  // -1 if absent.
  int32_t find(std::string_view text) const;
  // Like find, but -1 for tokens the model does not produce.
  int32_t find_model(std::string_view text) const {
    int32_t id = find(text);
    return id >= 0 && in_model_[id] ? id : -1;
  }
  bool in_model(int32_t id) const { return in_model_[id] != 0; }

 private:
  std::string arena_;
  std::vector<uint32_t> offsets_, lengths_;
  std::vector<TokenKind> kinds_;
  std::vector<float> scores_;
  std::vector<uint8_t> in_model_;
  std::vector<int32_t> slots_;  // open addressing: token ids, -1 = empty
  size_t mask_ = 0;
};

// (left id, right id) -> (rank, merged id) for byte-pair encoding.
class MergeTable {
 public:
  struct Entry {
    int32_t rank;
    int32_t id;
  };
  void reserve(size_t n);
  // A pair given twice keeps the later entry (Hugging Face collects merges into a map).
  void add(int32_t left, int32_t right, int32_t rank, int32_t merged);
  const Entry* find(int32_t left, int32_t right) const;
  size_t size() const { return count_; }
  // Calls f(left, right) for every pair.
  template <typename F>
  void for_each_pair(F&& f) const {
    for (uint64_t k : keys_) {
      if (k != ~0ull) f(static_cast<int32_t>(k >> 32), static_cast<int32_t>(k & 0xFFFFFFFFu));
    }
  }

 private:
  void grow();
  std::vector<uint64_t> keys_;  // kEmpty marks a free slot
  std::vector<Entry> values_;
  size_t count_ = 0, mask_ = 0;
};

// A set of adjacent code point pairs (a, b): the places inside tokens where two characters
// meet. Where a text's adjacent characters are not such a pair, no token can span them, so BPE
// can work on the two sides separately and give the same result (a merge only ever joins
// neighbours, and every merged symbol is a token).
class CharPairSet {
 public:
  void add(uint32_t a, uint32_t b);
  bool contains(uint32_t a, uint32_t b) const;

 private:
  std::vector<uint64_t> keys_;
  size_t count_ = 0, mask_ = 0;
};

uint64_t hash_bytes(std::string_view s);

}  // namespace owl
