// MiniMax-M2 / M2.5 (MiniMaxM2ForCausalLM; llama.cpp "minimax-m2"): GQA with RMSNorm over the
// whole Q projection and the whole K projection (qk_norm_type "per_layer"), NeoX RoPE on the
// first rotary_dim dims of each head, and every FFN a mixture of experts: sigmoid scores, top-k
// chosen on score + e_score_correction_bias, weights = the chosen scores renormalised (and scaled
// by routed_scaling_factor, 1 by default); no shared expert (MiniMax's modeling_minimax_m2.py).
// Its multi-token-prediction modules are not run.
#include "base/error.h"
#include "formats/gguf.h"
#include "model/archs/archs.h"
#include "model/blocks/moe_decoder.h"
#include "model/decoder_config.h"

namespace owl::archs {
namespace {

ModelConfig read_config(const ConfigReader& r) {
  ModelConfig c = read_decoder_config(r);
  c.arch = "minimax-m2";
  c.rope.style = RopeStyle::kNeox;
  if (!r.is_gguf()) {
    c.rope.n_rot = r.get_int("rotary_dim", "", c.head_dim);
    if (c.rope.n_rot <= 0 || c.rope.n_rot > c.head_dim || c.rope.n_rot % 2 != 0) {
      fail("{}: rotary_dim {} must be even and at most head_dim {}", r.path(), c.rope.n_rot,
           c.head_dim);
    }
    const std::string norm_type = r.string("qk_norm_type", "").value_or("per_layer");
    if (norm_type != "per_layer")
      fail("{}: qk_norm_type \"{}\" is not supported (per_layer)", r.path(), norm_type);
    const std::string scoring = r.string("scoring_func", "").value_or("softmax");
    if (scoring != "softmax" && scoring != "sigmoid") {
      fail("{}: scoring_func \"{}\" is not supported (softmax, sigmoid)", r.path(), scoring);
    }
    c.expert_gating_func = scoring == "sigmoid" ? 2 : 1;
    r.record(".expert_gating_func", gguf::Value::u32(static_cast<uint32_t>(c.expert_gating_func)));
    if (r.get_int("shared_intermediate_size", "", 0) != 0) {
      fail("{}: shared experts (shared_intermediate_size > 0) are not supported", r.path());
    }
  } else {
    c.expert_gating_func = r.get_int("", ".expert_gating_func", 2);
  }
  c.qk_norm = r.get_bool("use_qk_norm", "", true);
  c.expert_score_bias = r.get_bool("use_routing_bias", "", true);
  c.n_experts = r.require_int("num_local_experts", ".expert_count");
  c.n_experts_used = r.require_int("num_experts_per_tok", ".expert_used_count");
  // MiniMax's experts are intermediate_size wide (there is no dense FFN).
  c.expert_ffn_size = r.require_int("intermediate_size", ".expert_feed_forward_length");
  c.expert_weights_norm = true;
  c.expert_weights_scale = r.get_float("routed_scaling_factor", ".expert_weights_scale", 1.0f);
  if (c.n_experts <= 0 || c.n_experts_used <= 0 || c.n_experts_used > c.n_experts ||
      c.expert_ffn_size <= 0) {
    fail("{}: invalid experts: {} of {} used, expert ffn {}", r.path(), c.n_experts_used,
         c.n_experts, c.expert_ffn_size);
  }
  return c;
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  MoeDecoderOptions o;
  const bool qk_norm =
      w.recording() ? c.qk_norm
                    : w.has("blk.0.attn_q_norm.weight", "model.layers.0.self_attn.q_norm.weight");
  o.qk_norm = qk_norm ? QkNorm::kFullWidth : QkNorm::kNone;
  o.moe.routing = routing_from_config(c);
  o.score_bias = w.recording() ? c.expert_score_bias
                               : w.has("blk.0.exp_probs_b.bias",
                                       "model.layers.0.block_sparse_moe.e_score_correction_bias");
  o.hf.router = "block_sparse_moe.gate.weight";
  o.hf.score_bias = "block_sparse_moe.e_score_correction_bias";
  o.hf.gate = "block_sparse_moe.experts.{}.w1.weight";
  o.hf.up = "block_sparse_moe.experts.{}.w3.weight";
  o.hf.down = "block_sparse_moe.experts.{}.w2.weight";
  return std::make_unique<MoeDecoder>(std::move(c), std::move(o), w);
}

}  // namespace

const Architecture& minimax_m2() {
  static const Architecture a{
      "minimax-m2", {"MiniMaxM2ForCausalLM"}, {"minimax_m2"}, "", read_config, build};
  return a;
}

}  // namespace owl::archs
