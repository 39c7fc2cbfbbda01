// Llama 2 / 3.x (incl. llama3 rope scaling), Mistral, SmolLM, TinyStories: the dense decoder with
// RMSNorm, GQA and SwiGLU. GGUF files hold Q/K rows permuted by llama.cpp's converter so that
// adjacent-pair RoPE applies; Hugging Face folders hold them unpermuted for rotate_half RoPE.
#include "model/archs/archs.h"
#include "model/blocks/dense_decoder.h"
#include "model/decoder_config.h"

namespace owl::archs {
namespace {

ModelConfig read_config(const ConfigReader& r) {
  ModelConfig c = read_decoder_config(r);
  c.arch = "llama";
  c.rope.style = r.is_gguf() ? RopeStyle::kNorm : RopeStyle::kNeox;
  return c;
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  // llama3 scaling in GGUF: per-pair frequency divisors stored as a tensor (llama.cpp's converter
  // computes them from config.json's rope_scaling, and so do files owl writes).
  if (!c.rope.freq_factors.empty()) {
    w.record_values("rope_freqs.weight", "", c.rope.freq_factors);
  } else if (const float* f = w.vector("rope_freqs.weight", "", {c.rope.n_rot / 2}, false)) {
    c.rope.freq_factors.assign(f, f + c.rope.n_rot / 2);
  }
  return std::make_unique<DenseDecoder>(std::move(c), DenseDecoderOptions{}, w);
}

}  // namespace

const Architecture& llama() {
  static const Architecture a{
      "llama", {"LlamaForCausalLM", "MistralForCausalLM"}, {"llama", "mistral"}, "llama",
      read_config, build};
  return a;
}

}  // namespace owl::archs
