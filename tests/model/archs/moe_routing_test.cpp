// The MoE router's choices and weights, worked out by hand for each scoring rule: softmax with
// renormalised top-k (Qwen3-MoE), sigmoid with a selection-only correction bias, group-limited
// top-k, normalisation and routed_scaling_factor (DeepSeek-V3, GLM-4.5), softmax over the chosen
// logits (gpt-oss); and the MoE FFN against a naive per-token sum of expert FFNs.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "base/error.h"
#include "base/thread_pool.h"
#include "model/blocks/moe.h"

namespace owl {
namespace {

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

TEST(MoeRouting, SoftmaxTopKRenormalised) {
  MoeRouting r;
  r.n_experts = 4;
  r.n_used = 2;
  r.normalize = true;
  const float logits[4] = {1.0f, 3.0f, 0.5f, 2.0f};
  int32_t experts[2];
  float weights[2];
  route_tokens(r, logits, nullptr, 1, experts, weights);
  EXPECT_EQ(experts[0], 1);
  EXPECT_EQ(experts[1], 3);
  // softmax then renormalised over {1, 3}: e^3 / (e^3 + e^2) and e^2 / (e^3 + e^2).
  EXPECT_NEAR(weights[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(weights[1], 1.0 / (1.0 + std::exp(1.0)), 1e-6);
  // Without renormalisation the weights are the softmax over all four.
  r.normalize = false;
  route_tokens(r, logits, nullptr, 1, experts, weights);
  const double z = std::exp(1.0) + std::exp(3.0) + std::exp(0.5) + std::exp(2.0);
  EXPECT_NEAR(weights[0], std::exp(3.0) / z, 1e-6);
  EXPECT_NEAR(weights[1], std::exp(2.0) / z, 1e-6);
}

// DeepSeek-V3: 8 experts in 4 groups of 2, 2 groups kept, top-3, sigmoid scores, a correction
// bias that only steers the choice, weights normalised and scaled by 2.5.
TEST(MoeRouting, SigmoidBiasGroupLimitedScaled) {
  MoeRouting r;
  r.n_experts = 8;
  r.n_used = 3;
  r.scoring = RouterScoring::kSigmoid;
  r.n_groups = 4;
  r.n_groups_used = 2;
  r.group_score_top = 2;
  r.normalize = true;
  r.scale = 2.5f;
  const float logits[8] = {
      3.0f, -4.0f,  // group 0: one strong expert, one very weak: sum of its top 2 is low
      1.0f, 1.0f,   // group 1
      0.5f, 0.4f,   // group 2
      0.0f, 0.2f};  // group 3
  const float bias[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.9f};
  // Selection scores s = sigmoid(l) + bias; group scores = sum of both members:
  // g0 = 0.9526 + 0.0180 = 0.9706, g1 = 1.4621, g2 = 0.6225 + 0.5987 = 1.2212,
  // g3 = 0.5 + (0.5498 + 0.9) = 1.9498. Kept: g3, g1. Expert 0 (the best single score without
  // the limit) is excluded; top-3 of {2, 3, 6, 7}: 7 (1.4498), then 2 and 3 tied at 0.7311
  // (the lower index first).
  int32_t experts[3];
  float weights[3];
  route_tokens(r, logits, bias, 1, experts, weights);
  EXPECT_EQ(experts[0], 7);
  EXPECT_EQ(experts[1], 2);
  EXPECT_EQ(experts[2], 3);
  // Weights use the unbiased sigmoid scores, normalised, times 2.5.
  const double s7 = sigmoid(0.2f), s2 = sigmoid(1.0f);
  const double sum = s7 + 2 * s2;
  EXPECT_NEAR(weights[0], 2.5 * s7 / sum, 1e-6);
  EXPECT_NEAR(weights[1], 2.5 * s2 / sum, 1e-6);
  EXPECT_NEAR(weights[2], 2.5 * s2 / sum, 1e-6);
  // Without groups, expert 0 wins; the bias still lifts expert 7 above experts 2/3.
  r.n_groups = 1;
  route_tokens(r, logits, bias, 1, experts, weights);
  EXPECT_EQ(experts[0], 7);
  EXPECT_EQ(experts[1], 0);
  EXPECT_EQ(experts[2], 2);
  // V2's group_limited_greedy scores a group by its best member: g0 = 0.9526 now beats g1.
  r.n_groups = 4;
  r.group_score_top = 1;
  route_tokens(r, logits, bias, 1, experts, weights);
  EXPECT_EQ(experts[0], 7);
  EXPECT_EQ(experts[1], 0);
  EXPECT_EQ(experts[2], 6);
}

TEST(MoeRouting, SoftmaxOverChosenLogits) {
  MoeRouting r;
  r.n_experts = 4;
  r.n_used = 2;
  r.scoring = RouterScoring::kSoftmaxSelected;
  const float logits[4] = {0.1f, 2.0f, 1.5f, -1.0f};
  int32_t experts[2];
  float weights[2];
  route_tokens(r, logits, nullptr, 1, experts, weights);
  EXPECT_EQ(experts[0], 1);
  EXPECT_EQ(experts[1], 2);
  EXPECT_NEAR(weights[0], 1.0 / (1.0 + std::exp(-0.5)), 1e-6);
  EXPECT_NEAR(weights[1], 1.0 / (1.0 + std::exp(0.5)), 1e-6);
}

TEST(MoeRouting, RejectsImpossibleGroupLimits) {
  MoeRouting r;
  r.n_experts = 8;
  r.n_used = 5;
  r.n_groups = 4;
  r.n_groups_used = 2;  // 2 groups of 2 cannot give 5 experts
  const std::vector<float> logits(8, 0.0f);
  int32_t experts[5];
  float weights[5];
  EXPECT_THROW(route_tokens(r, logits.data(), nullptr, 1, experts, weights), Error);
}

// The MoE FFN over a batch (tokens grouped by expert) against a naive per-token loop, with
// shared experts and expert biases, and the count of expert matrices read.
TEST(MoeFfn, MatchesNaivePerTokenSumAndReadsOnlyChosenExperts) {
  constexpr int32_t kHidden = 8, kFfn = 6, kExperts = 5, kUsed = 2, kTokens = 7;
  uint32_t seed = 7;
  auto rnd = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
  };
  auto make = [&](int64_t in, int64_t out, int64_t n, std::vector<float>& store) {
    store.resize(static_cast<size_t>(in * out * n));
    for (float& v : store) v = rnd();
    TensorView t;
    t.type = DType::kF32;
    t.n_dims = n > 1 ? 3 : 2;
    t.ne = {in, out, n, 1};
    t.data = reinterpret_cast<const uint8_t*>(store.data());
    t.nbytes = store.size() * sizeof(float);
    return t;
  };
  std::vector<float> router_w, gate_w, up_w, down_w, sg, su, sd, down_b;
  MoeWeights w;
  w.router = make(kHidden, kExperts, 1, router_w);
  const TensorView gate = make(kHidden, kFfn, kExperts, gate_w);
  const TensorView up = make(kHidden, kFfn, kExperts, up_w);
  const TensorView down = make(kFfn, kHidden, kExperts, down_w);
  for (int32_t e = 0; e < kExperts; ++e) {
    w.gate.push_back(gate.matrix(e));
    w.up.push_back(up.matrix(e));
    w.down.push_back(down.matrix(e));
  }
  down_b.resize(kExperts * kHidden);
  for (float& v : down_b) v = rnd();
  w.down_bias = down_b.data();
  w.shared.gate = make(kHidden, 4, 1, sg);
  w.shared.up = make(kHidden, 4, 1, su);
  w.shared.down = make(4, kHidden, 1, sd);
  MoeOptions o;
  o.routing.n_experts = kExperts;
  o.routing.n_used = kUsed;
  o.routing.normalize = true;
  std::vector<float> x(kTokens * kHidden);
  for (float& v : x) v = rnd();

  ThreadPool pool(2);
  MoeFfn moe;
  std::vector<float> out(kTokens * kHidden);
  moe.forward(w, o, x.data(), kTokens, out.data(), pool);

  auto silu = [](double v) { return v / (1.0 + std::exp(-v)); };
  auto ffn = [&](const float* g, const float* u, const float* d, int32_t f, const float* xt,
                 double* y) {
    std::vector<double> a(f);
    for (int32_t i = 0; i < f; ++i) {
      double gs = 0, us = 0;
      for (int32_t j = 0; j < kHidden; ++j) {
        gs += g[i * kHidden + j] * xt[j];
        us += u[i * kHidden + j] * xt[j];
      }
      a[i] = silu(gs) * us;
    }
    for (int32_t j = 0; j < kHidden; ++j) {
      double s = 0;
      for (int32_t i = 0; i < f; ++i) s += d[j * f + i] * a[i];
      y[j] = s;
    }
  };
  std::set<int32_t> used;
  for (int32_t t = 0; t < kTokens; ++t) {
    const float* xt = &x[t * kHidden];
    std::vector<float> logits(kExperts);
    for (int32_t e = 0; e < kExperts; ++e) {
      double s = 0;
      for (int32_t j = 0; j < kHidden; ++j) s += router_w[e * kHidden + j] * xt[j];
      logits[e] = static_cast<float>(s);
    }
    int32_t chosen[kUsed];
    float cw[kUsed];
    route_tokens(o.routing, logits.data(), nullptr, 1, chosen, cw);
    std::vector<double> want(kHidden, 0.0), y(kHidden);
    for (int32_t k = 0; k < kUsed; ++k) {
      const int32_t e = chosen[k];
      used.insert(e);
      const size_t off = static_cast<size_t>(e) * kFfn * kHidden;
      ffn(&gate_w[off], &up_w[off], &down_w[off], kFfn, xt, y.data());
      for (int32_t j = 0; j < kHidden; ++j) want[j] += cw[k] * (y[j] + down_b[e * kHidden + j]);
    }
    ffn(sg.data(), su.data(), sd.data(), 4, xt, y.data());
    for (int32_t j = 0; j < kHidden; ++j) {
      EXPECT_NEAR(out[t * kHidden + j], want[j] + y[j], 1e-5) << "token " << t << " dim " << j;
    }
  }
  // Each chosen expert's three matrices were multiplied once for the whole batch.
  EXPECT_EQ(moe.stats().expert_matmuls, 3 * used.size());
  EXPECT_EQ(moe.stats().expert_tokens, static_cast<uint64_t>(kTokens * kUsed));
  EXPECT_EQ(moe.stats().expert_bytes, used.size() * 3 * kFfn * kHidden * sizeof(float));
}

}  // namespace
}  // namespace owl
