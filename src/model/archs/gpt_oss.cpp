// gpt-oss (OpenAI's gpt-oss-20b / -120b): pre-norm decoder; attention with Q/K/V/O biases, a
// learned sink logit per head, sliding-window layers alternating with full ones (layer_types),
// head_dim independent of hidden / heads, YaRN RoPE (NeoX); a mixture of experts whose router has
// a bias and takes the softmax over the chosen logits only, with biased experts and the clamped
// SwiGLU of its reference MLPBlock (alpha 1.702, limit 7, up + 1).
//
// Experts: GGUF stacks them ({in, out, E}, MXFP4 in published conversions); the Hugging Face
// checkpoint fuses gate and up into gate_up_proj (outputs interleaved: gate even, up odd), as
// MXFP4 "_blocks"/"_scales" U8 tensors or, dequantized, [E, in, out] matrices: both are re-laid
// out at load into owned stacked tensors (blocks/hf_experts.h).
#include <fmt/format.h>

#include <cmath>

#include "base/error.h"
#include "kernels/kernels.h"
#include "model/archs/archs.h"
#include "model/blocks/attention.h"
#include "model/blocks/hf_experts.h"
#include "model/blocks/layer_ops.h"
#include "model/blocks/moe.h"
#include "model/blocks/sliding_window.h"
#include "model/decoder_config.h"

namespace owl::archs {
namespace {

// The reference MLPBlock's constants (config.json names only the limit; llama.cpp hardcodes both).
constexpr float kSwigluAlpha = 1.702f;
constexpr float kSwigluLimit = 7.0f;

ModelConfig read_config(const ConfigReader& r) {
  ModelConfig c = read_decoder_config(r);
  c.arch = "gpt-oss";
  c.rope.style = RopeStyle::kNeox;
  // The published config.json says YaRN "truncate": false (transformers then keeps the
  // correction range unrounded); a GGUF has no such key, and llama.cpp rounds it. owl follows
  // the published model for both formats (the golden logits differ by ~6e-3 because of it).
  if (r.is_gguf()) c.rope.yarn_truncate = false;
  c.n_experts = r.require_int("num_local_experts", ".expert_count");
  c.n_experts_used = r.require_int("num_experts_per_tok", ".expert_used_count");
  c.expert_ffn_size = r.get_int("intermediate_size", ".expert_feed_forward_length", c.ffn_size);
  if (c.n_experts <= 0 || c.n_experts_used <= 0 || c.n_experts_used > c.n_experts ||
      c.expert_ffn_size <= 0) {
    fail("{}: invalid experts: {} used of {}, width {}", r.path(), c.n_experts_used, c.n_experts,
         c.expert_ffn_size);
  }
  // GptOssConfig: layer_types alternate sliding / full (llama.cpp: set_swa_pattern(2)).
  read_sliding_window(r, c, 2);
  const float limit = r.get_float("swiglu_limit", "", kSwigluLimit);
  if (limit != kSwigluLimit) fail("{}: swiglu_limit {} is not supported (7)", r.path(), limit);
  return c;
}

class GptOss : public Model {
 public:
  GptOss(ModelConfig config, WeightBinder& w) : Model(std::move(config)) {
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
      l.attn_norm = w.vector(g("attn_norm.weight"), h("input_layernorm.weight"), {hidden});
      l.wq = w.tensor(g("attn_q.weight"), h("self_attn.q_proj.weight"), {hidden, q_width});
      l.wk = w.tensor(g("attn_k.weight"), h("self_attn.k_proj.weight"), {hidden, kv_width});
      l.wv = w.tensor(g("attn_v.weight"), h("self_attn.v_proj.weight"), {hidden, kv_width});
      l.wo = w.tensor(g("attn_output.weight"), h("self_attn.o_proj.weight"), {q_width, hidden});
      l.bq = w.vector(g("attn_q.bias"), h("self_attn.q_proj.bias"), {q_width});
      l.bk = w.vector(g("attn_k.bias"), h("self_attn.k_proj.bias"), {kv_width});
      l.bv = w.vector(g("attn_v.bias"), h("self_attn.v_proj.bias"), {kv_width});
      l.bo = w.vector(g("attn_output.bias"), h("self_attn.o_proj.bias"), {hidden});
      l.sinks = w.vector(g("attn_sinks.weight"), h("self_attn.sinks"), {c.n_heads});
      // HF's post_attention_layernorm is the FFN's pre-norm; llama.cpp names it so too.
      l.ffn_norm =
          w.vector(g("post_attention_norm.weight"), h("post_attention_layernorm.weight"), {hidden});
      bind_moe(i, w);
    }
    rope_ = Rope(c.rope, c.head_dim);
    moe_options_.routing.n_experts = c.n_experts;
    moe_options_.routing.n_used = c.n_experts_used;
    moe_options_.routing.scoring = RouterScoring::kSoftmaxSelected;
    moe_options_.activation = ExpertActivation::kSwigluClamped;
    moe_options_.swiglu_alpha = kSwigluAlpha;
    moe_options_.swiglu_limit = kSwigluLimit;
  }

