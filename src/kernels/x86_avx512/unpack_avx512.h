// Internal (AVX-512 translation units only): per-type decoders of one group of a packed panel
// block (kernels/pack.h) into u8 code vectors (one __m512i per 4 elements x 16 rows), the
// per-row f32 scale and, for types with a min, the per-row min coefficient.
// Value of an element = scale * (code - kOffset) [+ coef * activation sum]. The K-quants
// (kSuper: one 256-element super-block per panel block) also give the factors apart:
// scale = d * sub(g), coef = dmin_neg * msub(g).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "tensor/blocks.h"

namespace owl::kernels::avx512 {
namespace {

inline __m512i ld(const uint8_t* p) { return _mm512_loadu_si512(p); }
inline __m512 ld_f16(const uint8_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m512 ld_u8_ps(const uint8_t* p) {
  return _mm512_cvtepi32_ps(
      _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}
inline __m512 ld_i8_ps(const uint8_t* p) {
  return _mm512_cvtepi32_ps(
      _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}
inline __m512 neg(__m512 v) { return _mm512_sub_ps(_mm512_setzero_ps(), v); }
// GFNI's affine transform as a per-byte bit mover: output bit i is the parity of (input byte AND
// byte 7 - i of the matrix), so a matrix with one bit per moved position copies bits and clears
// the rest in one instruction (a shift and a mask take two).
constexpr uint64_t field_matrix(int from, int n, int to) {
  uint64_t m = 0;
  for (int i = 0; i < n; ++i) m |= (uint64_t{1} << (from + i)) << (8 * (7 - (to + i)));
  return m;
}
// Bits from..from+n-1 of every byte moved to to..to+n-1, all other bits zero. The arguments are
// compile-time constants wherever this is used (the tiles unroll the group index).
inline __m512i field(__m512i v, int from, int n, int to) {
  return _mm512_gf2p8affine_epi64_epi8(
      v, _mm512_set1_epi64(static_cast<long long>(field_matrix(from, n, to))), 0);
}
inline __m512i low4(__m512i v) { return _mm512_and_si512(v, _mm512_set1_epi8(15)); }
// A shift and a mask, not field(): measured faster in the prompt tiles (GFNI competes with
// vpdpbusd for its port, the shift does not always).
inline __m512i high4(__m512i v) { return low4(_mm512_srli_epi16(v, 4)); }
inline __m512i table16(const int8_t* values) {
  alignas(16) uint8_t t[16];
  for (int i = 0; i < 16; ++i) t[i] = static_cast<uint8_t>(values[i] + 128);
  return _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(t)));
}

// 32-element blocks whose 4-bit codes sit in Q4_0 nibble order (chunks 0..3).
inline void nibbles32(const uint8_t* pb, __m512i* c) {
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const __m512i z = ld(pb + 64 * j);
    c[j] = low4(z);
    c[4 + j] = high4(z);
  }
}

struct UnpQ8_0 {
  static constexpr int kE = 32, kGroups = 1, kPb = 544, kOffset = 128;
  static constexpr bool kMin = false;
  static constexpr bool kSuper = false;
  static void codes(const uint8_t* pb, int, __m512i* c) {
    for (int s = 0; s < 8; ++s) c[s] = ld(pb + 64 * s);
  }
  static __m512 scale(const uint8_t* pb, int) { return ld_f16(pb + 512); }
  static __m512 coef(const uint8_t*, int) { return _mm512_setzero_ps(); }
};

struct UnpQ4_0 {
  static constexpr int kE = 32, kGroups = 1, kPb = 288, kOffset = 8;
  static constexpr bool kMin = false;
  static constexpr bool kSuper = false;
  static void codes(const uint8_t* pb, int, __m512i* c) { nibbles32(pb, c); }
  static __m512 scale(const uint8_t* pb, int) { return ld_f16(pb + 256); }
  static __m512 coef(const uint8_t*, int) { return _mm512_setzero_ps(); }
};

struct UnpIQ4_NL {
  static constexpr int kE = 32, kGroups = 1, kPb = 288, kOffset = 128;
  static constexpr bool kMin = false;
  static constexpr bool kSuper = false;
  static void codes(const uint8_t* pb, int, __m512i* c) {
    nibbles32(pb, c);
    const __m512i t = table16(kIQ4NLValues);
    for (int s = 0; s < 8; ++s) c[s] = _mm512_shuffle_epi8(t, c[s]);
  }
  static __m512 scale(const uint8_t* pb, int) { return ld_f16(pb + 256); }
  static __m512 coef(const uint8_t*, int) { return _mm512_setzero_ps(); }
};

struct UnpMXFP4 {
  static constexpr int kE = 32, kGroups = 1, kPb = 272, kOffset = 128;
  static constexpr bool kMin = false;
  static constexpr bool kSuper = false;
  static void codes(const uint8_t* pb, int, __m512i* c) {
    nibbles32(pb, c);
    const __m512i t = table16(kMXFP4Values);
    for (int s = 0; s < 8; ++s) c[s] = _mm512_shuffle_epi8(t, c[s]);
  }
  static __m512 scale(const uint8_t* pb, int) {
    // E8M0 halved: bits (e - 1) << 23, or the subnormals 0x00200000 << e for e < 2.
    const __m512i e =
        _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pb + 256)));
    const __m512i normal = _mm512_slli_epi32(_mm512_sub_epi32(e, _mm512_set1_epi32(1)), 23);
    const __m512i sub = _mm512_sllv_epi32(_mm512_set1_epi32(0x00200000), e);
    const __mmask16 small = _mm512_cmplt_epi32_mask(e, _mm512_set1_epi32(2));
    return _mm512_castsi512_ps(_mm512_mask_blend_epi32(small, normal, sub));
  }
  static __m512 coef(const uint8_t*, int) { return _mm512_setzero_ps(); }
};

