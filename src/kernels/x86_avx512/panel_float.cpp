// AVX-512 tile kernels over packed panels of F32/F16/BF16 weights ([k][16] rows interleaved):
// 16 rows (one per lane) x up to 12 tokens, an FMA per element with the token's value
// broadcast. F16 weights see f16-rounded activations and BF16 weights bf16-rounded ones, as
// llama.cpp's CPU backend; BF16 pairs are widened to f32 in registers (exact products).
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "base/aligned_buffer.h"
#include "kernels/pack.h"
#include "kernels/table.h"
#include "kernels/x86_avx512/act_avx512.h"
#include "kernels/x86_avx512/prefetch_avx512.h"

namespace owl::kernels::avx512 {
namespace {

// Weight row vector i of a panel (16 values, f32).
struct LoadF32 {
  static constexpr int kChunkBytes = 16 * 64;  // bytes of 16 row vectors
  static __m512 at(const uint8_t* panel, int64_t i) {
    return _mm512_loadu_ps(reinterpret_cast<const float*>(panel) + i * 16);
  }
  static const uint8_t& ahead(const uint8_t* panel, int64_t i) { return panel[i * 64]; }
};
struct LoadF16 {
  static constexpr int kChunkBytes = 16 * 32;
  static __m512 at(const uint8_t* panel, int64_t i) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel + i * 32)));
  }
  static const uint8_t& ahead(const uint8_t* panel, int64_t i) { return panel[i * 32]; }
};

// Activations of a token block in chunks of 16 f32 elements: element i of slot t at
// ((i / 16 * 12 + t) * 16 + i % 16) * 4. Each slot's chunk is one cache line, so a tile of few
// tokens (generation) reads only its own tokens' lines.
constexpr int kSlots = kTokBlock;
constexpr int kChunk = 16;
inline int64_t item_offset(int64_t i, int slot) { return (i / kChunk * kSlots + slot) * kChunk + i % kChunk; }

// Generation (T < 4) asks for the panel bytes ahead of the chunk at p (prefetch_avx512.h).
inline void prefetch_ahead(const uint8_t* p, int bytes) {
  for (int l = 0; l < bytes; l += 64) prefetch_line_ahead(p + l);
}

// With few tokens one FMA chain per token would wait on the FMA latency every step (generation
// is the T = 1 case): U independent chains per token, summed at the end, keep the loads going.
template <class L, int T>
__attribute__((noinline)) void tile_fma(const uint8_t* panel, int64_t k, const uint8_t* block,
                                        int slot0, float* y, int64_t ldy, int nrows) {
  constexpr int U = T >= 4 ? 1 : 4 / T;
  const float* xb = reinterpret_cast<const float*>(block);
  __m512 acc[U][T];
  for (int u = 0; u < U; ++u)
    for (int t = 0; t < T; ++t) acc[u][t] = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + kChunk <= k; i += kChunk) {
    const float* x = xb + item_offset(i, slot0);
    if constexpr (T < 4) prefetch_ahead(&L::ahead(panel, i), L::kChunkBytes);
    for (int j = 0; j < kChunk; j += U) {
#pragma GCC unroll 4
      for (int u = 0; u < U; ++u) {
        const __m512 w = L::at(panel, i + j + u);
        for (int t = 0; t < T; ++t) acc[u][t] = _mm512_fmadd_ps(w, _mm512_set1_ps(x[t * kChunk + j + u]), acc[u][t]);
      }
    }
  }
  for (; i < k; ++i) {
    const float* x = xb + item_offset(i, slot0);
    const __m512 w = L::at(panel, i);
    for (int t = 0; t < T; ++t) acc[0][t] = _mm512_fmadd_ps(w, _mm512_set1_ps(x[t * kChunk]), acc[0][t]);
  }
  const __mmask16 mask = nrows >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nrows) - 1);
  for (int t = 0; t < T; ++t) {
    __m512 sum = acc[0][t];
    for (int u = 1; u < U; ++u) sum = _mm512_add_ps(sum, acc[u][t]);
    _mm512_mask_storeu_ps(y + t * ldy, mask, sum);
  }
}

