// Forward pass of the DeepSeek decoder: MLA attention, dense or routed + shared expert FFNs.
#include "model/blocks/mla_decoder.h"

#include <fmt/format.h>

#include <algorithm>

#include "kernels/kernels.h"

namespace owl {

MlaDecoder::MlaDecoder(ModelConfig config, WeightBinder& w)
    : Model(std::move(config)), attention_(config_) {
  const ModelConfig& c = config_;
  const int64_t hidden = c.hidden_size;
  token_embd_ = w.tensor("token_embd.weight", "model.embed_tokens.weight", {hidden, c.vocab_size});
  output_norm_ = w.vector("output_norm.weight", "model.norm.weight", {hidden});
  output_ = w.tensor("output.weight", "lm_head.weight", {hidden, c.vocab_size}, !c.tied_embeddings);
  if (output_.data == nullptr) output_ = token_embd_;
  moe_options_.routing = routing_from_config(c);
  layers_.resize(c.n_layers);
  for (int32_t i = 0; i < c.n_layers; ++i) {
    Layer& l = layers_[i];
    l.attn_norm = w.vector(fmt::format("blk.{}.attn_norm.weight", i),
                           fmt::format("model.layers.{}.input_layernorm.weight", i), {hidden});
    l.attn = bind_mla(c, i, w);
    l.ffn_norm =
        w.vector(fmt::format("blk.{}.ffn_norm.weight", i),
                 fmt::format("model.layers.{}.post_attention_layernorm.weight", i), {hidden});
    bind_ffn(i, w);
  }
}

void MlaDecoder::bind_ffn(int32_t i, WeightBinder& w) {
  const ModelConfig& c = config_;
  const int64_t hidden = c.hidden_size, ffn = c.expert_ffn_size;
  auto g = [i](std::string_view name) { return fmt::format("blk.{}.{}", i, name); };
  auto h = [i](std::string_view name) { return fmt::format("model.layers.{}.mlp.{}", i, name); };
  Layer& l = layers_[i];
  l.dense = i < c.n_dense_layers;
  if (l.dense) {
    l.ffn.gate = w.tensor(g("ffn_gate.weight"), h("gate_proj.weight"), {hidden, c.ffn_size});
    l.ffn.up = w.tensor(g("ffn_up.weight"), h("up_proj.weight"), {hidden, c.ffn_size});
    l.ffn.down = w.tensor(g("ffn_down.weight"), h("down_proj.weight"), {c.ffn_size, hidden});
    return;
  }
  const int32_t E = c.n_experts;
  MoeWeights& m = l.moe;
  m.router = w.tensor(g("ffn_gate_inp.weight"), h("gate.weight"), {hidden, E});
  // DeepSeek-V3's e_score_correction_bias; V2 has none.
  const bool bias = w.recording() ? c.expert_score_bias
                                  : w.has(g("exp_probs_b.bias"), h("gate.e_score_correction_bias"));
  if (bias) m.score_bias = w.vector(g("exp_probs_b.bias"), h("gate.e_score_correction_bias"), {E});
  m.gate =
      bind_experts(w, g("ffn_gate_exps.weight"), h("experts.{}.gate_proj.weight"), hidden, ffn, E);
  m.up = bind_experts(w, g("ffn_up_exps.weight"), h("experts.{}.up_proj.weight"), hidden, ffn, E);
  m.down =
      bind_experts(w, g("ffn_down_exps.weight"), h("experts.{}.down_proj.weight"), ffn, hidden, E);
  if (c.n_shared_experts > 0) {
    const int64_t s = ffn * c.n_shared_experts;
    m.shared.gate =
        w.tensor(g("ffn_gate_shexp.weight"), h("shared_experts.gate_proj.weight"), {hidden, s});
    m.shared.up =
        w.tensor(g("ffn_up_shexp.weight"), h("shared_experts.up_proj.weight"), {hidden, s});
    m.shared.down =
        w.tensor(g("ffn_down_shexp.weight"), h("shared_experts.down_proj.weight"), {s, hidden});
  }
}

std::vector<KvLayerShape> MlaDecoder::kv_shapes() const {
  return std::vector<KvLayerShape>(config_.n_layers, mla_kv_shape(config_));
}

void MlaDecoder::reserve(int32_t n) {
  if (n <= capacity_) return;
  const ModelConfig& c = config_;
  const size_t un = static_cast<size_t>(n);
  x_.resize(un * c.hidden_size);
  h_.resize(un * c.hidden_size);
  o_.resize(un * c.hidden_size);
  ffn_.resize(2 * un * std::max(c.ffn_size, 1));
  capacity_ = n;
}

void MlaDecoder::forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) {
  const ModelConfig& c = config_;
  const int32_t n = batch.size();
  if (n == 0) return;
  reserve(n);
  const int32_t hidden = c.hidden_size;
  float* x = x_.data();
  float* h = h_.data();
  float* o = o_.data();
  embed_tokens(batch, token_embd_, x, pool);
  for (int32_t il = 0; il < c.n_layers; ++il) {
    const Layer& l = layers_[il];
    // Attention: RMSNorm -> MLA over the latent cache -> residual.
    rms_norm_rows(x, l.attn_norm, h, n, hidden, hidden, c.norm_eps, pool);
    attention_.forward(l.attn, batch, h, cache, il, o, pool);
    kernels::add(o, x, int64_t{n} * hidden);
    // FFN: RMSNorm -> dense FFN, or routed experts + shared experts -> residual.
    rms_norm_rows(x, l.ffn_norm, h, n, hidden, hidden, c.norm_eps, pool);
    if (l.dense) {
      gated_ffn(l.ffn, GateActivation::kSilu, h, n, ffn_.data(), o, pool);
    } else {
      moe_.forward(l.moe, moe_options_, h, n, o, pool);
    }
    kernels::add(o, x, int64_t{n} * hidden);
  }
  const int32_t n_out = gather_output_rows(batch, x, hidden, h);
  rms_norm_rows(h, output_norm_, h, n_out, hidden, hidden, c.norm_eps, pool);
  project(output_, nullptr, h, n_out, logits, pool);
}

}  // namespace owl