struct UnpQ4_1 {
  static constexpr int kE = 32, kGroups = 1, kPb = 320, kOffset = 0;
  static constexpr bool kMin = true;
  static constexpr bool kSuper = false;
  static void codes(const uint8_t* pb, int, __m512i* c) { nibbles32(pb, c); }
  static __m512 scale(const uint8_t* pb, int) { return ld_f16(pb + 256); }
  static __m512 coef(const uint8_t* pb, int) { return ld_f16(pb + 288); }
};

// vpmultishiftqb controls for add_q5_high: code s, byte p = 4 * lane + i wants bit
// (s < 4 ? 4s + i : 16 + 4(s - 4) + i) of its row's qh; a qword holds two rows (lane % 2 picks
// the half), and starting the 8-bit field 4 below that bit puts it at bit 4.
struct Q5Ctrl {
  alignas(64) uint8_t v[8][64];
  constexpr Q5Ctrl() : v() {
    for (int s = 0; s < 8; ++s) {
      for (int p = 0; p < 64; ++p) {
        const int lane = p / 4, i = p % 4;
        const int bit = (s < 4 ? 4 * s : 16 + 4 * (s - 4)) + i;
        v[s][p] = static_cast<uint8_t>(((lane % 2) * 32 + bit - 4) & 63);
      }
    }
  }
};
constexpr Q5Ctrl kQ5Ctrl;

// Adds the 5th bit from each row's 32-bit qh (one chunk) to Q4_0-ordered nibble codes.
inline void add_q5_high(const uint8_t* qh_chunk, __m512i* c) {
  const __m512i qh = ld(qh_chunk);
  const __m512i m = _mm512_set1_epi8(0x10);
  for (int s = 0; s < 8; ++s) {
    const __m512i sel = _mm512_multishift_epi64_epi8(_mm512_load_si512(kQ5Ctrl.v[s]), qh);
    c[s] = _mm512_or_si512(c[s], _mm512_and_si512(sel, m));
  }
}

struct UnpQ5_0 {
  static constexpr int kE = 32, kGroups = 1, kPb = 352, kOffset = 16;
  static constexpr bool kMin = false;
  static constexpr bool kSuper = false;
  static void codes(const uint8_t* pb, int, __m512i* c) {
    nibbles32(pb, c);
    add_q5_high(pb + 256, c);
  }
  static __m512 scale(const uint8_t* pb, int) { return ld_f16(pb + 320); }
  static __m512 coef(const uint8_t*, int) { return _mm512_setzero_ps(); }
};

struct UnpQ5_1 {
  static constexpr int kE = 32, kGroups = 1, kPb = 384, kOffset = 0;
  static constexpr bool kMin = true;
  static constexpr bool kSuper = false;
  static void codes(const uint8_t* pb, int, __m512i* c) {
    nibbles32(pb, c);
    add_q5_high(pb + 256, c);
  }
  static __m512 scale(const uint8_t* pb, int) { return ld_f16(pb + 320); }
  static __m512 coef(const uint8_t* pb, int) { return ld_f16(pb + 352); }
};

struct UnpQ4_K {
  static constexpr int kE = 32, kGroups = 8, kPb = 2368, kOffset = 0;
  static constexpr bool kMin = true, kSuper = true;
  static void codes(const uint8_t* pb, int g, __m512i* c) {
    const uint8_t* base = pb + 64 * 8 * (g / 2);
    for (int j = 0; j < 8; ++j) {
      const __m512i z = ld(base + 64 * j);
      c[j] = g % 2 == 0 ? low4(z) : high4(z);
    }
  }
  static __m512 d(const uint8_t* pb) { return ld_f16(pb + 2048); }
  static __m512 sub(const uint8_t* pb, int g) { return ld_u8_ps(pb + 2112 + 16 * g); }
  static __m512 msub(const uint8_t* pb, int g) { return ld_u8_ps(pb + 2240 + 16 * g); }
  static __m512 dmin_neg(const uint8_t* pb) { return neg(ld_f16(pb + 2080)); }
  static __m512 scale(const uint8_t* pb, int g) { return _mm512_mul_ps(d(pb), sub(pb, g)); }
  static __m512 coef(const uint8_t* pb, int g) { return _mm512_mul_ps(dmin_neg(pb), msub(pb, g)); }
};

