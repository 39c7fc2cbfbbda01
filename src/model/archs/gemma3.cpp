// Gemma 3 (text): embeddings scaled by sqrt(hidden); RMSNorm before and after both attention and
// the FFN; per-head Q/K RMSNorm; GELU(tanh)-gated FFN; local sliding-window layers (own RoPE
// base, unscaled) interleaved with global layers (rope_theta, linear scaling); scores scaled by
// query_pre_attn_scalar^-1/2; tied output; optional final logit soft-capping. Gemma's RMSNorm
// multiplies by (1 + w): GGUF files hold 1 + w already (llama.cpp's converter adds 1), Hugging
// Face folders hold w, so the HF binding adds 1.
#include <fmt/format.h>

#include <cmath>

#include "base/error.h"
#include "formats/gguf.h"
#include "kernels/kernels.h"
#include "model/archs/archs.h"
#include "model/blocks/attention.h"
#include "model/blocks/layer_ops.h"
#include "model/blocks/sliding_window.h"
#include "model/decoder_config.h"

namespace owl::archs {
namespace {

// Gemma3TextConfig: sliding_window_pattern 6 (five local layers, then a global one).
constexpr int32_t kDefaultPattern = 6;

ModelConfig read_config(const ConfigReader& r) {
  ModelConfig c = read_decoder_config(r);
  c.arch = "gemma3";
  c.rope.style = RopeStyle::kNeox;
  c.tied_embeddings = true;
  read_sliding_window(r, c, kDefaultPattern);
  // Local layers: rope_local_base_freq, never scaled (llama.cpp: rope_freq_scale_train_swa = 1).
  c.rope_theta_swa = r.get_float("rope_local_base_freq", ".rope.freq_base_swa", 10000.0f);
  // query_pre_attn_scalar: config.json names it; llama.cpp's GGUF does not and takes head_dim,
  // or hidden / heads for the 62-layer 27B (whose config says 168 = 5376 / 32). owl's synth
  // writes it under its own key so that cut-down models keep the published value.
  float scalar = r.get_float("query_pre_attn_scalar", ".attention.query_pre_attn_scalar", 0.0f);
  if (scalar <= 0.0f) {
    scalar = r.is_gguf() && c.n_layers == 62 ? static_cast<float>(c.hidden_size / c.n_heads)
                                             : static_cast<float>(c.head_dim);
  }
  c.attn_scale = 1.0f / std::sqrt(scalar);
  c.attn_softcap = r.get_float("attn_logit_softcapping", ".attn_logit_softcapping", 0.0f);
  c.logit_softcap = r.get_float("final_logit_softcapping", ".final_logit_softcapping", 0.0f);
  const std::string act = r.string("hidden_activation", "").value_or("gelu_pytorch_tanh");
  if (act != "gelu_pytorch_tanh" && act != "gelu") {
    fail("{}: hidden_activation \"{}\" is not supported (gelu_pytorch_tanh)", r.path(), act);
  }
  return c;
}

class Gemma3 : public Model {
 public:
  Gemma3(ModelConfig config, WeightBinder& w) : Model(std::move(config)) {
    const ModelConfig& c = config_;
    const int64_t hidden = c.hidden_size, q_width = c.q_width(), kv_width = c.kv_width();
    token_embd_ =
        w.tensor("token_embd.weight", "model.embed_tokens.weight", {hidden, c.vocab_size});
    output_norm_ = norm(w, "output_norm.weight", "model.norm.weight", hidden);
    layers_.resize(c.n_layers);
    for (int32_t i = 0; i < c.n_layers; ++i) {
      Layer& l = layers_[i];
      auto g = [i](const char* name) { return fmt::format("blk.{}.{}", i, name); };
      auto h = [i](const char* name) { return fmt::format("model.layers.{}.{}", i, name); };
      l.attn_norm = norm(w, g("attn_norm.weight"), h("input_layernorm.weight"), hidden);
      l.wq = w.tensor(g("attn_q.weight"), h("self_attn.q_proj.weight"), {hidden, q_width});
      l.wk = w.tensor(g("attn_k.weight"), h("self_attn.k_proj.weight"), {hidden, kv_width});
      l.wv = w.tensor(g("attn_v.weight"), h("self_attn.v_proj.weight"), {hidden, kv_width});
      l.wo = w.tensor(g("attn_output.weight"), h("self_attn.o_proj.weight"), {q_width, hidden});
      l.q_norm = norm(w, g("attn_q_norm.weight"), h("self_attn.q_norm.weight"), c.head_dim);
      l.k_norm = norm(w, g("attn_k_norm.weight"), h("self_attn.k_norm.weight"), c.head_dim);
      l.post_attn_norm =
          norm(w, g("post_attention_norm.weight"), h("post_attention_layernorm.weight"), hidden);
      l.ffn_norm = norm(w, g("ffn_norm.weight"), h("pre_feedforward_layernorm.weight"), hidden);
      l.ffn.gate = w.tensor(g("ffn_gate.weight"), h("mlp.gate_proj.weight"), {hidden, c.ffn_size});
      l.ffn.up = w.tensor(g("ffn_up.weight"), h("mlp.up_proj.weight"), {hidden, c.ffn_size});
      l.ffn.down = w.tensor(g("ffn_down.weight"), h("mlp.down_proj.weight"), {c.ffn_size, hidden});
      l.post_ffn_norm =
          norm(w, g("post_ffw_norm.weight"), h("post_feedforward_layernorm.weight"), hidden);
    }
    rope_global_ = Rope(c.rope, c.head_dim);
    RopeConfig local = c.rope;
    local.theta = c.rope_theta_swa;
    local.scaling = RopeScaling::kNone;
    local.freq_factors.clear();
    rope_local_ = Rope(local, c.head_dim);
  }

