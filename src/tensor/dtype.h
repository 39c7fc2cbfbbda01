// Element types of weights and activations. Numeric values are ggml's type ids (GGUF stores them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace owl {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ4_NL = 20,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kBF16 = 30,
  kMXFP4 = 39,
};

struct DTypeInfo {
  DType type;
  std::string_view name;  // as ggml prints it: "f32", "q4_K", ...
  int block_elems;        // elements per block (1 for plain types)
  int block_bytes;        // bytes per block
  bool quantized;
};

// Traits of a known type; nullptr for an id owl does not know.
const DTypeInfo* dtype_info(uint32_t id);
const DTypeInfo& dtype_info(DType type);

inline std::string_view dtype_name(DType t) { return dtype_info(t).name; }
inline int block_elems(DType t) { return dtype_info(t).block_elems; }
inline int block_bytes(DType t) { return dtype_info(t).block_bytes; }

// Bytes of a row of n elements (n must be a multiple of the block size).
inline size_t row_bytes(DType t, int64_t n) {
  const DTypeInfo& i = dtype_info(t);
  return static_cast<size_t>(n / i.block_elems) * static_cast<size_t>(i.block_bytes);
}

// Parses a type name, case-insensitive ("q4_k", "Q8_0", "bf16").
std::optional<DType> dtype_from_name(std::string_view name);

}  // namespace owl
