// What GGUF's tokenizer.ggml.pre names mean: the pre-tokenizer of the Hugging Face tokenizer the
// vocabulary was converted from (regexes as listed in llama.cpp's llama-vocab.cpp, in their
// original tokenizer.json form where llama.cpp adapted them to its own regex engine), and the
// BPE settings llama.cpp attaches to each name.
#pragma once

#include <string_view>

#include "tokenizer/pre_tokenizer.h"

namespace owl {

struct GgufBpePreset {
  PreTokenizer pre_tokenizer;
  bool ignore_merges = false;
  bool add_bos = false;  // llama.cpp's default when the GGUF has no add_bos_token
  bool known = true;     // false: the name was not recognised (llama.cpp's "default" is used)
};

// Throws owl::Error for names owl knows but cannot reproduce (custom llama.cpp splitters).
GgufBpePreset gguf_bpe_preset(std::string_view pre);

}  // namespace owl
