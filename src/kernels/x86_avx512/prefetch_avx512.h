// Internal (AVX-512 translation units only): how the generation tiles (1-3 tokens) ask for the
// panel stream ahead of use. The hardware prefetchers alone leave the bus idle between a
// panel's blocks. Measured with kernels_bench stream/packed at 2 threads, medians of 3 rounds:
// prefetcht1 (into L2) 6 KiB ahead against prefetcht0 4 KiB ahead raised Q4_K 24.9 -> 28.5,
// Q6_K 25.9 -> 28.6, Q4_0 26.3 -> 28.5 and F16 25.6 -> 28.5 GB/s (Q8_0, F32 unchanged, at the
// bus); 6 to 12 KiB are equally good, 2 KiB and prefetchnta worse.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace owl::kernels::avx512 {
namespace {

constexpr int kAheadBytes = 6144;

// Asks for the 64-byte line at p + kAheadBytes.
inline void prefetch_line_ahead(const uint8_t* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p + kAheadBytes), _MM_HINT_T1);
}

}  // namespace
}  // namespace owl::kernels::avx512
