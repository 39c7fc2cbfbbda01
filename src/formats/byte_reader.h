// Bounds-checked little-endian reading of an untrusted byte range (GGUF headers, llama2.c).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "base/error.h"

namespace owl::formats {

static_assert(std::endian::native == std::endian::little,
              "owl's file readers assume a little-endian host (as GGUF and safetensors are)");

// a + b, or nullopt-like saturation to SIZE_MAX when it overflows (for messages and checks).
inline uint64_t saturating_add(uint64_t a, uint64_t b) {
  uint64_t r;
  return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<uint64_t>::max() : r;
}

// Reads scalars and length-prefixed strings from [data, data + size). Every read checks the
// remaining length first and throws owl::Error "<path>: truncated: <context> ends at byte N but
// the file has M bytes", so no read ever leaves the range.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size, std::string_view path)
      : data_(data), size_(size), path_(path) {}

  size_t pos() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  std::string_view path() const { return path_; }

  // What is being read, for error messages ("metadata 3 (general.name)").
  void set_context(std::string context) { context_ = std::move(context); }
  const std::string& context() const { return context_; }

  // Throws unless n more bytes are available.
  void need(uint64_t n) const {
    if (n > remaining()) {
      fail("{}: truncated: {} ends at byte {} but the file has {} bytes", path_, context_,
           saturating_add(pos_, n), size_);
    }
  }

  template <typename T>
  T read() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // A view of the next n bytes (advances past them).
  std::string_view read_bytes(uint64_t n) {
    need(n);
    std::string_view v(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return v;
  }

  // GGUF string: u64 length, then the bytes (not NUL-terminated).
  std::string_view read_gguf_string() { return read_bytes(read<uint64_t>()); }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string_view path_;
  std::string context_;
};

}  // namespace owl::formats
