// Internal: direct (row-major, unpacked) dot kernels of the 32-element block types and the float
// types on 256-bit vectors, included by the AVX2 and the AVX-512 translation units; with AVX-512
// VNNI available the int8 dots use vpdpbusd, else vpmaddubsw + vpmaddwd. Everything here has
// internal linkage, so each ISA's copy stays in its own object file.
// Activations are in the standard formats (BlockQ8_0 / BlockQ8_1 / f16 / bf16 / f32 rows).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "base/fp16.h"
#include "tensor/blocks.h"
#include "tensor/quant.h"

namespace owl::kernels {
namespace {

#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
constexpr bool kVnni = true;
#else
constexpr bool kVnni = false;
#endif

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline int hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// 8 int32 partial sums of u8 x s8 products (u: 0..255 is fine only under VNNI; callers keep
// u * 127 * 2 < 32768 for the AVX2 path, i.e. u <= 128).
inline __m256i dot_u8s8(__m256i u, __m256i s) {
  if constexpr (kVnni) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
  } else {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
  }
}

// 8 int32 partial sums of s8 x s8 products (|w| <= 128 after abs), via the sign trick.
inline __m256i dot_s8s8(__m256i w, __m256i a) {
  return dot_u8s8(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
}

inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// 16 packed bytes -> 32 codes: low nibbles first (elements 0..15), then high nibbles (16..31).
inline __m256i nibbles(const uint8_t* qs) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i m = _mm_set1_epi8(15);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(x, 4), m), _mm_and_si128(x, m));
}

// Expands the 32 bits of qh to 32 bytes: 0x10 where the bit is set, else 0.
inline __m256i bits_to_0x10(uint32_t qh) {
  const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101,
                                         0x0000000000000000);
  __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(qh)), shuf);
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ULL));
  v = _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
  return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

inline __m256i table_lookup(const int8_t* values, __m256i idx) {
  const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(values));
  return _mm256_shuffle_epi8(_mm256_set_m128i(t, t), idx);
}

inline float f16(uint16_t h) { return _cvtsh_ss(h); }

// ---- 32-element block types: decode to signed (or, with a min, unsigned) codes ----

struct DecQ8_0 {
  using Block = BlockQ8_0;
  static constexpr bool kSigned = true, kMin = false;
  static __m256i codes(const Block& b) { return load32(b.qs); }
  static float scale(const Block& b) { return f16(b.d); }
  static float min(const Block&) { return 0; }
};
struct DecQ4_0 {
  using Block = BlockQ4_0;
  static constexpr bool kSigned = true, kMin = false;
  static __m256i codes(const Block& b) {
    return _mm256_sub_epi8(nibbles(b.qs), _mm256_set1_epi8(8));
  }
  static float scale(const Block& b) { return f16(b.d); }
  static float min(const Block&) { return 0; }
};
struct DecQ4_1 {
  using Block = BlockQ4_1;
  static constexpr bool kSigned = false, kMin = true;
  static __m256i codes(const Block& b) { return nibbles(b.qs); }
  static float scale(const Block& b) { return f16(b.d); }
  static float min(const Block& b) { return f16(b.m); }
};
struct DecQ5_0 {
  using Block = BlockQ5_0;
  static constexpr bool kSigned = true, kMin = false;
  static __m256i codes(const Block& b) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    return _mm256_sub_epi8(_mm256_or_si256(nibbles(b.qs), bits_to_0x10(qh)), _mm256_set1_epi8(16));
  }
  static float scale(const Block& b) { return f16(b.d); }
  static float min(const Block&) { return 0; }
};
struct DecQ5_1 {
  using Block = BlockQ5_1;
  static constexpr bool kSigned = false, kMin = true;
  static __m256i codes(const Block& b) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    return _mm256_or_si256(nibbles(b.qs), bits_to_0x10(qh));
  }
  static float scale(const Block& b) { return f16(b.d); }
  static float min(const Block& b) { return f16(b.m); }
};
struct DecIQ4_NL {
  using Block = BlockIQ4_NL;
  static constexpr bool kSigned = true, kMin = false;
  static __m256i codes(const Block& b) { return table_lookup(kIQ4NLValues, nibbles(b.qs)); }
  static float scale(const Block& b) { return f16(b.d); }
  static float min(const Block&) { return 0; }
};
struct DecMXFP4 {
  using Block = BlockMXFP4;
  static constexpr bool kSigned = true, kMin = false;
  static __m256i codes(const Block& b) { return table_lookup(kMXFP4Values, nibbles(b.qs)); }
  static float scale(const Block& b) { return e8m0_to_fp32_half(b.e); }
  static float min(const Block&) { return 0; }
};

// Activation block of a 32-type: Q8_0 or, for types with a min, Q8_1 (its s = d * sum).
template <class D>
using ActBlock32 = std::conditional_t<D::kMin, BlockQ8_1, BlockQ8_0>;

template <class D>
inline __m256i block_dot(const typename D::Block& w, const int8_t* a) {
  const __m256i c = D::codes(w);
  return D::kSigned ? dot_s8s8(c, load32(a)) : dot_u8s8(c, load32(a));
}

// One weight row against T activation rows (each weight block decoded once).
template <class D, int T>
inline void dot32_rows(const void* wrow, const uint8_t* act, size_t act_stride, int64_t n,
                       float* out) {
  const auto* w = static_cast<const typename D::Block*>(wrow);
  using A = ActBlock32<D>;
  const A* a[T];
  __m256 acc[T];
  float mins[T];
  for (int t = 0; t < T; ++t) {
    a[t] = reinterpret_cast<const A*>(act + t * act_stride);
    acc[t] = _mm256_setzero_ps();
    mins[t] = 0;
  }
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i c = D::codes(w[i]);
    const __m256i cabs = D::kSigned ? _mm256_sign_epi8(c, c) : c;
    const float dw = D::scale(w[i]);
    for (int t = 0; t < T; ++t) {
      const __m256i av = load32(a[t][i].qs);
      const __m256i p = dot_u8s8(cabs, D::kSigned ? _mm256_sign_epi8(av, c) : av);
      const __m256 s = _mm256_set1_ps(dw * f16(a[t][i].d));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), s, acc[t]);
      if constexpr (D::kMin) mins[t] += D::min(w[i]) * f16(a[t][i].s);
    }
  }
  for (int t = 0; t < T; ++t) out[t] = hsum(acc[t]) + mins[t];
}

// ---- float weights ----

inline __m256 load_f16x8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m256 load_bf16x8(const uint16_t* p) {
  const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

// Dot of n elements; Load reads 8 elements of either operand as f32.
template <typename W, typename X, typename LoadW, typename LoadX>
inline float dot_float(const W* w, const X* x, int64_t n, LoadW lw, LoadX lx) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(lw(w + i), lx(x + i), acc0);
    acc1 = _mm256_fmadd_ps(lw(w + i + 8), lx(x + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(lw(w + i + 16), lx(x + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(lw(w + i + 24), lx(x + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(lw(w + i), lx(x + i), acc0);
  float s = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  if (i < n) {
    // Tail of < 8 elements, zero-padded (a zero f32/f16/bf16 bit pattern is 0.0).
    W tw[8] = {};
    X tx[8] = {};
    std::memcpy(tw, w + i, static_cast<size_t>(n - i) * sizeof(W));
    std::memcpy(tx, x + i, static_cast<size_t>(n - i) * sizeof(X));
    s += hsum(_mm256_mul_ps(lw(tw), lx(tx)));
  }
  return s;
}

}  // namespace
}  // namespace owl::kernels
