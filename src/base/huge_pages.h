// Anonymous memory for large buffers that are streamed (packed weights, KV caches, the
// bandwidth probe): regions of 2 MiB or more are 2 MiB aligned and advised as transparent huge
// pages, so a stream of reads does not pay a page walk every 4 KiB. Pages are zero and
// committed on first touch. Smaller buffers that are streamed one after another (the packed
// weights of a small model's layers) share huge pages through a PageArena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace owl {

// At least `bytes` bytes, 2 MiB aligned; nullptr if the system has no memory to map.
void* map_pages(size_t bytes);
// Releases a map_pages(bytes) region.
void unmap_pages(void* p, size_t bytes);
// map_pages owned by a shared pointer; nullptr if out of memory.
std::shared_ptr<uint8_t[]> shared_pages(size_t bytes);

// Hands out 64-byte-aligned pieces of large huge-page chunks (map_pages), one after another.
// Each piece keeps its chunk mapped; a piece of half a chunk or more gets a mapping of its own.
// The unused tail of a chunk is address space only, except for the one huge page it starts in.
class PageArena {
 public:
  explicit PageArena(size_t chunk_bytes = size_t{64} << 20) : chunk_bytes_(chunk_bytes) {}
  // nullptr if out of memory.
  std::shared_ptr<uint8_t[]> allocate(size_t bytes);

 private:
  size_t chunk_bytes_;
  std::mutex mu_;
  std::shared_ptr<uint8_t[]> chunk_;
  size_t used_ = 0;
};

}  // namespace owl
