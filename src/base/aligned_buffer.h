// Heap buffer aligned for SIMD loads (64 bytes: one cache line, one AVX-512 register).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "base/huge_pages.h"

namespace owl {

constexpr size_t kSimdAlignment = 64;

template <typename T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t n) { resize(n); }

  // Discards the contents; new memory is zero-filled. Large buffers (KV caches) are anonymous
  // mappings in huge pages (base/huge_pages.h): the kernel zero-fills pages on first touch, so
  // memory is committed only as used.
  void resize(size_t n) {
    if (n == size_) return;
    ptr_.reset();
    size_ = n;
    if (n == 0) return;
    size_t bytes = (n * sizeof(T) + kSimdAlignment - 1) / kSimdAlignment * kSimdAlignment;
    if (bytes >= kMapThreshold) {
      void* p = map_pages(bytes);
      if (p == nullptr) {
        size_ = 0;
        throw std::bad_alloc();
      }
      ptr_ = std::unique_ptr<T, Free>(static_cast<T*>(p), Free{bytes});
      return;
    }
    void* p = std::aligned_alloc(kSimdAlignment, bytes);
    if (p == nullptr) {
      size_ = 0;
      throw std::bad_alloc();
    }
    std::memset(p, 0, bytes);
    ptr_ = std::unique_ptr<T, Free>(static_cast<T*>(p), Free{0});
  }
  T* data() { return ptr_.get(); }
  const T* data() const { return ptr_.get(); }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return ptr_.get()[i]; }
  const T& operator[](size_t i) const { return ptr_.get()[i]; }

 private:
  static constexpr size_t kMapThreshold = size_t{4} << 20;
  struct Free {
    size_t mapped_bytes = 0;  // > 0: an mmap'ed region of that size
    void operator()(T* p) const {
      if (mapped_bytes > 0) {
        unmap_pages(p, mapped_bytes);
      } else {
        std::free(p);
      }
    }
  };
  std::unique_ptr<T, Free> ptr_{nullptr, Free{}};
  size_t size_ = 0;
};

}  // namespace owl
