// Multi-head latent attention (DeepSeek-V2/V3, Kimi K2) in its absorbed form, with optional
// DeepSeek Sparse Attention (V3.2's lightning indexer).
//
// Per token the cache holds only the compressed latent c = RMSNorm(W_DKV x) (kv_lora_rank) and
// the shared RoPE key k_pe (qk_rope dims): kv_lora_rank + qk_rope floats per position instead of
// n_heads * (qk_nope + qk_rope + v) for full K/V. Head h's key is [W_UK[h] c | k_pe] and its value
// W_UV[h] c; attention is computed without ever forming them (DeepSeek-V2 paper, section 2.1.3):
//   q_nope . (W_UK c) = (W_UK^T q_nope) . c        -> the query is absorbed into latent space
//   sum_j p_j W_UV c_j = W_UV (sum_j p_j c_j)      -> the value up-projection moves after softmax
// so attention is multi-query attention over [c | k_pe] with values c, followed by W_UV per head.
// llama.cpp stores W_UK^T per head as attn_k_b [qk_nope, kv_lora, n_heads] and W_UV as attn_v_b
// [kv_lora, v, n_heads]; Hugging Face (and older GGUFs, attn_kv_b) hold kv_b_proj, from which the
// binder derives both.
//
// DSA (DeepSeek-V3.2): an indexer scores every past position s for query t as
//   I(t, s) = sum_j w_j(t) relu(q_j(t) . k(s)),   w = W_proj x / sqrt(n_idx_heads * idx_head_dim)
// and each query attends only to its index_topk best positions (all of them at short context).
// DeepSeek's reference applies a Hadamard rotation to q and k before an fp8 product; the rotation
// is orthonormal, so without fp8 it leaves q . k unchanged and is omitted here.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/aligned_buffer.h"
#include "base/thread_pool.h"
#include "model/batch.h"
#include "model/blocks/rope.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/weights.h"
#include "tensor/tensor.h"

namespace owl {

struct MlaWeights {
  TensorView wq;                     // [hidden, n_heads*(nope+rope)] (no q_lora_rank)
  TensorView wq_a;                   // [hidden, q_lora]
  const float* q_a_norm = nullptr;   // [q_lora]
  TensorView wq_b;                   // [q_lora, n_heads*(nope+rope)]
  TensorView wkv_a;                  // [hidden, kv_lora+rope]: latent, then k_pe
  const float* kv_a_norm = nullptr;  // [kv_lora]
  std::vector<TensorView> wk_b;      // [n_heads] of [nope, kv_lora]: W_UK^T (absorbs q_nope)
  std::vector<TensorView> wv_b;      // [n_heads] of [kv_lora, v]: W_UV
  TensorView wo;                     // [n_heads*v, hidden]
  // DSA indexer (V3.2); idx_q_b.data null: none.
  TensorView idx_q_b;                   // [q_lora, idx_heads*idx_dim]
  TensorView idx_k;                     // [hidden, idx_dim]
  const float* idx_k_norm = nullptr;    // [idx_dim] LayerNorm weight
  const float* idx_k_norm_b = nullptr;  // [idx_dim] LayerNorm bias
  TensorView idx_proj;                  // [hidden, idx_heads]
};

// Binds layer i's attention tensors (GGUF: llama.cpp's names with attn_k_b/attn_v_b, or a
// legacy attn_kv_b; Hugging Face: DeepSeek's names with kv_b_proj).
MlaWeights bind_mla(const ModelConfig& c, int32_t i, WeightBinder& w);

// What one MLA layer caches per position: [kv_lora + rope] keys; with DSA, the indexer key
// [idx_dim] in the value slot.
KvLayerShape mla_kv_shape(const ModelConfig& c);

class MlaAttention {
 public:
  explicit MlaAttention(const ModelConfig& c);

  // out [n][hidden] = attention of the batch's normed hidden states h [n][hidden] over the
  // latent cache of `layer` (this batch's latents are stored first).
  void forward(const MlaWeights& w, const Batch& batch, const float* h, KvCache& cache,
               int32_t layer, float* out, ThreadPool& pool);

  // Positions (ascending) token t of the last forward attended to when the DSA indexer
  // restricted it; empty when it saw all of its past (for tests).
  const std::vector<int32_t>& selected(int32_t t) const { return selected_[t]; }

 private:
  void reserve(int32_t n);
  void project_queries(const MlaWeights& w, const Batch& batch, const float* h, ThreadPool& pool);
  void index(const MlaWeights& w, const Batch& batch, const float* h, KvCache& cache, int32_t layer,
             ThreadPool& pool);
  void attend_latent(const Batch& batch, const KvCache& cache, int32_t layer, ThreadPool& pool);

  int32_t n_heads_, q_lora_, kv_lora_, nope_, rope_dims_, v_dim_;
  float scale_;
  float norm_eps_ = 1e-6f;
  int32_t idx_heads_, idx_dim_, idx_topk_;
  Rope rope_;      // the attention's RoPE (adjacent pairs for DeepSeek)
  Rope idx_rope_;  // the indexer's RoPE (halves, same frequencies)

  int32_t capacity_ = 0;
  AlignedBuffer<float> qa_;   // [n][q_lora] normed query latent
  AlignedBuffer<float> q_;    // [n][n_heads][nope+rope]
  AlignedBuffer<float> kv_;   // [n][kv_lora+rope] this batch's cache rows
  AlignedBuffer<float> qc_;   // [n][n_heads][kv_lora+rope] absorbed queries
  AlignedBuffer<float> lat_;  // [n][n_heads][kv_lora] attention output in latent space
  AlignedBuffer<float> vo_;   // [n][n_heads*v] per-head values
  AlignedBuffer<float> iq_;   // [n][idx_heads][idx_dim] indexer queries
  AlignedBuffer<float> ik_;   // [n][idx_dim] indexer keys
  AlignedBuffer<float> iw_;   // [n][idx_heads] indexer head weights
  std::vector<std::vector<int32_t>> selected_;     // [n] DSA-selected positions
  std::vector<std::unique_ptr<ThreadPool>> solo_;  // a one-thread pool per thread
};

}  // namespace owl
