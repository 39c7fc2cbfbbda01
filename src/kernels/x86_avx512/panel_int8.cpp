// AVX-512 VNNI tile kernels over packed panels of the integer weight types: 16 rows (one per
// lane) x up to 8 tokens. Per group: vpdpbusd of the u8 weight codes with the broadcast int8
// activations (the accumulator starts at -offset * sum(a), which undoes the code offset), then
// one conversion to f32, the per-row scale, the per-token scale and, if any, the min term.
// Each weight group is decoded once for all tokens of the tile; the hot loop of prompt
// processing (and, with repacked weights, of generation) is here.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/aligned_buffer.h"
#include "kernels/pack.h"
#include "kernels/table.h"
#include "kernels/x86_avx512/act_avx512.h"
#include "kernels/x86_avx512/prefetch_avx512.h"
#include "kernels/x86_avx512/unpack_avx512.h"

namespace owl::kernels::avx512 {
namespace {

// Unaligned 4-byte reads the compiler can fold into an instruction's {1to16} broadcast operand.
typedef int32_t __attribute__((may_alias, aligned(1))) I32u;
inline int32_t load_i32(const uint8_t* p) { return *reinterpret_cast<const I32u*>(p); }
// acc += dot(u8 codes, the 4 int8 at p broadcast to all lanes), with the broadcast folded into
// the instruction ({1to16} memory operand: one fused uop instead of a load plus the dot).
inline __m512i dpbusd_bcast(__m512i acc, __m512i codes, const uint8_t* p) {
  asm("vpdpbusd %2%{1to16%}, %1, %0"
      : "+v"(acc)
      : "v"(codes), "m"(*reinterpret_cast<const I32u*>(p)));
  return acc;
}
inline float load_f32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

// y[t * ldy + r] for the 16 rows of one panel and T tokens, slots slot0.. of a token block.
// All per-token data sits at constant offsets from two pointers per group (act_avx512.h).
template <class U, int T>
__attribute__((noinline)) void tile(const uint8_t* panel, int64_t npb, const uint8_t* block,
                                    int slot0, float* y, int64_t ldy, int nrows) {
  constexpr int kSteps = U::kE / 4;
  constexpr size_t kGroupBytes = kSlots * U::kE + 3 * 4 * kSlots;
  const uint8_t* qbase = block + slot0 * U::kE;               // + gi * kGroupBytes
  const uint8_t* sbase = block + kSlots * U::kE + 4 * slot0;  // da; corr at +48; asum at +96
  // Generation tiles of the K-quants (one Q8_K activation block per panel block) sum the groups
  // times their sub-scales, and apply the block scales d, da and dmin once per block: 4 fewer
  // vector operations per group. Larger tiles have no registers to spare for the extra sums.
  constexpr bool kSuper = U::kSuper && T < 4;
  __m512 accf[T], accb[kSuper ? T : 1], accm[kSuper ? T : 1];
  for (int t = 0; t < T; ++t) accf[t] = _mm512_setzero_ps();
  for (int64_t b = 0; b < npb; ++b) {
    const uint8_t* pb = panel + b * U::kPb;
    // The groups of a block are unrolled at compile time so the decoders' shifts and nibble
    // choices (which depend on the group index) become immediates.
    auto group = [&](auto gc) {
      constexpr int g = decltype(gc)::value;
      // Generation asks for the panel stream ahead (prefetch_avx512.h), a few lines per group
      // rather than a block's worth at once (a burst of 37 prefetches for a Q4_K block stalls
      // on the line-fill buffers).
      if constexpr (T < 4) {
        constexpr int kLines = (U::kPb + 63) / 64;
        for (int l = g * kLines / U::kGroups; l < (g + 1) * kLines / U::kGroups; ++l)
          prefetch_line_ahead(pb + 64 * l);
      }
      const size_t gi = static_cast<size_t>(b * U::kGroups + g);
      const uint8_t* qg = qbase + gi * kGroupBytes;
      const uint8_t* sg = sbase + gi * kGroupBytes;
      __m512i c[kSteps];
      U::codes(pb, g, c);
      __m512i acc[T];
#pragma GCC unroll 16
      for (int t = 0; t < T; ++t) acc[t] = _mm512_set1_epi32(load_i32(sg + 48 + 4 * t));
      if constexpr (T == 1) {  // one token: two dot chains halve the wait on vpdpbusd latency
        __m512i acc2 = _mm512_setzero_si512();
#pragma GCC unroll 8
        for (int s = 0; s < kSteps; s += 2) {
          acc[0] = dpbusd_bcast(acc[0], c[s], qg + 4 * s);
          acc2 = dpbusd_bcast(acc2, c[s + 1], qg + 4 * s + 4);
        }
        acc[0] = _mm512_add_epi32(acc[0], acc2);
      } else {
#pragma GCC unroll 8
        for (int s = 0; s < kSteps; ++s) {
#pragma GCC unroll 16
          for (int t = 0; t < T; ++t) acc[t] = dpbusd_bcast(acc[t], c[s], qg + t * U::kE + 4 * s);
        }
      }
      if constexpr (kSuper) {  // sub-scales here, the block scales once per block below
        const __m512 sub = U::sub(pb, g);
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
          accb[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t]), sub, accb[t]);
        }
        if constexpr (U::kMin) {
          const __m512 msub = U::msub(pb, g);
#pragma GCC unroll 4
          for (int t = 0; t < T; ++t) {
            accm[t] = _mm512_fmadd_ps(msub, _mm512_set1_ps(load_f32(sg + 96 + 4 * t)), accm[t]);
          }
        }
      } else {
        const __m512 sc = U::scale(pb, g);
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) {
          const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[t]), sc);
          accf[t] = _mm512_fmadd_ps(v, _mm512_set1_ps(load_f32(sg + 4 * t)), accf[t]);
        }
        if constexpr (U::kMin) {
          const __m512 cf = U::coef(pb, g);
#pragma GCC unroll 16
          for (int t = 0; t < T; ++t) {
            accf[t] = _mm512_fmadd_ps(cf, _mm512_set1_ps(load_f32(sg + 96 + 4 * t)), accf[t]);
          }
        }
      }
    };
    if constexpr (kSuper) {
      for (int t = 0; t < T; ++t) accb[t] = accm[t] = _mm512_setzero_ps();
    }
    [&]<int... G>(std::integer_sequence<int, G...>) {
      (group(std::integral_constant<int, G>{}), ...);
    }
    (std::make_integer_sequence<int, U::kGroups>());
    if constexpr (kSuper) {  // one activation scale per super-block: da of its first group
      const uint8_t* sb = sbase + static_cast<size_t>(b * U::kGroups) * kGroupBytes;
      const __m512 d = U::d(pb);
      for (int t = 0; t < T; ++t) {
        accf[t] = _mm512_fmadd_ps(_mm512_mul_ps(accb[t], d), _mm512_set1_ps(load_f32(sb + 4 * t)),
                                  accf[t]);
        if constexpr (U::kMin) accf[t] = _mm512_fmadd_ps(accm[t], U::dmin_neg(pb), accf[t]);
      }
    }
  }
  const __mmask16 mask = nrows >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nrows) - 1);
  for (int t = 0; t < T; ++t) _mm512_mask_storeu_ps(y + t * ldy, mask, accf[t]);
}

