// OLMo 2 (AI2's fully open models): no pre-norms; RMSNorm after attention and after the FFN,
// before each residual add; Q/K RMSNorm over the whole projection width (not per head); NeoX
// RoPE (HF rotate_half, llama.cpp LLAMA_ROPE_TYPE_NEOX), SwiGLU. Transformers' Olmo2DecoderLayer:
//   h = x + post_attention_layernorm(attn(x));  out = h + post_feedforward_layernorm(mlp(h)).
#include <fmt/format.h>

#include <cmath>

#include "base/error.h"
#include "kernels/kernels.h"
#include "model/archs/archs.h"
#include "model/blocks/attention.h"
#include "model/blocks/layer_ops.h"
#include "model/decoder_config.h"

namespace owl::archs {
namespace {

ModelConfig read_config(const ConfigReader& r) {
  ModelConfig c = read_decoder_config(r);
  c.arch = "olmo2";
  c.rope.style = RopeStyle::kNeox;
  // Olmo2Config defaults to no attention bias; llama.cpp's olmo2 graph has none either.
  if (r.get_bool("attention_bias", "", false)) {
    fail("{}: attention_bias true is not supported for OLMo 2", r.path());
  }
  return c;
}

class Olmo2 : public Model {
 public:
  Olmo2(ModelConfig config, WeightBinder& w) : Model(std::move(config)) {
    const ModelConfig& c = config_;
    const int64_t hidden = c.hidden_size, q_width = c.q_width(), kv_width = c.kv_width();
    token_embd_ =
        w.tensor("token_embd.weight", "model.embed_tokens.weight", {hidden, c.vocab_size});
    output_norm_ = w.vector("output_norm.weight", "model.norm.weight", {hidden});
    output_ =
        w.tensor("output.weight", "lm_head.weight", {hidden, c.vocab_size}, !c.tied_embeddings);
    if (output_.data == nullptr) output_ = token_embd_;
    layers_.resize(c.n_layers);
    for (int32_t i = 0; i < c.n_layers; ++i) {
      Layer& l = layers_[i];
      auto g = [i](const char* name) { return fmt::format("blk.{}.{}", i, name); };
      auto h = [i](const char* name) { return fmt::format("model.layers.{}.{}", i, name); };
      l.wq = w.tensor(g("attn_q.weight"), h("self_attn.q_proj.weight"), {hidden, q_width});
      l.wk = w.tensor(g("attn_k.weight"), h("self_attn.k_proj.weight"), {hidden, kv_width});
      l.wv = w.tensor(g("attn_v.weight"), h("self_attn.v_proj.weight"), {hidden, kv_width});
      l.wo = w.tensor(g("attn_output.weight"), h("self_attn.o_proj.weight"), {q_width, hidden});
      l.q_norm = w.vector(g("attn_q_norm.weight"), h("self_attn.q_norm.weight"), {q_width});
      l.k_norm = w.vector(g("attn_k_norm.weight"), h("self_attn.k_norm.weight"), {kv_width});
      l.post_attn_norm =
          w.vector(g("post_attention_norm.weight"), h("post_attention_layernorm.weight"), {hidden});
      l.ffn.gate = w.tensor(g("ffn_gate.weight"), h("mlp.gate_proj.weight"), {hidden, c.ffn_size});
      l.ffn.up = w.tensor(g("ffn_up.weight"), h("mlp.up_proj.weight"), {hidden, c.ffn_size});
      l.ffn.down = w.tensor(g("ffn_down.weight"), h("mlp.down_proj.weight"), {c.ffn_size, hidden});
      l.post_ffn_norm =
          w.vector(g("post_ffw_norm.weight"), h("post_feedforward_layernorm.weight"), {hidden});
    }
    rope_ = Rope(c.rope, c.head_dim);
  }

  std::vector<KvLayerShape> kv_shapes() const override {
    return std::vector<KvLayerShape>(config_.n_layers,
                                     KvLayerShape{config_.kv_width(), config_.kv_width(), config_.n_kv_heads});
  }

  void forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) override;

 private:
  struct Layer {
    TensorView wq, wk, wv, wo;      // [hidden, q_width], [hidden, kv_width] x2, [q_width, hidden]
    const float* q_norm = nullptr;  // [q_width]
    const float* k_norm = nullptr;  // [kv_width]
    const float* post_attn_norm = nullptr;  // [hidden]
    GatedFfn ffn;
    const float* post_ffn_norm = nullptr;  // [hidden]
  };
  void reserve(int32_t n);

