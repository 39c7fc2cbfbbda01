// The engine's compute kernels: matrix products over every weight type and the vector ops of a
// transformer layer. Each has a scalar reference (kernels/reference/, the specification) and
// SIMD versions per ISA, chosen once at start (OWL_CPU=scalar|avx2|avx512 forces a level).
#pragma once

#include <cstdint>
#include <string_view>

#include "base/thread_pool.h"
#include "tensor/tensor.h"

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
// y[i] += x[i]
void add(const float* x, float* y, int64_t n);
// Dot product of two f32 vectors.
float dot(const float* a, const float* b, int64_t n);
// y[i] += a * x[i]
void axpy(float a, const float* x, float* y, int64_t n);

}  // namespace owl::kernels
