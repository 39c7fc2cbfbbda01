// llama and qwen3 against llama.cpp's golden logits (../shared/golden): GGUF and Hugging Face
// folder, every prompt position within 1e-3 and the greedy continuation identical; the quantized
// files within the tolerances golden/README.md derives.
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
  std::string source;  // "model.gguf" or "hf"
  std::string len;
};

void PrintTo(const Param& p, std::ostream* os) { *os << p.arch << " " << p.source << " " << p.len; }

class DenseGolden : public ::testing::TestWithParam<Param> {};

TEST_P(DenseGolden, MatchesReferenceLogitsAndGreedy) {
  const Param& p = GetParam();
  const std::string dir = shared_dir() + "/golden/" + p.arch;
  auto model = load_model(dir + "/" + p.source);
  const GoldenCase c = load_golden_case(dir, p.len);
  const GoldenResult r = run_golden_case(*model, c);
  std::printf("[golden] %s %s %s: worst |logit diff| %.3g over %zu rows\n", p.arch.c_str(),
              p.source.c_str(), p.len.c_str(), r.max_diff, r.row_max_diff.size());
  EXPECT_LT(r.max_diff, kF32Tolerance);
  EXPECT_EQ(r.own_argmax, c.greedy_next);
  EXPECT_EQ(r.free_running, c.greedy_next);
}

std::vector<Param> params() {
  std::vector<Param> v;
  for (const char* arch : {"llama", "qwen3"}) {
    for (const char* src : {"model.gguf", "hf"}) {
      for (const char* len : {"len1", "len7", "len33"}) v.push_back({arch, src, len});
    }
  }
  return v;
}

INSTANTIATE_TEST_SUITE_P(All, DenseGolden, ::testing::ValuesIn(params()), [](const auto& info) {
  std::string s = info.param.arch + "_" + (info.param.source == "hf" ? "hf" : "gguf") + "_" + info.param.len;
  return s;
});

// Quantized files: llama.cpp rounds activations to 8-bit blocks before integer dot products,
// and owl's kernels do the same, so most rows agree to ~1e-6; a row may still move by up to
// ~0.11 where one activation sits on a rounding boundary and float summation order decides, and
// the flip then carries through the KV cache to every later row (golden/README.md measured this
// for llama.cpp against itself). We require: every row of every case within 0.15, our argmax
// equal to the reference's wherever the reference's top-1/top-2 gap exceeds that 0.15, and,
// pooled over all cases, at least 85% of rows within 1e-3 (a float path gets almost none).
struct QuantParam {
  std::string arch;
  std::string type;
  std::string len;
};

void PrintTo(const QuantParam& p, std::ostream* os) { *os << p.arch << " " << p.type << " " << p.len; }

class DenseQuantGolden : public ::testing::TestWithParam<QuantParam> {};

TEST_P(DenseQuantGolden, MatchesReferenceWithinActivationRounding) {
  const QuantParam& p = GetParam();
  const std::string dir = shared_dir() + "/golden/" + p.arch + "/quant/" + p.type;
  auto model = load_model(dir + "/model-" + p.type + ".gguf");
  const GoldenCase c = load_golden_case(dir, p.len);
  const GoldenResult r = run_golden_case(*model, c);
  size_t close = 0;
  for (float d : r.row_max_diff) close += d < 1e-3f ? 1 : 0;
  std::printf("[golden] %s %s %s: worst |logit diff| %.3g, %zu of %zu rows within 1e-3\n", p.arch.c_str(),
              p.type.c_str(), p.len.c_str(), r.max_diff, close, r.row_max_diff.size());
  EXPECT_LT(r.max_diff, 0.15f);
  for (size_t k = 0; k < c.greedy_next.size(); ++k) {
    if (r.ref_gap[k] > 0.15f) {
      EXPECT_EQ(r.own_argmax[k], c.greedy_next[k]) << "decode step " << k;
    }
  }
}

std::vector<QuantParam> quant_params() {
  std::vector<QuantParam> v;
  for (const char* arch : {"llama", "qwen3"}) {
    for (const char* type : {"Q8_0", "Q4_0", "Q4_K_M", "Q6_K", "k256-Q4_K_M"}) {
      for (const char* len : {"len1", "len7", "len33"}) v.push_back({arch, type, len});
    }
  }
  return v;
}

INSTANTIATE_TEST_SUITE_P(All, DenseQuantGolden, ::testing::ValuesIn(quant_params()), [](const auto& info) {
  std::string s = info.param.arch + "_" + info.param.type + "_" + info.param.len;
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
});

TEST(DenseQuantGoldenPooled, MostRowsAgreeToActivationRoundingPrecision) {
  size_t rows = 0, close = 0;
  for (const QuantParam& p : quant_params()) {
    const std::string dir = shared_dir() + "/golden/" + p.arch + "/quant/" + p.type;
    auto model = load_model(dir + "/model-" + p.type + ".gguf");
    const GoldenResult r = run_golden_case(*model, load_golden_case(dir, p.len));
    rows += r.row_max_diff.size();
    for (float d : r.row_max_diff) close += d < 1e-3f ? 1 : 0;
  }
  std::printf("[golden] quantized cases: %zu of %zu rows within 1e-3\n", close, rows);
  EXPECT_GE(close * 100, rows * 85);
}

}  // namespace
}  // namespace owl::test
