// Byte-pair encoding by merge rank, as Hugging Face tokenizers' BPE model does it: start from
// the word's characters (with byte fallback or an unknown token for characters outside the
// vocabulary), then repeatedly apply the lowest-ranked merge (leftmost first).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/model.h"
#include "tokenizer/vocab.h"
#include "tokenizer/word_cache.h"

namespace owl {

struct BpeOptions {
  int32_t unk_id = -1;  // -1: characters outside the vocabulary are dropped
  bool fuse_unk = false;
  bool byte_fallback = false;  // <0xNN> tokens for characters outside the vocabulary
  bool ignore_merges = false;  // a word that is itself a token is emitted whole
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
};

class BpeModel final : public TokenModel {
 public:
  BpeModel(std::shared_ptr<const Vocab> vocab, MergeTable merges, BpeOptions options);
  void encode(std::string_view word, std::vector<int32_t>& out) const override;

 private:
  struct Symbol {
    int32_t id;
    int32_t prev, next;
    uint32_t len;  // bytes of the word covered; 0 once merged into its left neighbour
  };
  int32_t char_id(std::string_view ch, bool first, bool last) const;
  void encode_chunk(std::string_view chunk, std::vector<int32_t>& out) const;
  void initial_symbols(std::string_view word, std::vector<Symbol>& syms) const;
  void merge_all(std::vector<Symbol>& syms) const;

  WordCache cache_;
  std::shared_ptr<const Vocab> vocab_;
  MergeTable merges_;
  BpeOptions options_;
  std::array<int32_t, 256> byte_ids_{};        // <0xNN> ids (-1 if absent)
  std::array<int32_t, 0x800> small_cp_ids_{};  // ids of 1- and 2-byte characters (fast path)
  bool plain_chars_ = true;  // no prefix/suffix: characters can use the fast table
  CharPairSet junctions_;    // character pairs some merge joins (see CharPairSet)
};

}  // namespace owl
