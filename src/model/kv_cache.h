// Per-layer key/value cache: for each sequence slot and KV head a contiguous run of positions
// (head-major, so one head's keys are adjacent in memory and decoding streams them), stored as
// f32 (the default: what the reference logits were made with) or f16 (half the memory and half
// the bytes attention reads per generated token; llama.cpp's default cache type).
#pragma once

#include <cstdint>
#include <vector>

#include "base/aligned_buffer.h"
#include "tensor/tensor.h"

namespace owl {

struct KvLayerShape {
  int32_t k_width = 0;  // elements per position for keys (n_kv_heads * head_dim, or a latent)
  int32_t v_width = 0;  // elements per position for values (0: the layer caches keys only)
  int32_t n_heads = 1;  // KV heads the widths split into (each head's rows kept together)
  bool f32_only = false;  // read as f32 by code outside the attention kernel (MLA's latent)
};

class KvCache {
 public:
  // One entry per layer; n_slots sequences of n_ctx positions each. type is kF32 or kF16
  // (layers marked f32_only stay f32).
  KvCache(const std::vector<KvLayerShape>& layers, int32_t n_slots, int32_t n_ctx,
          DType type = DType::kF32);

  int32_t n_slots() const { return n_slots_; }
  int32_t n_ctx() const { return n_ctx_; }
  int32_t n_layers() const { return static_cast<int32_t>(layers_.size()); }
  const KvLayerShape& shape(int32_t layer) const { return layers_[layer].shape; }
  DType type(int32_t layer) const { return layers_[layer].type; }

  // Keys of one slot in one layer, in type(layer): [n_heads][n_ctx][k_width / n_heads], row p
  // of a head being position p (one head: simply [n_ctx][k_width]).
  void* key_data(int32_t layer, int32_t slot) { return data(layers_[layer], layers_[layer].k, slot, layers_[layer].shape.k_width); }
  const void* key_data(int32_t layer, int32_t slot) const { return const_cast<KvCache*>(this)->key_data(layer, slot); }
  // [n_heads][n_ctx][v_width / n_heads]
  void* value_data(int32_t layer, int32_t slot) { return data(layers_[layer], layers_[layer].v, slot, layers_[layer].shape.v_width); }
  const void* value_data(int32_t layer, int32_t slot) const { return const_cast<KvCache*>(this)->value_data(layer, slot); }
  // Elements between the first rows of consecutive heads of a slot (keys, values).
  int64_t key_head_stride(int32_t layer) const {
    return static_cast<int64_t>(n_ctx_) * (layers_[layer].shape.k_width / layers_[layer].shape.n_heads);
  }
  int64_t value_head_stride(int32_t layer) const {
    return static_cast<int64_t>(n_ctx_) * (layers_[layer].shape.v_width / layers_[layer].shape.n_heads);
  }
  // The same as f32 (an error for an f16 layer).
  float* keys(int32_t layer, int32_t slot);
  const float* keys(int32_t layer, int32_t slot) const { return const_cast<KvCache*>(this)->keys(layer, slot); }
  float* values(int32_t layer, int32_t slot);
  const float* values(int32_t layer, int32_t slot) const { return const_cast<KvCache*>(this)->values(layer, slot); }
  size_t bytes() const;

 private:
  struct Layer {
    KvLayerShape shape;
    DType type = DType::kF32;
    size_t elem = 4;              // bytes per element
    AlignedBuffer<uint8_t> k;     // [n_slots][n_ctx][k_width]
    AlignedBuffer<uint8_t> v;     // [n_slots][n_ctx][v_width]
  };
  void* data(Layer& l, AlignedBuffer<uint8_t>& b, int32_t slot, int32_t width) {
    return b.data() + static_cast<size_t>(slot) * n_ctx_ * width * l.elem;
  }
  std::vector<Layer> layers_;
  int32_t n_slots_;
  int32_t n_ctx_;
};

}  // namespace owl
