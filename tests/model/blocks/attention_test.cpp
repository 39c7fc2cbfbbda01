// The attention block's distinctive options checked against softmax computed by hand in double:
// the sliding-window mask (a token at position p sees p - window < j <= p), attention sinks (one
// extra logit per head that joins the denominator only: gpt-oss), and score soft-capping; each
// also with an f16 cache, where the expected values take keys, values and the query rounded to
// f16 (llama.cpp rounds the query when it multiplies by an f16 cache).
#include "model/blocks/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "base/fp16.h"

namespace owl {
namespace {

constexpr int kDim = 3;  // head_dim = value_dim
constexpr int kPositions = 7;

bool g_f16 = false;  // the case under test caches f16
float rounded(float x) { return g_f16 ? fp16_to_fp32(fp32_to_fp16(x)) : x; }
float key_f32(int j, int d) { return std::sin(0.9f * j + 0.4f * d + 0.3f); }
float value_f32(int j, int d) { return std::cos(1.1f * j - 0.7f * d); }
float query_f32(int h, int d) { return 0.8f * std::cos(0.5f * h + 1.7f * d); }
float key(int j, int d) { return rounded(key_f32(j, d)); }
float value(int j, int d) { return rounded(value_f32(j, d)); }
float query(int h, int d) { return rounded(query_f32(h, d)); }

// Expected output of one head at position p.
std::vector<double> by_hand(int h, int p, int window, double scale, const float* sink,
                            double softcap) {
  const int first = window > 0 ? std::max(0, p - window + 1) : 0;
  std::vector<double> w;
  double max = sink != nullptr ? *sink : -INFINITY;
  for (int j = first; j <= p; ++j) {
    double s = 0;
    for (int d = 0; d < kDim; ++d) s += static_cast<double>(query(h, d)) * key(j, d);
    s *= scale;
    if (softcap > 0) s = softcap * std::tanh(s / softcap);
    w.push_back(s);
    max = std::max(max, s);
  }
  double sum = sink != nullptr ? std::exp(*sink - max) : 0.0;
  for (double& s : w) sum += (s = std::exp(s - max));
  std::vector<double> out(kDim, 0.0);
  for (int j = first; j <= p; ++j) {
    for (int d = 0; d < kDim; ++d) out[d] += w[j - first] / sum * value(j, d);
  }
  return out;
}

// Two query heads over one KV head (GQA); all positions in one batch.
void check(int window, const float* sinks, float softcap, DType kv_type = DType::kF32) {
  const int n_heads = 2;
  g_f16 = kv_type == DType::kF16;
  KvCache cache({KvLayerShape{kDim, kDim}}, 1, kPositions, kv_type);
  Batch batch;
  std::vector<float> k, v, q;
  for (int j = 0; j < kPositions; ++j) {
    batch.add(0, j, 0, true);
    for (int d = 0; d < kDim; ++d) {
      k.push_back(key_f32(j, d));  // the cache rounds them
      v.push_back(value_f32(j, d));
    }
    for (int h = 0; h < n_heads; ++h) {
      for (int d = 0; d < kDim; ++d) q.push_back(query_f32(h, d));
    }
  }
  store_kv(batch, k.data(), v.data(), cache, 0);
  AttentionShape shape;
  shape.n_heads = n_heads;
  shape.n_kv_heads = 1;
  shape.head_dim = kDim;
  shape.value_dim = kDim;
  shape.scale = 0.6f;
  shape.window = window;
  shape.sinks = sinks;
  shape.softcap = softcap;
  std::vector<float> out(static_cast<size_t>(kPositions) * n_heads * kDim);
  ThreadPool pool(2);
  attend(batch, q.data(), cache, 0, shape, out.data(), pool);
  for (int p = 0; p < kPositions; ++p) {
    for (int h = 0; h < n_heads; ++h) {
      const std::vector<double> want =
          by_hand(h, p, window, 0.6, sinks != nullptr ? &sinks[h] : nullptr, softcap);
      for (int d = 0; d < kDim; ++d) {
        EXPECT_NEAR(out[(p * n_heads + h) * kDim + d], want[d], 1e-6)
            << dtype_name(kv_type) << " window " << window << " position " << p << " head " << h;
      }
    }
  }
}

TEST(Attention, CausalByHand) { check(0, nullptr, 0.0f); }

TEST(Attention, SlidingWindowByHand) {
  check(3, nullptr, 0.0f);
  check(1, nullptr, 0.0f);  // each token sees only itself: out = its own value
}

TEST(Attention, SinksByHand) {
  const float sinks[2] = {0.7f, -1.5f};
  check(0, sinks, 0.0f);
  check(3, sinks, 0.0f);  // gpt-oss: sinks on sliding layers too
}

TEST(Attention, SinkTakesMassFromEveryKey) {
  // With a single visible key the softmax over keys alone gives weight 1; a sink s leaves
  // 1 / (1 + exp(s - score)).
  KvCache cache({KvLayerShape{1, 1}}, 1, 1);
  Batch batch;
  batch.add(0, 0, 0, true);
  const float k = 1.0f, v = 2.0f, q = 0.5f, sink = 0.25f;
  store_kv(batch, &k, &v, cache, 0);
  AttentionShape shape{1, 1, 1, 1, 1.0f, 0, &sink, 0.0f};
  float out = 0;
  ThreadPool pool(1);
  attend(batch, &q, cache, 0, shape, &out, pool);
  EXPECT_NEAR(out, 2.0 / (1.0 + std::exp(0.25 - 0.5)), 1e-6);
}

TEST(Attention, SoftcapByHand) { check(0, nullptr, 0.4f); }

TEST(Attention, F16CacheByHand) {
  const float sinks[2] = {0.7f, -1.5f};
  check(0, nullptr, 0.0f, DType::kF16);
  check(3, nullptr, 0.0f, DType::kF16);
  check(3, sinks, 0.0f, DType::kF16);
  check(0, nullptr, 0.4f, DType::kF16);  // soft-capped: the row-by-row path
  g_f16 = false;
}

}  // namespace
}  // namespace owl
