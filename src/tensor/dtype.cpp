// The table of element types: names, block sizes and block bytes (ggml's layouts).
#include "tensor/dtype.h"

#include <array>
#include <cctype>
#include <string>

#include "base/error.h"

namespace owl {
namespace {

constexpr std::array<DTypeInfo, 23> kTypes = {{
    {DType::kF32, "f32", 1, 4, false},
    {DType::kF16, "f16", 1, 2, false},
    {DType::kQ4_0, "q4_0", 32, 18, true},
    {DType::kQ4_1, "q4_1", 32, 20, true},
    {DType::kQ5_0, "q5_0", 32, 22, true},
    {DType::kQ5_1, "q5_1", 32, 24, true},
    {DType::kQ8_0, "q8_0", 32, 34, true},
    {DType::kQ8_1, "q8_1", 32, 36, true},
    {DType::kQ2_K, "q2_K", 256, 84, true},
    {DType::kQ3_K, "q3_K", 256, 110, true},
    {DType::kQ4_K, "q4_K", 256, 144, true},
    {DType::kQ5_K, "q5_K", 256, 176, true},
    {DType::kQ6_K, "q6_K", 256, 210, true},
    {DType::kQ8_K, "q8_K", 256, 292, true},
    {DType::kIQ4_NL, "iq4_nl", 32, 18, true},
    {DType::kIQ4_XS, "iq4_xs", 256, 136, true},
    {DType::kI8, "i8", 1, 1, false},
    {DType::kI16, "i16", 1, 2, false},
    {DType::kI32, "i32", 1, 4, false},
    {DType::kI64, "i64", 1, 8, false},
    {DType::kF64, "f64", 1, 8, false},
    {DType::kBF16, "bf16", 1, 2, false},
    {DType::kMXFP4, "mxfp4", 32, 17, true},
}};

}  // namespace

const DTypeInfo* dtype_info(uint32_t id) {
  for (const DTypeInfo& i : kTypes) {
    if (static_cast<uint32_t>(i.type) == id) return &i;
  }
  return nullptr;
}

const DTypeInfo& dtype_info(DType type) {
  const DTypeInfo* i = dtype_info(static_cast<uint32_t>(type));
  if (i == nullptr) fail("unknown tensor type id {}", static_cast<uint32_t>(type));
  return *i;
}

std::optional<DType> dtype_from_name(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const DTypeInfo& i : kTypes) {
    std::string n;
    for (char c : i.name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (n == lower) return i.type;
  }
  return std::nullopt;
}

}  // namespace owl
