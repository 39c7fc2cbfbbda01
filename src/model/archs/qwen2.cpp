// Qwen2 / Qwen2.5: the dense decoder with biases on the Q, K and V projections, NeoX RoPE.
#include "model/archs/archs.h"
#include "model/blocks/dense_decoder.h"
#include "model/decoder_config.h"

namespace owl::archs {
namespace {

ModelConfig read_config(const ConfigReader& r) {
  ModelConfig c = read_decoder_config(r);
  c.arch = "qwen2";
  c.rope.style = RopeStyle::kNeox;
  return c;
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  DenseDecoderOptions o;
  o.qkv_bias = true;
  return std::make_unique<DenseDecoder>(std::move(c), o, w);
}

}  // namespace

const Architecture& qwen2() {
  static const Architecture a{"qwen2", {"Qwen2ForCausalLM"}, {"qwen2"}, "", read_config, build};
  return a;
}

}  // namespace owl::archs
