// Internal: direct (row-major, unpacked) dot kernels of the K-quant types and IQ4_XS against
// Q8_K activations on 256-bit vectors, for the AVX2 and AVX-512 translation units (internal
// linkage). Codes are made unsigned (offsets folded into a bsums correction), multiplied with
// vpmaddubsw, scaled by the integer sub-block scales with vpmaddwd, summed exactly in int32 per
// super-block and scaled once in f32, as ggml's integer formulation.
#pragma once

#include "kernels/x86_dot_blocks.h"

namespace owl::kernels {
namespace {

// u8 codes (<= 63) times int8 activations, times int16 per-pair scales, into int32 lanes.
inline __m256i scaled_dot(__m256i codes, const int8_t* a, __m256i sc16) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(codes, load32(a)), sc16);
}
// Int16 scale for both halves of a 32-element chunk made of two 16-element sub-blocks.
inline __m256i sc_pair(int lo, int hi) {
  return _mm256_set_m128i(_mm_set1_epi16(static_cast<int16_t>(hi)),
                          _mm_set1_epi16(static_cast<int16_t>(lo)));
}
// sum_g bsums[g] * s[g] for 16 groups, s as 16 int16.
inline int bsum_dot(const int16_t* bsums, __m256i s16) {
  return hsum_i32(_mm256_madd_epi16(load32(bsums), s16));
}
inline __m256i low_nibbles(__m256i v) { return _mm256_and_si256(v, _mm256_set1_epi8(15)); }
inline __m256i high_nibbles(__m256i v) { return low_nibbles(_mm256_srli_epi16(v, 4)); }
// Bit `b` of every byte moved to bit `to` (value 0 or 1 << to).
inline __m256i byte_bit(__m256i v, int b, int to) {
  const __m256i one = _mm256_and_si256(_mm256_srli_epi16(v, b), _mm256_set1_epi8(1));
  return _mm256_slli_epi16(one, to);
}

// Runs `block(i, acc_i[T])` per super-block, which adds int32 lanes and returns through
// `scale(i, t)` the f32 factor and `bias(i, t)` an f32 term; out[t] = sum of both.
template <int T, typename Block, typename Scale, typename Bias>
inline void superblocks(int64_t nb, Block block, Scale scale, Bias bias, float* out) {
  __m256 acc[T];
  float extra[T];
  for (int t = 0; t < T; ++t) {
    acc[t] = _mm256_setzero_ps();
    extra[t] = 0;
  }
  for (int64_t i = 0; i < nb; ++i) {
    __m256i ai[T];
    for (int t = 0; t < T; ++t) ai[t] = _mm256_setzero_si256();
    block(i, ai);
    for (int t = 0; t < T; ++t) {
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ai[t]), _mm256_set1_ps(scale(i, t)), acc[t]);
      extra[t] += bias(i, t);
    }
  }
  for (int t = 0; t < T; ++t) out[t] = hsum(acc[t]) + extra[t];
}

template <int T>
inline void act_rows(const uint8_t* act, size_t stride, const BlockQ8_K** a) {
  for (int t = 0; t < T; ++t) a[t] = reinterpret_cast<const BlockQ8_K*>(act + t * stride);
}

// Q4_K/Q5_K 6-bit scales and mins of the 8 sub-blocks (12 packed bytes, 3 words).
inline void k4_scales(const uint8_t* s12, uint8_t sc[8], uint8_t m[8]) {
  uint32_t w[3];
  std::memcpy(w, s12, 12);
  const uint32_t lo6 = 0x3f3f3f3f, lo4 = 0x0f0f0f0f, lo2 = 0x03030303;
  const uint32_t s_lo = w[0] & lo6, m_lo = w[1] & lo6;
  const uint32_t s_hi = (w[2] & lo4) | (((w[0] >> 6) & lo2) << 4);
  const uint32_t m_hi = ((w[2] >> 4) & lo4) | (((w[1] >> 6) & lo2) << 4);
  std::memcpy(sc, &s_lo, 4);
  std::memcpy(sc + 4, &s_hi, 4);
  std::memcpy(m, &m_lo, 4);
  std::memcpy(m + 4, &m_hi, 4);
}

