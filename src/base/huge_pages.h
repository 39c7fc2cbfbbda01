// Anonymous memory for large buffers that are streamed (packed weights, KV caches, the
// bandwidth probe): 2 MiB aligned and advised as transparent huge pages, so a stream of reads
// does not pay a page walk every 4 KiB. Pages are zero and committed on first touch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace owl {

// At least `bytes` bytes, 2 MiB aligned; nullptr if the system has no memory to map.
void* map_pages(size_t bytes);
// Releases a map_pages(bytes) region.
void unmap_pages(void* p, size_t bytes);
// map_pages owned by a shared pointer; nullptr if out of memory.
std::shared_ptr<uint8_t[]> shared_pages(size_t bytes);

}  // namespace owl