  std::vector<KvLayerShape> kv_shapes() const override {
    return std::vector<KvLayerShape>(config_.n_layers,
                                     KvLayerShape{config_.kv_width(), config_.kv_width(), config_.n_kv_heads});
  }
  void forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) override;

 private:
  struct Layer {
    const float* attn_norm = nullptr;  // [hidden]
    TensorView wq, wk, wv, wo;        // [hidden, q_width], [hidden, kv_width] x2, [q_width, hidden]
    const float* bq = nullptr;        // [q_width]
    const float* bk = nullptr;        // [kv_width]
    const float* bv = nullptr;        // [kv_width]
    const float* bo = nullptr;        // [hidden]
    const float* sinks = nullptr;     // [n_heads]
    const float* ffn_norm = nullptr;  // [hidden]
    MoeWeights moe;
  };
  void bind_moe(int32_t i, WeightBinder& w);
  void bind_hf_experts(int32_t i, WeightBinder& w);
  void reserve(int32_t n);

  TensorView token_embd_;               // [hidden, vocab]
  const float* output_norm_ = nullptr;  // [hidden]
  TensorView output_;                   // [hidden, vocab]
  std::vector<Layer> layers_;
  Rope rope_;
  MoeOptions moe_options_;
  MoeFfn moe_;

  int32_t capacity_ = 0;
  AlignedBuffer<float> x_;     // [n][hidden] residual stream
  AlignedBuffer<float> h_;     // [n][hidden] normed input / sublayer output
  AlignedBuffer<float> q_;     // [n][q_width]
  AlignedBuffer<float> k_;     // [n][kv_width]
  AlignedBuffer<float> v_;     // [n][kv_width]
  AlignedBuffer<float> attn_;  // [n][max(q_width, hidden)] attention heads, then the MoE output
};

// The stacked experts split into per-expert views.
std::vector<TensorView> per_expert(const TensorView& all, int64_t in, int64_t out,
                                   int32_t n_experts) {
  std::vector<TensorView> views(static_cast<size_t>(n_experts));
  for (int32_t e = 0; e < n_experts; ++e) {
    if (all.data != nullptr) {
      views[e] = all.matrix(e);
    } else {  // recording mode (synth): shapes only
      views[e] = all;
      views[e].n_dims = 2;
      views[e].ne = {in, out, 1, 1};
    }
  }
  return views;
}

