// Memory-bandwidth probe: the roofline `owl bench` compares generation speed against.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "base/aligned_buffer.h"
#include "kernels/kernels.h"

namespace owl::kernels {

double measure_bandwidth_gbs(ThreadPool& pool, size_t bytes) {
  const size_t n = std::max<size_t>(bytes / sizeof(uint64_t), 1024);
  AlignedBuffer<uint64_t> buf(n);
  // Touch every page from the thread that will read it (first-touch placement).
  pool.parallel_for(static_cast<int64_t>(n), [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) buf[static_cast<size_t>(i)] = static_cast<uint64_t>(i);
  });
  std::vector<uint64_t> sink(static_cast<size_t>(pool.size()));
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    pool.parallel_for(static_cast<int64_t>(n), [&](int64_t b, int64_t e, int t) {
      // Eight independent accumulators so the loop is load-bound, not latency-bound.
      uint64_t acc[8] = {};
      const uint64_t* p = buf.data();
      int64_t i = b;
      for (; i + 8 <= e; i += 8) {
        for (int j = 0; j < 8; ++j) acc[j] += p[i + j];
      }
      for (; i < e; ++i) acc[0] += p[i];
      uint64_t s = 0;
      for (uint64_t a : acc) s += a;
      sink[static_cast<size_t>(t)] = s;
    });
    const double sec =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(n * sizeof(uint64_t)) / sec / 1e9);
  }
  // Keep the sums observable so the reads are not optimised away.
  volatile uint64_t keep = 0;
  for (uint64_t s : sink) keep = keep + s;
  return best;
}

}  // namespace owl::kernels
