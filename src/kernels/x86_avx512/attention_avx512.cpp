// AVX-512 attention (kernels.h) for many query rows: per KV head, the query rows of all its
// heads and tokens are walked block by block over the keys. A block of 16 keys is transposed
// once ([head_dim][16]) and shared by every row, so a row's 16 scores come from head_dim FMAs
// with one broadcast query element each, and its update is an online softmax (running max and
// denominator, FlashAttention) plus 16 broadcast-FMA passes over the value rows.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "base/fp16.h"
#include "kernels/kernels.h"
#include "kernels/table.h"

namespace owl::kernels::avx512 {
namespace {

constexpr int kKeys = 16;      // keys per block (one zmm of scores)
constexpr int kRowChunk = 96;  // query rows per work item
constexpr int kMinTransposeRows = 8;

// e^x for 16 lanes (degree-6 polynomial after range reduction, ~1 ulp); -inf gives 0.
inline __m512 exp16(__m512 x) {
  const __m512 hi = _mm512_set1_ps(88.7228f), lo = _mm512_set1_ps(-87.3365f);
  const __mmask16 under = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
  x = _mm512_min_ps(_mm512_max_ps(x, lo), hi);
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.0f / 720);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  // 2^n applied exactly (scalef handles n up to 128 without overflowing the exponent field).
  return _mm512_maskz_scalef_ps(static_cast<__mmask16>(~under), p, n);
}

struct Row {
  int token, head;
  int64_t begin, end;  // visible keys
};

struct Work {
  std::vector<float> kt;  // [head_dim][16] transposed key block
  std::vector<float> vb;  // [16][dv_pad] value block
  std::vector<float> q;   // [rows][head_dim] queries (scaled; f16-rounded for an f16 cache)
  std::vector<float> o;   // [rows][dv_pad] accumulators
  std::vector<float> m, l;
  std::vector<float> zero;  // a zero key row for the missing keys of a partial block
};

// Loads keys [j0, j0 + 16) of one KV head transposed into w.kt (missing keys are zero).
void load_block(const AttentionArgs& a, int kvh, int64_t j0, int dv_pad, Work& w) {
  const bool f16 = a.kv_type == DType::kF16;
  const int nk = static_cast<int>(std::min<int64_t>(kKeys, a.n_kv - j0));
  std::fill(w.kt.begin(), w.kt.end(), 0.0f);
  std::fill(w.vb.begin(), w.vb.end(), 0.0f);
  for (int j = 0; j < nk; ++j) {
    const int64_t ko = a.k_offset(j0 + j, kvh);
    const int64_t vo = a.v_offset(j0 + j, kvh);
    for (int d = 0; d < a.head_dim; ++d) {
      w.kt[d * kKeys + j] = f16 ? fp16_to_fp32(static_cast<const uint16_t*>(a.k)[ko + d])
                                : static_cast<const float*>(a.k)[ko + d];
    }
    float* vrow = w.vb.data() + j * dv_pad;
    for (int d = 0; d < a.head_dim_v; ++d) {
      vrow[d] = f16 ? fp16_to_fp32(static_cast<const uint16_t*>(a.v)[vo + d])
                    : static_cast<const float*>(a.v)[vo + d];
    }
  }
}

// Prefetches key and value rows [j0, j1) of a KV head: in a slot-major cache each head's row sits
// in another page, where the hardware prefetchers do not follow.
void prefetch_block(const AttentionArgs& a, int kvh, int64_t j0, int64_t j1) {
  const size_t eb = a.kv_type == DType::kF16 ? 2 : 4;
  const auto* kb = static_cast<const char*>(a.k);
  const auto* vb = static_cast<const char*>(a.v);
  for (int64_t j = j0; j < j1; ++j) {
    for (size_t off = 0; off < static_cast<size_t>(a.head_dim) * eb; off += 64) {
      _mm_prefetch(kb + a.k_offset(j, kvh) * eb + off, _MM_HINT_T0);
    }
    for (size_t off = 0; off < static_cast<size_t>(a.head_dim_v) * eb; off += 64) {
      _mm_prefetch(vb + a.v_offset(j, kvh) * eb + off, _MM_HINT_T0);
    }
  }
}

// A row's 16 scores against the transposed block: head_dim FMAs, one query element each.
inline __m512 scores_transposed(const AttentionArgs& a, const float* q, const Work& w) {
  __m512 s = _mm512_setzero_ps();
  for (int d = 0; d < a.head_dim; ++d) {
    s = _mm512_fmadd_ps(_mm512_set1_ps(q[d]), _mm512_loadu_ps(w.kt.data() + d * kKeys), s);
  }
  return s;
}

// Lane j of the result = sum of the 16 lanes of v[j]: an add-transpose tree (unpack within
// 128-bit chunks, then across chunks), ~3 operations per vector instead of a full reduction each.
inline __m512 hsum16(const __m512 v[16]) {
  __m512 u[8], w[4];
  for (int i = 0; i < 8; ++i) {
    u[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]),
                         _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
  }
  for (int i = 0; i < 4; ++i) {
    const __m512d c = _mm512_castps_pd(u[2 * i]), d = _mm512_castps_pd(u[2 * i + 1]);
    w[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(c, d)),
                         _mm512_castpd_ps(_mm512_unpackhi_pd(c, d)));
  }
  // w[q] chunk c holds the chunk-c partial sums of keys 4q..4q+3; sum over c, key 4q+k to lane
  // 4q + k.
  const __m512 y01 = _mm512_add_ps(_mm512_shuffle_f32x4(w[0], w[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_f32x4(w[0], w[1], _MM_SHUFFLE(3, 1, 3, 1)));
  const __m512 y23 = _mm512_add_ps(_mm512_shuffle_f32x4(w[2], w[3], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_f32x4(w[2], w[3], _MM_SHUFFLE(3, 1, 3, 1)));
  return _mm512_add_ps(_mm512_shuffle_f32x4(y01, y23, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_f32x4(y01, y23, _MM_SHUFFLE(3, 1, 3, 1)));
}

template <bool kF16>
inline __m512 load_row16(const void* base, int64_t off, __mmask16 m) {
  if constexpr (kF16) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, static_cast<const uint16_t*>(base) + off));
  } else {
    return _mm512_maskz_loadu_ps(m, static_cast<const float*>(base) + off);
  }
}

