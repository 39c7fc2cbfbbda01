// AVX-512 tile kernels over packed panels of F32/F16/BF16 weights ([k][16] rows interleaved):
// 16 rows (one per lane) x up to 12 tokens, an FMA per element with the token's value
// broadcast. F16 weights see f16-rounded activations and BF16 weights bf16-rounded ones, as
// llama.cpp's CPU backend; BF16 uses vdpbf16ps (pairs of bf16 products accumulated in f32).
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "base/aligned_buffer.h"
#include "base/cpu_features.h"
#include "kernels/pack.h"
#include "kernels/table.h"
#include "kernels/x86_avx512/act_avx512.h"

namespace owl::kernels::avx512 {
namespace {

constexpr int kMaxTile = 12;

// Weight row vector i of a panel (16 values, f32).
struct LoadF32 {
  static __m512 at(const uint8_t* panel, int64_t i) {
    return _mm512_loadu_ps(reinterpret_cast<const float*>(panel) + i * 16);
  }
};
struct LoadF16 {
  static __m512 at(const uint8_t* panel, int64_t i) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + i * 32)));
  }
};

template <class L, int T>
void tile_fma(const uint8_t* panel, int64_t k, const uint8_t* act, size_t stride, float* y,
              int64_t ldy, int nrows) {
  const float* x[T];
  __m512 acc[T];
  for (int t = 0; t < T; ++t) {
    x[t] = reinterpret_cast<const float*>(act + t * stride);
    acc[t] = _mm512_setzero_ps();
  }
  for (int64_t i = 0; i < k; ++i) {
    const __m512 w = L::at(panel, i);
    for (int t = 0; t < T; ++t) acc[t] = _mm512_fmadd_ps(w, _mm512_set1_ps(x[t][i]), acc[t]);
  }
  const __mmask16 mask = nrows >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nrows) - 1);
  for (int t = 0; t < T; ++t) _mm512_mask_storeu_ps(y + t * ldy, mask, acc[t]);
}

template <int T>
void tile_bf16(const uint8_t* panel, int64_t k, const uint8_t* act, size_t stride, float* y,
               int64_t ldy, int nrows) {
  const uint8_t* x[T];
  __m512 acc[T];
  for (int t = 0; t < T; ++t) {
    x[t] = act + t * stride;
    acc[t] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < k / 2; ++p) {
    const __m512bh w = (__m512bh)_mm512_loadu_si512(panel + p * 64);
    for (int t = 0; t < T; ++t) {
      int32_t pair;
      std::memcpy(&pair, x[t] + 4 * p, 4);
      acc[t] = _mm512_dpbf16_ps(acc[t], w, (__m512bh)_mm512_set1_epi32(pair));
    }
  }
  const __mmask16 mask = nrows >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nrows) - 1);
  for (int t = 0; t < T; ++t) _mm512_mask_storeu_ps(y + t * ldy, mask, acc[t]);
}

using TileFn = void (*)(const uint8_t*, int64_t, const uint8_t*, size_t, float*, int64_t, int);

template <template <int> class K, int... Ts>
constexpr auto tile_table(std::integer_sequence<int, Ts...>) {
  return std::array<TileFn, sizeof...(Ts)>{K<Ts + 1>::fn...};
}
template <class L>
struct FmaK {
  template <int T>
  struct K {
    static constexpr TileFn fn = tile_fma<L, T>;
  };
};
template <int T>
struct Bf16K {
  static constexpr TileFn fn = tile_bf16<T>;
};

template <class Tiles>
void run_tiles(const Tiles& tiles, const PanelArgs& a, int64_t p0, int64_t p1) {
  thread_local AlignedBuffer<uint8_t> scratch;
  const size_t pbytes = panel_bytes(a.type, a.k);
  if (a.packed == nullptr && scratch.size() < pbytes) scratch.resize(pbytes);
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t r0 = p * kPanelRows;
    const int nrows = static_cast<int>(std::min<int64_t>(kPanelRows, a.m - r0));
    const uint8_t* panel = a.packed + static_cast<size_t>(p) * a.panel_stride;
    if (a.packed == nullptr) {
      pack_panel(a.type, a.w + static_cast<size_t>(r0) * a.w_stride, a.w_stride, nrows, a.k,
                 scratch.data());
      panel = scratch.data();
    }
    for (int64_t t0 = 0; t0 < a.n_tokens; t0 += kMaxTile) {
      const int nt = static_cast<int>(std::min<int64_t>(kMaxTile, a.n_tokens - t0));
      tiles[nt - 1](panel, a.k, a.act + static_cast<size_t>(t0) * a.act_stride, a.act_stride,
                    a.y + t0 * a.ldy + r0, a.ldy, nrows);
    }
  }
}

void run_f32(const PanelArgs& a, int64_t p0, int64_t p1) {
  static constexpr auto tiles =
      tile_table<FmaK<LoadF32>::K>(std::make_integer_sequence<int, kMaxTile>());
  run_tiles(tiles, a, p0, p1);
}
void run_f16(const PanelArgs& a, int64_t p0, int64_t p1) {
  static constexpr auto tiles =
      tile_table<FmaK<LoadF16>::K>(std::make_integer_sequence<int, kMaxTile>());
  run_tiles(tiles, a, p0, p1);
}
void run_bf16(const PanelArgs& a, int64_t p0, int64_t p1) {
  static constexpr auto tiles = tile_table<Bf16K>(std::make_integer_sequence<int, kMaxTile>());
  run_tiles(tiles, a, p0, p1);
}

size_t bytes_f32(int64_t k) { return static_cast<size_t>(k) * 4; }
size_t bytes_bf16(int64_t k) { return static_cast<size_t>(k) * 2; }
void convert_f32(const float* x, uint8_t* dst, int64_t k) {
  std::memcpy(dst, x, static_cast<size_t>(k) * 4);
}
void convert_f16(const float* x, uint8_t* dst, int64_t k) {
  round_act_f16(x, reinterpret_cast<float*>(dst), k);
}
void convert_bf16(const float* x, uint8_t* dst, int64_t k) {
  round_act_bf16(x, reinterpret_cast<uint16_t*>(dst), k);
}

}  // namespace

void register_panel_float(KernelTable& t) {
  // Packing a float panel on the fly costs about as much as 32 tokens of FMAs over it.
  constexpr int64_t kMinTokens = 32;
  t.panel[type_index(DType::kF32)] = {bytes_f32, convert_f32, run_f32, kMinTokens};
  t.panel[type_index(DType::kF16)] = {bytes_f32, convert_f16, run_f16, kMinTokens};
  if (cpu_features().avx512bf16) {
    t.panel[type_index(DType::kBF16)] = {bytes_bf16, convert_bf16, run_bf16, kMinTokens};
  }
}

}  // namespace owl::kernels::avx512
