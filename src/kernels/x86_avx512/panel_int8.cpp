// AVX-512 VNNI tile kernels over packed panels of the integer weight types: 16 rows (one per
// lane) x up to 8 tokens. Per group: vpdpbusd of the u8 weight codes with the broadcast int8
// activations (the accumulator starts at -offset * sum(a), which undoes the code offset), then
// one conversion to f32, the per-row scale, the per-token scale and, if any, the min term.
// Each weight group is decoded once for all tokens of the tile; the hot loop of prompt
// processing (and, with repacked weights, of generation) is here.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "base/aligned_buffer.h"
#include "kernels/pack.h"
#include "kernels/table.h"
#include "kernels/x86_avx512/act_avx512.h"
#include "kernels/x86_avx512/unpack_avx512.h"

namespace owl::kernels::avx512 {
namespace {

constexpr int kMaxTile = 8;

inline __m512i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// y[t * ldy + r] for the 16 rows of one panel and T tokens starting at act.
template <class U, int T>
void tile(const uint8_t* panel, int64_t npb, const uint8_t* act, size_t act_stride,
          const ActLayout& l, float* y, int64_t ldy, int nrows) {
  constexpr int kSteps = U::kE / 4;
  const int8_t* q[T];
  const float* da[T];
  const int32_t* corr[T];
  const float* asum[T];
  __m512 accf[T];
  for (int t = 0; t < T; ++t) {
    const uint8_t* a = act + static_cast<size_t>(t) * act_stride;
    q[t] = act_q(a);
    da[t] = act_da(a, l);
    corr[t] = act_corr(a, l);
    asum[t] = act_asum(a, l);
    accf[t] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < npb; ++b) {
    const uint8_t* pb = panel + b * U::kPb;
    for (int g = 0; g < U::kGroups; ++g) {
      const int64_t gi = b * U::kGroups + g;
      __m512i c[kSteps];
      U::codes(pb, g, c);
      __m512i acc[T];
      for (int t = 0; t < T; ++t) acc[t] = _mm512_set1_epi32(corr[t][gi]);
      for (int s = 0; s < kSteps; ++s) {
        for (int t = 0; t < T; ++t) {
          acc[t] = _mm512_dpbusd_epi32(acc[t], c[s], bcast4(q[t] + gi * U::kE + 4 * s));
        }
      }
      const __m512 sc = U::scale(pb, g);
      for (int t = 0; t < T; ++t) {
        const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[t]), sc);
        accf[t] = _mm512_fmadd_ps(v, _mm512_set1_ps(da[t][gi]), accf[t]);
      }
      if constexpr (U::kMin) {
        const __m512 cf = U::coef(pb, g);
        for (int t = 0; t < T; ++t)
          accf[t] = _mm512_fmadd_ps(cf, _mm512_set1_ps(asum[t][gi]), accf[t]);
      }
    }
  }
  const __mmask16 mask = nrows >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nrows) - 1);
  for (int t = 0; t < T; ++t) _mm512_mask_storeu_ps(y + t * ldy, mask, accf[t]);
}

template <class U>
void tile_any(int nt, const uint8_t* panel, int64_t npb, const uint8_t* act, size_t as,
              const ActLayout& l, float* y, int64_t ldy, int nrows) {
  switch (nt) {
    case 1:
      return tile<U, 1>(panel, npb, act, as, l, y, ldy, nrows);
    case 2:
      return tile<U, 2>(panel, npb, act, as, l, y, ldy, nrows);
    case 3:
      return tile<U, 3>(panel, npb, act, as, l, y, ldy, nrows);
    case 4:
      return tile<U, 4>(panel, npb, act, as, l, y, ldy, nrows);
    case 5:
      return tile<U, 5>(panel, npb, act, as, l, y, ldy, nrows);
    case 6:
      return tile<U, 6>(panel, npb, act, as, l, y, ldy, nrows);
    case 7:
      return tile<U, 7>(panel, npb, act, as, l, y, ldy, nrows);
    default:
      return tile<U, 8>(panel, npb, act, as, l, y, ldy, nrows);
  }
}