// A row's scores against keys [j0, j0 + nk) read straight from the cache (few rows: no
// transpose): eight keys at a time as eight independent FMA chains over the head dimension
// (missing keys read a zero row), then one add-transpose reduction. q and zero are padded to a
// multiple of 16; the key rows are read with a masked tail.
template <bool kF16>
inline __m512 scores_direct(const AttentionArgs& a, int kvh, int64_t j0, int nk, const float* q,
                            const void* zero) {
  using E = std::conditional_t<kF16, uint16_t, float>;
  const int full = a.head_dim / 16 * 16;
  const int rest = a.head_dim - full;
  const __mmask16 tail = static_cast<__mmask16>((1u << rest) - 1);
  __m512 acc[kKeys];
  for (int half = 0; half < 2; ++half) {
    const E* k[8];
    __m512 s[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      const int key = 8 * half + j;
      k[j] = key < nk ? static_cast<const E*>(a.k) + a.k_offset(j0 + key, kvh)
                      : static_cast<const E*>(zero);
      s[j] = _mm512_setzero_ps();
    }
    for (int d = 0; d < full; d += 16) {
      const __m512 qv = _mm512_loadu_ps(q + d);
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j)
        s[j] = _mm512_fmadd_ps(qv, load_row16<kF16>(k[j], d, 0xFFFF), s[j]);
    }
    if (rest != 0) {
      const __m512 qv = _mm512_loadu_ps(q + full);
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j)
        s[j] = _mm512_fmadd_ps(qv, load_row16<kF16>(k[j], full, tail), s[j]);
    }
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) acc[8 * half + j] = s[j];
  }
  return hsum16(acc);
}