  std::vector<KvLayerShape> kv_shapes() const override {
    return std::vector<KvLayerShape>(config_.n_layers,
                                     KvLayerShape{config_.kv_width(), config_.kv_width(), config_.n_kv_heads});
  }

  void forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) override;

 private:
  struct Layer {
    const float* attn_norm = nullptr;  // [hidden]  (all norms: 1 + w)
    TensorView wq, wk, wv, wo;      // [hidden, q_width], [hidden, kv_width] x2, [q_width, hidden]
    const float* q_norm = nullptr;  // [head_dim]
    const float* k_norm = nullptr;  // [head_dim]
    const float* post_attn_norm = nullptr;  // [hidden]
    const float* ffn_norm = nullptr;        // [hidden]
    GatedFfn ffn;
    const float* post_ffn_norm = nullptr;  // [hidden]
  };

  // A norm weight as the multiplier (1 + w): GGUF stores it so; HF stores w.
  static const float* norm(WeightBinder& w, const std::string& gguf_name,
                           const std::string& hf_name, int64_t n) {
    float* v = w.vector_copy(gguf_name, hf_name, {n});
    if (w.naming() == WeightNaming::kHf && !w.recording()) {
      for (int64_t i = 0; i < n; ++i) v[i] += 1.0f;
    }
    w.set_hf_layout(gguf_name, HfLayout{.offset = -1.0f});
    return v;
  }
  void reserve(int32_t n);

  TensorView token_embd_;               // [hidden, vocab], also the output head (tied)
  const float* output_norm_ = nullptr;  // [hidden]
  std::vector<Layer> layers_;
  Rope rope_global_, rope_local_;

