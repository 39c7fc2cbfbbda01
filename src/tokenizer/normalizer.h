// Hugging Face normalizers (applied to each piece of text between added tokens, before
// pre-tokenization): NFC/NFD/NFKC/NFKD, Lowercase, Strip, StripAccents, Replace, Prepend,
// BertNormalizer, ByteLevel, and Sequence of these.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/json_util.h"

namespace owl {

class Normalizer {
 public:
  Normalizer();
  ~Normalizer();
  Normalizer(Normalizer&&) noexcept;
  Normalizer& operator=(Normalizer&&) noexcept;

  // From tokenizer.json's "normalizer" (null gives an empty normalizer).
  static Normalizer from_json(const json_util::Json& j, const std::string& where);
  // SentencePiece's whitespace handling as llama.cpp applies it to GGUF "llama" vocabularies:
  // an optional prefix, then every ' ' replaced by `space`.
  static Normalizer sentencepiece(bool add_prefix, std::string_view space);

  bool empty() const { return steps_.empty(); }
  std::string apply(std::string_view s) const;

 private:
  struct Step;
  std::vector<std::shared_ptr<const Step>> steps_;
  void parse(const json_util::Json& j, const std::string& where);
};

}  // namespace owl
