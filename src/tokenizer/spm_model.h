// SentencePiece BPE driven by piece scores (sentencepiece bpe_model.cc, as llama.cpp's SPM
// tokenizer and llama2.c's run.c encode): start from the characters, repeatedly merge the
// adjacent pair whose concatenation is the highest-scoring piece (leftmost on ties); pieces
// that are not in the vocabulary become byte tokens <0xNN> (or the unknown token).
#pragma once

#include <array>
#include <memory>

#include "tokenizer/model.h"
#include "tokenizer/vocab.h"
#include "tokenizer/word_cache.h"

namespace owl {

class SpmModel final : public TokenModel {
 public:
  // byte_ids: the token of each raw byte (-1 if none); unk_id may be -1.
  SpmModel(std::shared_ptr<const Vocab> vocab, std::array<int32_t, 256> byte_ids, int32_t unk_id);
  void encode(std::string_view text, std::vector<int32_t>& out) const override;

 private:
  // The id of a piece that may take part in merges (normal, user-defined, unused), else -1.
  int32_t mergeable(std::string_view piece) const;
  void encode_chunk(std::string_view text, std::vector<int32_t>& out) const;

  std::shared_ptr<const Vocab> vocab_;
  std::array<int32_t, 256> byte_ids_;
  int32_t unk_id_;
  CharPairSet junctions_;  // adjacent characters inside mergeable pieces (see CharPairSet)
  WordCache cache_;
};

}  // namespace owl
