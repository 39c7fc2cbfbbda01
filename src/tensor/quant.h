// Reference (scalar) conversions between f32 and every stored weight type, plus the activation
// quantizers llama.cpp's CPU backend applies before its integer dot products.
#pragma once

#include <bit>
#include <cstdint>

#include "tensor/blocks.h"
#include "tensor/dtype.h"

namespace owl {

// True if dequantize_row() and quantize_row() handle this type: F32, F16, BF16, Q4_0, Q4_1,
// Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS, MXFP4.
bool quant_supported(DType type);

// Decodes n elements (a multiple of the type's block size) of src to f32, bit-exactly as ggml's
// reference dequantizers. Throws owl::Error for an unsupported type or a bad n.
void dequantize_row(DType type, const void* src, float* dst, int64_t n);

// Encodes n elements (a multiple of the block size) of src, byte-exactly as ggml's reference
// quantizers without an importance matrix (what `llama-quantize` writes without --imatrix).
void quantize_row(DType type, const float* src, void* dst, int64_t n);

// Activation quantizers (llama.cpp's x86 CPU path, the numerics kernels reproduce):
// Q8_0: per 32, d = amax / 127 stored as f16, q = round-half-even(x * (127 / amax)).
void quantize_act_q8_0(const float* x, BlockQ8_0* y, int64_t n);
// Q8_1: as Q8_0 plus s = f16(d * sum(q)) with the f32 d.
void quantize_act_q8_1(const float* x, BlockQ8_1* y, int64_t n);
// Q8_K: per 256, f32 d = max / -127 with max the signed value of largest magnitude,
// q = nearest(x * (-127 / max)) clamped to <= 127, bsums of groups of 16.
void quantize_act_q8_k(const float* x, BlockQ8_K* y, int64_t n);

// MXFP4's E8M0 exponent decoded and halved (the table stores doubled E2M1 values).
inline float e8m0_to_fp32_half(uint8_t e) {
  // e < 2 gives the subnormals 2^-128 and 2^-127 (ggml builds the bits the same way).
  return std::bit_cast<float>(e < 2 ? 0x00200000u << e : static_cast<uint32_t>(e - 1) << 23);
}

namespace quant_detail {
// Per-family encoders, split across files (quant_simple.cpp, quant_kquants.cpp).
void quantize_q4_0(const float* x, BlockQ4_0* y, int64_t nb);
void quantize_q4_1(const float* x, BlockQ4_1* y, int64_t nb);
void quantize_q5_0(const float* x, BlockQ5_0* y, int64_t nb);
void quantize_q5_1(const float* x, BlockQ5_1* y, int64_t nb);
void quantize_q8_0(const float* x, BlockQ8_0* y, int64_t nb);
void quantize_mxfp4(const float* x, BlockMXFP4* y, int64_t nb);
void quantize_iq4_nl(const float* x, BlockIQ4_NL* y, int64_t nb);
void quantize_iq4_xs(const float* x, BlockIQ4_XS* y, int64_t nb);
void quantize_q2_k(const float* x, BlockQ2_K* y, int64_t nb);
void quantize_q3_k(const float* x, BlockQ3_K* y, int64_t nb);
void quantize_q4_k(const float* x, BlockQ4_K* y, int64_t nb);
void quantize_q5_k(const float* x, BlockQ5_K* y, int64_t nb);
void quantize_q6_k(const float* x, BlockQ6_K* y, int64_t nb);

// One activation block of 32 as Q8_0/Q8_1: returns the f32 scale, *sum = sum of the codes.
float quantize_act_block(const float* x, int8_t* qs, int* sum);
// Round to nearest, ties to even (ggml's nearest_int); the input is clamped to +-2^22 first so
// NaN/huge values give a defined result.
int nearest_int(float f);
// Q4_K/Q5_K 6-bit scale and min of sub-block j from the packed 12 bytes.
void get_scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m);
}  // namespace quant_detail

}  // namespace owl
