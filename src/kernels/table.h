// Internal: the table of kernel function pointers one ISA level provides, and the activation
// formats matmul converts its f32 input to. Each ISA translation unit fills the entries it has.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/dtype.h"

namespace owl::kernels {

// What a weight type's dot product consumes (llama.cpp's "vec_dot_type").
enum class ActFormat { kF32 = 0, kF16, kBF16, kQ8_0, kQ8_1, kQ8_K, kCount };

// The activation format for weights of this type; throws owl::Error if matmul lacks the type.
ActFormat act_format(DType weight_type);
// Bytes of one converted activation row of n elements.
size_t act_row_bytes(ActFormat f, int64_t n);

// One matmul work item: rows [r0, r1) of w times all n_tokens activation rows.
struct GemmArgs {
  const uint8_t* w;    // [m rows][w_stride bytes]
  size_t w_stride;     // bytes per weight row
  const uint8_t* act;  // [n_tokens][act_stride bytes], converted activations
  size_t act_stride;
  int64_t n_tokens;
  int64_t k;  // elements per row
  float* y;   // y[t * ldy + r]
  int64_t ldy;
};

// Dot product of one weight row and one converted activation row of n elements.
using VecDotFn = float (*)(const void* w_row, const void* act_row, int64_t n);
// Computes y for rows [r0, r1) and all tokens.
using GemmFn = void (*)(const GemmArgs& a, int64_t r0, int64_t r1);
// Converts n f32 activations (a multiple of the format's block size) to the format.
using ActConvertFn = void (*)(const float* x, void* dst, int64_t n);

// The panel path: weights in the 16-row interleaved layout (kernels/pack.h), packed at load or
// one panel at a time on the fly; activations converted by the path itself into a private
// layout (act_bytes per token) that carries what the tile kernel needs.
struct PanelArgs {
  DType type;
  const uint8_t* w;  // original rows [m][w_stride], used when packed is null
  size_t w_stride;
  const uint8_t* packed;  // [ceil(m / 16)][panel_stride] or null
  size_t panel_stride;
  const uint8_t* act;  // [n_tokens][act_stride]
  size_t act_stride;
  int64_t n_tokens;
  int64_t k;
  int64_t m;
  float* y;  // y[t * ldy + r]
  int64_t ldy;
};

struct PanelPath {
  size_t (*act_bytes)(int64_t k) = nullptr;
  // Converts one token's f32 activations (k elements) into the private layout.
  void (*convert)(const float* x, uint8_t* dst, int64_t k) = nullptr;
  // Computes rows of panels [p0, p1) for all tokens.
  void (*run)(const PanelArgs& a, int64_t p0, int64_t p1) = nullptr;
  // Weights not packed at load take this path from this many tokens on (packing each panel on
  // the fly pays off only when it is reused for enough tokens).
  int64_t min_tokens = 4;
};

constexpr int kMaxTypes = 40;  // ggml type ids used by owl are < 40

struct KernelTable {
  VecDotFn vec_dot[kMaxTypes] = {};
  GemmFn gemm[kMaxTypes] = {};
  ActConvertFn act_convert[static_cast<int>(ActFormat::kCount)] = {};
  PanelPath panel[kMaxTypes] = {};

  void (*rms_norm)(const float* x, const float* w, float* y, int64_t n, float eps) = nullptr;
  void (*layer_norm)(const float* x, const float* w, const float* b, float* y, int64_t n,
                     float eps) = nullptr;
  void (*softmax)(float* x, int64_t n) = nullptr;
  void (*silu_mul)(const float* g, const float* u, float* o, int64_t n) = nullptr;
  void (*gelu_mul)(const float* g, const float* u, float* o, int64_t n) = nullptr;
  void (*add)(const float* x, float* y, int64_t n) = nullptr;
  float (*dot)(const float* a, const float* b, int64_t n) = nullptr;
  void (*axpy)(float a, const float* x, float* y, int64_t n) = nullptr;
  void (*scale)(float a, float* y, int64_t n) = nullptr;
  void (*f16_to_f32)(const uint16_t* x, float* y, int64_t n) = nullptr;
  void (*exp_shift)(const float* x, float shift, float* y, int64_t n) = nullptr;  // e^(x - shift)
};

inline int type_index(DType t) { return static_cast<int>(t); }

// Each fills only the entries it implements; dispatch layers them (reference, then avx2, then
// avx512), so a missing entry falls back to the next lower level.
void fill_reference(KernelTable& t);
void fill_avx2(KernelTable& t);
void fill_avx512(KernelTable& t);

// The table of the active level.
const KernelTable& active_table();
// The table of a level (built on first use); for tests that compare levels entry by entry.
const KernelTable& kernel_table(int level);

// Reference gemm built from a vec_dot: every (row, token) pair independently.
void gemm_by_rows(VecDotFn dot, const GemmArgs& a, int64_t r0, int64_t r1);

}  // namespace owl::kernels
