// Internal (AVX-512 translation units only): how the generation tiles (1-3 tokens) ask for the
// panel stream ahead of use. The hardware prefetchers alone leave the bus idle between a
// panel's blocks. Measured with kernels_bench stream/packed at 2 threads, medians of 3 rounds:
// prefetcht1 (into L2) 6 KiB ahead against prefetcht0 4 KiB ahead raised Q4_K 24.9 -> 28.5,
// Q6_K 25.9 -> 28.6, Q4_0 26.3 -> 28.5 and F16 25.6 -> 28.5 GB/s (Q8_0, F32 unchanged, at the
// bus); 6 to 12 KiB are equally good, 2 KiB and prefetchnta worse.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/table.h"

namespace owl::kernels::avx512 {
namespace {

constexpr int kAheadBytes = 6144;

// Asks for the 64-byte line at p + kAheadBytes.
inline void prefetch_line_ahead(const uint8_t* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p + kAheadBytes), _MM_HINT_T1);
}

// The first kAheadBytes of a thread's share of packed panels, which the tiles' own prefetches
// never cover (asked for at once, into L1: they are needed now). Generation only.
inline void prefetch_range_start(const PanelArgs& a, int64_t p0, int64_t p1) {
  if (a.packed == nullptr || a.n_tokens >= 4 || p1 <= p0) return;
  const uint8_t* start = a.packed + static_cast<size_t>(p0) * a.panel_stride;
  const size_t bytes = std::min(static_cast<size_t>(kAheadBytes),
                                static_cast<size_t>(p1 - p0) * a.panel_stride);
  for (size_t off = 0; off < bytes; off += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(start + off), _MM_HINT_T0);
  }
}

}  // namespace
}  // namespace owl::kernels::avx512
