// Sliding-window layer patterns from config.json or GGUF metadata.
#include "model/blocks/sliding_window.h"

#include <string>

#include "base/error.h"
#include "formats/gguf.h"

namespace owl {
namespace {

std::vector<uint8_t> pattern_layers(int32_t n_layers, int32_t pattern) {
  std::vector<uint8_t> layers(n_layers, 0);
  for (int32_t i = 0; i < n_layers; ++i) layers[i] = i % pattern < pattern - 1 ? 1 : 0;
  return layers;
}

// transformers' layer_types: "sliding_attention" / "full_attention" per layer.
std::vector<uint8_t> hf_layer_types(const ConfigReader& r, const nlohmann::json& types,
                                    int32_t n_layers) {
  if (!types.is_array() || types.size() != static_cast<size_t>(n_layers)) {
    fail("{}: field \"layer_types\" must be a list of {} entries (one per layer)", r.path(),
         n_layers);
  }
  std::vector<uint8_t> layers;
  for (const nlohmann::json& t : types) {
    const std::string s = t.is_string() ? t.get<std::string>() : t.dump();
    if (s != "sliding_attention" && s != "full_attention") {
      fail("{}: layer_types entry \"{}\" is not supported (sliding_attention, full_attention)",
           r.path(), s);
    }
    layers.push_back(s == "sliding_attention" ? 1 : 0);
  }
  return layers;
}

}  // namespace

void read_sliding_window(const ConfigReader& r, ModelConfig& c, int32_t default_pattern) {
  c.sliding_window = r.get_int("sliding_window", ".attention.sliding_window", 0);
  c.swa_layers.clear();
  if (c.sliding_window < 0) fail("{}: negative sliding window {}", r.path(), c.sliding_window);
  if (c.sliding_window == 0) return;
  const nlohmann::json* hf = r.hf_json();
  if (hf != nullptr && hf->contains("layer_types") && !(*hf)["layer_types"].is_null()) {
    c.swa_layers = hf_layer_types(r, (*hf)["layer_types"], c.n_layers);
    // GGUF holds a period: the smallest one that reproduces the list, if any.
    for (int32_t p = 1; p <= c.n_layers; ++p) {
      if (pattern_layers(c.n_layers, p) == c.swa_layers) {
        r.record(".attention.sliding_window_pattern", gguf::Value::u32(static_cast<uint32_t>(p)));
        break;
      }
    }
    return;
  }
  const int32_t pattern =
      r.get_int("sliding_window_pattern", ".attention.sliding_window_pattern", default_pattern);
  if (pattern <= 0) fail("{}: sliding window pattern {} must be positive", r.path(), pattern);
  r.record(".attention.sliding_window_pattern", gguf::Value::u32(static_cast<uint32_t>(pattern)));
  c.swa_layers = pattern_layers(c.n_layers, pattern);
}

}  // namespace owl
