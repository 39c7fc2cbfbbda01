#include "base/huge_pages.h"

#include <sys/mman.h>

#include <cstdlib>

namespace owl {
namespace {

constexpr size_t kHuge = size_t{2} << 20;
constexpr size_t kPage = 4096;

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Whole pages; a tail shorter than a huge page stays in small pages (no memory is wasted on
// rounding up to 2 MiB).
size_t mapped_size(size_t bytes) { return round_up(bytes == 0 ? 1 : bytes, kPage); }

}  // namespace

void* map_pages(size_t bytes) {
  const size_t size = mapped_size(bytes);
  // Regions of a huge page or more: map one huge page extra and trim the ends so the region
  // starts 2 MiB aligned.
  const size_t slack = size >= kHuge ? kHuge : 0;
  void* raw = ::mmap(nullptr, size + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = slack > 0 ? round_up(base, kHuge) : base;
  if (start > base) ::munmap(raw, start - base);
  const uintptr_t end = base + size + slack;
  if (end > start + size) ::munmap(reinterpret_cast<void*>(start + size), end - (start + size));
  // Advice only: without THP support the region stays in 4 KiB pages and works the same.
  ::madvise(reinterpret_cast<void*>(start), size, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(start);
}

void unmap_pages(void* p, size_t bytes) {
  if (p != nullptr) ::munmap(p, mapped_size(bytes));
}

std::shared_ptr<uint8_t[]> shared_pages(size_t bytes) {
  void* p = map_pages(bytes);
  if (p == nullptr) return nullptr;
  return std::shared_ptr<uint8_t[]>(static_cast<uint8_t*>(p),
                                    [bytes](uint8_t* q) { unmap_pages(q, bytes); });
}

std::shared_ptr<uint8_t[]> PageArena::allocate(size_t bytes) {
  bytes = round_up(bytes == 0 ? 1 : bytes, 64);
  if (bytes >= chunk_bytes_ / 2) return shared_pages(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  if (chunk_ == nullptr || used_ + bytes > chunk_bytes_) {
    chunk_ = shared_pages(chunk_bytes_);
    used_ = 0;
    if (chunk_ == nullptr) return nullptr;
  }
  std::shared_ptr<uint8_t[]> piece(chunk_, chunk_.get() + used_);
  used_ += bytes;
  return piece;
}

}  // namespace owl