// BF16 weights widened to f32 in registers (a shift for the even element of each pair, a mask
// for the odd one) and multiplied by FMAs with bf16-rounded activations held as f32. Each
// product is exact, as in vdpbf16ps, which measured here at 60% of the FMA rate
// (kernels_bench, 128 tokens: 72 against 120 GFLOP/s for F16).
template <int T>
__attribute__((noinline)) void tile_bf16(const uint8_t* panel, int64_t k, const uint8_t* block,
                                         int slot0, float* y, int64_t ldy, int nrows) {
  constexpr int U = T >= 4 ? 1 : 4 / T;  // independent chains, as in tile_fma
  const float* xb = reinterpret_cast<const float*>(block);
  const __m512i odd_mask = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
  __m512 acc[U][T];
  for (int u = 0; u < U; ++u)
    for (int t = 0; t < T; ++t) acc[u][t] = _mm512_setzero_ps();
  // Elements i and i + 1 (i even) of 16 rows: one 64-byte row of the panel.
  auto pair = [&](int64_t i, const float* x, int u) {
    const __m512i v = _mm512_loadu_si512(panel + i * 32);
    const __m512 even = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
    const __m512 odd = _mm512_castsi512_ps(_mm512_and_si512(v, odd_mask));
#pragma GCC unroll 12
    for (int t = 0; t < T; ++t) {
      acc[u][t] = _mm512_fmadd_ps(odd, _mm512_set1_ps(x[t * kChunk + 1]), acc[u][t]);
      acc[u][t] = _mm512_fmadd_ps(even, _mm512_set1_ps(x[t * kChunk]), acc[u][t]);
    }
  };
  int64_t i = 0;
  for (; i + kChunk <= k; i += kChunk) {
    const float* x = xb + item_offset(i, slot0);
    if constexpr (T < 4) prefetch_ahead(panel + i * 32, kChunk * 32);
#pragma GCC unroll 8
    for (int j = 0; j < kChunk; j += 2 * U) {
#pragma GCC unroll 4
      for (int u = 0; u < U; ++u) pair(i + j + 2 * u, x + j + 2 * u, u);
    }
  }
  for (; i < k; i += 2) pair(i, xb + item_offset(i, slot0), 0);  // k is even
  const __mmask16 mask = nrows >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nrows) - 1);
  for (int t = 0; t < T; ++t) {
    __m512 sum = acc[0][t];
    for (int u = 1; u < U; ++u) sum = _mm512_add_ps(sum, acc[u][t]);
    _mm512_mask_storeu_ps(y + t * ldy, mask, sum);
  }
}

using TileFn = void (*)(const uint8_t*, int64_t, const uint8_t*, int, float*, int64_t, int);

// Tile sizes 12, 8, 4, 2, 1 (a block of nt tokens runs as 12, or 8 + 4 + 2 + 1).
struct Tiles {
  TileFn t12, t8, t4, t2, t1;
};

void run_tiles(const Tiles& tiles, const PanelArgs& a, int64_t p0, int64_t p1) {
  thread_local AlignedBuffer<uint8_t> scratch;
  const size_t pbytes = panel_bytes(a.type, a.k);
  if (a.packed == nullptr && scratch.size() < pbytes) scratch.resize(pbytes);
  prefetch_range_start(a, p0, p1);
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t r0 = p * kPanelRows;
    const int nrows = static_cast<int>(std::min<int64_t>(kPanelRows, a.m - r0));
    const uint8_t* panel = a.packed + static_cast<size_t>(p) * a.panel_stride;
    if (a.packed == nullptr) {
      pack_panel(a.type, a.w + static_cast<size_t>(r0) * a.w_stride, a.w_stride, nrows, a.k,
                 scratch.data());
      panel = scratch.data();
    }
    for (int64_t t0 = 0; t0 < a.n_tokens; t0 += kSlots) {
      const int nt = static_cast<int>(std::min<int64_t>(kSlots, a.n_tokens - t0));
      const uint8_t* block = a.act + static_cast<size_t>(t0 / kSlots) * a.act_block_bytes;
      float* y = a.y + t0 * a.ldy + r0;
      int s = 0;
      for (auto [size, fn] :
           {std::pair{12, tiles.t12}, std::pair{8, tiles.t8}, std::pair{4, tiles.t4},
            std::pair{2, tiles.t2}, std::pair{1, tiles.t1}}) {
        while (nt - s >= size) {
          fn(panel, a.k, block, s, y + s * a.ldy, a.ldy, nrows);
          s += size;
        }
      }
    }
  }
}