// scores_direct for two query rows of one KV head (GQA: heads sharing the KV head): each key
// chunk is loaded, and for an f16 cache widened, once for both rows.
template <bool kF16>
inline void scores_direct2(const AttentionArgs& a, int kvh, int64_t j0, int nk, const float* qa,
                           const float* qb, const void* zero, __m512* sa, __m512* sb) {
  using E = std::conditional_t<kF16, uint16_t, float>;
  const int full = a.head_dim / 16 * 16;
  const int rest = a.head_dim - full;
  const __mmask16 tail = static_cast<__mmask16>((1u << rest) - 1);
  __m512 acc_a[kKeys], acc_b[kKeys];
  for (int half = 0; half < 2; ++half) {
    const E* k[8];
    __m512 s0[8], s1[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      const int key = 8 * half + j;
      k[j] = key < nk ? static_cast<const E*>(a.k) + a.k_offset(j0 + key, kvh)
                      : static_cast<const E*>(zero);
      s0[j] = s1[j] = _mm512_setzero_ps();
    }
    auto step = [&](int d, __mmask16 m) {
      const __m512 q0 = _mm512_maskz_loadu_ps(m, qa + d), q1 = _mm512_maskz_loadu_ps(m, qb + d);
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) {
        const __m512 kv = load_row16<kF16>(k[j], d, m);
        s0[j] = _mm512_fmadd_ps(q0, kv, s0[j]);
        s1[j] = _mm512_fmadd_ps(q1, kv, s1[j]);
      }
    };
    for (int d = 0; d < full; d += 16) step(d, 0xFFFF);
    if (rest != 0) step(full, tail);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      acc_a[8 * half + j] = s0[j];
      acc_b[8 * half + j] = s1[j];
    }
  }
  *sa = hsum16(acc_a);
  *sb = hsum16(acc_b);
}

// o[c0, c0 + 16 NC) = o * corr + sum_j p_j v_j[c0, c0 + 16 NC), the NC accumulators in
// registers; values from the cache (kDirect) or the transposed path's block copy.
template <int NC, bool kDirect, bool kF16>
inline void accumulate_v(const AttentionArgs& a, int kvh, int64_t j0, const float* pj, float corr,
                         int dv_pad, int c0, float* o, const Work& w) {
  __m512 acc[NC];
  __mmask16 cm[NC];
  const __m512 vc = _mm512_set1_ps(corr);
#pragma GCC unroll 8
  for (int c = 0; c < NC; ++c) {
    acc[c] = _mm512_mul_ps(_mm512_loadu_ps(o + c0 + 16 * c), vc);
    const int left = a.head_dim_v - (c0 + 16 * c);
    cm[c] = left >= 16 ? static_cast<__mmask16>(0xFFFF)
                       : static_cast<__mmask16>(left > 0 ? (1u << left) - 1 : 0);
  }
  for (int j = 0; j < kKeys; ++j) {
    if (pj[j] == 0.0f) continue;
    const __m512 pb = _mm512_set1_ps(pj[j]);
    const int64_t vo = kDirect ? a.v_offset(j0 + j, kvh) : 0;
#pragma GCC unroll 8
    for (int c = 0; c < NC; ++c) {
      const int col = c0 + 16 * c;
      const __m512 v = kDirect ? load_row16<kF16>(a.v, vo + col, cm[c])
                               : _mm512_loadu_ps(w.vb.data() + j * dv_pad + col);
      acc[c] = _mm512_fmadd_ps(pb, v, acc[c]);
    }
  }
#pragma GCC unroll 8
  for (int c = 0; c < NC; ++c) _mm512_storeu_ps(o + c0 + 16 * c, acc[c]);
}