struct UnpQ5_K : UnpQ4_K {
  static constexpr int kPb = 2880;
  static void codes(const uint8_t* pb, int g, __m512i* c) {
    UnpQ4_K::codes(pb, g, c);
    for (int j = 0; j < 8; ++j) c[j] = _mm512_or_si512(c[j], field(ld(pb + 2368 + 64 * j), g, 1, 4));
  }
};

struct UnpQ6_K {
  static constexpr int kE = 16, kGroups = 16, kPb = 3360, kOffset = 32;
  static constexpr bool kMin = false, kSuper = true;
  static void codes(const uint8_t* pb, int g, __m512i* c) {
    const int h = g / 8, k = (g / 2) % 4, half = g % 2;
    for (int j = 0; j < 4; ++j) {
      const int q = 4 * half + j;
      const __m512i lo = ld(pb + 64 * (16 * h + 8 * (k % 2) + q));
      const __m512i nib = k < 2 ? low4(lo) : high4(lo);
      c[j] = _mm512_or_si512(nib, field(ld(pb + 2048 + 64 * (8 * h + q)), 2 * k, 2, 4));
    }
  }
  static __m512 d(const uint8_t* pb) { return ld_f16(pb + 3328); }
  static __m512 sub(const uint8_t* pb, int g) { return ld_i8_ps(pb + 3072 + 16 * g); }
  static __m512 scale(const uint8_t* pb, int g) { return _mm512_mul_ps(d(pb), sub(pb, g)); }
  static __m512 coef(const uint8_t*, int) { return _mm512_setzero_ps(); }
};

struct UnpQ3_K {
  static constexpr int kE = 16, kGroups = 16, kPb = 1824, kOffset = 4;
  static constexpr bool kMin = false, kSuper = true;
  static void codes(const uint8_t* pb, int g, __m512i* c) {
    const int h = g / 8, j2 = (g / 2) % 4, half = g % 2;
    for (int s = 0; s < 4; ++s) {
      const int q = 4 * half + s;
      c[s] = _mm512_or_si512(field(ld(pb + 64 * (8 * h + q)), 2 * j2, 2, 0),
                             field(ld(pb + 1024 + 64 * q), 4 * h + j2, 1, 2));
    }
  }
  static __m512 d(const uint8_t* pb) { return ld_f16(pb + 1792); }
  static __m512 sub(const uint8_t* pb, int g) { return ld_i8_ps(pb + 1536 + 16 * g); }
  static __m512 scale(const uint8_t* pb, int g) { return _mm512_mul_ps(d(pb), sub(pb, g)); }
  static __m512 coef(const uint8_t*, int) { return _mm512_setzero_ps(); }
};

struct UnpQ2_K {
  static constexpr int kE = 16, kGroups = 16, kPb = 1344, kOffset = 0;
  static constexpr bool kMin = true, kSuper = true;
  static void codes(const uint8_t* pb, int g, __m512i* c) {
    const int h = g / 8, j2 = (g / 2) % 4, half = g % 2;
    for (int s = 0; s < 4; ++s) c[s] = field(ld(pb + 64 * (8 * h + 4 * half + s)), 2 * j2, 2, 0);
  }
  static __m512i sc(const uint8_t* pb, int g) {
    return _mm512_cvtepu8_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(pb + 1024 + 16 * g)));
  }
  static __m512 d(const uint8_t* pb) { return ld_f16(pb + 1280); }
  static __m512 sub(const uint8_t* pb, int g) {
    return _mm512_cvtepi32_ps(_mm512_and_si512(sc(pb, g), _mm512_set1_epi32(15)));
  }
  static __m512 msub(const uint8_t* pb, int g) {
    return _mm512_cvtepi32_ps(_mm512_srli_epi32(sc(pb, g), 4));
  }
  static __m512 dmin_neg(const uint8_t* pb) { return neg(ld_f16(pb + 1312)); }
  static __m512 scale(const uint8_t* pb, int g) { return _mm512_mul_ps(d(pb), sub(pb, g)); }
  static __m512 coef(const uint8_t* pb, int g) { return _mm512_mul_ps(dmin_neg(pb), msub(pb, g)); }
};

struct UnpIQ4_XS {
  static constexpr int kE = 32, kGroups = 8, kPb = 2208, kOffset = 128;
  static constexpr bool kMin = false, kSuper = true;
  static void codes(const uint8_t* pb, int g, __m512i* c) {
    nibbles32(pb + 256 * g, c);
    const __m512i t = table16(kIQ4NLValues);
    for (int s = 0; s < 8; ++s) c[s] = _mm512_shuffle_epi8(t, c[s]);
  }
  static __m512 d(const uint8_t* pb) { return ld_f16(pb + 2176); }
  static __m512 sub(const uint8_t* pb, int g) { return ld_i8_ps(pb + 2048 + 16 * g); }
  static __m512 scale(const uint8_t* pb, int g) { return _mm512_mul_ps(d(pb), sub(pb, g)); }
  static __m512 coef(const uint8_t*, int) { return _mm512_setzero_ps(); }
};

}  // namespace
}  // namespace owl::kernels::avx512
