// Internal: the transformer vector ops on 256-bit vectors for the x86 ISA translation units
// (internal linkage). Reductions sum f32 terms in f64 like ggml's ggml_float sums; exp is a
// degree-6 polynomial on [-ln2/2, ln2/2] (error ~1 ulp), and GELU-tanh uses the identity
// 0.5 x (1 + tanh z) = x / (1 + exp(-2z)), which has no cancellation for negative x.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/table.h"

namespace owl::kernels {
namespace {

// e^x for 8 lanes; x > 88.72 gives +inf, x < -87.33 gives 0.
inline __m256 exp8(__m256 x) {
  const __m256 hi = _mm256_set1_ps(88.7228f), lo = _mm256_set1_ps(-87.3365f);
  const __m256 overflow = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
  const __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // r = x - n ln2, with ln2 split in two so r is exact enough.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  // Taylor coefficients 1/k! (k = 6..2), Horner form.
  __m256 p = _mm256_set1_ps(1.0f / 720);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // Scale by 2^n in two steps so n = 128 (x near 88.7) does not overflow the exponent field.
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i half = _mm256_srai_epi32(ni, 1);
  const __m256 s1 =
      _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
  const __m256 s2 = _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, half), _mm256_set1_epi32(127)), 23));
  __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  y = _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), overflow);
  return _mm256_andnot_ps(underflow, y);
}

inline double hsum_pd(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
inline __m256d widen_add(__m256d acc, __m256 v) {
  acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
  return _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}
inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Applies f to 8-lane chunks of [0, n) and to the tail through a zero-padded buffer.
template <typename F>
inline void chunks8(int64_t n, F f) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) f(i, 8);
  if (i < n) f(i, static_cast<int>(n - i));
}
inline __m256 load_n(const float* p, int cnt, float fill = 0.0f) {
  if (cnt == 8) return _mm256_loadu_ps(p);
  alignas(32) float t[8] = {fill, fill, fill, fill, fill, fill, fill, fill};
  for (int j = 0; j < cnt; ++j) t[j] = p[j];
  return _mm256_load_ps(t);
}
inline void store_n(float* p, __m256 v, int cnt) {
  if (cnt == 8) return _mm256_storeu_ps(p, v);
  alignas(32) float t[8];
  _mm256_store_ps(t, v);
  for (int j = 0; j < cnt; ++j) p[j] = t[j];
}

void v_rms_norm(const float* x, const float* w, float* y, int64_t n, float eps) {
  __m256d acc = _mm256_setzero_pd();
  chunks8(n, [&](int64_t i, int c) {
    const __m256 v = load_n(x + i, c);
    acc = widen_add(acc, _mm256_mul_ps(v, v));
  });
  const float mean = static_cast<float>(hsum_pd(acc) / static_cast<double>(n));
  const __m256 scale = _mm256_set1_ps(1.0f / std::sqrt(mean + eps));
  chunks8(n, [&](int64_t i, int c) {
    __m256 v = _mm256_mul_ps(load_n(x + i, c), scale);
    if (w != nullptr) v = _mm256_mul_ps(v, load_n(w + i, c));
    store_n(y + i, v, c);
  });
}

void v_layer_norm(const float* x, const float* w, const float* b, float* y, int64_t n, float eps) {
  __m256d acc = _mm256_setzero_pd();
  chunks8(n, [&](int64_t i, int c) { acc = widen_add(acc, load_n(x + i, c)); });
  const float mean = static_cast<float>(hsum_pd(acc)) / static_cast<float>(n);
  const __m256 vm = _mm256_set1_ps(mean);
  __m256d var = _mm256_setzero_pd();
  chunks8(n, [&](int64_t i, int c) {
    // Padding lanes hold -mean after the subtraction: mask them out of the variance.
    __m256 d = _mm256_sub_ps(load_n(x + i, c), vm);
    if (c < 8)
      d = _mm256_and_ps(d, _mm256_castsi256_ps(_mm256_cmpgt_epi32(
                               _mm256_set1_epi32(c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))));
    var = widen_add(var, _mm256_mul_ps(d, d));
  });
  const float variance = static_cast<float>(hsum_pd(var) / static_cast<double>(n));
  const __m256 scale = _mm256_set1_ps(1.0f / std::sqrt(variance + eps));
  chunks8(n, [&](int64_t i, int c) {
    __m256 v = _mm256_mul_ps(_mm256_sub_ps(load_n(x + i, c), vm), scale);
    if (w != nullptr) v = _mm256_mul_ps(v, load_n(w + i, c));
    if (b != nullptr) v = _mm256_add_ps(v, load_n(b + i, c));
    store_n(y + i, v, c);
  });
}

