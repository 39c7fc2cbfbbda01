// Memory-bandwidth probe: the roofline `owl bench` compares generation speed against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/aligned_buffer.h"

namespace owl {
class ThreadPool;
}

namespace owl::kernels {

// Streaming-read bandwidth in GB/s (1e9 bytes/s) with all threads of a pool: each thread reads
// its own slice of a buffer of `bytes` (far beyond the caches). The buffer is allocated and
// touched once, so the probe can be repeated between other measurements.
class BandwidthProbe {
 public:
  explicit BandwidthProbe(ThreadPool& pool, size_t bytes = size_t{512} << 20);
  // The best of 5 full reads.
  double measure();

 private:
  ThreadPool& pool_;
  size_t slice_ = 0;
  AlignedBuffer<uint8_t> buf_;
  std::vector<uint64_t> sink_;
};

// One probe of `bytes` (default 1 GiB).
double measure_bandwidth_gbs(ThreadPool& pool, size_t bytes = size_t{1} << 30);

}  // namespace owl::kernels
