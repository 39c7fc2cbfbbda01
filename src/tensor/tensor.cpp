// Tensor view helpers.
#include "tensor/tensor.h"

#include <fmt/format.h>

namespace owl {

TensorView TensorView::matrix(int64_t i) const {
  TensorView m = *this;
  m.n_dims = 2;
  m.ne = {ne[0], ne[1], 1, 1};
  m.nbytes = row_bytes() * static_cast<size_t>(ne[1]);
  m.data = data + m.nbytes * static_cast<size_t>(i);
  if (panels) m.panel_offset = panel_offset + panel_matrix_bytes * static_cast<size_t>(i);
  return m;
}

std::string TensorView::shape_string() const {
  std::string s = "[";
  for (int i = 0; i < n_dims; ++i) s += fmt::format("{}{}", i ? ", " : "", ne[i]);
  return s + "]";
}

}  // namespace owl
