// DeepSeek-V2 / V2-Lite / V3 / R1 / V3.1 and Kimi K2: multi-head latent attention with a latent
// KV cache (absorbed form), the first layers dense, then routed experts (softmax in V2, sigmoid
// with a selection-only correction bias and group-limited top-k in V3) plus shared experts, and
// YaRN with DeepSeek's attention mscale. Multi-token-prediction layers are not run: Hugging Face
// folders hold them after num_hidden_layers (left unused), llama.cpp's GGUFs either drop them or
// count them in block_count with nextn_predict_layers (then the last ones are skipped).
#include <cmath>

#include "base/error.h"
#include "formats/gguf.h"
#include "model/archs/archs.h"
#include "model/blocks/mla_decoder.h"
#include "model/decoder_config.h"

namespace owl::archs {
namespace {

// DeepSeek's yarn_get_mscale (modeling_deepseek.py): 0.1 * m * ln(factor) + 1 for factor > 1.
float yarn_mscale(float factor, float m) {
  return factor <= 1.0f ? 1.0f : 0.1f * m * std::log(factor) + 1.0f;
}

// The q.k scale and the RoPE magnitude under YaRN. Hugging Face: softmax_scale = mscale^2 /
// sqrt(qk_head_dim) with mscale = yarn_mscale(factor, mscale_all_dim), and cos/sin multiplied by
// yarn_mscale(factor, mscale) / yarn_mscale(factor, mscale_all_dim). llama.cpp stores
// 0.1 * mscale_all_dim as rope.scaling.yarn_log_multiplier, computes the same kq_scale, and
// leaves the RoPE magnitude at 1 (it assumes mscale == mscale_all_dim, true of every published
// config). Rope multiplies by yarn_attn_factor * (1 + 0.1 ln factor), which is divided out here.
void read_yarn_mscale(const ConfigReader& r, ModelConfig& c) {
  const float qk_head = static_cast<float>(c.mla.qk_nope_dim + c.rope.n_rot);
  c.mla.attn_scale = 1.0f / std::sqrt(qk_head);
  if (c.rope.scaling != RopeScaling::kYarn) return;
  const float f = c.rope.factor;
  float mscale = 1.0f, mscale_all = 0.0f;
  if (r.is_gguf()) {
    mscale_all = r.get_float("", ".rope.scaling.yarn_log_multiplier", 0.0f) / 0.1f;
    mscale = mscale_all;
  } else {
    const ConfigReader s(r.hf_json()->at("rope_scaling"), r.path() + " rope_scaling");
    mscale = s.get_float("mscale", "", 1.0f);
    mscale_all = s.get_float("mscale_all_dim", "", 0.0f);
    r.record(".rope.scaling.yarn_log_multiplier", gguf::Value::f32(0.1f * mscale_all));
  }
  if (mscale_all != 0.0f) {
    const float m = yarn_mscale(f, mscale_all);
    c.mla.attn_scale = m * m / std::sqrt(qk_head);
    c.rope.yarn_attn_factor = yarn_mscale(f, mscale) / m / (1.0f + 0.1f * std::log(f));
  } else {
    c.rope.yarn_attn_factor = yarn_mscale(f, mscale) / (1.0f + 0.1f * std::log(f));
  }
}

void read_mla(const ConfigReader& r, ModelConfig& c) {
  c.mla.q_lora_rank = r.get_int("q_lora_rank", ".attention.q_lora_rank", 0);
  c.mla.kv_lora_rank = r.require_int("kv_lora_rank", ".attention.kv_lora_rank");
  if (r.is_gguf()) {
    // MLA-form files (llama.cpp since its absorbed MLA) give key/value_length as the cached
    // widths (kv_lora + rope, kv_lora) and the per-head sizes under *_mla; older files only the
    // per-head sizes.
    const int32_t k = r.get_int("", ".attention.key_length_mla", c.head_dim);
    c.value_dim = r.get_int("", ".attention.value_length_mla", c.value_dim);
    c.mla.qk_nope_dim = k - c.rope.n_rot;
    c.head_dim = k;
  } else {
    c.rope.n_rot = r.require_int("qk_rope_head_dim", "");
    c.mla.qk_nope_dim = r.require_int("qk_nope_head_dim", "");
    c.value_dim = r.require_int("v_head_dim", "");
    c.head_dim = c.mla.qk_nope_dim + c.rope.n_rot;
    r.record(".attention.head_count_kv", gguf::Value::u32(1));
    r.record(".attention.key_length", gguf::Value::u32(c.mla.kv_lora_rank + c.rope.n_rot));
    r.record(".attention.value_length", gguf::Value::u32(c.mla.kv_lora_rank));
    r.record(".attention.key_length_mla", gguf::Value::u32(c.head_dim));
    r.record(".attention.value_length_mla", gguf::Value::u32(c.value_dim));
  }
  c.n_kv_heads = c.n_heads;  // every head has its own key and value (through the latent)
  if (c.mla.kv_lora_rank <= 0 || c.mla.q_lora_rank < 0 || c.mla.qk_nope_dim <= 0 ||
      c.value_dim <= 0 || c.rope.n_rot <= 0 || c.rope.n_rot % 2 != 0) {
    fail("{}: invalid MLA sizes: q_lora {}, kv_lora {}, nope {}, rope {}, v {}", r.path(),
         c.mla.q_lora_rank, c.mla.kv_lora_rank, c.mla.qk_nope_dim, c.rope.n_rot, c.value_dim);
  }
}

void read_moe(const ConfigReader& r, ModelConfig& c) {
  c.n_dense_layers = r.get_int("first_k_dense_replace", ".leading_dense_block_count", 0);
  c.expert_ffn_size = r.require_int("moe_intermediate_size", ".expert_feed_forward_length");
  c.n_experts = r.require_int("n_routed_experts", ".expert_count");
  c.n_experts_used = r.require_int("num_experts_per_tok", ".expert_used_count");
  c.n_shared_experts = r.get_int("n_shared_experts", ".expert_shared_count", 0);
  c.expert_weights_scale = r.get_float("routed_scaling_factor", ".expert_weights_scale", 1.0f);
  c.expert_weights_norm = r.get_bool("norm_topk_prob", ".expert_weights_norm", false);
  if (r.is_gguf()) {
    // Files from before llama.cpp wrote the gating function are DeepSeek-V2 (softmax).
    c.expert_gating_func = r.get_int("", ".expert_gating_func", 1);
  } else {
    const std::string scoring = r.string("scoring_func", "").value_or("softmax");
    if (scoring != "softmax" && scoring != "sigmoid") {
      fail("{}: scoring_func \"{}\" is not supported (softmax, sigmoid)", r.path(), scoring);
    }
    c.expert_gating_func = scoring == "sigmoid" ? 2 : 1;
    r.record(".expert_gating_func", gguf::Value::u32(static_cast<uint32_t>(c.expert_gating_func)));
    if (r.get_int("moe_layer_freq", "", 1) != 1)
      fail("{}: moe_layer_freq other than 1 is not supported", r.path());
  }
  const std::string method =
      r.is_gguf() ? "noaux_tc" : r.string("topk_method", "").value_or("greedy");
  if (method == "greedy") {
    r.record(".expert_group_count", gguf::Value::u32(1));
    r.record(".expert_group_used_count", gguf::Value::u32(1));
  } else {
    c.n_expert_groups = r.get_int("n_group", ".expert_group_count", 1);
    c.n_expert_groups_used = r.get_int("topk_group", ".expert_group_used_count", 1);
    // DeepSeek-V2's group_limited_greedy scores a group by its best expert, V3's noaux_tc by
    // the sum of its best two.
    c.expert_group_score_top = method == "group_limited_greedy" ? 1 : 2;
  }
  // noaux_tc (V3) chooses on sigmoid + e_score_correction_bias.
  c.expert_score_bias = method == "noaux_tc";
  if (c.n_experts <= 0 || c.n_experts_used <= 0 || c.n_experts_used > c.n_experts ||
      c.expert_ffn_size <= 0 || c.n_dense_layers < 0 || c.n_expert_groups <= 0 ||
      c.n_experts % c.n_expert_groups != 0 || c.n_expert_groups_used <= 0 ||
      c.n_expert_groups_used > c.n_expert_groups) {
    fail("{}: invalid experts: {} of {} used (ffn {}), {} groups ({} used), {} dense layers",
         r.path(), c.n_experts_used, c.n_experts, c.expert_ffn_size, c.n_expert_groups,
         c.n_expert_groups_used, c.n_dense_layers);
  }
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  return std::make_unique<MlaDecoder>(std::move(c), w);
}

}  // namespace

ModelConfig read_deepseek2_config(const ConfigReader& r) {
  ModelConfig c = read_decoder_config(r);
  c.arch = "deepseek2";
  // DeepSeek's RoPE rotates adjacent pairs: its reference de-interleaves q_pe/k_pe before
  // rotate_half, and llama.cpp's converter leaves the weights unpermuted (rope type NORM).
  c.rope.style = RopeStyle::kNorm;
  read_mla(r, c);
  read_moe(r, c);
  read_yarn_mscale(r, c);
  if (r.is_gguf()) {
    c.n_nextn_layers = r.get_int("", ".nextn_predict_layers", 0);
    if (c.n_nextn_layers < 0 || c.n_nextn_layers >= c.n_layers) {
      fail("{}: nextn_predict_layers {} with {} blocks", r.path(), c.n_nextn_layers, c.n_layers);
    }
    c.n_layers -= c.n_nextn_layers;
  } else {
    c.n_nextn_layers = r.get_int("num_nextn_predict_layers", "", 0);
  }
  return c;
}

const Architecture& deepseek2() {
  static const Architecture a{"deepseek2",
                              {"DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM"},
                              {"deepseek_v2", "deepseek_v3", "kimi_k2"},
                              "deepseek2",
                              read_deepseek2_config,
                              build};
  return a;
}

}  // namespace owl::archs
