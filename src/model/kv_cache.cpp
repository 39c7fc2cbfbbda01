// KV cache storage.
#include "model/kv_cache.h"

#include "base/error.h"

namespace owl {

KvCache::KvCache(const std::vector<KvLayerShape>& layers, int32_t n_slots, int32_t n_ctx, DType type)
    : layers_(layers.size()), n_slots_(n_slots), n_ctx_(n_ctx) {
  OWL_CHECK(type == DType::kF32 || type == DType::kF16, "KV cache type {} is not f32 or f16",
            dtype_name(type));
  for (size_t i = 0; i < layers.size(); ++i) {
    OWL_CHECK(layers[i].n_heads >= 1 && layers[i].k_width % layers[i].n_heads == 0 &&
                  layers[i].v_width % layers[i].n_heads == 0,
              "KV layer {}: widths {} / {} do not split into {} heads", i, layers[i].k_width,
              layers[i].v_width, layers[i].n_heads);
    Layer& l = layers_[i];
    l.shape = layers[i];
    l.type = layers[i].f32_only ? DType::kF32 : type;
    l.elem = l.type == DType::kF16 ? 2 : 4;
    const size_t per_slot = static_cast<size_t>(n_ctx) * l.elem;
    l.k.resize(per_slot * n_slots * layers[i].k_width);
    l.v.resize(per_slot * n_slots * layers[i].v_width);
  }
}

float* KvCache::keys(int32_t layer, int32_t slot) {
  OWL_CHECK(layers_[layer].type == DType::kF32, "layer {} caches f16 keys, not f32", layer);
  return static_cast<float*>(key_data(layer, slot));
}

float* KvCache::values(int32_t layer, int32_t slot) {
  OWL_CHECK(layers_[layer].type == DType::kF32, "layer {} caches f16 values, not f32", layer);
  return static_cast<float*>(value_data(layer, slot));
}

size_t KvCache::bytes() const {
  size_t b = 0;
  for (const Layer& l : layers_) b += l.k.size() + l.v.size();
  return b;
}

}  // namespace owl
