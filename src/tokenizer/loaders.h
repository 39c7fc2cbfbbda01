// Loaders that build a PipelineTokenizer from each file kind (internal to the tokenizer layer).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tokenizer/tokenizer.h"

namespace owl {

// tokenizer.json (plain or gzip) and, when config_path is not empty, tokenizer_config.json.
std::unique_ptr<Tokenizer> load_tokenizer_json(const std::string& path,
                                               const std::string& config_path,
                                               const TokenizerOptions& options = {});

// llama2.c tokenizer.bin; vocab_size < 0 reads tokens until the end of the file.
std::unique_ptr<Tokenizer> load_llama2c(const std::string& path, int32_t vocab_size);

// The bytes of a file, gunzipped when it starts with the gzip magic.
std::string read_maybe_gzip(const std::string& path);

}  // namespace owl
