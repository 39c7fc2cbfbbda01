// Per-layer key/value cache: for each sequence slot a contiguous run of positions.
#pragma once

#include <cstdint>
#include <vector>

#include "base/aligned_buffer.h"

namespace owl {

struct KvLayerShape {
  int32_t k_width = 0;  // floats per position for keys (n_kv_heads * head_dim, or a latent)
  int32_t v_width = 0;  // floats per position for values (0: the layer caches keys only)
};

class KvCache {
 public:
  // One entry per layer; n_slots sequences of n_ctx positions each.
  KvCache(const std::vector<KvLayerShape>& layers, int32_t n_slots, int32_t n_ctx);

  int32_t n_slots() const { return n_slots_; }
  int32_t n_ctx() const { return n_ctx_; }
  int32_t n_layers() const { return static_cast<int32_t>(layers_.size()); }
  const KvLayerShape& shape(int32_t layer) const { return layers_[layer].shape; }

  // [n_ctx][k_width] keys of one slot in one layer; row p is position p.
  float* keys(int32_t layer, int32_t slot) {
    return layers_[layer].k.data() + static_cast<size_t>(slot) * n_ctx_ * layers_[layer].shape.k_width;
  }
  const float* keys(int32_t layer, int32_t slot) const {
    return const_cast<KvCache*>(this)->keys(layer, slot);
  }
  // [n_ctx][v_width]
  float* values(int32_t layer, int32_t slot) {
    return layers_[layer].v.data() + static_cast<size_t>(slot) * n_ctx_ * layers_[layer].shape.v_width;
  }
  const float* values(int32_t layer, int32_t slot) const {
    return const_cast<KvCache*>(this)->values(layer, slot);
  }
  size_t bytes() const;

 private:
  struct Layer {
    KvLayerShape shape;
    AlignedBuffer<float> k;  // [n_slots][n_ctx][k_width]
    AlignedBuffer<float> v;  // [n_slots][n_ctx][v_width]
  };
  std::vector<Layer> layers_;
  int32_t n_slots_;
  int32_t n_ctx_;
};

}  // namespace owl
