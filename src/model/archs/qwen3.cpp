// Qwen3 (dense): the decoder with RMSNorm over each head of Q and K before RoPE, no QKV bias,
// NeoX RoPE, head_dim independent of hidden_size / n_heads.
#include "model/archs/archs.h"
#include "model/blocks/dense_decoder.h"
#include "model/decoder_config.h"

namespace owl::archs {
namespace {

ModelConfig read_config(const ConfigReader& r) {
  ModelConfig c = read_decoder_config(r);
  c.arch = "qwen3";
  c.rope.style = RopeStyle::kNeox;
  return c;
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  DenseDecoderOptions o;
  o.qk_norm = true;
  return std::make_unique<DenseDecoder>(std::move(c), o, w);
}

}  // namespace

const Architecture& qwen3() {
  static const Architecture a{"qwen3", {"Qwen3ForCausalLM"}, {"qwen3"}, "qwen3", read_config, build};
  return a;
}

}  // namespace owl::archs
