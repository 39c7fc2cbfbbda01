// Internal: activation converters on 256-bit vectors for the x86 ISA translation units (internal
// linkage). Bit-identical to the reference quantize_act_q8_0/_q8_1/_q8_k and fp16.h roundings:
// the same f32 operations, and vcvtps2dq rounds to nearest even like nearbyint.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "base/fp16.h"
#include "tensor/blocks.h"

namespace owl::kernels {
namespace {

inline float hmax8(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}
inline __m256 abs8(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }
inline int hsum8_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// 32 int32 codes (4 vectors) -> 32 int8 in order.
inline void store_codes32(const __m256i q[4], int8_t* out) {
  const __m256i a = _mm256_packs_epi32(q[0], q[1]);  // 16-bit, lanes interleaved by 128
  const __m256i b = _mm256_packs_epi32(q[2], q[3]);
  const __m256i c = _mm256_packs_epi16(a, b);
  const __m256i fixed = _mm256_permutevar8x32_epi32(c, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), fixed);
}

inline float act_block32(const float* x, int8_t* qs, int* sum) {
  __m256 v[4];
  __m256 m = _mm256_setzero_ps();
  for (int j = 0; j < 4; ++j) {
    v[j] = _mm256_loadu_ps(x + 8 * j);
    m = _mm256_max_ps(m, abs8(v[j]));
  }
  const float amax = hmax8(m);
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  __m256i q[4];
  __m256i s = _mm256_setzero_si256();
  for (int j = 0; j < 4; ++j) {
    q[j] = _mm256_cvtps_epi32(_mm256_mul_ps(v[j], _mm256_set1_ps(id)));
    s = _mm256_add_epi32(s, q[j]);
  }
  store_codes32(q, qs);
  *sum = hsum8_i32(s);
  return d;
}

void act_q8_0(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) {
    int sum;
    y[i].d = fp32_to_fp16(act_block32(x + kQK * i, y[i].qs, &sum));
  }
}

void act_q8_1(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) {
    int sum;
    const float d = act_block32(x + kQK * i, y[i].qs, &sum);
    y[i].d = fp32_to_fp16(d);
    y[i].s = fp32_to_fp16(d * static_cast<float>(sum));
  }
}

void act_q8_k(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
    __m256 m = _mm256_setzero_ps();
    for (int j = 0; j < 32; ++j) m = _mm256_max_ps(m, abs8(_mm256_loadu_ps(x + 8 * j)));
    const float amax = hmax8(m);
    if (amax == 0.0f) {
      std::memset(&y[i], 0, sizeof(BlockQ8_K));
      continue;
    }
    float max = 0.0f;  // the signed value of largest magnitude, first occurrence
    for (int j = 0; j < 32; ++j) {
      const __m256 eq =
          _mm256_cmp_ps(abs8(_mm256_loadu_ps(x + 8 * j)), _mm256_set1_ps(amax), _CMP_EQ_OQ);
      const int mask = _mm256_movemask_ps(eq);
      if (mask != 0) {
        max = x[8 * j + __builtin_ctz(static_cast<unsigned>(mask))];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const __m256 vs = _mm256_set1_ps(iscale);
    const __m256i lim = _mm256_set1_epi32(127);
    for (int g = 0; g < 8; ++g) {
      __m256i q[4];
      for (int j = 0; j < 4; ++j) {
        q[j] = _mm256_min_epi32(
            _mm256_cvtps_epi32(_mm256_mul_ps(vs, _mm256_loadu_ps(x + 32 * g + 8 * j))), lim);
      }
      store_codes32(q, y[i].qs + 32 * g);
      y[i].bsums[2 * g] = static_cast<int16_t>(hsum8_i32(_mm256_add_epi32(q[0], q[1])));
      y[i].bsums[2 * g + 1] = static_cast<int16_t>(hsum8_i32(_mm256_add_epi32(q[2], q[3])));
    }
    y[i].d = 1 / iscale;
  }
}

void act_f16(const float* x, void* dst, int64_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) h[i] = fp32_to_fp16(x[i]);
}

void act_bf16(const float* x, void* dst, int64_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(x[i]);
}

}  // namespace
}  // namespace owl::kernels
