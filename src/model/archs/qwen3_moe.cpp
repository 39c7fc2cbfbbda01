// Qwen3-MoE (Qwen3-30B-A3B, Qwen3-235B-A22B): Qwen3's attention (per-head Q/K RMSNorm, NeoX
// RoPE) with every FFN a mixture of experts: softmax over the router logits, top-k, the chosen
// weights renormalised (norm_topk_prob), no shared expert.
#include "base/error.h"
#include "model/archs/archs.h"
#include "model/blocks/moe_decoder.h"
#include "model/decoder_config.h"

namespace owl::archs {
namespace {

ModelConfig read_config(const ConfigReader& r) {
  ModelConfig c = read_decoder_config(r);
  c.arch = "qwen3moe";
  c.rope.style = RopeStyle::kNeox;
  c.n_experts = r.require_int("num_experts", ".expert_count");
  c.n_experts_used = r.require_int("num_experts_per_tok", ".expert_used_count");
  c.expert_ffn_size = r.require_int("moe_intermediate_size", ".expert_feed_forward_length");
  if (c.n_experts <= 0 || c.n_experts_used <= 0 || c.n_experts_used > c.n_experts ||
      c.expert_ffn_size <= 0) {
    fail("{}: invalid experts: {} of {} used, expert ffn size {}", r.path(), c.n_experts_used,
         c.n_experts, c.expert_ffn_size);
  }
  // llama.cpp's qwen3moe always renormalises; Qwen3MoeConfig defaults to not.
  c.expert_weights_norm = r.get_bool("norm_topk_prob", ".expert_weights_norm", r.is_gguf());
  // Sparse-step and MLP-only layers (dense FFNs between MoE layers) are not used by the
  // published models, and llama.cpp's qwen3moe makes every layer MoE; refuse the others.
  if (!r.is_gguf()) {
    const int32_t step = r.get_int("decoder_sparse_step", "", 1);
    const nlohmann::json* hf = r.hf_json();
    const bool mlp_only = hf->contains("mlp_only_layers") && (*hf)["mlp_only_layers"].is_array() &&
                          !(*hf)["mlp_only_layers"].empty();
    if (step != 1 || mlp_only) {
      fail(
          "{}: decoder_sparse_step {} / mlp_only_layers (dense layers among MoE layers) are not "
          "supported",
          r.path(), step);
    }
  }
  return c;
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  MoeDecoderOptions o;
  o.qk_norm = QkNorm::kPerHead;
  o.moe.routing.n_experts = c.n_experts;
  o.moe.routing.n_used = c.n_experts_used;
  o.moe.routing.scoring = RouterScoring::kSoftmax;
  o.moe.routing.normalize = c.expert_weights_norm;
  return std::make_unique<MoeDecoder>(std::move(c), std::move(o), w);
}

}  // namespace

const Architecture& qwen3_moe() {
  static const Architecture a{
      "qwen3moe", {"Qwen3MoeForCausalLM"}, {"qwen3_moe"}, "qwen3moe", read_config, build};
  return a;
}

}  // namespace owl::archs
