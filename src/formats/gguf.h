// GGUF files (versions 2 and 3): metadata, tensor infos and the tensor data, mapped read-only.
// Spec: ggml's docs/gguf.md. Keys follow llama.cpp's names ("general.architecture",
// "llama.block_count", "tokenizer.ggml.tokens", ...).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/mapped_file.h"
#include "tensor/tensor.h"

namespace owl::gguf {

enum class ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

std::string_view value_type_name(ValueType t);

// Alignment of tensor data when general.alignment is absent (GGUF spec).
constexpr size_t kDefaultAlignment = 32;
// Arrays may nest; deeper nesting than this is rejected (no real file nests at all).
constexpr int kMaxArrayDepth = 16;
// Upper bound on the number of metadata values (array elements included) in one file, so a
// corrupted count cannot make the reader allocate gigabytes. Real vocabularies (tokens, scores,
// types, merges of a 262k-token model) need about 1M.
constexpr uint64_t kMaxMetadataValues = uint64_t{1} << 24;

// A metadata value: a scalar, a string, or an array of values (arrays may nest).
class Value {
 public:
  Value() = default;
  static Value u8(uint8_t v) { return integer(ValueType::kU8, v); }
  static Value i8(int8_t v) { return integer(ValueType::kI8, v); }
  static Value u16(uint16_t v) { return integer(ValueType::kU16, v); }
  static Value i16(int16_t v) { return integer(ValueType::kI16, v); }
  static Value u32(uint32_t v) { return integer(ValueType::kU32, v); }
  static Value i32(int32_t v) { return integer(ValueType::kI32, v); }
  static Value u64(uint64_t v) { return integer(ValueType::kU64, static_cast<int64_t>(v)); }
  static Value i64(int64_t v) { return integer(ValueType::kI64, v); }
  static Value f32(float v);
  static Value f64(double v);
  static Value boolean(bool v);
  static Value string(std::string v);
  // An array whose elements all have type elem (for an empty array, elem is still recorded).
  static Value array(ValueType elem, std::vector<Value> items);

  ValueType type() const { return type_; }
  bool is_integer() const;
  bool is_float() const { return type_ == ValueType::kF32 || type_ == ValueType::kF64; }
  bool is_number() const { return is_integer() || is_float(); }

  // Accessors return nullopt on a type mismatch (integers convert to double in as_double).
  std::optional<int64_t> as_int() const;
  std::optional<uint64_t> as_uint() const;
  std::optional<double> as_double() const;
  std::optional<bool> as_bool() const;
  // The exact f32 as stored (bit for bit, NaN payloads included); nullopt unless type is f32.
  std::optional<float> as_f32() const;
  const std::string* as_string() const;

  // Arrays.
  ValueType elem_type() const { return elem_; }
  const std::vector<Value>& items() const { return items_; }

  // A short human-readable rendering (long arrays abbreviated), for `owl info`.
  std::string to_display_string(size_t max_items = 8) const;

  // Same type, same element type and same contents (floats compared bit for bit).
  bool operator==(const Value& other) const;

 private:
  static Value integer(ValueType t, int64_t v);
  ValueType type_ = ValueType::kU8;
  ValueType elem_ = ValueType::kU8;
  int64_t i_ = 0;   // integers and bool (u64 stored bit-cast); f32: its exact bits
  double f_ = 0.0;  // f32/f64
  std::string s_;
  std::vector<Value> items_;
};

// An opened GGUF file. Tensor data points into the read-only mapping: no weight is copied.
class File {
 public:
  // Parses and validates header, metadata and tensor infos; throws owl::Error naming the file
  // and what is wrong (bad magic, unsupported version, truncation, unknown tensor type, tensor
  // data outside the file, overlapping or misaligned offsets, ...).
  static std::unique_ptr<File> open(const std::string& path);

  const std::string& path() const { return map_.path(); }
  uint32_t version() const { return version_; }
  size_t alignment() const { return alignment_; }
  size_t data_offset() const { return data_offset_; }
  size_t file_size() const { return map_.size(); }
  // The whole mapped file (tensor views point inside it).
  const uint8_t* file_data() const { return map_.data(); }

  // Metadata in file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const { return metadata_; }
  const Value* find(std::string_view key) const;

  // Typed lookups: nullopt when absent; owl::Error naming file and key when present with the
  // wrong type.
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;
  // An array value (nullptr when absent; owl::Error when present but not an array).
  const Value* get_array(std::string_view key) const;

  // general.architecture (empty if absent).
  std::string architecture() const;

  const std::vector<TensorView>& tensors() const { return tensors_; }
  const TensorView* tensor(std::string_view name) const;

  void prefetch() const { map_.prefetch(); }

 private:
  friend class FileParser;
  File() = default;
  MappedFile map_;
  uint32_t version_ = 0;
  size_t alignment_ = 32;
  size_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t, std::less<>> metadata_index_;  // key -> index in metadata_
  std::map<std::string, size_t, std::less<>> tensor_index_;    // name -> index in tensors_
};

}  // namespace owl::gguf
