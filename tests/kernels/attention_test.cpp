// attention() at every ISA level against a float64 attention that materialises the masked score
// matrix and takes an exact softmax: GQA, causal masks with positions, sliding window, sinks,
// f16 cache, strided rows, blocks boundaries, queries that see nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "base/error.h"
#include "base/fp16.h"
#include "kernels/kernels.h"

namespace owl::kernels {
namespace {

struct Case {
  int n_tokens, n_heads, n_kv_heads, head_dim, head_dim_v, n_kv, window;
  bool sinks, f16;
  int first_pos;            // position of token 0; tokens are consecutive
  bool head_major = false;  // cache laid out [n_kv_heads][n_kv][dim] instead of [n_kv][heads][dim]
};

struct Data {
  std::vector<float> q, out, sinks;
  std::vector<float> k32, v32;     // f32 cache
  std::vector<uint16_t> k16, v16;  // f16 cache
  std::vector<int32_t> pos;
  AttentionArgs args;
};

Data make(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  Data d;
  const int64_t q_stride = int64_t{c.n_heads} * c.head_dim + 5;
  const int64_t k_stride =
      c.head_major ? int64_t{c.head_dim} + 3 : int64_t{c.n_kv_heads} * c.head_dim + 3;
  const int64_t v_stride =
      c.head_major ? int64_t{c.head_dim_v} + 7 : int64_t{c.n_kv_heads} * c.head_dim_v + 7;
  const int64_t out_stride = int64_t{c.n_heads} * c.head_dim_v + 1;
  d.q.resize(static_cast<size_t>(c.n_tokens * q_stride));
  for (float& x : d.q) x = nd(rng);
  const int64_t slots = c.head_major ? int64_t{c.n_kv} * c.n_kv_heads : c.n_kv;
  d.k32.resize(static_cast<size_t>(slots * k_stride));
  d.v32.resize(static_cast<size_t>(slots * v_stride));
  for (float& x : d.k32) x = nd(rng);
  for (float& x : d.v32) x = nd(rng);
  for (float& x : d.k32) x = c.f16 ? fp16_to_fp32(fp32_to_fp16(x)) : x;
  for (float& x : d.v32) x = c.f16 ? fp16_to_fp32(fp32_to_fp16(x)) : x;
  for (float x : d.k32) d.k16.push_back(fp32_to_fp16(x));
  for (float x : d.v32) d.v16.push_back(fp32_to_fp16(x));
  for (int h = 0; h < c.n_heads; ++h) d.sinks.push_back(nd(rng) + 1.0f);
  for (int t = 0; t < c.n_tokens; ++t) d.pos.push_back(c.first_pos + t);
  d.out.assign(static_cast<size_t>(c.n_tokens * out_stride), -9.0f);
  AttentionArgs& a = d.args;
  a.q = d.q.data();
  a.q_stride = q_stride;
  a.k = c.f16 ? static_cast<const void*>(d.k16.data()) : d.k32.data();
  a.v = c.f16 ? static_cast<const void*>(d.v16.data()) : d.v32.data();
  a.k_stride = k_stride;
  a.v_stride = v_stride;
  if (c.head_major) {
    a.k_head_stride = k_stride * c.n_kv;
    a.v_head_stride = v_stride * c.n_kv;
  }
  a.kv_type = c.f16 ? DType::kF16 : DType::kF32;
  a.n_kv = c.n_kv;
  a.pos = d.pos.data();
  a.out = d.out.data();
  a.out_stride = out_stride;
  a.n_tokens = c.n_tokens;
  a.n_heads = c.n_heads;
  a.n_kv_heads = c.n_kv_heads;
  a.head_dim = c.head_dim;
  a.head_dim_v = c.head_dim_v;
  a.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  a.sliding_window = c.window;
  a.sinks = c.sinks ? d.sinks.data() : nullptr;
  return d;
}

// Naive float64 attention: all scores, mask, exact softmax (with the sink in the denominator).
std::vector<double> naive(const Case& c, const Data& d) {
  const AttentionArgs& a = d.args;
  std::vector<double> out(static_cast<size_t>(c.n_tokens * c.n_heads * c.head_dim_v), 0.0);
  for (int t = 0; t < c.n_tokens; ++t) {
    for (int h = 0; h < c.n_heads; ++h) {
      const int kvh = h / (c.n_heads / c.n_kv_heads);
      std::vector<double> s(static_cast<size_t>(c.n_kv), -INFINITY);
      double mx = c.sinks ? d.sinks[h] : -INFINITY;
      for (int j = 0; j < c.n_kv; ++j) {
        const int p = d.pos[t];
        if (j > p || (c.window > 0 && p - j >= c.window)) continue;
        double dot = 0;
        for (int i = 0; i < c.head_dim; ++i) {
          double qv = a.q[t * a.q_stride + h * c.head_dim + i];
          if (c.f16) qv = fp16_to_fp32(fp32_to_fp16(static_cast<float>(qv)));
          dot += qv * d.k32[a.k_offset(j, kvh) + i];
        }
        s[j] = dot * a.scale;
        mx = std::max(mx, s[j]);
      }
      double den = c.sinks ? std::exp(d.sinks[h] - mx) : 0.0;
      for (int j = 0; j < c.n_kv; ++j) den += std::isinf(s[j]) ? 0.0 : std::exp(s[j] - mx);
      if (den == 0) continue;
      for (int j = 0; j < c.n_kv; ++j) {
        if (std::isinf(s[j])) continue;
        const double pj = std::exp(s[j] - mx) / den;
        for (int i = 0; i < c.head_dim_v; ++i) {
          out[(t * c.n_heads + h) * c.head_dim_v + i] += pj * d.v32[a.v_offset(j, kvh) + i];
        }
      }
    }
  }
  return out;
}

class AttentionTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    saved_ = active_isa();
    set_isa(GetParam());
  }
  void TearDown() override { set_isa(saved_); }
  Isa saved_ = Isa::kScalar;
};

