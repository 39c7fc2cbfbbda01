// Reference encoders of the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, MXFP4,
// IQ4_NL), IQ4_XS, and the activation quantizers (Q8_0, Q8_1, Q8_K).
// The algorithms are ggml's published reference quantizers (ggml-quants.c, quantize_row_*_ref and
// quantize_iq4_nl/xs without an importance matrix); every float operation is done in the same
// order so the bytes match files written by llama-quantize.
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "tensor/quant.h"

namespace owl::quant_detail {
namespace {

// C's float -> small-int conversion (truncation toward zero) on inputs that ggml keeps in
// [lo, hi]; out-of-range or NaN inputs are clamped instead of being undefined.
inline int trunc_clamp(float v, int lo, int hi) {
  if (!(v > static_cast<float>(lo))) return lo;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(v);
}

// Value of largest magnitude in x[0..n) (the first one on ties) and its magnitude.
inline void signed_absmax(const float* x, int n, float* max, float* amax) {
  *max = 0.0f;
  *amax = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (*amax < std::fabs(x[j])) {
      *amax = std::fabs(x[j]);
      *max = x[j];
    }
  }
}

inline void min_max(const float* x, int n, float* min, float* max) {
  *min = 3.402823466e38f;
  *max = -3.402823466e38f;
  for (int j = 0; j < n; ++j) {
    if (x[j] < *min) *min = x[j];
    if (x[j] > *max) *max = x[j];
  }
}

// Index of the table entry nearest to x in the sorted 16-entry table (lower one on ties).
int nearest_table_index(const int8_t* table, float x) {
  if (x <= table[0]) return 0;
  if (x >= table[15]) return 15;
  int lo = 0, hi = 15;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (x < table[mid]) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return x - table[hi - 1] < table[hi] - x ? hi - 1 : hi;
}

// Packs 32 4-bit codes in Q4_0 nibble order (element j low nibble, j + 16 high nibble).
inline void pack_nibbles(const uint8_t* codes, uint8_t* qs) {
  for (int j = 0; j < kQK / 2; ++j) {
    qs[j] = static_cast<uint8_t>((codes[j] & 15) | ((codes[j + kQK / 2] & 15) << 4));
  }
}

inline uint32_t high_bits(const uint8_t* codes) {
  uint32_t qh = 0;
  for (int j = 0; j < kQK; ++j) qh |= static_cast<uint32_t>((codes[j] >> 4) & 1) << j;
  return qh;
}

// Scale for one block of a non-linear 4-bit table (IQ4_NL/IQ4_XS), ggml's search over 15 trial
// inverse scales with weights x^2; codes receive the table indices for the first trial.
float iq4_block_scale(const float* x, uint8_t* codes) {
  constexpr int kTries = 7;
  const int8_t* values = kIQ4NLValues;
  float max, amax;
  signed_absmax(x, kQK, &max, &amax);
  if (amax < 1e-15f) return 0.0f;
  float d = -max / values[0];
  float id = 1 / d;
  float sumqx = 0, sumq2 = 0;
  for (int j = 0; j < kQK; ++j) {
    const int l = nearest_table_index(values, id * x[j]);
    codes[j] = static_cast<uint8_t>(l);
    const float q = values[l];
    const float w = x[j] * x[j];
    sumqx += w * q * x[j];
    sumq2 += w * q * q;
  }
  d = sumq2 > 0 ? sumqx / sumq2 : 0.0f;
  float best = d * sumqx;
  for (int t = -kTries; t <= kTries; ++t) {
    id = static_cast<float>(t + values[0]) / max;
    sumqx = sumq2 = 0;
    for (int j = 0; j < kQK; ++j) {
      const float q = values[nearest_table_index(values, id * x[j])];
      const float w = x[j] * x[j];
      sumqx += w * q * x[j];
      sumq2 += w * q * q;
    }
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

}  // namespace

// Activation Q8_0/Q8_1 block: llama.cpp's x86 quantize_row_q8_0/q8_1 (AVX path): f32 multiply by
// 127/amax, round half to even. Returns the f32 scale; sum receives the sum of the codes.
float quantize_act_block(const float* x, int8_t* qs, int* sum) {
  float amax = 0.0f;
  for (int j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  int s = 0;
  for (int j = 0; j < kQK; ++j) {
    qs[j] = static_cast<int8_t>(nearest_int(x[j] * id));
    s += qs[j];
  }
  *sum = s;
  return d;
}

int nearest_int(float f) {
  // ggml adds 1.5 * 2^23 and reads the mantissa: round to nearest, ties to even, |f| < 2^22.
  if (!(f > -4194303.0f)) return -4194303;
  if (f > 4194303.0f) return 4194303;
  return static_cast<int>(std::nearbyint(f));
}

void quantize_q4_0(const float* x, BlockQ4_0* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float max, amax;
    signed_absmax(x, kQK, &max, &amax);
    const float d = max / -8;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    uint8_t codes[kQK];
    for (int j = 0; j < kQK; ++j)
      codes[j] = static_cast<uint8_t>(trunc_clamp(x[j] * id + 8.5f, 0, 15));
    pack_nibbles(codes, y[i].qs);
  }
}

void quantize_q4_1(const float* x, BlockQ4_1* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float min, max;
    min_max(x, kQK, &min, &max);
    const float d = (max - min) / 15;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    uint8_t codes[kQK];
    for (int j = 0; j < kQK; ++j) {
      codes[j] = static_cast<uint8_t>(trunc_clamp((x[j] - min) * id + 0.5f, 0, 15));
    }
    pack_nibbles(codes, y[i].qs);
  }
}

void quantize_q5_0(const float* x, BlockQ5_0* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float max, amax;
    signed_absmax(x, kQK, &max, &amax);
    const float d = max / -16;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    uint8_t codes[kQK];
    for (int j = 0; j < kQK; ++j) {
      codes[j] = static_cast<uint8_t>(trunc_clamp(x[j] * id + 16.5f, 0, 31));
    }
    pack_nibbles(codes, y[i].qs);
    const uint32_t qh = high_bits(codes);
    std::memcpy(y[i].qh, &qh, 4);
  }
}

