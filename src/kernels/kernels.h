// The engine's compute kernels: matrix products over every weight type and the vector ops of a
// transformer layer. Each has a scalar reference (kernels/reference/, the specification) and
// SIMD versions per ISA, chosen once at start (OWL_CPU=scalar|avx2|avx512 forces a level).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "base/thread_pool.h"
#include "tensor/tensor.h"

namespace owl {
class PageArena;  // base/huge_pages.h
}  // namespace owl

namespace owl::kernels {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// The ISA level in use: OWL_CPU if set (an error if the CPU lacks it), else the best available.
Isa active_isa();
// Forces a level (tests run every level on one machine). Throws owl::Error if unsupported here.
void set_isa(Isa isa);
bool isa_available(Isa isa);
std::string_view isa_name(Isa isa);

// True if matmul() accepts weights of this type.
bool matmul_supported(DType type);

// y[t][o] = sum_i w[o][i] * x[t][i] for t < n_tokens, o < w.ne[1], i < w.ne[0].
// w is a 2-D weight view of any supported type; x rows are f32 with stride ldx (elements),
// y rows f32 with stride ldy; y is overwritten. Activations are rounded the way llama.cpp's CPU
// backend rounds them for that weight type (Q8_0/Q8_1/Q8_K blocks for quantized weights, f16 for
// F16, bf16 for BF16, none for F32), so results match the reference engine.
void matmul(const TensorView& w, const float* x, int64_t ldx, float* y, int64_t ldy,
            int64_t n_tokens, ThreadPool& pool);

// Several weights applied to the same activations (Q, K and V; gate and up): x is converted once
// per activation layout and the panels of all the weights run in one dispatch (generation pays
// one thread hand-off instead of one per weight). Results are identical to matmul() on each.
struct MatmulOutput {
  const TensorView* w;
  float* y;
  int64_t ldy;
};
void matmul_same_input(std::span<const MatmulOutput> outs, const float* x, int64_t ldx,
                       int64_t n_tokens, ThreadPool& pool);

// A weight re-laid out once at load into 16-row interleaved panels (kernels/pack.h), which the
// integer kernels read with no per-call packing: faster generation (the scales of 16 rows come
// in one load) and prompt processing. `view` stays the original (mmap'd) tensor and must remain
// valid: levels or types without a panel kernel, and get_row, read it. The panel bytes hold the
// same information as the original, so memory doubles only while both are resident.
struct PackedWeight {
  TensorView view;
  std::shared_ptr<uint8_t[]> panels;  // [ceil(rows / 16)][panel_stride] (64-byte aligned); null
                                      // if the type has no panel layout
  size_t panel_stride = 0;
};

// True if repack() builds panels for this type (all quantized matmul types, F32, F16, BF16).
bool repack_supported(DType type);
// True if the active ISA level has a panel kernel for this weight (so repacking pays off).
bool repack_useful(const TensorView& w);
// Repacks a weight (2-D, or stacked matrices) into panels carried by the view itself: matmul()
// on the view (or on its matrix(i)) then reads the panels. Returns false (view unchanged) when
// repacking does not apply. With an arena, the panels are a piece of its huge-page chunks (the
// weights of a small model are each smaller than a huge page).
bool repack_in_place(TensorView& w, ThreadPool& pool, PageArena* arena = nullptr);
// Packs a 2-D weight (rows split across the pool). Types without a panel layout come back with
// null panels and matmul() then uses the original view.
PackedWeight repack(const TensorView& w, ThreadPool& pool);
// matmul() on packed weights; identical results to matmul(w.view, ...) on the panel path.
void matmul(const PackedWeight& w, const float* x, int64_t ldx, float* y, int64_t ldy,
            int64_t n_tokens, ThreadPool& pool);

// Row r of a weight (any type) as f32, exactly as the reference dequantizer gives it.
void get_row(const TensorView& w, int64_t r, float* out);

// y = x / sqrt(mean(x^2) + eps) * weight (weight may be null: no scale). y may alias x.
void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps);
// y = (x - mean) / sqrt(var + eps) * weight + bias (weight, bias nullable). y may alias x.
void layer_norm(const float* x, const float* weight, const float* bias, float* y, int64_t n,
                float eps);