// accumulate_v (direct) for two rows over the same value rows: each value chunk loaded, and
// widened, once for both.
template <int NC, bool kF16>
inline void accumulate_v2(const AttentionArgs& a, int kvh, int64_t j0, const float* pa, float ca,
                          float* oa, const float* pb, float cb, float* ob, int c0) {
  __m512 acc_a[NC], acc_b[NC];
  __mmask16 cm[NC];
  const __m512 va = _mm512_set1_ps(ca), vb = _mm512_set1_ps(cb);
#pragma GCC unroll 8
  for (int c = 0; c < NC; ++c) {
    acc_a[c] = _mm512_mul_ps(_mm512_loadu_ps(oa + c0 + 16 * c), va);
    acc_b[c] = _mm512_mul_ps(_mm512_loadu_ps(ob + c0 + 16 * c), vb);
    const int left = a.head_dim_v - (c0 + 16 * c);
    cm[c] = left >= 16 ? static_cast<__mmask16>(0xFFFF)
                       : static_cast<__mmask16>(left > 0 ? (1u << left) - 1 : 0);
  }
  for (int j = 0; j < kKeys; ++j) {
    if (pa[j] == 0.0f && pb[j] == 0.0f) continue;
    const __m512 ba = _mm512_set1_ps(pa[j]), bb = _mm512_set1_ps(pb[j]);
    const int64_t vo = a.v_offset(j0 + j, kvh);
#pragma GCC unroll 8
    for (int c = 0; c < NC; ++c) {
      const __m512 v = load_row16<kF16>(a.v, vo + c0 + 16 * c, cm[c]);
      acc_a[c] = _mm512_fmadd_ps(ba, v, acc_a[c]);
      acc_b[c] = _mm512_fmadd_ps(bb, v, acc_b[c]);
    }
  }
#pragma GCC unroll 8
  for (int c = 0; c < NC; ++c) {
    _mm512_storeu_ps(oa + c0 + 16 * c, acc_a[c]);
    _mm512_storeu_ps(ob + c0 + 16 * c, acc_b[c]);
  }
}

template <int NC>
inline void accumulate_v2_any(const AttentionArgs& a, int kvh, int64_t j0, const float* pa,
                              float ca, float* oa, const float* pb, float cb, float* ob, int c0) {
  if (a.kv_type == DType::kF16) return accumulate_v2<NC, true>(a, kvh, j0, pa, ca, oa, pb, cb, ob, c0);
  accumulate_v2<NC, false>(a, kvh, j0, pa, ca, oa, pb, cb, ob, c0);
}

template <int NC>
inline void accumulate_v_any(const AttentionArgs& a, int kvh, int64_t j0, const float* pj,
                             float corr, bool direct, int dv_pad, int c0, float* o, const Work& w) {
  if (!direct) return accumulate_v<NC, false, false>(a, kvh, j0, pj, corr, dv_pad, c0, o, w);
  if (a.kv_type == DType::kF16)
    return accumulate_v<NC, true, true>(a, kvh, j0, pj, corr, dv_pad, c0, o, w);
  accumulate_v<NC, true, false>(a, kvh, j0, pj, corr, dv_pad, c0, o, w);
}

// Online-softmax step of row i with its scores s for keys [j0, j0 + 16): updates the running
// max and denominator and gives the block's weights pj and the factor corr for the old sums.
// False if no key of the block is visible to the row.
bool softmax_step(const Row& row, int64_t j0, __m512 s, Work& w, int i, float* pj, float* corr) {
  const __m512i idx =
      _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(j0)),
                       _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  const __mmask16 vis =
      _mm512_cmpge_epi32_mask(idx, _mm512_set1_epi32(static_cast<int>(row.begin))) &
      _mm512_cmplt_epi32_mask(idx, _mm512_set1_epi32(static_cast<int>(row.end)));
  s = _mm512_mask_blend_ps(vis, _mm512_set1_ps(-INFINITY), s);
  const float bm = _mm512_reduce_max_ps(s);
  if (bm == -INFINITY) return false;
  const float m_new = std::max(w.m[i], bm);
  *corr = std::exp(w.m[i] - m_new);  // 0 when m was -inf
  const __m512 p = exp16(_mm512_sub_ps(s, _mm512_set1_ps(m_new)));
  w.l[i] = w.l[i] * *corr + _mm512_reduce_add_ps(p);
  w.m[i] = m_new;
  _mm512_store_ps(pj, p);
  return true;
}