void quantize_q5_1(const float* x, BlockQ5_1* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float min, max;
    min_max(x, kQK, &min, &max);
    const float d = (max - min) / 31;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    uint8_t codes[kQK];
    for (int j = 0; j < kQK; ++j) {
      codes[j] = static_cast<uint8_t>(trunc_clamp((x[j] - min) * id + 0.5f, 0, 31));
    }
    pack_nibbles(codes, y[i].qs);
    const uint32_t qh = high_bits(codes);
    std::memcpy(y[i].qh, &qh, 4);
  }
}

void quantize_q8_0(const float* x, BlockQ8_0* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float d = amax / 127;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    // The weight quantizer rounds half away from zero (roundf), unlike the activation one.
    for (int j = 0; j < kQK; ++j) {
      const float r = std::round(x[j] * id);
      y[i].qs[j] = static_cast<int8_t>(r >= 127.0f    ? 127
                                       : r <= -127.0f ? -127
                                                      : static_cast<int>(r));
    }
  }
}

void quantize_mxfp4(const float* x, BlockMXFP4* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    // Shared exponent: the largest value maps near the top of E2M1's range (6 = 1.5 * 2^2).
    int e = 0;
    if (amax > 0.0f) {
      e = static_cast<int>(std::floor(std::log2(amax)) - 2 + 127);
      e = e < 0 ? 0 : e > 254 ? 254 : e;
    }
    y[i].e = static_cast<uint8_t>(e);
    const float d = e8m0_to_fp32_half(y[i].e);
    uint8_t codes[kQK];
    for (int j = 0; j < kQK; ++j) {
      int best = 0;
      float best_err = std::fabs(kMXFP4Values[0] * d - x[j]);
      for (int k = 1; k < 16; ++k) {
        const float err = std::fabs(kMXFP4Values[k] * d - x[j]);
        if (err < best_err) {
          best = k;
          best_err = err;
        }
      }
      codes[j] = static_cast<uint8_t>(best);
    }
    pack_nibbles(codes, y[i].qs);
  }
}

