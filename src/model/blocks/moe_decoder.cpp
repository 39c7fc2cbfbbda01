// Forward pass of the GQA + mixture-of-experts decoder (Qwen3-MoE, GLM-4.5, MiniMax-M2).
#include "model/blocks/moe_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/prefetch.h"
#include "kernels/kernels.h"
#include "model/blocks/attention.h"

namespace owl {

MoeDecoder::MoeDecoder(ModelConfig config, MoeDecoderOptions options, WeightBinder& w)
    : Model(std::move(config)), options_(std::move(options)) {
  const ModelConfig& c = config_;
  const int64_t hidden = c.hidden_size;
  token_embd_ = w.tensor("token_embd.weight", "model.embed_tokens.weight", {hidden, c.vocab_size});
  output_norm_ = w.vector("output_norm.weight", "model.norm.weight", {hidden});
  output_ = w.tensor("output.weight", "lm_head.weight", {hidden, c.vocab_size}, !c.tied_embeddings);
  if (output_.data == nullptr) output_ = token_embd_;
  layers_.resize(c.n_layers);
  for (int32_t i = 0; i < c.n_layers; ++i) bind_layer(i, w);
  rope_ = Rope(c.rope, c.head_dim);
}

void MoeDecoder::bind_layer(int32_t i, WeightBinder& w) {
  const ModelConfig& c = config_;
  const MoeDecoderOptions& o = options_;
  const int64_t hidden = c.hidden_size, q_width = c.q_width(), kv_width = c.kv_width();
  Layer& l = layers_[i];
  auto g = [i](std::string_view name) { return fmt::format("blk.{}.{}", i, name); };
  auto h = [i](std::string_view name) { return fmt::format("model.layers.{}.{}", i, name); };
  l.attn_norm = w.vector(g("attn_norm.weight"), h("input_layernorm.weight"), {hidden});
  l.wq = w.tensor(g("attn_q.weight"), h("self_attn.q_proj.weight"), {hidden, q_width});
  l.wk = w.tensor(g("attn_k.weight"), h("self_attn.k_proj.weight"), {hidden, kv_width});
  l.wv = w.tensor(g("attn_v.weight"), h("self_attn.v_proj.weight"), {hidden, kv_width});
  l.wo = w.tensor(g("attn_output.weight"), h("self_attn.o_proj.weight"), {q_width, hidden});
  if (o.qkv_bias) {
    l.bq = w.vector(g("attn_q.bias"), h("self_attn.q_proj.bias"), {q_width});
    l.bk = w.vector(g("attn_k.bias"), h("self_attn.k_proj.bias"), {kv_width});
    l.bv = w.vector(g("attn_v.bias"), h("self_attn.v_proj.bias"), {kv_width});
  }
  if (o.qk_norm != QkNorm::kNone) {
    const bool full = o.qk_norm == QkNorm::kFullWidth;
    l.q_norm = w.vector(g("attn_q_norm.weight"), h("self_attn.q_norm.weight"),
                        {full ? q_width : c.head_dim});
    l.k_norm = w.vector(g("attn_k_norm.weight"), h("self_attn.k_norm.weight"),
                        {full ? kv_width : c.head_dim});
  }
  l.ffn_norm = w.vector(g("ffn_norm.weight"), h("post_attention_layernorm.weight"), {hidden});
  l.dense = i < o.n_dense_layers;
  if (l.dense) {
    l.ffn.gate = w.tensor(g("ffn_gate.weight"), h("mlp.gate_proj.weight"), {hidden, c.ffn_size});
    l.ffn.up = w.tensor(g("ffn_up.weight"), h("mlp.up_proj.weight"), {hidden, c.ffn_size});
    l.ffn.down = w.tensor(g("ffn_down.weight"), h("mlp.down_proj.weight"), {c.ffn_size, hidden});
    return;
  }
  const int32_t E = c.n_experts;
  const int64_t ffn = c.expert_ffn_size;
  MoeWeights& m = l.moe;
  m.router = w.tensor(g("ffn_gate_inp.weight"), h(o.hf.router), {hidden, E});
  if (o.score_bias) m.score_bias = w.vector(g("exp_probs_b.bias"), h(o.hf.score_bias), {E});
  m.gate = bind_experts(w, g("ffn_gate_exps.weight"), h(o.hf.gate), hidden, ffn, E);
  m.up = bind_experts(w, g("ffn_up_exps.weight"), h(o.hf.up), hidden, ffn, E);
  m.down = bind_experts(w, g("ffn_down_exps.weight"), h(o.hf.down), ffn, hidden, E);
  if (o.shared_ffn_size > 0) {
    const int64_t s = o.shared_ffn_size;
    m.shared.gate =
        w.tensor(g("ffn_gate_shexp.weight"), h(o.hf.shared + "gate_proj.weight"), {hidden, s});
    m.shared.up =
        w.tensor(g("ffn_up_shexp.weight"), h(o.hf.shared + "up_proj.weight"), {hidden, s});
    m.shared.down =
        w.tensor(g("ffn_down_shexp.weight"), h(o.hf.shared + "down_proj.weight"), {s, hidden});
  }
}

std::vector<KvLayerShape> MoeDecoder::kv_shapes() const {
  return std::vector<KvLayerShape>(config_.n_layers,
                                   KvLayerShape{config_.kv_width(), config_.kv_width(), config_.n_kv_heads});
}

void MoeDecoder::reserve(int32_t n) {
  if (n <= capacity_) return;
  const ModelConfig& c = config_;
  const size_t un = static_cast<size_t>(n);
  x_.resize(un * c.hidden_size);
  h_.resize(un * c.hidden_size);
  q_.resize(un * c.q_width());
  k_.resize(un * c.kv_width());
  v_.resize(un * c.kv_width());
  attn_.resize(un * std::max(c.q_width(), c.hidden_size));
  ffn_.resize(2 * un * std::max(c.ffn_size, 1));
  capacity_ = n;
}

// h [n][hidden] (the normed input) -> h [n][hidden] (the attention output projected back).
void MoeDecoder::attention(int32_t il, const Batch& batch, KvCache& cache, ThreadPool& pool) {
  const ModelConfig& c = config_;
  const Layer& l = layers_[il];
  const int32_t n = batch.size();
  float* h = h_.data();
  const Projection qkv[] = {{&l.wq, l.bq, q_.data()}, {&l.wk, l.bk, k_.data()}, {&l.wv, l.bv, v_.data()}};
  // The small cold data of the steps after the next long matmul (base/prefetch.h).
  prefetch_kv_rows(batch, cache, il);
  prefetch_to_l2(l.ffn_norm, sizeof(float) * c.hidden_size);
  project_same_input(qkv, h, n, pool);
  if (options_.qk_norm == QkNorm::kPerHead) {
    rms_norm_rows(q_.data(), l.q_norm, q_.data(), int64_t{n} * c.n_heads, c.head_dim, c.head_dim,
                  c.norm_eps, pool);
    rms_norm_rows(k_.data(), l.k_norm, k_.data(), int64_t{n} * c.n_kv_heads, c.head_dim, c.head_dim,
                  c.norm_eps, pool);
  } else if (options_.qk_norm == QkNorm::kFullWidth) {
    rms_norm_rows(q_.data(), l.q_norm, q_.data(), n, c.q_width(), c.q_width(), c.norm_eps, pool);
    rms_norm_rows(k_.data(), l.k_norm, k_.data(), n, c.kv_width(), c.kv_width(), c.norm_eps, pool);
  }
  rope_rows(rope_, batch, q_.data(), c.n_heads, c.head_dim, c.q_width(), pool);
  rope_rows(rope_, batch, k_.data(), c.n_kv_heads, c.head_dim, c.kv_width(), pool);
  store_kv(batch, k_.data(), v_.data(), cache, il);
  AttentionShape shape;
  shape.n_heads = c.n_heads;
  shape.n_kv_heads = c.n_kv_heads;
  shape.head_dim = c.head_dim;
  shape.value_dim = c.head_dim;
  shape.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  attend(batch, q_.data(), cache, il, shape, attn_.data(), pool);
  project(l.wo, nullptr, attn_.data(), n, h, pool);
}

void MoeDecoder::forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) {
  const ModelConfig& c = config_;
  const int32_t n = batch.size();
  if (n == 0) return;
  reserve(n);
  const int32_t hidden = c.hidden_size;
  float* x = x_.data();
  float* h = h_.data();
  embed_tokens(batch, token_embd_, x, pool);
  for (int32_t il = 0; il < c.n_layers; ++il) {
    const Layer& l = layers_[il];
    // Attention: RMSNorm -> Q, K, V (+ norms) -> RoPE -> cache -> attend -> output -> residual.
    rms_norm_rows(x, l.attn_norm, h, n, hidden, hidden, c.norm_eps, pool);
    attention(il, batch, cache, pool);
    kernels::add(h, x, int64_t{n} * hidden);
    // FFN: RMSNorm -> dense FFN or routed (+ shared) experts -> residual.
    rms_norm_rows(x, l.ffn_norm, h, n, hidden, hidden, c.norm_eps, pool);
    if (il + 1 < c.n_layers) {
      const Layer& next = layers_[il + 1];
      const bool per_head = options_.qk_norm == QkNorm::kPerHead;
      prefetch_to_l2(next.attn_norm, sizeof(float) * hidden);
      prefetch_to_l2(next.q_norm, sizeof(float) * (per_head ? c.head_dim : c.q_width()));
      prefetch_to_l2(next.k_norm, sizeof(float) * (per_head ? c.head_dim : c.kv_width()));
    }
    if (l.dense) {
      gated_ffn(l.ffn, GateActivation::kSilu, h, n, ffn_.data(), attn_.data(), pool);
    } else {
      moe_.forward(l.moe, options_.moe, h, n, attn_.data(), pool);
    }
    kernels::add(attn_.data(), x, int64_t{n} * hidden);
  }
  const int32_t n_out = gather_output_rows(batch, x, hidden, h);
  rms_norm_rows(h, output_norm_, h, n_out, hidden, hidden, c.norm_eps, pool);
  project(output_, nullptr, h, n_out, logits, pool);
}

}  // namespace owl