  int32_t capacity_ = 0;
  AlignedBuffer<float> x_;     // [n][hidden] residual stream
  AlignedBuffer<float> h_;     // [n][hidden] normed input / sublayer output
  AlignedBuffer<float> q_;     // [n][q_width]
  AlignedBuffer<float> k_;     // [n][kv_width]
  AlignedBuffer<float> v_;     // [n][kv_width]
  AlignedBuffer<float> attn_;  // [n][max(q_width, hidden)] attention heads, then FFN output
  AlignedBuffer<float> ffn_;   // [2][n][ffn_size]
};

void Gemma3::reserve(int32_t n) {
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

void Gemma3::forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) {
  const ModelConfig& c = config_;
  const int32_t n = batch.size();
  if (n == 0) return;
  reserve(n);
  const int32_t hidden = c.hidden_size, q_width = c.q_width(), kv_width = c.kv_width();
  const float eps = c.norm_eps;
  float* x = x_.data();
  float* h = h_.data();
  embed_tokens(batch, token_embd_, x, pool);
  // Gemma scales the embeddings by sqrt(hidden) (llama.cpp: ggml_scale by sqrtf(n_embd)).
  const float embed_scale = std::sqrt(static_cast<float>(hidden));
  for (int64_t i = 0; i < int64_t{n} * hidden; ++i) x[i] *= embed_scale;

  AttentionShape shape;
  shape.n_heads = c.n_heads;
  shape.n_kv_heads = c.n_kv_heads;
  shape.head_dim = c.head_dim;
  shape.value_dim = c.head_dim;
  shape.scale = c.attn_scale;
  shape.softcap = c.attn_softcap;

  for (int32_t il = 0; il < c.n_layers; ++il) {
    const Layer& l = layers_[il];
    const bool local = is_sliding_layer(c, il);
    const Rope& rope = local ? rope_local_ : rope_global_;
    shape.window = local ? c.sliding_window : 0;
    // Attention: norm -> Q, K, V -> per-head norm -> RoPE -> attend -> output -> post-norm.
    rms_norm_rows(x, l.attn_norm, h, n, hidden, hidden, eps, pool);
    const Projection qkv[] = {{&l.wq, nullptr, q_.data()}, {&l.wk, nullptr, k_.data()}, {&l.wv, nullptr, v_.data()}};
    project_same_input(qkv, h, n, pool);
    rms_norm_rows(q_.data(), l.q_norm, q_.data(), int64_t{n} * c.n_heads, c.head_dim, c.head_dim,
                  eps, pool);
    rms_norm_rows(k_.data(), l.k_norm, k_.data(), int64_t{n} * c.n_kv_heads, c.head_dim, c.head_dim,
                  eps, pool);
    rope_rows(rope, batch, q_.data(), c.n_heads, c.head_dim, q_width, pool);
    rope_rows(rope, batch, k_.data(), c.n_kv_heads, c.head_dim, kv_width, pool);
    store_kv(batch, k_.data(), v_.data(), cache, il);
    attend(batch, q_.data(), cache, il, shape, attn_.data(), pool);
    project(l.wo, nullptr, attn_.data(), n, h, pool);
    rms_norm_rows(h, l.post_attn_norm, h, n, hidden, hidden, eps, pool);
    kernels::add(h, x, int64_t{n} * hidden);
    // FFN: norm -> GELU-gated FFN -> post-norm -> residual. GELU as llama.cpp computes it (its
    // CPU backend reads an f16 table), so GGUF files reproduce llama.cpp's logits.
    rms_norm_rows(x, l.ffn_norm, h, n, hidden, hidden, eps, pool);
    gated_ffn(l.ffn, GateActivation::kGeluTanhFp16, h, n, ffn_.data(), attn_.data(), pool);
    rms_norm_rows(attn_.data(), l.post_ffn_norm, attn_.data(), n, hidden, hidden, eps, pool);
    kernels::add(attn_.data(), x, int64_t{n} * hidden);
  }
  const int32_t n_out = gather_output_rows(batch, x, hidden, h);
  rms_norm_rows(h, output_norm_, h, n_out, hidden, hidden, eps, pool);
  project(token_embd_, nullptr, h, n_out, logits, pool);
  if (c.logit_softcap > 0.0f) {
    const float cap = c.logit_softcap;
    for (int64_t i = 0; i < int64_t{n_out} * c.vocab_size; ++i)
      logits[i] = cap * std::tanh(logits[i] / cap);
  }
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  return std::make_unique<Gemma3>(std::move(c), w);
}

}  // namespace

const Architecture& gemma3() {
  static const Architecture a{"gemma3", {"Gemma3ForCausalLM"}, {"gemma3_text"},
                              "gemma3", read_config,           build};
  return a;
}

}  // namespace owl::archs
