// gpt-oss's Hugging Face expert tensors turned into the stacked per-expert matrices the kernels
// multiply ({in, out, n_experts}, GGUF's layout). The published checkpoint stores the experts in
// MXFP4 as two U8 tensors per projection: "<name>_blocks" [E, out, in/32, 16] and
// "<name>_scales" [E, out, in/32] (OCP MX: byte i of a block holds element 2i in its low nibble
// and 2i + 1 in its high nibble; one E8M0 exponent per 32 elements). Dequantized checkpoints
// store "<name>" [E, in, out] (x @ W). gate_up_proj interleaves its outputs: gate even, up odd.
#pragma once

#include <cstdint>
#include <string>

#include "model/weights.h"
#include "tensor/tensor.h"

namespace owl {

// GGUF MXFP4 rows (BlockMXFP4: exponent byte, then element j in the low and j + 16 in the high
// nibble of byte j) of rows offset, offset + stride, ... of the HF blocks/scales. The result
// {in, out / stride, n_experts} is owned by the arena. Exact (a nibble permutation).
TensorView mxfp4_experts_from_hf(const TensorView& blocks, const TensorView& scales, int32_t stride,
                                 int32_t offset, WeightArena& arena, const std::string& name);

// A dense HF [E, in, out] tensor (ggml {out, in, E}; F32, F16 or BF16) transposed into
// {in, out / stride, E} of the same type, taking outputs offset, offset + stride, ...
TensorView dense_experts_from_hf(const TensorView& w, int32_t stride, int32_t offset,
                                 WeightArena& arena, const std::string& name);

// Every stride-th value starting at offset of each row of an [E][n] f32 array: [E][n / stride].
float* deinterleave_rows(const float* x, int64_t rows, int64_t n, int32_t stride, int32_t offset,
                         WeightArena& arena);

}  // namespace owl
