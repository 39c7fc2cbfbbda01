// Internal (AVX-512 translation units only): the private activation layout of the int8 panel
// kernels and the converters that fill it.
//
// Per token, for k elements in groups of E (16 or 32), ng = k / E groups:
//   q     int8[k]      @0                the activation codes, as llama.cpp rounds them
//   da    f32[ng]      @align64(k)       the scale of the block holding the group
//   corr  int32[ng]    @.. + 4 ng        -offset * sum(q of group): undoes the weight code offset
//   asum  f32[ng]      @.. + 8 ng        min-term multiplier (Q8_1 s, or da * sum(q of group))
#pragma once

#include <cstddef>
#include <cstdint>

namespace owl::kernels::avx512 {

// How the activations are rounded (the weight type's vec_dot type) and what the groups carry.
enum class ActBase { kQ8_0, kQ8_1, kQ8_K };
enum class MinKind { kNone, kBlockSum, kGroupSum };  // Q8_1 s, or da * group sum

struct ActLayout {
  int64_t k;
  int e;  // group size
  int64_t ng() const { return k / e; }
  size_t q_bytes() const { return static_cast<size_t>((k + 63) / 64 * 64); }
  size_t bytes() const { return (q_bytes() + 12 * static_cast<size_t>(ng()) + 63) / 64 * 64; }
};

inline const int8_t* act_q(const uint8_t* a) { return reinterpret_cast<const int8_t*>(a); }
inline const float* act_da(const uint8_t* a, const ActLayout& l) {
  return reinterpret_cast<const float*>(a + l.q_bytes());
}
inline const int32_t* act_corr(const uint8_t* a, const ActLayout& l) {
  return reinterpret_cast<const int32_t*>(a + l.q_bytes() + 4 * l.ng());
}
inline const float* act_asum(const uint8_t* a, const ActLayout& l) {
  return reinterpret_cast<const float*>(a + l.q_bytes() + 8 * l.ng());
}

// Fills the layout for one token from f32 x; codes bit-identical to quantize_act_q8_0/_1/_k.
void convert_act(ActBase base, int e, int offset, MinKind min, const float* x, uint8_t* dst,
                 int64_t k);

// Rounds k activations to f16 or bf16 (round to nearest even, as fp16.h) and writes f32 values
// (f16) or packed bf16 pairs (bf16), for the float panel kernels.
void round_act_f16(const float* x, float* dst, int64_t k);
void round_act_bf16(const float* x, uint16_t* dst, int64_t k);

}  // namespace owl::kernels::avx512
