// KV cache storage.
#include "model/kv_cache.h"

namespace owl {

KvCache::KvCache(const std::vector<KvLayerShape>& layers, int32_t n_slots, int32_t n_ctx)
    : layers_(layers.size()), n_slots_(n_slots), n_ctx_(n_ctx) {
  for (size_t i = 0; i < layers.size(); ++i) {
    layers_[i].shape = layers[i];
    const size_t per_slot = static_cast<size_t>(n_ctx);
    layers_[i].k.resize(per_slot * n_slots * layers[i].k_width);
    layers_[i].v.resize(per_slot * n_slots * layers[i].v_width);
  }
}

size_t KvCache::bytes() const {
  size_t b = 0;
  for (const Layer& l : layers_) b += (l.k.size() + l.v.size()) * sizeof(float);
  return b;
}

}  // namespace owl