// One token block (nt <= 12 tokens): a tile of 12, else 8 + 4 + 2 + 1 (12 int + 12 f32
// accumulators plus the codes fill the 32 vector registers; 16 tokens spill).
template <class U>
void tile_block(int nt, const uint8_t* panel, int64_t npb, const uint8_t* block, float* y,
                int64_t ldy, int nrows) {
  int s = 0;
  auto step = [&](auto tc) {
    constexpr int T = decltype(tc)::value;
    while (nt - s >= T) {
      tile<U, T>(panel, npb, block, s, y + s * ldy, ldy, nrows);
      s += T;
    }
  };
  step(std::integral_constant<int, 12>{});
  step(std::integral_constant<int, 8>{});
  step(std::integral_constant<int, 4>{});
  step(std::integral_constant<int, 2>{});
  step(std::integral_constant<int, 1>{});
}

template <class U>
void run(const PanelArgs& a, int64_t p0, int64_t p1) {
  const int64_t npb = a.k / (U::kE * U::kGroups);
  thread_local AlignedBuffer<uint8_t> scratch;
  const size_t pbytes = panel_bytes(a.type, a.k);
  if (a.packed == nullptr && scratch.size() < pbytes) scratch.resize(pbytes);
  prefetch_range_start(a, p0, p1);
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
    for (int64_t t0 = 0; t0 < a.n_tokens; t0 += kSlots) {
      const int nt = static_cast<int>(std::min<int64_t>(kSlots, a.n_tokens - t0));
      tile_block<U>(nt, panel, npb, a.act + static_cast<size_t>(t0 / kSlots) * a.act_block_bytes,
                    a.y + t0 * a.ldy + r0, a.ldy, nrows);
    }
  }
}

template <ActBase B, int E, int Off, MinKind M>
void convert(const float* x, uint8_t* block, int slot, int64_t k) {
  convert_act(B, E, Off, M, x, block, slot, k);
}
template <int E>
size_t block_bytes(int64_t k) {
  return ActLayout{k, E}.block_bytes();
}

template <class U, ActBase B, MinKind M>
PanelPath path() {
  PanelPath p;
  p.block_bytes = block_bytes<U::kE>;
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
