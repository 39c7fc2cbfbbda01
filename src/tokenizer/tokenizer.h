// Text <-> token ids, exactly as the reference implementations (Hugging Face tokenizers,
// SentencePiece, llama.cpp) do it. One interface over every vocabulary kind owl loads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/utf8.h"  // Utf8StreamBuffer, for callers that stream piece()

namespace owl {

namespace gguf {
class File;
}

enum class TokenKind : uint8_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct TokenizerOptions {
  // Python transformers' LlamaTokenizerFast, GemmaTokenizerFast, CodeLlamaTokenizerFast and
  // CohereTokenizerFast rebuild the post-processor from tokenizer_config.json's add_bos_token /
  // add_eos_token (defaults true / false); transformers.js and the Rust tokenizers library use
  // tokenizer.json's post-processor as it is. false (the default) follows tokenizer.json.
  bool python_post_processor = false;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // From a GGUF's tokenizer.ggml.* metadata (a model or a vocab-only file).
  static std::unique_ptr<Tokenizer> from_gguf(const gguf::File& file);
  // From a tokenizer.json (or .json.gz), a folder holding one (with tokenizer_config.json
  // beside it when present), a GGUF file, or a llama2.c tokenizer.bin. Throws owl::Error
  // naming the file.
  static std::unique_ptr<Tokenizer> from_path(const std::string& path,
                                              const TokenizerOptions& options = {});
  // From a llama2.c tokenizer.bin (tok512.bin etc.) with the model's vocab size.
  static std::unique_ptr<Tokenizer> from_llama2c(const std::string& path, int32_t vocab_size);

  // add_special: add BOS/EOS as the vocabulary's settings say (and as the HF post-processor
  // does). parse_special: match special/added tokens written in the text.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_special,
                                      bool parse_special = true) const = 0;
  // Concatenated bytes of the tokens (byte tokens become raw bytes; no clean-up).
  virtual std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const = 0;
  // The bytes one token contributes when streamed after `prev` (-1 at the start): handles the
  // SentencePiece leading-space rule and byte tokens. May be an incomplete UTF-8 sequence.
  virtual std::string piece(int32_t id, int32_t prev = -1) const = 0;

  virtual int32_t n_vocab() const = 0;
  virtual std::string_view token_text(int32_t id) const = 0;  // as stored in the vocabulary
  virtual TokenKind token_kind(int32_t id) const = 0;
  // Looks up a token by its exact vocabulary text; -1 if absent.
  virtual int32_t find_token(std::string_view text) const = 0;

  virtual int32_t bos_id() const = 0;  // -1 if none
  virtual int32_t eos_id() const = 0;  // -1 if none
  virtual bool add_bos() const = 0;
  virtual bool add_eos() const = 0;
  // End-of-generation tokens (eos, eot, eom, <|im_end|>, <|return|>, ...).
  virtual bool is_end_of_generation(int32_t id) const = 0;
  virtual const std::vector<int32_t>& end_of_generation_ids() const = 0;
  // Marks extra end-of-generation ids (e.g. from generation_config.json).
  virtual void add_end_of_generation(int32_t id) = 0;

  // Whether decode(skip_special=true) drops this token (HF special added tokens; GGUF control
  // tokens).
  virtual bool is_special(int32_t id) const = 0;
  // tokenizer_config.json's clean_up_tokenization_spaces (transformers applies
  // clean_up_tokenization() after decoding when it is set).
  virtual bool clean_up_tokenization_spaces() const = 0;
  // One line describing the vocabulary (kind, size, source), for `owl tokenize --info`.
  virtual std::string summary() const = 0;

  // decode() followed by clean_up_tokenization() when the tokenizer asks for it: the text
  // transformers' tokenizer.decode() returns.
  std::string decode_text(const std::vector<int32_t>& ids, bool skip_special = false) const;
};

// transformers' clean_up_tokenization: drops the space before . ? ! , and English contractions
// (" n't", " 'm", " 's", " 've", " 're"; " ' " becomes "'").
std::string clean_up_tokenization(std::string_view text);

}  // namespace owl
