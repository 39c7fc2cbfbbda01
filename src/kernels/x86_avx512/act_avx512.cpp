// AVX-512 activation converters for the panel kernels. The codes are bit-identical to the
// reference quantize_act_q8_0/_q8_1/_q8_k (same f32 operations; vcvtps2dq rounds to nearest
// even like nearbyint), which the kernel tests check through exact-rounding matmul results.
#include "kernels/x86_avx512/act_avx512.h"

#include <immintrin.h>

#include <cstring>

#include "base/fp16.h"

namespace owl::kernels::avx512 {
namespace {

inline __m512 abs_ps(__m512 v) { return _mm512_abs_ps(v); }

// One block of 32 as Q8_0/Q8_1: codes to q, returns the f32 scale d, *sum = sum of codes.
inline float q8_block32(const float* x, int8_t* q, int* sum) {
  const __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
  const float amax = _mm512_reduce_max_ps(_mm512_max_ps(abs_ps(v0), abs_ps(v1)));
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  const __m512 vid = _mm512_set1_ps(id);
  const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, vid));
  const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, vid));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtsepi32_epi8(q0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 16), _mm512_cvtsepi32_epi8(q1));
  *sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
  return d;
}

// One super-block of 256 as Q8_K; group sums of `e` (16 or 32) to sums. Returns d (0 if all 0).
inline float q8_block256(const float* x, int8_t* q, int e, int* sums) {
  __m512 v[16];
  __m512 amax_v = _mm512_setzero_ps();
  for (int c = 0; c < 16; ++c) {
    v[c] = _mm512_loadu_ps(x + 16 * c);
    amax_v = _mm512_max_ps(amax_v, abs_ps(v[c]));
  }
  const float amax = _mm512_reduce_max_ps(amax_v);
  if (amax == 0.0f) {
    std::memset(q, 0, 256);
    for (int g = 0; g < 256 / e; ++g) sums[g] = 0;
    return 0.0f;
  }
  // The signed value of largest magnitude, first occurrence (ggml's strict '>' scan).
  float max = 0.0f;
  for (int c = 0; c < 16; ++c) {
    const __mmask16 m = _mm512_cmp_ps_mask(abs_ps(v[c]), _mm512_set1_ps(amax), _CMP_EQ_OQ);
    if (m != 0) {
      max = x[16 * c + __builtin_ctz(m)];
      break;
    }
  }
  const float iscale = -127.0f / max;
  const __m512 vs = _mm512_set1_ps(iscale);
  const __m512i lim = _mm512_set1_epi32(127);
  int csum[16];
  for (int c = 0; c < 16; ++c) {
    const __m512i qi = _mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(vs, v[c])), lim);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 16 * c), _mm512_cvtsepi32_epi8(qi));
    csum[c] = _mm512_reduce_add_epi32(qi);
  }
  for (int g = 0; g < 256 / e; ++g) sums[g] = e == 16 ? csum[g] : csum[2 * g] + csum[2 * g + 1];
  return 1 / iscale;
}

}  // namespace

void convert_act(ActBase base, int e, int offset, MinKind min, const float* x, uint8_t* dst,
                 int64_t k) {
  const ActLayout l{k, e};
  auto* q = reinterpret_cast<int8_t*>(dst);
  auto* da = reinterpret_cast<float*>(dst + l.q_bytes());
  auto* corr = reinterpret_cast<int32_t*>(dst + l.q_bytes() + 4 * l.ng());
  auto* asum = reinterpret_cast<float*>(dst + l.q_bytes() + 8 * l.ng());
  if (base == ActBase::kQ8_K) {
    int sums[16];
    const int gpb = 256 / e;  // groups per super-block
    for (int64_t b = 0; b < k / 256; ++b) {
      const float d = q8_block256(x + 256 * b, q + 256 * b, e, sums);
      for (int g = 0; g < gpb; ++g) {
        const int64_t gi = b * gpb + g;
        da[gi] = d;
        corr[gi] = -offset * sums[g];
        if (min != MinKind::kNone) asum[gi] = d * static_cast<float>(sums[g]);
      }
    }
    return;
  }
  for (int64_t b = 0; b < k / 32; ++b) {
    int sum;
    const float d = q8_block32(x + 32 * b, q + 32 * b, &sum);
    da[b] = fp16_to_fp32(fp32_to_fp16(d));
    corr[b] = -offset * sum;
    if (base == ActBase::kQ8_1) asum[b] = fp16_to_fp32(fp32_to_fp16(d * static_cast<float>(sum)));
  }
}

void round_act_f16(const float* x, float* dst, int64_t k) {
  int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m256i h = _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(h));
  }
  for (; i < k; ++i) dst[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
}

void round_act_bf16(const float* x, uint16_t* dst, int64_t k) {
  int64_t i = 0;
  const __m512i one = _mm512_set1_epi32(1), bias = _mm512_set1_epi32(0x7fff);
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000);
  for (; i + 16 <= k; i += 16) {
    const __m512i b = _mm512_castps_si512(_mm512_loadu_ps(x + i));
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(b, 16), one);
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(b, _mm512_add_epi32(bias, lsb)), 16);
    const __mmask16 nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(b, abs_mask), inf);
    r = _mm512_mask_or_epi32(r, nan, _mm512_srli_epi32(b, 16), _mm512_set1_epi32(64));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm512_cvtepi32_epi16(r));
  }
  for (; i < k; ++i) dst[i] = fp32_to_bf16(x[i]);
}

}  // namespace owl::kernels::avx512
