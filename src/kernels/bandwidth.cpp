// Memory-bandwidth probe (kernels/bandwidth.h).
#include "kernels/bandwidth.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "base/cpu_features.h"
#include "base/thread_pool.h"

namespace owl::kernels {
namespace {

// How far ahead the read loop asks for lines into L2: the distance the generation tiles use
// (x86_avx512/prefetch_avx512.h). Without it one core's loop waits on the hardware prefetcher
// and reads less than the tiles stream, so the probe would not be the ceiling it must be.
constexpr size_t kPrefetchAhead = 6144;

// Sums of a 64-byte-aligned range of whole cache lines, four lines per step: the loop must be
// load-bound, so it uses the widest loads the CPU has (a narrow loop under-reads the bus).
__attribute__((target("avx2"))) uint64_t read_avx2(const uint8_t* p, size_t bytes) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 256 <= bytes; i += 256) {
    if (i + kPrefetchAhead + 256 <= bytes) {
      for (size_t l = 0; l < 256; l += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(p + i + kPrefetchAhead + l), _MM_HINT_T1);
      }
    }
    a0 = _mm256_add_epi64(a0, _mm256_add_epi64(_mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)),
                                               _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32))));
    a1 = _mm256_add_epi64(a1, _mm256_add_epi64(_mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 64)),
                                               _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 96))));
    a2 = _mm256_add_epi64(a2, _mm256_add_epi64(_mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 128)),
                                               _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 160))));
    a3 = _mm256_add_epi64(a3, _mm256_add_epi64(_mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 192)),
                                               _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 224))));
  }
  const __m256i s = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

uint64_t read_scalar(const uint8_t* p, size_t bytes) {
  const auto* q = reinterpret_cast<const uint64_t*>(p);
  uint64_t acc[8] = {};
  for (size_t i = 0; i + 8 <= bytes / 8; i += 8) {
    for (int j = 0; j < 8; ++j) acc[j] += q[i + j];
  }
  uint64_t s = 0;
  for (uint64_t a : acc) s += a;
  return s;
}

}  // namespace

BandwidthProbe::BandwidthProbe(ThreadPool& pool, size_t bytes) : pool_(pool) {
  const int nt = pool.size();
  slice_ = std::max<size_t>(bytes / static_cast<size_t>(nt) / 4096 * 4096, 4096);
  buf_.resize(slice_ * static_cast<size_t>(nt));
  sink_.assign(static_cast<size_t>(nt), 0);
  // Each thread writes (first touch) its own contiguous slice, then reads only that.
  pool.run([&](int t) {
    uint8_t* p = buf_.data() + slice_ * static_cast<size_t>(t);
    for (size_t i = 0; i < slice_; i += 64) p[i] = static_cast<uint8_t>(i >> 6);
  });
}

double BandwidthProbe::measure() {
  const int nt = pool_.size();
  const bool wide = cpu_features().has_avx2_level();
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    pool_.run([&](int t) {
      const uint8_t* p = buf_.data() + slice_ * static_cast<size_t>(t);
      sink_[static_cast<size_t>(t)] += wide ? read_avx2(p, slice_) : read_scalar(p, slice_);
    });
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(slice_ * static_cast<size_t>(nt)) / sec / 1e9);
  }
  // Keep the sums observable so the reads are not optimised away.
  volatile uint64_t keep = 0;
  for (uint64_t s : sink_) keep = keep + s;
  return best;
}

double measure_bandwidth_gbs(ThreadPool& pool, size_t bytes) {
  BandwidthProbe probe(pool, bytes);
  return probe.measure();
}

}  // namespace owl::kernels