// In-place softmax over n values.
void softmax(float* x, int64_t n);
// out[i] = silu(gate[i]) * up[i]. out may alias gate or up.
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
// out[i] = gelu_tanh(gate[i]) * up[i] (GELU with the tanh approximation).
void gelu_mul(const float* gate, const float* up, float* out, int64_t n);
// As gelu_mul, but GELU as llama.cpp's CPU backend computes it: the input rounded to f16 and the
// result read from a table of f16 values (|x| >= 10 bypasses the table). Matches its logits.
void gelu_mul_fp16_table(const float* gate, const float* up, float* out, int64_t n);
// y[i] = x[i] rounded to binary16 (round to nearest even, as F16C and ggml do).
void to_f16(const float* x, uint16_t* y, int64_t n);
// y[i] += x[i]
void add(const float* x, float* y, int64_t n);
// Dot product of two f32 vectors.
float dot(const float* a, const float* b, int64_t n);
// y[i] += a * x[i]
void axpy(float a, const float* x, float* y, int64_t n);

// Attention of n_tokens queries over a KV cache without materialising the score matrix: one pass
// over the visible keys in blocks with an online softmax (flash-attention style), so memory stays
// O(head_dim) per (token, head) whatever the context length. Query head h reads KV head
// h / (n_heads / n_kv_heads) (GQA). Cache slot j holds position j (one sequence); key j is visible
// to a query at position p iff j <= p and, with a sliding window w > 0, p - j < w (llama.cpp's
// standard SWA mask). A per-head sink logit (gpt-oss) joins the softmax denominator only.
// Queries with no visible key and no sink get zeros.
struct AttentionArgs {
  const float* q = nullptr;  // [n_tokens][n_heads][head_dim], q_stride elements between tokens
  int64_t q_stride = 0;
  // [n_kv][n_kv_heads][head_dim] keys and [n_kv][n_kv_heads][head_dim_v] values (kv_type), with
  // k_stride / v_stride elements between slots.
  const void* k = nullptr;
  const void* v = nullptr;
  int64_t k_stride = 0;
  int64_t v_stride = 0;
  // Elements between KV heads within a slot; 0 means head_dim (heads adjacent in a slot). A
  // head-major cache [n_kv_heads][capacity][head_dim] sets k_stride = head_dim and
  // k_head_stride = capacity * head_dim, which keeps each head's keys contiguous (faster decode:
  // consecutive keys share pages, so the hardware prefetchers follow them).
  int64_t k_head_stride = 0;
  int64_t v_head_stride = 0;
  DType kv_type = DType::kF32;   // kF32 or kF16 (for F16, q is rounded to f16 first, as
                                 // llama.cpp does when it multiplies by an F16 cache)
  int64_t n_kv = 0;              // slots [0, n_kv) are filled
  const int32_t* pos = nullptr;  // [n_tokens] position of each query
  float* out = nullptr;          // [n_tokens][n_heads][head_dim_v], out_stride elements
  int64_t out_stride = 0;
  int n_tokens = 0, n_heads = 0, n_kv_heads = 0, head_dim = 0, head_dim_v = 0;
  float scale = 1.0f;            // scores are scale * q.k
  int sliding_window = 0;        // 0: full causal attention
  const float* sinks = nullptr;  // [n_heads] or null

  // Element offsets of key / value row j of KV head kvh.
  int64_t k_offset(int64_t j, int kvh) const {
    return j * k_stride + kvh * (k_head_stride != 0 ? k_head_stride : head_dim);
  }
  int64_t v_offset(int64_t j, int kvh) const {
    return j * v_stride + kvh * (v_head_stride != 0 ? v_head_stride : head_dim_v);
  }
};
void attention(const AttentionArgs& a, ThreadPool& pool);

}  // namespace owl::kernels
