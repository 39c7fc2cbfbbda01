// Causal attention over the KV cache, one (token, head) pair per work item.
#include "model/blocks/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "base/fp16.h"
#include "base/prefetch.h"
#include "kernels/kernels.h"

namespace owl {

namespace {

// Calls fn(t, h, key_row, value_row) for each token t of the batch and each KV head h, with the
// cache rows that token's head writes (value_row null when the layer caches keys only).
template <typename F>
void for_kv_rows(const Batch& batch, KvCache& cache, int32_t layer, F&& fn) {
  const KvLayerShape& s = cache.shape(layer);
  const size_t elem = cache.type(layer) == DType::kF16 ? 2 : 4;
  const int32_t k_dim = s.k_width / s.n_heads, v_dim = s.v_width / s.n_heads;
  for (int32_t t = 0; t < batch.size(); ++t) {
    const int32_t pos = batch.positions[t];
    const int32_t slot = batch.slots[t];
    if (pos < 0 || pos >= cache.n_ctx() || slot < 0 || slot >= cache.n_slots()) {
      fail("position {} in slot {} is outside the context ({} positions, {} slots)", pos, slot,
           cache.n_ctx(), cache.n_slots());
    }
    // Head h's row is [h][pos] of the slot (head-major).
    auto* keys = static_cast<uint8_t*>(cache.key_data(layer, slot));
    auto* values = s.v_width > 0 ? static_cast<uint8_t*>(cache.value_data(layer, slot)) : nullptr;
    for (int32_t h = 0; h < s.n_heads; ++h) {
      uint8_t* k = keys + elem * static_cast<size_t>(h * cache.key_head_stride(layer) +
                                                     int64_t{pos} * k_dim);
      uint8_t* v = values == nullptr
                       ? nullptr
                       : values + elem * static_cast<size_t>(h * cache.value_head_stride(layer) +
                                                             int64_t{pos} * v_dim);
      fn(t, h, k, v);
    }
  }
}

}  // namespace

void store_kv(const Batch& batch, const float* k, const float* v, KvCache& cache, int32_t layer) {
  const KvLayerShape& s = cache.shape(layer);
  const bool f16 = cache.type(layer) == DType::kF16;
  const int32_t k_dim = s.k_width / s.n_heads, v_dim = s.v_width / s.n_heads;
  auto put = [&](const float* src, uint8_t* dst, int32_t n) {
    if (f16) {
      kernels::to_f16(src, reinterpret_cast<uint16_t*>(dst), n);
    } else {
      std::memcpy(dst, src, sizeof(float) * n);
    }
  };
  for_kv_rows(batch, cache, layer, [&](int32_t t, int32_t h, uint8_t* krow, uint8_t* vrow) {
    put(k + static_cast<size_t>(t) * s.k_width + static_cast<size_t>(h) * k_dim, krow, k_dim);
    if (vrow != nullptr && v != nullptr) {
      put(v + static_cast<size_t>(t) * s.v_width + static_cast<size_t>(h) * v_dim, vrow, v_dim);
    }
  });
}

void prefetch_kv_rows(const Batch& batch, KvCache& cache, int32_t layer) {
  if (batch.size() > kPrefetchKvTokens) return;
  const KvLayerShape& s = cache.shape(layer);
  const size_t elem = cache.type(layer) == DType::kF16 ? 2 : 4;
  const size_t k_bytes = elem * static_cast<size_t>(s.k_width / s.n_heads);
  const size_t v_bytes = elem * static_cast<size_t>(s.v_width / s.n_heads);
  for_kv_rows(batch, cache, layer, [&](int32_t, int32_t, uint8_t* krow, uint8_t* vrow) {
    prefetch_to_l2(krow, k_bytes, true);
    prefetch_to_l2(vrow, v_bytes, true);
  });
}

namespace {

// The cache layer's heads and widths are the attention's (the head-major layout relies on it).
void check_cache_shape(const KvCache& cache, int32_t layer, const AttentionShape& shape) {
  const KvLayerShape& s = cache.shape(layer);
  OWL_CHECK(s.n_heads == shape.n_kv_heads && s.k_width == shape.n_kv_heads * shape.head_dim &&
                s.v_width == shape.n_kv_heads * shape.value_dim,
            "layer {}: the KV cache holds {} heads of {}/{} elements, attention wants {} of {}/{}",
            layer, s.n_heads, s.k_width / s.n_heads, s.v_width / s.n_heads, shape.n_kv_heads,
            shape.head_dim, shape.value_dim);
}

// The reference form: one (token, head) pair per work item, scores materialised per row. Kept
// for soft-capped scores, which the streaming kernel does not do. An f16 cache is read row by
// row widened to f32, with the query rounded to f16 first (as the kernel and llama.cpp do).
void attend_rows(const Batch& batch, const float* q, const KvCache& cache, int32_t layer,
                 const AttentionShape& shape, float* out, ThreadPool& pool) {
  const int32_t n_tokens = batch.size();
  const int32_t group = shape.n_heads / shape.n_kv_heads;
  const int32_t q_width = shape.n_heads * shape.head_dim;
  const int32_t out_width = shape.n_heads * shape.value_dim;
  const bool f16 = cache.type(layer) == DType::kF16;
  std::vector<std::vector<float>> scratch(pool.size());
  std::vector<std::vector<float>> widened(pool.size());
  pool.parallel_for(static_cast<int64_t>(n_tokens) * shape.n_heads, [&](int64_t begin, int64_t end,
                                                                       int thread) {
    std::vector<float>& scores = scratch[thread];
    scores.resize(static_cast<size_t>(cache.n_ctx()));
    std::vector<float>& wide = widened[thread];
    wide.resize(static_cast<size_t>(std::max(shape.head_dim, shape.value_dim)) * (f16 ? 2 : 0));
    float* q16 = wide.data();
    float* row = wide.data() + (f16 ? shape.head_dim : 0);
    // Row j of KV head kvh as f32 (a view into an f32 cache, widened for f16).
    auto cache_row = [&](const void* base, int32_t j, int64_t head_stride, int32_t kvh,
                         int32_t dim) -> const float* {
      const size_t at = static_cast<size_t>(kvh * head_stride) + static_cast<size_t>(j) * dim;
      if (!f16) return static_cast<const float*>(base) + at;
      const uint16_t* h = static_cast<const uint16_t*>(base) + at;
      for (int32_t d = 0; d < dim; ++d) row[d] = fp16_to_fp32(h[d]);
      return row;
    };
    for (int64_t item = begin; item < end; ++item) {
      const int32_t t = static_cast<int32_t>(item / shape.n_heads);
      const int32_t h = static_cast<int32_t>(item % shape.n_heads);
      const int32_t kvh = h / group;
      const int32_t pos = batch.positions[t];
      const int32_t slot = batch.slots[t];
      const int32_t first = shape.window > 0 ? std::max(0, pos - shape.window + 1) : 0;
      const float* qh = q + static_cast<size_t>(t) * q_width + static_cast<size_t>(h) * shape.head_dim;
      if (f16) {
        for (int32_t d = 0; d < shape.head_dim; ++d) q16[d] = fp16_to_fp32(fp32_to_fp16(qh[d]));
        qh = q16;
      }
      const void* keys = cache.key_data(layer, slot);
      const void* values = cache.value_data(layer, slot);
      float max_score = -INFINITY;
      for (int32_t j = first; j <= pos; ++j) {
        const float* key = cache_row(keys, j, cache.key_head_stride(layer), kvh, shape.head_dim);
        float sc = kernels::dot(qh, key, shape.head_dim) * shape.scale;
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
        const float* value = cache_row(values, j, cache.value_head_stride(layer), kvh, shape.value_dim);
        kernels::axpy(scores[j] * inv, value, oh, shape.value_dim);
      }
    }
  });
}

}  // namespace

void attend(const Batch& batch, const float* q, const KvCache& cache, int32_t layer,
            const AttentionShape& shape, float* out, ThreadPool& pool) {
  check_cache_shape(cache, layer, shape);
  if (shape.softcap > 0.0f) return attend_rows(batch, q, cache, layer, shape, out, pool);
  const int32_t q_width = shape.n_heads * shape.head_dim;
  const int32_t out_width = shape.n_heads * shape.value_dim;
  // The streaming kernel attends one sequence at a time: take the batch in runs of one slot.
  for (int32_t begin = 0; begin < batch.size();) {
    int32_t end = begin + 1;
    int32_t max_pos = batch.positions[begin];
    while (end < batch.size() && batch.slots[end] == batch.slots[begin]) {
      max_pos = std::max(max_pos, batch.positions[end]);
      ++end;
    }
    const int32_t slot = batch.slots[begin];
    kernels::AttentionArgs a;
    a.q = q + static_cast<size_t>(begin) * q_width;
    a.q_stride = q_width;
    a.k = cache.key_data(layer, slot);
    a.v = cache.value_data(layer, slot);
    a.k_stride = shape.head_dim;  // head-major: a head's rows are adjacent
    a.v_stride = shape.value_dim;
    a.k_head_stride = cache.key_head_stride(layer);
    a.v_head_stride = cache.value_head_stride(layer);
    a.kv_type = cache.type(layer);
    a.n_kv = max_pos + 1;
    a.pos = batch.positions.data() + begin;
    a.out = out + static_cast<size_t>(begin) * out_width;
    a.out_stride = out_width;
    a.n_tokens = end - begin;
    a.n_heads = shape.n_heads;
    a.n_kv_heads = shape.n_kv_heads;
    a.head_dim = shape.head_dim;
    a.head_dim_v = shape.value_dim;
    a.scale = shape.scale;
    a.sliding_window = shape.window;
    a.sinks = shape.sinks;
    kernels::attention(a, pool);
    begin = end;
  }
}

}  // namespace owl
