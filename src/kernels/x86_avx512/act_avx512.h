// Internal (AVX-512 translation units only): the private activation layout of the int8 panel
// kernels and the converters that fill it.
//
// A block of kTokBlock (12) tokens, k elements each in groups of E (16 or 32), ng = k / E: group g
// at g * group_bytes holds, for the 12 token slots,
//   q     int8[12][E]   the activation codes, as llama.cpp rounds them
//   da    f32[12]       the scale of the block holding the group
//   corr  int32[12]     -offset * sum(q of group): undoes the weight code offset
//   asum  f32[12]       min-term multiplier (Q8_1 s, or da * sum(q of group))
#pragma once

#include <cstddef>
#include <cstdint>

namespace owl::kernels::avx512 {

// How the activations are rounded (the weight type's vec_dot type) and what the groups carry.
enum class ActBase { kQ8_0, kQ8_1, kQ8_K };
enum class MinKind { kNone, kBlockSum, kGroupSum };  // Q8_1 s, or da * group sum

constexpr int kSlots = 12;  // = kTokBlock

struct ActLayout {
  int64_t k;
  int e;  // group size
  int64_t ng() const { return k / e; }
  size_t group_bytes() const { return static_cast<size_t>(kSlots * e + 3 * 4 * kSlots); }
  size_t block_bytes() const { return static_cast<size_t>(ng()) * group_bytes(); }
  // Offsets inside a group.
  size_t da_off() const { return static_cast<size_t>(kSlots * e); }
  size_t corr_off() const { return da_off() + 4 * kSlots; }
  size_t asum_off() const { return da_off() + 8 * kSlots; }
};

// Fills slot `slot` of a token block from f32 x; codes bit-identical to quantize_act_q8_0/_1/_k.
void convert_act(ActBase base, int e, int offset, MinKind min, const float* x, uint8_t* block,
                 int slot, int64_t k);

// Rounds k activations to f16 or bf16 (round to nearest even, as fp16.h) into a contiguous row
// of f32 values (f16 rounding) or bf16 values.
void round_act_f16(const float* x, float* dst, int64_t k);
void round_act_bf16(const float* x, uint16_t* dst, int64_t k);

}  // namespace owl::kernels::avx512