void quantize_iq4_nl(const float* x, BlockIQ4_NL* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    uint8_t codes[kQK];
    const float d = iq4_block_scale(x, codes);
    y[i].d = fp32_to_fp16(d);
    // One block per "super-block": the codes are re-chosen with the unrounded scale.
    const float id = d != 0.0f ? 1 / d : 0.0f;
    for (int j = 0; j < kQK; ++j) {
      codes[j] = static_cast<uint8_t>(nearest_table_index(kIQ4NLValues, id * x[j]));
    }
    pack_nibbles(codes, y[i].qs);
  }
}

void quantize_iq4_xs(const float* x, BlockIQ4_XS* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQKK) {
    float scales[kQKK / 32];
    uint8_t codes[kQKK];
    float max_scale = 0, amax_scale = 0;
    for (int s = 0; s < kQKK / 32; ++s) {
      scales[s] = iq4_block_scale(x + 32 * s, codes + 32 * s);
      if (std::fabs(scales[s]) > amax_scale) {
        amax_scale = std::fabs(scales[s]);
        max_scale = scales[s];
      }
    }
    const float d = -max_scale / 32;
    y[i].d = fp32_to_fp16(d);
    const float id = d != 0.0f ? 1 / d : 0.0f;
    y[i].scales_h = 0;
    std::memset(y[i].scales_l, 0, sizeof(y[i].scales_l));
    for (int s = 0; s < kQKK / 32; ++s) {
      int l = nearest_int(id * scales[s]);
      l = l < -32 ? -32 : l > 31 ? 31 : l;
      const float dl = d * static_cast<float>(l);
      const float idl = dl != 0.0f ? 1 / dl : 0.0f;
      for (int j = 0; j < 32; ++j) {
        codes[32 * s + j] =
            static_cast<uint8_t>(nearest_table_index(kIQ4NLValues, idl * x[32 * s + j]));
      }
      l += 32;
      y[i].scales_l[s / 2] |= static_cast<uint8_t>((l & 15) << (4 * (s % 2)));
      y[i].scales_h |= static_cast<uint16_t>((l >> 4) << (2 * s));
      pack_nibbles(codes + 32 * s, y[i].qs + 16 * s);
    }
  }
}

}  // namespace owl::quant_detail

namespace owl {

void quantize_act_q8_0(const float* x, BlockQ8_0* y, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    int sum;
    y[i].d = fp32_to_fp16(quant_detail::quantize_act_block(x, y[i].qs, &sum));
  }
}

void quantize_act_q8_1(const float* x, BlockQ8_1* y, int64_t n) {
  for (int64_t i = 0; i < n / kQK; ++i, x += kQK) {
    int sum;
    const float d = quant_detail::quantize_act_block(x, y[i].qs, &sum);
    y[i].d = fp32_to_fp16(d);
    y[i].s = fp32_to_fp16(d * static_cast<float>(sum));
  }
}

void quantize_act_q8_k(const float* x, BlockQ8_K* y, int64_t n) {
  using quant_detail::nearest_int;
  for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
    float max = 0, amax = 0;
    for (int j = 0; j < kQKK; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    if (amax == 0.0f) {
      std::memset(&y[i], 0, sizeof(BlockQ8_K));
      continue;
    }
    // ggml's quantize_row_q8_K_ref: -127 (not -128) so the largest value maps to -127 exactly.
    const float iscale = -127.0f / max;
    for (int j = 0; j < kQKK; ++j) {
      const int v = nearest_int(iscale * x[j]);
      y[i].qs[j] = static_cast<int8_t>(v > 127 ? 127 : v < -128 ? -128 : v);
    }
    for (int g = 0; g < kQKK / 16; ++g) {
      int s = 0;
      for (int j = 0; j < 16; ++j) s += y[i].qs[16 * g + j];
      y[i].bsums[g] = static_cast<int16_t>(s);
    }
    y[i].d = 1 / iscale;
  }
}

}  // namespace owl