template <class U>
void run(const PanelArgs& a, int64_t p0, int64_t p1) {
  const ActLayout l{a.k, U::kE};
  const int64_t npb = a.k / (U::kE * U::kGroups);
  thread_local AlignedBuffer<uint8_t> scratch;
  const size_t pbytes = panel_bytes(a.type, a.k);
  if (a.packed == nullptr && scratch.size() < pbytes) scratch.resize(pbytes);
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t r0 = p * kPanelRows;
    const int nrows = static_cast<int>(std::min<int64_t>(kPanelRows, a.m - r0));
    const uint8_t* panel;
    if (a.packed != nullptr) {
      panel = a.packed + static_cast<size_t>(p) * a.panel_stride;
    } else {
      pack_panel(a.type, a.w + static_cast<size_t>(r0) * a.w_stride, a.w_stride, nrows, a.k,
                 scratch.data());
      panel = scratch.data();
    }
    for (int64_t t0 = 0; t0 < a.n_tokens; t0 += kMaxTile) {
      const int nt = static_cast<int>(std::min<int64_t>(kMaxTile, a.n_tokens - t0));
      tile_any<U>(nt, panel, npb, a.act + static_cast<size_t>(t0) * a.act_stride, a.act_stride, l,
                  a.y + t0 * a.ldy + r0, a.ldy, nrows);
    }
  }
}

template <ActBase B, int E, int Off, MinKind M>
void convert(const float* x, uint8_t* dst, int64_t k) {
  convert_act(B, E, Off, M, x, dst, k);
}
template <int E>
size_t act_bytes(int64_t k) {
  return ActLayout{k, E}.bytes();
}

template <class U, ActBase B, MinKind M>
PanelPath path() {
  PanelPath p;
  p.act_bytes = act_bytes<U::kE>;
  p.convert = convert<B, U::kE, U::kOffset, M>;
  p.run = run<U>;
  p.min_tokens = 4;
  return p;
}

}  // namespace

void register_panel_int8(KernelTable& t) {
  using A = ActBase;
  using M = MinKind;
  t.panel[type_index(DType::kQ8_0)] = path<UnpQ8_0, A::kQ8_0, M::kNone>();
  t.panel[type_index(DType::kQ4_0)] = path<UnpQ4_0, A::kQ8_0, M::kNone>();
  t.panel[type_index(DType::kIQ4_NL)] = path<UnpIQ4_NL, A::kQ8_0, M::kNone>();
  t.panel[type_index(DType::kMXFP4)] = path<UnpMXFP4, A::kQ8_0, M::kNone>();
  t.panel[type_index(DType::kQ5_0)] = path<UnpQ5_0, A::kQ8_0, M::kNone>();
  t.panel[type_index(DType::kQ4_1)] = path<UnpQ4_1, A::kQ8_1, M::kBlockSum>();
  t.panel[type_index(DType::kQ5_1)] = path<UnpQ5_1, A::kQ8_1, M::kBlockSum>();
  t.panel[type_index(DType::kQ4_K)] = path<UnpQ4_K, A::kQ8_K, M::kGroupSum>();
  t.panel[type_index(DType::kQ5_K)] = path<UnpQ5_K, A::kQ8_K, M::kGroupSum>();
  t.panel[type_index(DType::kQ6_K)] = path<UnpQ6_K, A::kQ8_K, M::kNone>();
  t.panel[type_index(DType::kQ3_K)] = path<UnpQ3_K, A::kQ8_K, M::kNone>();
  t.panel[type_index(DType::kQ2_K)] = path<UnpQ2_K, A::kQ8_K, M::kGroupSum>();
  t.panel[type_index(DType::kIQ4_XS)] = path<UnpIQ4_XS, A::kQ8_K, M::kNone>();
}

}  // namespace owl::kernels::avx512
