// OLMo 2 against llama.cpp's golden logits (../shared/golden/olmo2), and the same synthesized
// model as GGUF and as a Hugging Face folder giving the same logits.
#include <gtest/gtest.h>

#include <cstdio>

#include "format_pair.h"
#include "golden_util.h"
#include "model/loader.h"

namespace owl::test {
namespace {

// All-F32 files: llama.cpp's float32 forward and ours agree to ~1e-6 (golden/README.md).
constexpr float kTolerance = 1e-3f;

class Olmo2Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Olmo2Golden, MatchesReferenceLogitsAndGreedy) {
  const std::string dir = shared_dir() + "/golden/olmo2";
  auto model = load_model(dir + "/model.gguf");
  const GoldenCase c = load_golden_case(dir, GetParam());
  const GoldenResult r = run_golden_case(*model, c);
  std::printf("[golden] olmo2 %s: worst |logit diff| %.3g over %zu rows\n", GetParam().c_str(),
              r.max_diff, r.row_max_diff.size());
  EXPECT_LT(r.max_diff, kTolerance);
  EXPECT_EQ(r.own_argmax, c.greedy_next);
  EXPECT_EQ(r.free_running, c.greedy_next);
}

INSTANTIATE_TEST_SUITE_P(All, Olmo2Golden, ::testing::Values("len1", "len7", "len33"));

// OLMo-2-1124-7B's keys at a tiny size (GQA added to exercise the K norm's own width).
nlohmann::json tiny_config() {
  return nlohmann::json::parse(R"({
    "architectures": ["Olmo2ForCausalLM"], "model_type": "olmo2", "hidden_act": "silu",
    "hidden_size": 64, "intermediate_size": 96, "num_attention_heads": 4, "num_key_value_heads": 2,
    "num_hidden_layers": 2, "max_position_embeddings": 4096, "rms_norm_eps": 1e-06,
    "rope_theta": 500000.0, "tie_word_embeddings": false, "vocab_size": 288,
    "initializer_range": 0.1})");
}

TEST(Olmo2, GgufAndHfFolderGiveTheSameLogits) {
  const PairResult r = compare_gguf_and_hf(tiny_config(), "olmo2_pair");
  std::printf("[pair] olmo2: GGUF vs HF worst |logit diff| %.3g over %zu rows (max |logit| %.3g)\n",
              r.max_diff, r.rows, r.max_abs);
  EXPECT_LT(r.max_diff, 1e-5f);
  EXPECT_GT(r.max_abs, 0.1f);
}

}  // namespace
}  // namespace owl::test
