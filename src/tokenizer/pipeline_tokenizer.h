// The one concrete Tokenizer: added-token split -> normalizer -> pre-tokenizer -> model ->
// post-processor ids, and per-token decoding. The loaders (tokenizer.json, GGUF, llama2.c)
// only fill in a TokenizerParts; the algorithms are shared.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/decoder.h"
#include "tokenizer/model.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace owl {

struct TokenizerParts {
  std::shared_ptr<Vocab> vocab;
  Normalizer normalizer;
  PreTokenizer pre_tokenizer;
  std::unique_ptr<TokenModel> model;
  AddedTokenMatcher added;             // matched on the raw text
  AddedTokenMatcher added_normalized;  // matched on normalized text (HF normalized=true)
  Decoder decoder;
  // GGUF (llama.cpp): control / user-defined / unknown tokens print their text unchanged
  // instead of going through the decoder.
  bool decode_added_raw = false;
  std::vector<bool> special;            // skipped by decode(skip_special=true)
  std::vector<int32_t> prefix, suffix;  // added around the ids when add_special
  int32_t bos = -1, eos = -1;
  std::vector<int32_t> end_of_generation;
  bool clean_up_spaces = false;
  std::string description;
};

class PipelineTokenizer final : public Tokenizer {
 public:
  explicit PipelineTokenizer(TokenizerParts parts);

  std::vector<int32_t> encode(std::string_view text, bool add_special,
                              bool parse_special = true) const override;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const override;
  std::string piece(int32_t id, int32_t prev = -1) const override;

  int32_t n_vocab() const override { return static_cast<int32_t>(p_.vocab->size()); }
  std::string_view token_text(int32_t id) const override;
  TokenKind token_kind(int32_t id) const override;
  int32_t find_token(std::string_view text) const override;
  bool is_special(int32_t id) const override;

  int32_t bos_id() const override { return p_.bos; }
  int32_t eos_id() const override { return p_.eos; }
  bool add_bos() const override { return !p_.prefix.empty(); }
  bool add_eos() const override { return !p_.suffix.empty(); }
  bool is_end_of_generation(int32_t id) const override { return eog_set_.count(id) > 0; }
  const std::vector<int32_t>& end_of_generation_ids() const override {
    return p_.end_of_generation;
  }
  void add_end_of_generation(int32_t id) override;
  bool clean_up_tokenization_spaces() const override { return p_.clean_up_spaces; }
  std::string summary() const override { return p_.description; }

 private:
  void encode_text(std::string_view text, bool at_start, bool parse_special,
                   std::vector<int32_t>& out) const;
  void append_piece(int32_t id, Decoder::State& state, std::string& out) const;

  TokenizerParts p_;
  std::unordered_set<int32_t> eog_set_;
};

// Searches the vocabulary for the usual end-of-generation tokens (<|im_end|>, <|eot_id|>,
// <|eom_id|>, <end_of_turn>, <|return|>, <|call|>, ...) and returns them with eos first.
std::vector<int32_t> find_end_of_generation(const Vocab& vocab, int32_t eos);

}  // namespace owl
