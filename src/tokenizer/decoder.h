// Hugging Face decoders (ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, WordPiece,
// Sequence) applied token by token, so the same code serves decode() and streaming.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/json_util.h"
#include "tokenizer/tokenizer.h"

namespace owl {

class Decoder {
 public:
  Decoder();
  ~Decoder();
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;

  // From tokenizer.json's "decoder" (null: tokens are concatenated as they are).
  static Decoder from_json(const json_util::Json& j, const std::string& where);
  // GPT-2 byte-level: token characters map back to bytes.
  static Decoder byte_level();
  // SentencePiece: `space` becomes ' ', <0xNN> tokens become bytes and, when strip_first, the
  // leading space of the decoded text is dropped (the dummy prefix added when encoding).
  static Decoder sentencepiece(std::string_view space, bool strip_first);

  // What decoding has done so far in one text (Hugging Face decodes the whole list at once;
  // this is what its position-dependent steps need to know).
  struct State {
    bool first = true;      // the next token is the first one (Hugging Face's index 0)
    size_t stripped = 0;    // characters a whole-output Strip has removed so far
    bool produced = false;  // some bytes have been output
  };

  // Appends the bytes a token contributes and advances the state.
  void decode_token(std::string_view token, State& state, std::string& out) const;

 private:
  struct Step;
  std::vector<std::shared_ptr<const Step>> steps_;
  void parse(const json_util::Json& j, const std::string& where, bool& fused);
};

}  // namespace owl
