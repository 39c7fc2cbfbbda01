// Internal: the scalar reference kernels (the specification every SIMD kernel is tested against).
#pragma once

#include <cstdint>

namespace owl::kernels::reference {

// Dot of one weight row (its own type) with one converted activation row, n elements.
float dot_f32(const void* w, const void* x, int64_t n);
float dot_f16(const void* w, const void* x, int64_t n);
float dot_bf16(const void* w, const void* x, int64_t n);
float dot_q4_0(const void* w, const void* x, int64_t n);
float dot_q4_1(const void* w, const void* x, int64_t n);
float dot_q5_0(const void* w, const void* x, int64_t n);
float dot_q5_1(const void* w, const void* x, int64_t n);
float dot_q8_0(const void* w, const void* x, int64_t n);
float dot_iq4_nl(const void* w, const void* x, int64_t n);
float dot_mxfp4(const void* w, const void* x, int64_t n);
float dot_iq4_xs(const void* w, const void* x, int64_t n);
float dot_q2_k(const void* w, const void* x, int64_t n);
float dot_q3_k(const void* w, const void* x, int64_t n);
float dot_q4_k(const void* w, const void* x, int64_t n);
float dot_q5_k(const void* w, const void* x, int64_t n);
float dot_q6_k(const void* w, const void* x, int64_t n);

void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);
void layer_norm(const float* x, const float* w, const float* b, float* y, int64_t n, float eps);
void softmax(float* x, int64_t n);
void silu_mul(const float* g, const float* u, float* o, int64_t n);
void gelu_mul(const float* g, const float* u, float* o, int64_t n);
void gelu_mul_fp16_table(const float* g, const float* u, float* o, int64_t n);
void add(const float* x, float* y, int64_t n);
float dot(const float* a, const float* b, int64_t n);
void axpy(float a, const float* x, float* y, int64_t n);
void scale(float a, float* y, int64_t n);
void f16_to_f32(const uint16_t* x, float* y, int64_t n);
void exp_shift(const float* x, float shift, float* y, int64_t n);

}  // namespace owl::kernels::reference
