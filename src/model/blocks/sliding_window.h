// Which layers attend through a sliding window: config.json's layer_types or
// sliding_window_pattern, GGUF's attention.sliding_window(_pattern).
#pragma once

#include <cstdint>

#include "model/config.h"
#include "model/config_reader.h"

namespace owl {

// Sets c.sliding_window and c.swa_layers (c.n_layers must be set). With a pattern p, layer i
// slides iff i % p < p - 1 (llama.cpp's set_swa_pattern; transformers' (i + 1) % p != 0), so
// the last layer of every p is global; default_pattern applies when the source names none.
// Records the window and the pattern under their GGUF keys (synth).
void read_sliding_window(const ConfigReader& r, ModelConfig& c, int32_t default_pattern);

// True if layer il of c attends through the sliding window.
inline bool is_sliding_layer(const ModelConfig& c, int32_t il) {
  return c.sliding_window > 0 && il < static_cast<int32_t>(c.swa_layers.size()) &&
         c.swa_layers[il] != 0;
}

}  // namespace owl