template <class L>
constexpr Tiles fma_tiles() {
  return {tile_fma<L, 12>, tile_fma<L, 8>, tile_fma<L, 4>, tile_fma<L, 2>, tile_fma<L, 1>};
}

void run_f32(const PanelArgs& a, int64_t p0, int64_t p1) {
  run_tiles(fma_tiles<LoadF32>(), a, p0, p1);
}
void run_f16(const PanelArgs& a, int64_t p0, int64_t p1) {
  run_tiles(fma_tiles<LoadF16>(), a, p0, p1);
}
void run_bf16(const PanelArgs& a, int64_t p0, int64_t p1) {
  run_tiles({tile_bf16<12>, tile_bf16<8>, tile_bf16<4>, tile_bf16<2>, tile_bf16<1>}, a, p0, p1);
}

size_t chunked_bytes(int64_t items) {
  return static_cast<size_t>((items + kChunk - 1) / kChunk) * kChunk * kSlots * 4;
}
size_t bytes_f32(int64_t k) { return chunked_bytes(k); }

// Scatters a contiguous row of 4-byte items into slot `slot` of a token block.
void scatter4(const void* row, int64_t items, uint8_t* block, int slot) {
  const auto* src = static_cast<const uint8_t*>(row);
  int64_t i = 0;
  for (; i + kChunk <= items; i += kChunk) {
    std::memcpy(block + 4 * item_offset(i, slot), src + 4 * i, 4 * kChunk);
  }
  for (; i < items; ++i) std::memcpy(block + 4 * item_offset(i, slot), src + 4 * i, 4);
}

void convert_f32(const float* x, uint8_t* block, int slot, int64_t k) {
  scatter4(x, k, block, slot);
}
void convert_f16(const float* x, uint8_t* block, int slot, int64_t k) {
  thread_local std::vector<float> row;
  row.resize(static_cast<size_t>(k));
  round_act_f16(x, row.data(), k);
  scatter4(row.data(), k, block, slot);
}
void convert_bf16(const float* x, uint8_t* block, int slot, int64_t k) {
  thread_local std::vector<uint16_t> bits;
  thread_local std::vector<float> row;
  bits.resize(static_cast<size_t>(k));
  row.resize(static_cast<size_t>(k));
  round_act_bf16(x, bits.data(), k);
  for (int64_t i = 0; i < k; ++i) {
    const uint32_t b = static_cast<uint32_t>(bits[i]) << 16;
    std::memcpy(&row[i], &b, 4);
  }
  scatter4(row.data(), k, block, slot);
}

}  // namespace

void register_panel_float(KernelTable& t) {
  // Packing a float panel on the fly costs about as much as 32 tokens of FMAs over it.
  constexpr int64_t kMinTokens = 32;
  t.panel[type_index(DType::kF32)] = {bytes_f32, convert_f32, run_f32, kMinTokens};
  t.panel[type_index(DType::kF16)] = {bytes_f32, convert_f16, run_f16, kMinTokens};
  t.panel[type_index(DType::kBF16)] = {bytes_f32, convert_bf16, run_bf16, kMinTokens};
}

}  // namespace owl::kernels::avx512
