// GGUF v3 writer: metadata in insertion order, tensors from owned bytes or filled at write time.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/gguf.h"
#include "tensor/tensor.h"

namespace owl::gguf {

// Writes a tensor's bytes into dst (nbytes long, zero-filled) when the file is written, so
// large synthetic models stream to disk without being held in memory.
using FillFn = std::function<void(uint8_t* dst, size_t nbytes)>;

class Writer {
 public:
  // Sets a metadata value. A new key goes last; setting an existing key replaces its value in
  // place (the order is kept). "general.alignment" (a power of two) sets the data alignment.
  void set(std::string key, Value value);
  bool remove(std::string_view key);
  const Value* find(std::string_view key) const;
  const std::vector<std::pair<std::string, Value>>& metadata() const { return metadata_; }

  // Adds a tensor (written in the order added). ne is in ggml order (ne[0] = row length),
  // entries past n_dims must be 1. bytes.size() must equal row_bytes(type, ne[0]) * rows.
  // Throws owl::Error on a duplicate name, a bad shape or a size mismatch.
  void add_tensor(std::string name, DType type, std::array<int64_t, 4> ne, int n_dims,
                  std::vector<uint8_t> bytes);
  void add_tensor(std::string name, DType type, std::array<int64_t, 4> ne, int n_dims, FillFn fill);
  // Copies view.data when the file is written (the viewed memory must outlive write()).
  void add_tensor(const TensorView& view);

  size_t n_tensors() const { return tensors_.size(); }
  size_t alignment() const;

  // Writes GGUF version 3 to path + ".tmp" and renames it to path, so a failure never leaves
  // a half-written file and never destroys an existing one. Every tensor's data starts at a
  // multiple of the alignment and is zero-padded to one (as llama.cpp's gguf-py writer does);
  // a file without tensors ends right after the header (as gguf-py's vocab-only files do).
  void write(const std::string& path) const;

 private:
  struct Tensor {
    std::string name;
    DType type;
    std::array<int64_t, 4> ne;
    int n_dims;
    size_t nbytes;
    std::vector<uint8_t> bytes;  // owned data, or empty when fill is set
    FillFn fill;
  };
  size_t check_tensor(const std::string& name, DType type, const std::array<int64_t, 4>& ne,
                      int n_dims) const;
  std::vector<uint8_t> header_bytes(size_t alignment) const;

  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<Tensor> tensors_;
};

}  // namespace owl::gguf
