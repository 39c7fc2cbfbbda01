// GLM-4.5 / GLM-4.6 (Glm4MoeForCausalLM; llama.cpp "glm4moe"): GQA with Q/K/V biases, per-head
// Q/K RMSNorm and NeoX RoPE over the first half of each head (partial_rotary_factor 0.5); the
// first first_k_dense_replace layers dense, then sigmoid-scored routed experts chosen with a
// selection-only correction bias (optionally group-limited), renormalised and scaled by
// routed_scaling_factor, plus shared experts (transformers' modeling_glm4_moe). The
// multi-token-prediction layer is not run: Hugging Face stores it after num_hidden_layers;
// llama.cpp counts it in block_count with nextn_predict_layers.
#include "base/error.h"
#include "formats/gguf.h"
#include "model/archs/archs.h"
#include "model/blocks/moe_decoder.h"
#include "model/decoder_config.h"

namespace owl::archs {
namespace {

ModelConfig read_config(const ConfigReader& r) {
  ModelConfig c = read_decoder_config(r);
  c.arch = "glm4moe";
  c.rope.style = RopeStyle::kNeox;
  c.attention_bias = r.get_bool("attention_bias", "", false);
  c.qk_norm = r.get_bool("use_qk_norm", "", false);
  c.n_dense_layers = r.get_int("first_k_dense_replace", ".leading_dense_block_count", 0);
  c.expert_ffn_size = r.require_int("moe_intermediate_size", ".expert_feed_forward_length");
  c.n_experts = r.require_int("n_routed_experts", ".expert_count");
  c.n_experts_used = r.require_int("num_experts_per_tok", ".expert_used_count");
  c.n_shared_experts = r.get_int("n_shared_experts", ".expert_shared_count", 0);
  c.expert_weights_scale = r.get_float("routed_scaling_factor", ".expert_weights_scale", 1.0f);
  c.expert_weights_norm = r.get_bool("norm_topk_prob", ".expert_weights_norm", true);
  c.n_expert_groups = r.get_int("n_group", ".expert_group_count", 1);
  c.n_expert_groups_used = r.get_int("topk_group", ".expert_group_used_count", 1);
  c.expert_gating_func = 2;  // sigmoid (Glm4MoeMoE.route_tokens_to_experts)
  r.record(".expert_gating_func", gguf::Value::u32(2));
  if (r.is_gguf()) {
    c.n_nextn_layers = r.get_int("", ".nextn_predict_layers", 0);
    if (c.n_nextn_layers < 0 || c.n_nextn_layers >= c.n_layers) {
      fail("{}: nextn_predict_layers {} with {} blocks", r.path(), c.n_nextn_layers, c.n_layers);
    }
    c.n_layers -= c.n_nextn_layers;
  } else {
    c.n_nextn_layers = r.get_int("num_nextn_predict_layers", "", 0);
    r.record(".nextn_predict_layers", gguf::Value::u32(0));  // owl synth writes no MTP layer
  }
  if (c.n_experts <= 0 || c.n_experts_used <= 0 || c.n_experts_used > c.n_experts ||
      c.expert_ffn_size <= 0 || c.n_dense_layers < 0 || c.n_expert_groups <= 0 ||
      c.n_experts % c.n_expert_groups != 0) {
    fail("{}: invalid experts: {} of {} used (ffn {}), {} groups, {} dense layers", r.path(),
         c.n_experts_used, c.n_experts, c.expert_ffn_size, c.n_expert_groups, c.n_dense_layers);
  }
  return c;
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  MoeDecoderOptions o;
  // GGUF carries no flag for these: the tensors' presence says.
  o.qkv_bias = w.recording() ? c.attention_bias
                             : w.has("blk.0.attn_q.bias", "model.layers.0.self_attn.q_proj.bias");
  const bool qk_norm =
      w.recording() ? c.qk_norm
                    : w.has("blk.0.attn_q_norm.weight", "model.layers.0.self_attn.q_norm.weight");
  o.qk_norm = qk_norm ? QkNorm::kPerHead : QkNorm::kNone;
  o.moe.routing = routing_from_config(c);
  o.score_bias = true;
  o.n_dense_layers = c.n_dense_layers;
  o.shared_ffn_size = c.n_shared_experts * c.expert_ffn_size;
  return std::make_unique<MoeDecoder>(std::move(c), std::move(o), w);
}

}  // namespace

const Architecture& glm4_moe() {
  static const Architecture a{"glm4moe", {"Glm4MoeForCausalLM"}, {"glm4_moe"}, "", read_config,
                              build};
  return a;
}

}  // namespace owl::archs