TEST_P(AttentionTest, MatchesNaiveSoftmax) {
  const Case cases[] = {
      {7, 4, 2, 64, 64, 7, 0, false, false, 0},        // prefill from position 0, GQA 2
      {5, 4, 1, 32, 48, 150, 0, false, false, 145},    // prefill after a long cache, v dim != k dim
      {1, 8, 8, 128, 128, 200, 0, false, false, 199},  // decode, MHA
      {9, 4, 2, 48, 48, 70, 8, true, false, 61},       // sliding window 8 + sinks (gpt-oss style)
      {3, 2, 2, 64, 64, 90, 0, true, true, 87},        // f16 cache + sinks
      {4, 2, 1, 16, 16, 130, 20, false, true, 126},    // f16 cache + window across a block border
      {2, 2, 1, 8, 8, 4, 0, true, false, -1},          // position -1: only the sink is visible
      // Decode-sized work items (fewer than 8 rows) take the direct path, two rows at a time:
      {1, 4, 2, 128, 128, 300, 0, false, false, 299, true},  // decode GQA 2, head-major f32
      {1, 8, 2, 128, 128, 40, 0, true, true, 39, true},      // decode GQA 4, head-major f16, sinks
      {1, 6, 2, 40, 24, 77, 0, false, true, 76},             // GQA 3 (a pair and a single), odd dims
      {3, 2, 2, 64, 64, 50, 5, false, false, 47},            // rows of a pair see different blocks
  };
  ThreadPool pool(2);
  uint32_t seed = 1;
  for (const Case& c : cases) {
    Data d = make(c, seed++);
    attention(d.args, pool);
    const std::vector<double> e = naive(c, d);
    for (int t = 0; t < c.n_tokens; ++t) {
      for (int h = 0; h < c.n_heads; ++h) {
        for (int i = 0; i < c.head_dim_v; ++i) {
          const double got = d.out[t * d.args.out_stride + h * c.head_dim_v + i];
          ASSERT_NEAR(got, e[(t * c.n_heads + h) * c.head_dim_v + i], 2e-5)
              << "case n_kv " << c.n_kv << " token " << t << " head " << h << " i " << i;
        }
      }
      EXPECT_EQ(d.out[t * d.args.out_stride + c.n_heads * c.head_dim_v], -9.0f) << "wrote past row";
    }
  }
}

TEST_P(AttentionTest, NoVisibleKeyGivesZeros) {
  Case c{1, 2, 2, 8, 8, 3, 0, false, false, -1};
  Data d = make(c, 9);
  ThreadPool pool(1);
  attention(d.args, pool);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(d.out[i], 0.0f);
}

INSTANTIATE_TEST_SUITE_P(All, AttentionTest, ::testing::ValuesIn([] {
                           std::vector<Isa> v;
                           for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
                             if (isa_available(i)) v.push_back(i);
                           }
                           return v;
                         }()),
                         [](const auto& info) { return std::string(isa_name(info.param)); });

TEST(Attention, RejectsBadArguments) {
  Case c{1, 3, 2, 8, 8, 3, 0, false, false, 0};
  Data d = make(c, 3);
  ThreadPool pool(1);
  EXPECT_THROW(attention(d.args, pool), Error);  // 3 heads over 2 KV heads
  d.args.n_heads = 2;
  d.args.kv_type = DType::kQ8_0;
  EXPECT_THROW(attention(d.args, pool), Error);
}

}  // namespace
}  // namespace owl::kernels