// Calls f(NC, c0) (NC an integral_constant) over the value columns [0, dv_pad): 128 at a time
// in registers, then 64, then 16 by 16.
template <class F>
inline void for_value_chunks(int dv_pad, F&& f) {
  for (int c0 = 0; c0 < dv_pad; c0 += 128) {
    const int nc = std::min(8, (dv_pad - c0) / 16);
    if (nc == 8) {
      f(std::integral_constant<int, 8>{}, c0);
    } else if (nc == 4) {
      f(std::integral_constant<int, 4>{}, c0);
    } else {
      for (int c = 0; c < nc; ++c) f(std::integral_constant<int, 1>{}, c0 + 16 * c);
    }
  }
}

// o = o * corr + sum_j p_j v_j for row i, each value row read once front to back
// (prefetch-friendly when it comes straight from the cache).
void accumulate_row(const AttentionArgs& a, int kvh, int64_t j0, const float* pj, float corr,
                    bool direct, int dv_pad, Work& w, int i) {
  float* o = w.o.data() + static_cast<size_t>(i) * dv_pad;
  for_value_chunks(dv_pad, [&](auto nc, int c0) {
    accumulate_v_any<decltype(nc)::value>(a, kvh, j0, pj, corr, direct, dv_pad, c0, o, w);
  });
}

// Online-softmax update of row i with its scores s for keys [j0, j0 + 16): values from the
// transposed-path block (w.vb) or, when direct, straight from the cache.
void update_row(const AttentionArgs& a, const Row& row, int kvh, int64_t j0, __m512 s, bool direct,
                int dv_pad, Work& w, int i) {
  alignas(64) float pj[kKeys];
  float corr;
  if (softmax_step(row, j0, s, w, i, pj, &corr)) {
    accumulate_row(a, kvh, j0, pj, corr, direct, dv_pad, w, i);
  }
}

// update_row for two rows on the direct path: one pass over the value rows when both see the
// block.
void update_rows2(const AttentionArgs& a, const Row* rows, int kvh, int64_t j0, __m512 sa, __m512 sb,
                  int dv_pad, Work& w, int i) {
  alignas(64) float pa[kKeys], pb[kKeys];
  float ca, cb;
  const bool va = softmax_step(rows[0], j0, sa, w, i, pa, &ca);
  const bool vb = softmax_step(rows[1], j0, sb, w, i + 1, pb, &cb);
  if (!va || !vb) {  // one row only (or none): the single-row pass
    if (va) accumulate_row(a, kvh, j0, pa, ca, true, dv_pad, w, i);
    if (vb) accumulate_row(a, kvh, j0, pb, cb, true, dv_pad, w, i + 1);
    return;
  }
  float* oa = w.o.data() + static_cast<size_t>(i) * dv_pad;
  float* ob = oa + dv_pad;
  for_value_chunks(dv_pad, [&](auto nc, int c0) {
    accumulate_v2_any<decltype(nc)::value>(a, kvh, j0, pa, ca, oa, pb, cb, ob, c0);
  });
}