void GptOss::bind_moe(int32_t i, WeightBinder& w) {
  const ModelConfig& c = config_;
  const int64_t hidden = c.hidden_size, ffn = c.expert_ffn_size;
  const int32_t n_exp = c.n_experts;
  MoeWeights& m = layers_[i].moe;
  auto g = [i](const char* name) { return fmt::format("blk.{}.{}", i, name); };
  auto h = [i](const char* name) { return fmt::format("model.layers.{}.mlp.{}", i, name); };
  m.router = w.tensor(g("ffn_gate_inp.weight"), h("router.weight"), {hidden, n_exp});
  m.router_bias = w.vector(g("ffn_gate_inp.bias"), h("router.bias"), {n_exp});
  if (w.naming() == WeightNaming::kHf && !w.recording()) return bind_hf_experts(i, w);
  // GGUF (and synth, which records how HF fuses and lays out each tensor).
  const std::string gate_up = h("experts.gate_up_proj"), down = h("experts.down_proj");
  const TensorView gate = w.tensor(g("ffn_gate_exps.weight"), gate_up, {hidden, ffn, n_exp});
  w.set_hf_layout(
      g("ffn_gate_exps.weight"),
      {.interleave = 2, .interleave_index = 0, .transposed = true, .mxfp4_blocks = true});
  const TensorView up = w.tensor(g("ffn_up_exps.weight"), gate_up, {hidden, ffn, n_exp});
  w.set_hf_layout(
      g("ffn_up_exps.weight"),
      {.interleave = 2, .interleave_index = 1, .transposed = true, .mxfp4_blocks = true});
  const TensorView dn = w.tensor(g("ffn_down_exps.weight"), down, {ffn, hidden, n_exp});
  w.set_hf_layout(g("ffn_down_exps.weight"), {.transposed = true, .mxfp4_blocks = true});
  m.gate = per_expert(gate, hidden, ffn, n_exp);
  m.up = per_expert(up, hidden, ffn, n_exp);
  m.down = per_expert(dn, ffn, hidden, n_exp);
  m.gate_bias = w.vector(g("ffn_gate_exps.bias"), gate_up + "_bias", {ffn, n_exp});
  w.set_hf_layout(g("ffn_gate_exps.bias"), {.interleave = 2, .interleave_index = 0});
  m.up_bias = w.vector(g("ffn_up_exps.bias"), gate_up + "_bias", {ffn, n_exp});
  w.set_hf_layout(g("ffn_up_exps.bias"), {.interleave = 2, .interleave_index = 1});
  m.down_bias = w.vector(g("ffn_down_exps.bias"), down + "_bias", {hidden, n_exp});
}

// The Hugging Face layouts: MXFP4 blocks/scales as published, or dequantized [E, in, out].
void GptOss::bind_hf_experts(int32_t i, WeightBinder& w) {
  const ModelConfig& c = config_;
  const int64_t hidden = c.hidden_size, ffn = c.expert_ffn_size;
  const int32_t n_exp = c.n_experts;
  MoeWeights& m = layers_[i].moe;
  const std::string gate_up = fmt::format("model.layers.{}.mlp.experts.gate_up_proj", i);
  const std::string down = fmt::format("model.layers.{}.mlp.experts.down_proj", i);
  TensorView gate, up, dn;
  if (w.has("", gate_up + "_blocks")) {
    if (hidden % 32 != 0 || ffn % 32 != 0)
      fail("{}: MXFP4 experts need widths divisible by 32", w.path());
    const TensorView* gub = w.raw("", gate_up + "_blocks", {16, hidden / 32, 2 * ffn, n_exp});
    const TensorView* gus = w.raw("", gate_up + "_scales", {hidden / 32, 2 * ffn, n_exp});
    const TensorView* db = w.raw("", down + "_blocks", {16, ffn / 32, hidden, n_exp});
    const TensorView* ds = w.raw("", down + "_scales", {ffn / 32, hidden, n_exp});
    gate = mxfp4_experts_from_hf(*gub, *gus, 2, 0, w.arena(), gate_up + " (gate)");
    up = mxfp4_experts_from_hf(*gub, *gus, 2, 1, w.arena(), gate_up + " (up)");
    dn = mxfp4_experts_from_hf(*db, *ds, 1, 0, w.arena(), down);
  } else {
    const TensorView* gu = w.raw("", gate_up, {2 * ffn, hidden, n_exp});
    const TensorView* d = w.raw("", down, {hidden, ffn, n_exp});
    gate = dense_experts_from_hf(*gu, 2, 0, w.arena(), gate_up + " (gate)");
    up = dense_experts_from_hf(*gu, 2, 1, w.arena(), gate_up + " (up)");
    dn = dense_experts_from_hf(*d, 1, 0, w.arena(), down);
  }
  m.gate = per_expert(gate, hidden, ffn, n_exp);
  m.up = per_expert(up, hidden, ffn, n_exp);
  m.down = per_expert(dn, ffn, hidden, n_exp);
  const float* gub = w.vector("", gate_up + "_bias", {2 * ffn, n_exp});
  m.gate_bias = deinterleave_rows(gub, n_exp, 2 * ffn, 2, 0, w.arena());
  m.up_bias = deinterleave_rows(gub, n_exp, 2 * ffn, 2, 1, w.arena());
  m.down_bias = w.vector("", down + "_bias", {hidden, n_exp});
}

