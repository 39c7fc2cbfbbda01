// Asking for small, cold data ahead of use. During generation the weights stream through the
// caches once per token and evict everything else, so the little a step reads besides them
// (a norm's weights, the KV cache rows a token writes) comes from DRAM at full latency unless
// asked for one long matmul earlier.
#pragma once

#include <cstddef>
#include <cstdint>

namespace owl {

// Asks for the cache lines of [p, p + bytes) into L2, to be read (or written) later.
inline void prefetch_to_l2(const void* p, size_t bytes, bool for_write = false) {
  if (p == nullptr) return;
  const auto* b = static_cast<const uint8_t*>(p);
  const uintptr_t first = reinterpret_cast<uintptr_t>(b) & ~uintptr_t{63};
  for (uintptr_t a = first; a < reinterpret_cast<uintptr_t>(b) + bytes; a += 64) {
    if (for_write) {
      __builtin_prefetch(reinterpret_cast<const void*>(a), 1, 2);
    } else {
      __builtin_prefetch(reinterpret_cast<const void*>(a), 0, 2);
    }
  }
}

}  // namespace owl
