// Carries a Hugging Face tokenizer into GGUF metadata the way llama.cpp's converter writes it
// (tokenizer.ggml.*: model, pre, tokens, token_type, merges, special ids, add_bos, chat template),
// for `owl synth --tokenizer`.
#pragma once

#include <cstdint>
#include <string>

namespace owl {

namespace gguf {
class Writer;
}

// dir holds tokenizer.json (or .json.gz) and, optionally, tokenizer_config.json and
// chat_template.jinja. vocab_size pads the token list with llama.cpp's "[PADn]" entries up to
// the model's embedding rows. Supports byte-level BPE tokenizers (Qwen, Llama 3, DeepSeek,
// gpt-oss, ...); the GGUF pre-tokenizer name is found by splitting a probe text with the
// tokenizer's own pre-tokenizer and with each named preset. Throws owl::Error naming the file.
void write_gguf_tokenizer(const std::string& dir, int32_t vocab_size, gguf::Writer& writer);

}  // namespace owl