void v_softmax(float* x, int64_t n) {
  if (n <= 0) return;
  __m256 m = _mm256_set1_ps(-INFINITY);
  chunks8(n, [&](int64_t i, int c) { m = _mm256_max_ps(m, load_n(x + i, c, -INFINITY)); });
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  const __m256 vmax = _mm256_set1_ps(_mm_cvtss_f32(m4));
  double sum = 0;
  chunks8(n, [&](int64_t i, int c) {
    const __m256 e = exp8(_mm256_sub_ps(load_n(x + i, c), vmax));
    store_n(x + i, e, c);
    alignas(32) float t[8];
    _mm256_store_ps(t, e);
    for (int j = 0; j < c; ++j) sum += static_cast<double>(t[j]);
  });
  const __m256 inv = _mm256_set1_ps(static_cast<float>(1.0 / sum));
  chunks8(n, [&](int64_t i, int c) { store_n(x + i, _mm256_mul_ps(load_n(x + i, c), inv), c); });
}

void v_silu_mul(const float* g, const float* u, float* o, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  chunks8(n, [&](int64_t i, int c) {
    const __m256 x = load_n(g + i, c);
    const __m256 s =
        _mm256_div_ps(x, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
    store_n(o + i, _mm256_mul_ps(s, load_n(u + i, c)), c);
  });
}

void v_gelu_mul(const float* g, const float* u, float* o, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 k2 = _mm256_set1_ps(-2.0f * 0.79788456080286535587989211986876f);
  const __m256 a = _mm256_set1_ps(0.044715f);
  chunks8(n, [&](int64_t i, int c) {
    const __m256 x = load_n(g + i, c);
    const __m256 inner = _mm256_fmadd_ps(_mm256_mul_ps(a, x), x, one);  // 1 + a x^2
    const __m256 e = exp8(_mm256_mul_ps(_mm256_mul_ps(k2, x), inner));
    const __m256 v = _mm256_div_ps(x, _mm256_add_ps(one, e));
    store_n(o + i, _mm256_mul_ps(v, load_n(u + i, c)), c);
  });
}

void v_add(const float* x, float* y, int64_t n) {
  chunks8(n, [&](int64_t i, int c) {
    store_n(y + i, _mm256_add_ps(load_n(y + i, c), load_n(x + i, c)), c);
  });
}

float v_dot(const float* a, const float* b, int64_t n) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int j = 0; j < 4; ++j) {
      acc[j] =
          _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8 * j), _mm256_loadu_ps(b + i + 8 * j), acc[j]);
    }
  }
  for (; i < n; i += 8) {
    const int c = static_cast<int>(std::min<int64_t>(8, n - i));
    acc[0] = _mm256_fmadd_ps(load_n(a + i, c), load_n(b + i, c), acc[0]);
  }
  return hsum8(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

void v_axpy(float alpha, const float* x, float* y, int64_t n) {
  const __m256 va = _mm256_set1_ps(alpha);
  chunks8(n, [&](int64_t i, int c) {
    store_n(y + i, _mm256_fmadd_ps(load_n(x + i, c), va, load_n(y + i, c)), c);
  });
}

void v_scale(float alpha, float* y, int64_t n) {
  const __m256 va = _mm256_set1_ps(alpha);
  chunks8(n, [&](int64_t i, int c) { store_n(y + i, _mm256_mul_ps(load_n(y + i, c), va), c); });
}

void v_f16_to_f32(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i,
                     _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
  }
  for (; i < n; ++i) y[i] = _cvtsh_ss(x[i]);
}

void v_exp_shift(const float* x, float shift, float* y, int64_t n) {
  const __m256 s = _mm256_set1_ps(shift);
  chunks8(n,
          [&](int64_t i, int c) { store_n(y + i, exp8(_mm256_sub_ps(load_n(x + i, c), s)), c); });
}

void register_vector_ops(KernelTable& t) {
  t.scale = v_scale;
  t.f16_to_f32 = v_f16_to_f32;
  t.exp_shift = v_exp_shift;
  t.rms_norm = v_rms_norm;
  t.layer_norm = v_layer_norm;
  t.softmax = v_softmax;
  t.silu_mul = v_silu_mul;
  t.gelu_mul = v_gelu_mul;
  t.add = v_add;
  t.dot = v_dot;
  t.axpy = v_axpy;
}

}  // namespace
}  // namespace owl::kernels