void GptOss::reserve(int32_t n) {
  if (n <= capacity_) return;
  const ModelConfig& c = config_;
  const size_t un = static_cast<size_t>(n);
  x_.resize(un * c.hidden_size);
  h_.resize(un * c.hidden_size);
  q_.resize(un * c.q_width());
  k_.resize(un * c.kv_width());
  v_.resize(un * c.kv_width());
  attn_.resize(un * std::max(c.q_width(), c.hidden_size));
  capacity_ = n;
}

void GptOss::forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) {
  const ModelConfig& c = config_;
  const int32_t n = batch.size();
  if (n == 0) return;
  reserve(n);
  const int32_t hidden = c.hidden_size;
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
    // Attention: RMSNorm -> Q, K, V (+ bias) -> RoPE -> attend with the sinks (in a window on
    // sliding layers) -> output (+ bias) -> residual.
    rms_norm_rows(x, l.attn_norm, h, n, hidden, hidden, c.norm_eps, pool);
    const Projection qkv[] = {{&l.wq, l.bq, q_.data()}, {&l.wk, l.bk, k_.data()}, {&l.wv, l.bv, v_.data()}};
    project_same_input(qkv, h, n, pool);
    rope_rows(rope_, batch, q_.data(), c.n_heads, c.head_dim, c.q_width(), pool);
    rope_rows(rope_, batch, k_.data(), c.n_kv_heads, c.head_dim, c.kv_width(), pool);
    store_kv(batch, k_.data(), v_.data(), cache, il);
    shape.window = is_sliding_layer(c, il) ? c.sliding_window : 0;
    shape.sinks = l.sinks;
    attend(batch, q_.data(), cache, il, shape, attn_.data(), pool);
    project(l.wo, l.bo, attn_.data(), n, h, pool);
    kernels::add(h, x, int64_t{n} * hidden);
    // Mixture of experts: RMSNorm -> routed experts -> residual.
    rms_norm_rows(x, l.ffn_norm, h, n, hidden, hidden, c.norm_eps, pool);
    moe_.forward(l.moe, moe_options_, h, n, attn_.data(), pool);
    kernels::add(attn_.data(), x, int64_t{n} * hidden);
  }
  const int32_t n_out = gather_output_rows(batch, x, hidden, h);
  rms_norm_rows(h, output_norm_, h, n_out, hidden, hidden, c.norm_eps, pool);
  project(output_, nullptr, h, n_out, logits, pool);
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  return std::make_unique<GptOss>(std::move(c), w);
}

}  // namespace

const Architecture& gpt_oss() {
  static const Architecture a{"gpt-oss", {"GptOssForCausalLM"}, {"gpt_oss"},
                              "gpt-oss", read_config,           build};
  return a;
}

}  // namespace owl::archs