// Query rows [r0, r1) of KV head kvh (row r: token r / group, head kvh * group + r % group).
void run_rows(const AttentionArgs& a, int kvh, int64_t r0, int64_t r1, Work& w) {
  const int group = a.n_heads / a.n_kv_heads;
  const int dv_pad = (a.head_dim_v + 15) / 16 * 16;
  const int n = static_cast<int>(r1 - r0);
  std::vector<Row> rows(static_cast<size_t>(n));
  const int qpad = (a.head_dim + 15) / 16 * 16;
  w.q.assign(static_cast<size_t>(n) * qpad, 0.0f);
  w.o.assign(static_cast<size_t>(n) * dv_pad, 0.0f);
  w.m.resize(static_cast<size_t>(n));
  w.l.resize(static_cast<size_t>(n));
  w.kt.resize(static_cast<size_t>(a.head_dim) * kKeys);
  w.zero.assign(static_cast<size_t>(qpad), 0.0f);
  w.vb.resize(static_cast<size_t>(kKeys) * dv_pad);
  int64_t lo = a.n_kv, hi = 0;
  for (int i = 0; i < n; ++i) {
    Row& row = rows[i];
    row.token = static_cast<int>((r0 + i) / group);
    row.head = kvh * group + static_cast<int>((r0 + i) % group);
    const int64_t p = a.pos[row.token];
    row.end = std::min<int64_t>(a.n_kv, p + 1);
    row.begin = a.sliding_window > 0 ? std::max<int64_t>(0, p - a.sliding_window + 1) : 0;
    lo = std::min(lo, row.begin);
    hi = std::max(hi, row.end);
    const float* q = a.q + row.token * a.q_stride + static_cast<int64_t>(row.head) * a.head_dim;
    for (int d = 0; d < a.head_dim; ++d) {
      const float qd = a.kv_type == DType::kF16 ? fp16_to_fp32(fp32_to_fp16(q[d])) : q[d];
      w.q[static_cast<size_t>(i) * qpad + d] = qd * a.scale;
    }
    w.m[i] = a.sinks != nullptr ? a.sinks[row.head] : -INFINITY;
    w.l[i] = a.sinks != nullptr ? 1.0f : 0.0f;
  }
  // Transposing a key block pays off once enough rows share it.
  const bool direct = n < kMinTransposeRows;
  for (int64_t j0 = lo / kKeys * kKeys; j0 < hi; j0 += kKeys) {
    const int nk = static_cast<int>(std::min<int64_t>(kKeys, a.n_kv - j0));
    if (direct) prefetch_block(a, kvh, j0 + kKeys, std::min<int64_t>(hi, j0 + 2 * kKeys));
    if (!direct) load_block(a, kvh, j0, dv_pad, w);
    auto sees = [&](int i) { return rows[i].end > j0 && rows[i].begin < j0 + kKeys; };
    for (int i = 0; i < n; ++i) {
      if (!sees(i)) continue;
      const float* q = w.q.data() + static_cast<size_t>(i) * qpad;
      if (direct && i + 1 < n && sees(i + 1)) {  // two rows share each key and value load
        __m512 sa, sb;
        if (a.kv_type == DType::kF16) {
          scores_direct2<true>(a, kvh, j0, nk, q, q + qpad, w.zero.data(), &sa, &sb);
        } else {
          scores_direct2<false>(a, kvh, j0, nk, q, q + qpad, w.zero.data(), &sa, &sb);
        }
        update_rows2(a, rows.data() + i, kvh, j0, sa, sb, dv_pad, w, i);
        ++i;
        continue;
      }
      const __m512 s = !direct ? scores_transposed(a, q, w)
                       : a.kv_type == DType::kF16
                           ? scores_direct<true>(a, kvh, j0, nk, q, w.zero.data())
                           : scores_direct<false>(a, kvh, j0, nk, q, w.zero.data());
      update_row(a, rows[i], kvh, j0, s, direct, dv_pad, w, i);
    }
  }
  for (int i = 0; i < n; ++i) {
    float* out =
        a.out + rows[i].token * a.out_stride + static_cast<int64_t>(rows[i].head) * a.head_dim_v;
    const float inv = w.l[i] > 0 ? 1.0f / w.l[i] : 0.0f;
    const float* o = w.o.data() + static_cast<size_t>(i) * dv_pad;
    for (int d = 0; d < a.head_dim_v; ++d) out[d] = o[d] * inv;
  }
}

void attention_blocks(const AttentionArgs& a, ThreadPool& pool) {
  const int64_t rows_per_head = static_cast<int64_t>(a.n_tokens) * (a.n_heads / a.n_kv_heads);
  const int64_t chunks = (rows_per_head + kRowChunk - 1) / kRowChunk;
  pool.parallel_for(a.n_kv_heads * chunks, [&](int64_t i0, int64_t i1, int) {
    thread_local Work w;
    for (int64_t i = i0; i < i1; ++i) {
      const int kvh = static_cast<int>(i / chunks);
      const int64_t r0 = (i % chunks) * kRowChunk;
      run_rows(a, kvh, r0, std::min(rows_per_head, r0 + kRowChunk), w);
    }
  });
}

}  // namespace

void register_attention(KernelTable& t) { t.attention = attention_blocks; }

}  // namespace owl::kernels::avx512
