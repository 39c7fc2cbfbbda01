// A view of a tensor's bytes (usually inside a read-only mapped file) with its type and shape.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "tensor/dtype.h"

namespace owl {

// Shape in ggml order: ne[0] is the row length (contiguous), ne[1] the number of rows, ne[2] and
// ne[3] stack matrices (e.g. experts). A Hugging Face [out, in] matrix has ne = {in, out}.
struct TensorView {
  std::string name;
  DType type = DType::kF32;
  int n_dims = 0;
  std::array<int64_t, 4> ne = {1, 1, 1, 1};
  const uint8_t* data = nullptr;
  size_t nbytes = 0;
  // Optional: the same weight re-laid out at load by kernels::repack into interleaved row panels
  // (matmul reads these instead of `data`; get_row and the levels without a panel path read
  // `data`). For stacked matrices the panels of matrix i start at panel_offset + i * panel_matrix_bytes.
  std::shared_ptr<uint8_t[]> panels;
  size_t panel_stride = 0;        // bytes per panel
  size_t panel_offset = 0;        // bytes before this matrix's first panel
  size_t panel_matrix_bytes = 0;  // bytes of one matrix's panels

  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
  size_t row_bytes() const { return owl::row_bytes(type, ne[0]); }
  const uint8_t* row(int64_t i) const { return data + static_cast<size_t>(i) * row_bytes(); }
  // The i-th matrix of a stacked [ne2][ne1][ne0] tensor (e.g. one expert).
  TensorView matrix(int64_t i) const;
  std::string shape_string() const;  // "[4096, 32000]" in ggml order
};

}  // namespace owl