  TensorView token_embd_;               // [hidden, vocab]
  const float* output_norm_ = nullptr;  // [hidden]
  TensorView output_;                   // [hidden, vocab]
  std::vector<Layer> layers_;
  Rope rope_;

  int32_t capacity_ = 0;
  AlignedBuffer<float> x_;     // [n][hidden] residual stream
  AlignedBuffer<float> h_;     // [n][hidden] attention output after its norm
  AlignedBuffer<float> q_;     // [n][q_width]
  AlignedBuffer<float> k_;     // [n][kv_width]
  AlignedBuffer<float> v_;     // [n][kv_width]
  AlignedBuffer<float> attn_;  // [n][max(q_width, hidden)] attention heads, then FFN output
  AlignedBuffer<float> ffn_;   // [2][n][ffn_size]
};

void Olmo2::reserve(int32_t n) {
  if (n <= capacity_) return;
  const ModelConfig& c = config_;
  const size_t un = static_cast<size_t>(n);
  x_.resize(un * c.hidden_size);
  h_.resize(un * c.hidden_size);
  q_.resize(un * c.q_width());
  k_.resize(un * c.kv_width());
  v_.resize(un * c.kv_width());
  attn_.resize(un * std::max(c.q_width(), c.hidden_size));
  ffn_.resize(2 * un * c.ffn_size);
  capacity_ = n;
}

void Olmo2::forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) {
  const ModelConfig& c = config_;
  const int32_t n = batch.size();
  if (n == 0) return;
  reserve(n);
  const int32_t hidden = c.hidden_size, q_width = c.q_width(), kv_width = c.kv_width();
  const float eps = c.norm_eps;
  float* x = x_.data();
  float* h = h_.data();
  embed_tokens(batch, token_embd_, x, pool);

  AttentionShape shape;
  shape.n_heads = c.n_heads;
  shape.n_kv_heads = c.n_kv_heads;
  shape.head_dim = c.head_dim;
  shape.value_dim = c.head_dim;
  shape.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));

  for (int32_t il = 0; il < c.n_layers; ++il) {
    const Layer& l = layers_[il];
    // Attention on the raw residual stream: Q, K, V -> RMSNorm over all of Q and all of K -> RoPE.
    const Projection qkv[] = {{&l.wq, nullptr, q_.data()}, {&l.wk, nullptr, k_.data()}, {&l.wv, nullptr, v_.data()}};
    project_same_input(qkv, x, n, pool);
    rms_norm_rows(q_.data(), l.q_norm, q_.data(), n, q_width, q_width, eps, pool);
    rms_norm_rows(k_.data(), l.k_norm, k_.data(), n, kv_width, kv_width, eps, pool);
    rope_rows(rope_, batch, q_.data(), c.n_heads, c.head_dim, q_width, pool);
    rope_rows(rope_, batch, k_.data(), c.n_kv_heads, c.head_dim, kv_width, pool);
    store_kv(batch, k_.data(), v_.data(), cache, il);
    attend(batch, q_.data(), cache, il, shape, attn_.data(), pool);
    project(l.wo, nullptr, attn_.data(), n, h, pool);
    // Post-norm, then the residual.
    rms_norm_rows(h, l.post_attn_norm, h, n, hidden, hidden, eps, pool);
    kernels::add(h, x, int64_t{n} * hidden);
    // FFN on the residual stream, post-norm, residual.
    gated_ffn(l.ffn, GateActivation::kSilu, x, n, ffn_.data(), attn_.data(), pool);
    rms_norm_rows(attn_.data(), l.post_ffn_norm, attn_.data(), n, hidden, hidden, eps, pool);
    kernels::add(attn_.data(), x, int64_t{n} * hidden);
  }
  const int32_t n_out = gather_output_rows(batch, x, hidden, h);
  rms_norm_rows(h, output_norm_, h, n_out, hidden, hidden, eps, pool);
  project(output_, nullptr, h, n_out, logits, pool);
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  return std::make_unique<Olmo2>(std::move(c), w);
}

}  // namespace

const Architecture& olmo2() {
  static const Architecture a{"olmo2", {"Olmo2ForCausalLM"}, {"olmo2"},
                              "olmo2", read_config,          build};
  return a;
}

}  // namespace owl::archs
