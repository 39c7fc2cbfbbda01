// Reference data readers shared by the tokenizer tests: llama.cpp's ggml-vocab .inp/.out pairs,
// the tokenizer vector .jsonl files, and a cache of loaded tokenizers.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace owl::test {

inline std::string shared_dir() { return OWL_SHARED_DIR; }

struct VocabCase {
  std::string text;
  std::vector<int32_t> ids;
};

// X.gguf.inp strings (split on "\n__ggml_vocab_test__\n") paired with the lines of X.gguf.out.
std::vector<VocabCase> read_vocab_cases(const std::string& inp_path);

// One JSON object per line.
std::vector<std::string> read_lines(const std::string& path);

// Loads a tokenizer once per process (the big tokenizer.json files take a while to parse).
const Tokenizer& cached_tokenizer(const std::string& path);

std::string ids_to_string(const std::vector<int32_t>& ids);

}  // namespace owl::test
