// safetensors files (Hugging Face): 8-byte header length, JSON header, raw little-endian data.
// Read: tensors as views into a read-only mapping, in ggml order. Write: as HF's library does.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/mapped_file.h"
#include "tensor/tensor.h"

namespace owl::safetensors {

// The "dtype" strings of the header, in the order of HF's Dtype enum (its writer sorts by it).
enum class RawDType {
  kBool,
  kU8,
  kI8,
  kF8_E5M2,
  kF8_E4M3,
  kI16,
  kU16,
  kF16,
  kBF16,
  kI32,
  kU32,
  kF32,
  kF64,
  kI64,
  kU64,
};

std::string_view raw_dtype_name(RawDType t);  // "F32", "BF16", "F8_E4M3", ...
std::optional<RawDType> raw_dtype_from_name(std::string_view name);
size_t raw_dtype_size(RawDType t);
// The owl DType with the same storage, used for TensorView::type. F32, F16, BF16, F64, I8, I16,
// I32 and I64 are themselves; BOOL, U8 and the F8 types are viewed as kI8, U16 as kI16, U32 as
// kI32 and U64 as kI64: look at Tensor::raw before reading their values (e.g. MXFP4 weights
// come as U8 "*_blocks"/"*_scales" tensors).
DType storage_dtype(RawDType t);
// The safetensors dtype for an owl DType (nullopt for quantized types, which HF cannot hold).
std::optional<RawDType> raw_dtype_for(DType t);

struct Tensor {
  // ggml order: HF shape [out, in] becomes ne = {in, out}. A scalar (shape []) has n_dims 1 and
  // ne = {1, 1, 1, 1}; more than 4 HF dimensions fold the leading ones into ne[3].
  TensorView view;
  RawDType raw = RawDType::kF32;  // the dtype as written in the file
  std::vector<int64_t> shape;     // HF order, exactly as in the header
};

class File {
 public:
  // Parses and validates the header: JSON, known dtypes, shapes, data offsets inside the data
  // section, sizes == elements * itemsize, no overlapping tensors, no duplicate names. Throws
  // owl::Error starting with the path.
  static std::unique_ptr<File> open(const std::string& path);

  const std::string& path() const { return map_.path(); }
  size_t file_size() const { return map_.size(); }
  size_t data_offset() const { return data_offset_; }  // 8 + header length
  // The whole mapped file (tensor views point inside it).
  const uint8_t* file_data() const { return map_.data(); }
  // The "__metadata__" object (string to string); empty when absent.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // In header order.
  const std::vector<Tensor>& tensors() const { return tensors_; }
  const Tensor* find(std::string_view name) const;

 private:
  friend class HeaderParser;
  File() = default;
  MappedFile map_;
  size_t data_offset_ = 0;
  std::map<std::string, std::string> metadata_;
  std::vector<Tensor> tensors_;
  std::map<std::string, size_t, std::less<>> index_;
};

// Fills dst (nbytes long, zero-filled) with a tensor's bytes at write time.
using FillFn = std::function<void(uint8_t* dst, size_t nbytes)>;

class Writer {
 public:
  enum class Order {
    kHuggingFace,  // HF's safetensors library: dtype (widest first), then name
    kInsertion,    // the order tensors were added
  };

  Writer();  // metadata starts as {"format": "pt"}, as transformers' save_pretrained writes
  void set_metadata(std::string key, std::string value);
  void clear_metadata();  // no "__metadata__" at all
  void set_order(Order order) { order_ = order; }

  // shape is in HF order; bytes.size() must equal elements * itemsize.
  void add_tensor(std::string name, RawDType dtype, std::vector<int64_t> shape,
                  std::vector<uint8_t> bytes);
  void add_tensor(std::string name, RawDType dtype, std::vector<int64_t> shape, FillFn fill);
  // A ggml-order view (F32/F16/BF16/F64/I8..I64): shape reversed, bytes copied at write time
  // (the viewed memory must outlive write()).
  void add_tensor(std::string name, const TensorView& view);

  // Writes path + ".tmp", then renames it to path. The JSON header is compact, "__metadata__"
  // first, tensors in data order, padded with spaces to a multiple of 8 bytes (as HF's writer).
  void write(const std::string& path) const;

 private:
  struct Pending {
    std::string name;
    RawDType dtype;
    std::vector<int64_t> shape;
    size_t nbytes;
    std::vector<uint8_t> bytes;
    FillFn fill;
  };
  size_t check(const std::string& name, RawDType dtype, const std::vector<int64_t>& shape) const;
  std::map<std::string, std::string> metadata_;
  bool has_metadata_ = true;
  Order order_ = Order::kHuggingFace;
  std::vector<Pending> tensors_;
};

}  // namespace owl::safetensors
