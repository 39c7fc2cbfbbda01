// Re-layout of gpt-oss's Hugging Face expert tensors at load.
#include "model/blocks/hf_experts.h"

#include <cstring>

#include "base/error.h"
#include "tensor/blocks.h"

namespace owl {

TensorView mxfp4_experts_from_hf(const TensorView& blocks, const TensorView& scales, int32_t stride,
                                 int32_t offset, WeightArena& arena, const std::string& name) {
  // blocks: ggml {16, in/32, out, E}; scales: {in/32, out, E}.
  const int64_t nb = blocks.ne[1], out = blocks.ne[2], experts = blocks.ne[3];
  if (blocks.ne[0] != 16 || scales.ne[0] != nb || scales.ne[1] != out || scales.ne[2] != experts ||
      blocks.nbytes != static_cast<size_t>(16 * nb * out * experts) ||
      scales.nbytes != static_cast<size_t>(nb * out * experts) || out % stride != 0) {
    fail("{}: MXFP4 blocks {} and scales {} do not fit together", name, blocks.shape_string(),
         scales.shape_string());
  }
  const int64_t rows = out / stride;
  TensorView t;
  t.name = name;
  t.type = DType::kMXFP4;
  t.n_dims = 3;
  t.ne = {nb * 32, rows, experts, 1};
  t.nbytes = sizeof(BlockMXFP4) * static_cast<size_t>(nb * rows * experts);
  auto* dst = reinterpret_cast<BlockMXFP4*>(arena.alloc_bytes(t.nbytes));
  for (int64_t e = 0; e < experts; ++e) {
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t src_row = e * out + r * stride + offset;
      for (int64_t b = 0; b < nb; ++b) {
        const uint8_t* q = blocks.data + (src_row * nb + b) * 16;
        // HF element k sits in byte k / 2, low nibble when k is even.
        auto code = [q](int k) { return (q[k >> 1] >> ((k & 1) * 4)) & 0x0F; };
        BlockMXFP4& o = dst[(e * rows + r) * nb + b];
        o.e = scales.data[src_row * nb + b];
        for (int j = 0; j < 16; ++j) o.qs[j] = static_cast<uint8_t>(code(j) | (code(j + 16) << 4));
      }
    }
  }
  t.data = reinterpret_cast<const uint8_t*>(dst);
  return t;
}

TensorView dense_experts_from_hf(const TensorView& w, int32_t stride, int32_t offset,
                                 WeightArena& arena, const std::string& name) {
  if (w.type != DType::kF32 && w.type != DType::kF16 && w.type != DType::kBF16) {
    fail("{}: expert weights of type {} (expected F32, F16 or BF16)", name, dtype_name(w.type));
  }
  const int64_t out = w.ne[0], in = w.ne[1], experts = w.ne[2];
  if (out % stride != 0) fail("{}: {} outputs cannot be split in {}", name, out, stride);
  const int64_t rows = out / stride;
  const size_t es = static_cast<size_t>(block_bytes(w.type));
  TensorView t;
  t.name = name;
  t.type = w.type;
  t.n_dims = 3;
  t.ne = {in, rows, experts, 1};
  t.nbytes = es * static_cast<size_t>(in * rows * experts);
  uint8_t* dst = arena.alloc_bytes(t.nbytes);
  for (int64_t e = 0; e < experts; ++e) {
    for (int64_t i = 0; i < in; ++i) {
      const uint8_t* src = w.data + ((e * in + i) * out) * es;
      for (int64_t r = 0; r < rows; ++r) {
        std::memcpy(dst + ((e * rows + r) * in + i) * es, src + (r * stride + offset) * es, es);
      }
    }
  }
  t.data = dst;
  return t;
}

float* deinterleave_rows(const float* x, int64_t rows, int64_t n, int32_t stride, int32_t offset,
                         WeightArena& arena) {
  const int64_t m = n / stride;
  float* out = arena.alloc(static_cast<size_t>(rows * m));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < m; ++i) out[r * m + i] = x[r * n + i * stride + offset];
  }
  return out;
}

}  // namespace owl
