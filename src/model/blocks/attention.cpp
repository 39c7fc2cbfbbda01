// Causal attention over the KV cache, one (token, head) pair per work item.
#include "model/blocks/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "kernels/kernels.h"

namespace owl {

void store_kv(const Batch& batch, const float* k, const float* v, KvCache& cache, int32_t layer) {
  const KvLayerShape& s = cache.shape(layer);
  for (int32_t t = 0; t < batch.size(); ++t) {
    const int32_t pos = batch.positions[t];
    const int32_t slot = batch.slots[t];
    if (pos < 0 || pos >= cache.n_ctx() || slot < 0 || slot >= cache.n_slots()) {
      fail("position {} in slot {} is outside the context ({} positions, {} slots)", pos, slot,
           cache.n_ctx(), cache.n_slots());
    }
    std::memcpy(cache.keys(layer, slot) + static_cast<size_t>(pos) * s.k_width,
                k + static_cast<size_t>(t) * s.k_width, sizeof(float) * s.k_width);
    if (s.v_width > 0 && v != nullptr) {
      std::memcpy(cache.values(layer, slot) + static_cast<size_t>(pos) * s.v_width,
                  v + static_cast<size_t>(t) * s.v_width, sizeof(float) * s.v_width);
    }
  }
}

void attend(const Batch& batch, const float* q, const KvCache& cache, int32_t layer,
            const AttentionShape& shape, float* out, ThreadPool& pool) {
  const KvLayerShape& s = cache.shape(layer);
  const int32_t n_tokens = batch.size();
  const int32_t group = shape.n_heads / shape.n_kv_heads;
  const int32_t q_width = shape.n_heads * shape.head_dim;
  const int32_t out_width = shape.n_heads * shape.value_dim;
  std::vector<std::vector<float>> scratch(pool.size());
  pool.parallel_for(static_cast<int64_t>(n_tokens) * shape.n_heads, [&](int64_t begin, int64_t end,
                                                                       int thread) {
    std::vector<float>& scores = scratch[thread];
    scores.resize(static_cast<size_t>(cache.n_ctx()));
    for (int64_t item = begin; item < end; ++item) {
      const int32_t t = static_cast<int32_t>(item / shape.n_heads);
      const int32_t h = static_cast<int32_t>(item % shape.n_heads);
      const int32_t kvh = h / group;
      const int32_t pos = batch.positions[t];
      const int32_t slot = batch.slots[t];
      const int32_t first = shape.window > 0 ? std::max(0, pos - shape.window + 1) : 0;
      const float* qh = q + static_cast<size_t>(t) * q_width + static_cast<size_t>(h) * shape.head_dim;
      const float* keys = cache.keys(layer, slot) + static_cast<size_t>(kvh) * shape.head_dim;
      const float* values = cache.values(layer, slot) + static_cast<size_t>(kvh) * shape.value_dim;
      float max_score = -INFINITY;
      for (int32_t j = first; j <= pos; ++j) {
        float sc = kernels::dot(qh, keys + static_cast<size_t>(j) * s.k_width, shape.head_dim) * shape.scale;
        if (shape.softcap > 0.0f) sc = shape.softcap * std::tanh(sc / shape.softcap);
        scores[j] = sc;
        max_score = std::max(max_score, sc);
      }
      const float sink = shape.sinks != nullptr ? shape.sinks[h] : -INFINITY;
      max_score = std::max(max_score, sink);
      float sum = 0.0f;
      for (int32_t j = first; j <= pos; ++j) {
        scores[j] = std::exp(scores[j] - max_score);
        sum += scores[j];
      }
      if (shape.sinks != nullptr) sum += std::exp(sink - max_score);
      const float inv = 1.0f / sum;
      float* oh = out + static_cast<size_t>(t) * out_width + static_cast<size_t>(h) * shape.value_dim;
      std::fill(oh, oh + shape.value_dim, 0.0f);
      for (int32_t j = first; j <= pos; ++j) {
        kernels::axpy(scores[j] * inv, values + static_cast<size_t>(j) * s.v_width, oh, shape.value_dim);
      }
    }
  });
}

}  // namespace owl
