// Small building blocks shared by the architectures: embeddings, projections with bias, per-head
// norms, RoPE over a batch, gated FFNs, and the output head.
#pragma once

#include <cstdint>
#include <span>

#include "base/thread_pool.h"
#include "model/batch.h"
#include "model/blocks/rope.h"
#include "tensor/tensor.h"

namespace owl {

// x [n_tokens][hidden] = rows of the embedding table [hidden, vocab] for each token.
void embed_tokens(const Batch& batch, const TensorView& table, float* x, ThreadPool& pool);

// out [n][w.ne[1]] = x [n][w.ne[0]] w^T (+ bias).
void project(const TensorView& w, const float* bias, const float* x, int64_t n, float* out,
             ThreadPool& pool);
// project() of one input through several weights (Q, K, V): one activation conversion per
// layout and one thread hand-off for all of them (kernels::matmul_same_input).
struct Projection {
  const TensorView* w;
  const float* bias;  // nullable
  float* out;         // [n][w->ne[1]]
};
void project_same_input(std::span<const Projection> ps, const float* x, int64_t n, ThreadPool& pool);

// RMSNorm of each of n rows of width `width` (stride `stride`), in place or to out.
void rms_norm_rows(const float* x, const float* weight, float* out, int64_t n, int32_t width,
                   int64_t stride, float eps, ThreadPool& pool);

// RoPE applied to each token's n_heads heads (head width head_dim, row stride row_width).
void rope_rows(const Rope& rope, const Batch& batch, float* x, int32_t n_heads, int32_t head_dim,
               int64_t row_width, ThreadPool& pool);

enum class GateActivation {
  kSilu,
  kGeluTanh,
  kGeluTanhFp16,  // GELU as llama.cpp's CPU backend computes it (f16 input, f16 table)
};

struct GatedFfn {
  TensorView gate;  // [hidden, ffn]
  TensorView up;    // [hidden, ffn]
  TensorView down;  // [ffn, hidden]
};

// out [n][hidden] = down(act(gate(x)) * up(x)). scratch holds 2 * n * ffn floats.
void gated_ffn(const GatedFfn& w, GateActivation act, const float* x, int64_t n, float* scratch,
               float* out, ThreadPool& pool);

// Copies the rows of x [n_tokens][width] whose token wants logits into out (in batch order);
// returns how many.
int32_t gather_output_rows(const Batch& batch, const float* x, int32_t width, float* out);

}  // namespace owl