template <int T, bool kQ5>
inline void dot_q45_k(const void* wrow, const uint8_t* act, size_t stride, int64_t n, float* out) {
  using B = std::conditional_t<kQ5, BlockQ5_K, BlockQ4_K>;
  const auto* w = static_cast<const B*>(wrow);
  const BlockQ8_K* a[T];
  act_rows<T>(act, stride, a);
  int mins[T];
  superblocks<T>(
      n / kQKK,
      [&](int64_t i, __m256i* ai) {
        uint8_t sc[8], m[8];
        k4_scales(w[i].scales, sc, m);
        alignas(32) int16_t mm[16];
        for (int g = 0; g < 16; ++g) mm[g] = m[g / 2];
        for (int t = 0; t < T; ++t)
          mins[t] =
              bsum_dot(a[t][i].bsums, _mm256_load_si256(reinterpret_cast<const __m256i*>(mm)));
        __m256i qh;
        if constexpr (kQ5) qh = load32(w[i].qh);
        for (int p = 0; p < 4; ++p) {
          const __m256i q = load32(w[i].qs + 32 * p);
          __m256i lo = low_nibbles(q), hi = high_nibbles(q);
          if constexpr (kQ5) {
            lo = _mm256_or_si256(lo, byte_bit(qh, 2 * p, 4));
            hi = _mm256_or_si256(hi, byte_bit(qh, 2 * p + 1, 4));
          }
          const __m256i s_lo = _mm256_set1_epi16(sc[2 * p]),
                        s_hi = _mm256_set1_epi16(sc[2 * p + 1]);
          for (int t = 0; t < T; ++t) {
            ai[t] = _mm256_add_epi32(ai[t], scaled_dot(lo, a[t][i].qs + 64 * p, s_lo));
            ai[t] = _mm256_add_epi32(ai[t], scaled_dot(hi, a[t][i].qs + 64 * p + 32, s_hi));
          }
        }
      },
      [&](int64_t i, int t) { return f16(w[i].d) * a[t][i].d; },
      [&](int64_t i, int t) { return -(f16(w[i].dmin) * a[t][i].d) * static_cast<float>(mins[t]); },
      out);
}

template <int T>
inline void dot_q6_k(const void* wrow, const uint8_t* act, size_t stride, int64_t n, float* out) {
  const auto* w = static_cast<const BlockQ6_K*>(wrow);
  const BlockQ8_K* a[T];
  act_rows<T>(act, stride, a);
  int corr[T];
  superblocks<T>(
      n / kQKK,
      [&](int64_t i, __m256i* ai) {
        const __m256i sc16 =
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[i].scales)));
        for (int t = 0; t < T; ++t) corr[t] = -32 * bsum_dot(a[t][i].bsums, sc16);
        const __m256i m3 = _mm256_set1_epi8(3);
        for (int h = 0; h < 2; ++h) {
          const __m256i ql0 = load32(w[i].ql + 64 * h), ql1 = load32(w[i].ql + 64 * h + 32);
          const __m256i qh = load32(w[i].qh + 32 * h);
          __m256i c[4];
          c[0] = _mm256_or_si256(low_nibbles(ql0), _mm256_slli_epi16(_mm256_and_si256(qh, m3), 4));
          c[1] =
              _mm256_or_si256(low_nibbles(ql1),
                              _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m3), 4));
          c[2] =
              _mm256_or_si256(high_nibbles(ql0),
                              _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m3), 4));
          c[3] =
              _mm256_or_si256(high_nibbles(ql1),
                              _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m3), 4));
          for (int k = 0; k < 4; ++k) {
            const int g = 8 * h + 2 * k;
            const __m256i s = sc_pair(w[i].scales[g], w[i].scales[g + 1]);
            for (int t = 0; t < T; ++t) {
              ai[t] = _mm256_add_epi32(ai[t], scaled_dot(c[k], a[t][i].qs + 128 * h + 32 * k, s));
            }
          }
        }
        for (int t = 0; t < T; ++t)
          ai[t] = _mm256_add_epi32(ai[t], _mm256_setr_epi32(corr[t], 0, 0, 0, 0, 0, 0, 0));
      },
      [&](int64_t i, int t) { return f16(w[i].d) * a[t][i].d; }, [&](int64_t, int) { return 0.0f; },
      out);
}

