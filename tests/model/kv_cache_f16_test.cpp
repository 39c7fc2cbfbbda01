// The f16 KV cache (--kv-type f16) on every golden architecture: the cache takes half the bytes,
// the numbers change (the f16 path really runs) but stay close to llama.cpp's f32-cache logits,
// and greedy choices agree wherever the reference's top-1 lead is clear. MLA (deepseek2) keeps
// its latent cache in f32, so its results do not change at all.
#include <gtest/gtest.h>

#include <cstdio>

#include "golden_util.h"
#include "model/loader.h"

namespace owl::test {
namespace {

// Rounding keys and values to f16 (relative error <= 2^-11) moved these synthetic models' logits
// by at most 3.3e-3 from the reference (gpt-oss: 8.3e-3, of which 6.5e-3 with an f32 cache too);
// 2e-2 leaves room and is still far below what a wrong layout or a missing conversion gives.
constexpr float kTolerance = 2e-2f;

class KvCacheF16 : public ::testing::TestWithParam<std::string> {};

TEST_P(KvCacheF16, CloseToTheF32Reference) {
  const std::string arch = GetParam();
  const std::string dir = shared_dir() + "/golden/" + arch;
  auto model = load_model(dir + "/model.gguf");
  for (const char* len : {"len7", "len33"}) {
    const GoldenCase c = load_golden_case(dir, len);
    const GoldenResult f32 = run_golden_case(*model, c, 2, DType::kF32);
    const GoldenResult f16 = run_golden_case(*model, c, 2, DType::kF16);
    std::printf("[kv f16] %s %s: worst |logit diff| %.3g (f32 cache %.3g), cache %zu -> %zu bytes\n",
                arch.c_str(), len, f16.max_diff, f32.max_diff, f32.cache_bytes, f16.cache_bytes);
    if (arch == "deepseek2") {
      EXPECT_EQ(f16.cache_bytes, f32.cache_bytes);
      EXPECT_EQ(f16.row_max_diff, f32.row_max_diff);
      continue;
    }
    EXPECT_EQ(f16.cache_bytes * 2, f32.cache_bytes);
    EXPECT_NE(f16.row_max_diff, f32.row_max_diff) << "the f16 cache changed nothing";
    EXPECT_LT(f16.max_diff, kTolerance);
    for (size_t k = 0; k < c.greedy_next.size(); ++k) {
      if (f16.ref_gap[k] > 2 * kTolerance) {
        EXPECT_EQ(f16.own_argmax[k], c.greedy_next[k]) << len << " choice " << k;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, KvCacheF16,
                         ::testing::Values("llama", "qwen3", "qwen3moe", "gemma3", "gpt-oss", "olmo2",
                                           "deepseek2"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& ch : s) if (ch == '-') ch = '_';
                           return s;
                         });

}  // namespace
}  // namespace owl::test
