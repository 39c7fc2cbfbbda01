// Causal attention of a batch over the KV cache (grouped-query heads, optional sliding window,
// optional attention sinks). Each token attends to the positions <= its own in its slot.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "model/batch.h"
#include "model/kv_cache.h"

namespace owl {

struct AttentionShape {
  int32_t n_heads = 0;
  int32_t n_kv_heads = 0;
  int32_t head_dim = 0;   // width of q and k per head
  int32_t value_dim = 0;  // width of v per head
  float scale = 1.0f;     // multiplies q.k
  int32_t window = 0;     // > 0: attend only to positions p - window < j <= p (sliding window)
  const float* sinks = nullptr;  // [n_heads] extra logit per head in the softmax (gpt-oss)
  float softcap = 0.0f;          // > 0: scores = softcap * tanh(scores / softcap)
};

// Writes k [n_tokens][n_kv_heads*head_dim] and v [n_tokens][n_kv_heads*value_dim] of the batch
// into the cache at each token's (slot, position).
void store_kv(const Batch& batch, const float* k, const float* v, KvCache& cache, int32_t layer);

// Asks for the cache rows store_kv will write (base/prefetch.h), for batches of up to
// kPrefetchKvTokens tokens (generation): call it one long matmul before store_kv.
constexpr int32_t kPrefetchKvTokens = 4;
void prefetch_kv_rows(const Batch& batch, KvCache& cache, int32_t layer);

// out [n_tokens][n_heads*value_dim] = softmax(q k^T * scale) v per head, over the cache.
void attend(const Batch& batch, const float* q, const KvCache& cache, int32_t layer,
            const AttentionShape& shape, float* out, ThreadPool& pool);

}  // namespace owl