// Q3_K signed 6-bit scales (offset removed) of the 16 sub-blocks.
inline void q3k_scales(const uint8_t* s12, int16_t sc[16]) {
  for (int s = 0; s < 16; ++s) {
    const int low = s < 8 ? s12[s] & 15 : s12[s - 8] >> 4;
    const int high = (s12[8 + s % 4] >> (2 * (s / 4))) & 3;
    sc[s] = static_cast<int16_t>((low | (high << 4)) - 32);
  }
}

// Q3_K (kQ2 false: codes low2 + 4 * hbit, offset 4) and Q2_K (codes low2, mins via bsums).
template <int T, bool kQ2>
inline void dot_q23_k(const void* wrow, const uint8_t* act, size_t stride, int64_t n, float* out) {
  using B = std::conditional_t<kQ2, BlockQ2_K, BlockQ3_K>;
  const auto* w = static_cast<const B*>(wrow);
  const BlockQ8_K* a[T];
  act_rows<T>(act, stride, a);
  int corr[T];
  superblocks<T>(
      n / kQKK,
      [&](int64_t i, __m256i* ai) {
        alignas(32) int16_t sc[16], mn[16];
        if constexpr (kQ2) {
          for (int s = 0; s < 16; ++s) {
            sc[s] = w[i].scales[s] & 15;
            mn[s] = w[i].scales[s] >> 4;
          }
        } else {
          q3k_scales(w[i].scales, sc);
        }
        const __m256i corr16 = _mm256_load_si256(reinterpret_cast<const __m256i*>(kQ2 ? mn : sc));
        for (int t = 0; t < T; ++t) corr[t] = bsum_dot(a[t][i].bsums, corr16);
        const __m256i m3 = _mm256_set1_epi8(3);
        __m256i hm;
        if constexpr (!kQ2) hm = load32(w[i].hmask);
        for (int h = 0; h < 2; ++h) {
          const __m256i q = load32(w[i].qs + 32 * h);
          for (int j = 0; j < 4; ++j) {
            __m256i c = _mm256_and_si256(_mm256_srli_epi16(q, 2 * j), m3);
            if constexpr (!kQ2) c = _mm256_or_si256(c, byte_bit(hm, 4 * h + j, 2));
            const int g = 8 * h + 2 * j;
            const __m256i s = sc_pair(sc[g], sc[g + 1]);
            for (int t = 0; t < T; ++t) {
              ai[t] = _mm256_add_epi32(ai[t], scaled_dot(c, a[t][i].qs + 128 * h + 32 * j, s));
            }
          }
        }
        if constexpr (!kQ2) {
          for (int t = 0; t < T; ++t)
            ai[t] = _mm256_add_epi32(ai[t], _mm256_setr_epi32(-4 * corr[t], 0, 0, 0, 0, 0, 0, 0));
        }
      },
      [&](int64_t i, int t) { return f16(w[i].d) * a[t][i].d; },
      [&](int64_t i, int t) {
        if constexpr (kQ2) return -(f16(w[i].dmin) * a[t][i].d) * static_cast<float>(corr[t]);
        return 0.0f;
      },
      out);
}

template <int T>
inline void dot_iq4_xs(const void* wrow, const uint8_t* act, size_t stride, int64_t n, float* out) {
  const auto* w = static_cast<const BlockIQ4_XS*>(wrow);
  const BlockQ8_K* a[T];
  act_rows<T>(act, stride, a);
  superblocks<T>(
      n / kQKK,
      [&](int64_t i, __m256i* ai) {
        for (int b = 0; b < 8; ++b) {
          const int ls = ((w[i].scales_l[b / 2] >> (4 * (b % 2))) & 15) |
                         (((w[i].scales_h >> (2 * b)) & 3) << 4);
          const __m256i c = table_lookup(kIQ4NLValues, nibbles(w[i].qs + 16 * b));
          const __m256i cabs = _mm256_sign_epi8(c, c);
          const __m256i s = _mm256_set1_epi16(static_cast<int16_t>(ls - 32));
          for (int t = 0; t < T; ++t) {
            const __m256i av = _mm256_sign_epi8(load32(a[t][i].qs + 32 * b), c);
            ai[t] = _mm256_add_epi32(ai[t], _mm256_madd_epi16(_mm256_maddubs_epi16(cabs, av), s));
          }
        }
      },
      [&](int64_t i, int t) { return f16(w[i].d) * a[t][i].d; }, [&](int64_t, int) { return 0.0f; },
      out);
}

}  // namespace
}  // namespace owl::kernels
