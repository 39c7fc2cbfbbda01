// Forward pass of the dense pre-norm decoder (llama family).
#include "model/blocks/dense_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/prefetch.h"
#include "kernels/kernels.h"
#include "model/blocks/attention.h"

namespace owl {

DenseDecoder::DenseDecoder(ModelConfig config, DenseDecoderOptions options, WeightBinder& w)
    : Model(std::move(config)), options_(options) {
  const ModelConfig& c = config_;
  const int64_t hidden = c.hidden_size, q_width = c.q_width(), kv_width = c.kv_width();
  token_embd_ = w.embedding("token_embd.weight", "model.embed_tokens.weight", {hidden, c.vocab_size});
  output_norm_ = w.vector("output_norm.weight", "model.norm.weight", {hidden});
  output_ = w.tensor("output.weight", "lm_head.weight", {hidden, c.vocab_size}, !c.tied_embeddings);
  if (output_.data == nullptr) output_ = w.for_matmul(token_embd_);
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
    if (options_.qkv_bias) {
      l.bq = w.vector(g("attn_q.bias"), h("self_attn.q_proj.bias"), {q_width});
      l.bk = w.vector(g("attn_k.bias"), h("self_attn.k_proj.bias"), {kv_width});
      l.bv = w.vector(g("attn_v.bias"), h("self_attn.v_proj.bias"), {kv_width});
    }
    if (options_.qk_norm) {
      l.q_norm = w.vector(g("attn_q_norm.weight"), h("self_attn.q_norm.weight"), {c.head_dim});
      l.k_norm = w.vector(g("attn_k_norm.weight"), h("self_attn.k_norm.weight"), {c.head_dim});
    }
    l.ffn_norm = w.vector(g("ffn_norm.weight"), h("post_attention_layernorm.weight"), {hidden});
    l.ffn.gate = w.tensor(g("ffn_gate.weight"), h("mlp.gate_proj.weight"), {hidden, c.ffn_size});
    l.ffn.up = w.tensor(g("ffn_up.weight"), h("mlp.up_proj.weight"), {hidden, c.ffn_size});
    l.ffn.down = w.tensor(g("ffn_down.weight"), h("mlp.down_proj.weight"), {c.ffn_size, hidden});
  }
  rope_ = Rope(c.rope, c.head_dim);
}

std::vector<KvLayerShape> DenseDecoder::kv_shapes() const {
  return std::vector<KvLayerShape>(config_.n_layers, KvLayerShape{config_.kv_width(), config_.kv_width(), config_.n_kv_heads});
}

void DenseDecoder::reserve(int32_t n) {
  if (n <= capacity_) return;
  const ModelConfig& c = config_;
  const size_t un = static_cast<size_t>(n);
  x_.resize(un * c.hidden_size);
  h_.resize(un * c.hidden_size);
  q_.resize(un * c.q_width());
  k_.resize(un * c.kv_width());
  v_.resize(un * c.kv_width());
  attn_.resize(un * std::max(c.q_width(), c.hidden_size));  // also the FFN output
  ffn_.resize(2 * un * c.ffn_size);
  capacity_ = n;
}

void DenseDecoder::forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) {
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
    // Attention: RMSNorm -> Q, K, V (+ per-head norm) -> RoPE -> cache -> attend -> output.
    rms_norm_rows(x, l.attn_norm, h, n, hidden, hidden, c.norm_eps, pool);
    const Projection qkv[] = {{&l.wq, l.bq, q_.data()}, {&l.wk, l.bk, k_.data()}, {&l.wv, l.bv, v_.data()}};
    // The small cold data of the steps after the next long matmul (base/prefetch.h).
    prefetch_kv_rows(batch, cache, il);
    prefetch_to_l2(l.ffn_norm, sizeof(float) * hidden);
    project_same_input(qkv, h, n, pool);
    if (options_.qk_norm) {
      rms_norm_rows(q_.data(), l.q_norm, q_.data(), int64_t{n} * c.n_heads, c.head_dim, c.head_dim, c.norm_eps, pool);
      rms_norm_rows(k_.data(), l.k_norm, k_.data(), int64_t{n} * c.n_kv_heads, c.head_dim, c.head_dim, c.norm_eps, pool);
    }
    rope_rows(rope_, batch, q_.data(), c.n_heads, c.head_dim, c.q_width(), pool);
    rope_rows(rope_, batch, k_.data(), c.n_kv_heads, c.head_dim, c.kv_width(), pool);
    store_kv(batch, k_.data(), v_.data(), cache, il);
    attend(batch, q_.data(), cache, il, shape, attn_.data(), pool);
    project(l.wo, nullptr, attn_.data(), n, h, pool);
    kernels::add(h, x, int64_t{n} * hidden);
    // FFN: RMSNorm -> gated FFN -> residual.
    rms_norm_rows(x, l.ffn_norm, h, n, hidden, hidden, c.norm_eps, pool);
    if (il + 1 < c.n_layers) {
      const Layer& next = layers_[il + 1];
      prefetch_to_l2(next.attn_norm, sizeof(float) * hidden);
      prefetch_to_l2(next.q_norm, sizeof(float) * c.head_dim);
      prefetch_to_l2(next.k_norm, sizeof(float) * c.head_dim);
    }
    gated_ffn(l.ffn, options_.activation, h, n, ffn_.data(), attn_.data(), pool);
    kernels::add(attn_.data(), x, int64_t{n} * hidden);
  }
  const int32_t n_out = gather_output_rows(batch, x, hidden, h);
  rms_norm_rows(h, output_norm_, h, n_out, hidden, hidden, c.norm_eps, pool);
  project(output_, nullptr, h, n_out, logits, pool);
}

}  // namespace owl
