// tokenizer.json tokenizers against references they did not write: llama.cpp's expected ids
// (ggml-vocab .out, from the Hugging Face tokenizers) and the transformers.js / Rust tokenizers
// vectors in shared/vectors/tokenizers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace owl {
namespace {

using test::shared_dir;

std::string tok_path(const std::string& name) {
  return shared_dir() + "/tokenizers/" + name + "/tokenizer.json.gz";
}

// Encodes every .inp string (no BOS, no special parsing) and compares with the .out ids.
void check_vocab_file(const std::string& tokenizer, const std::string& inp) {
  const Tokenizer& tok = test::cached_tokenizer(tok_path(tokenizer));
  auto cases = test::read_vocab_cases(shared_dir() + "/tokenizers/ggml-vocab/" + inp);
  ASSERT_FALSE(cases.empty());
  int pass = 0;
  for (const auto& c : cases) {
    std::vector<int32_t> ids = tok.encode(c.text, false, false);
    EXPECT_EQ(test::ids_to_string(ids), test::ids_to_string(c.ids)) << "input: '" << c.text << "'";
    if (ids == c.ids) ++pass;
    EXPECT_EQ(tok.decode(ids), c.text) << "round trip of '" << c.text << "'";
  }
  std::printf("[ vocab    ] %s with %s: %d/%zu\n", inp.c_str(), tokenizer.c_str(), pass,
              cases.size());
}

TEST(TokenizerJson, Qwen3MatchesLlamaCppQwen2) {
  check_vocab_file("qwen3", "ggml-vocab-qwen2.gguf.inp");
}
TEST(TokenizerJson, Qwen3MatchesLlamaCppDeepseekR1Qwen) {
  check_vocab_file("qwen3", "removed-upstream-2025-05/ggml-vocab-deepseek-r1-qwen.gguf.inp");
}
TEST(TokenizerJson, Llama31MatchesLlamaCppLlamaBpe) {
  check_vocab_file("llama-3.1", "ggml-vocab-llama-bpe.gguf.inp");
}
TEST(TokenizerJson, GptOssMatchesLlamaCppGpt4o) {
  check_vocab_file("gpt-oss", "removed-upstream-2025-05/ggml-vocab-gpt-4o.gguf.inp");
}

// Every line of shared/vectors/tokenizers/<name>.jsonl: ids for the given add_special_tokens,
// decoded_raw for decode(), and (when the config asks for clean-up) decoded for decode_text().
void check_vectors(const std::string& name) {
  const Tokenizer& tok = test::cached_tokenizer(tok_path(name));
  auto lines = test::read_lines(shared_dir() + "/vectors/tokenizers/" + name + ".jsonl");
  int ids_ok = 0, dec_ok = 0, clean_ok = 0, clean_n = 0;
  for (const auto& line : lines) {
    auto j = nlohmann::json::parse(line);
    std::string text = j["text"];
    bool add = j["add_special_tokens"];
    std::vector<int32_t> want = j["ids"].get<std::vector<int32_t>>();
    std::vector<int32_t> got = tok.encode(text, add);
    EXPECT_EQ(test::ids_to_string(got), test::ids_to_string(want))
        << name << " add_special=" << add << " text: " << text;
    ids_ok += got == want;
    std::string raw = tok.decode(want);
    EXPECT_EQ(raw, j["decoded_raw"].get<std::string>()) << name << " decode of: " << text;
    dec_ok += raw == j["decoded_raw"].get<std::string>();
    if (j["decoded"].is_string() && tok.clean_up_tokenization_spaces()) {
      ++clean_n;
      std::string cleaned = tok.decode_text(want);
      EXPECT_EQ(cleaned, j["decoded"].get<std::string>()) << name << " clean-up of: " << text;
      clean_ok += cleaned == j["decoded"].get<std::string>();
    }
  }
  std::printf("[ vectors  ] %s: ids %d/%zu, decoded_raw %d/%zu, decoded (clean-up) %d/%d\n",
              name.c_str(), ids_ok, lines.size(), dec_ok, lines.size(), clean_ok, clean_n);
}

TEST(TokenizerJson, VectorsQwen3) { check_vectors("qwen3"); }
TEST(TokenizerJson, VectorsLlama31) { check_vectors("llama-3.1"); }
// deepseek-v3 with add_special_tokens=true: owl follows tokenizer.json (its post-processor is
// plain ByteLevel, so no BOS is added), as transformers.js and the Rust tokenizers library do;
// `ids`, not `ids_hf_python` (Python's LlamaTokenizerFast prepends BOS from tokenizer_config).
TEST(TokenizerJson, VectorsDeepseekV3) { check_vectors("deepseek-v3"); }
TEST(TokenizerJson, VectorsGptOss) { check_vectors("gpt-oss"); }
TEST(TokenizerJson, VectorsGemma3) { check_vectors("gemma-3"); }

}  // namespace
}  // namespace owl
