// Model hyper-parameters, named once here; read from GGUF metadata or a Hugging Face config.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace owl {

enum class RopeStyle {
  kNorm,  // rotate adjacent pairs (x[2i], x[2i+1]): GGUF llama after llama.cpp's Q/K permutation
  kNeox,  // rotate halves (x[i], x[i + n_rot/2]): Hugging Face rotate_half, GGUF qwen2/qwen3
};

enum class RopeScaling { kNone, kLinear, kLlama3, kYarn };

struct RopeConfig {
  float theta = 10000.0f;
  RopeStyle style = RopeStyle::kNorm;
  int32_t n_rot = 0;  // dims rotated per head (<= head_dim)
  RopeScaling scaling = RopeScaling::kNone;
  float factor = 1.0f;               // linear / llama3 / yarn scaling factor
  int32_t original_context = 0;      // llama3 / yarn: original_max_position_embeddings
  float low_freq_factor = 1.0f;      // llama3
  float high_freq_factor = 4.0f;     // llama3
  float yarn_beta_fast = 32.0f;      // yarn
  float yarn_beta_slow = 1.0f;       // yarn
  float yarn_attn_factor = 1.0f;     // yarn: multiplies the mscale
  bool yarn_truncate = true;         // yarn: round the correction range to integers
  // Per-pair frequency divisors (llama3 scaling as GGUF stores it in rope_freqs.weight, or as
  // computed from config.json). Empty: none.
  std::vector<float> freq_factors;
};

struct ModelConfig {
  std::string arch;   // registry name: "llama", "qwen2", "qwen3", ...
  std::string name;   // general.name or the folder name
  int32_t n_layers = 0;
  int32_t hidden_size = 0;
  int32_t n_heads = 0;
  int32_t n_kv_heads = 0;
  int32_t head_dim = 0;      // per head, for Q and K
  int32_t value_dim = 0;     // per head, for V (usually head_dim)
  int32_t ffn_size = 0;
  int32_t vocab_size = 0;
  int32_t context_length = 0;
  float norm_eps = 1e-5f;
  RopeConfig rope;
  bool tied_embeddings = false;
  // Attention variants (defaults: every layer causal over all positions, 1/sqrt(head_dim)).
  int32_t sliding_window = 0;       // positions a sliding-window layer sees (its own included)
  std::vector<uint8_t> swa_layers;  // [n_layers] 1 where the layer uses the sliding window
  float rope_theta_swa = 0.0f;  // > 0: RoPE base of the sliding-window layers (gemma3), unscaled
  float attn_scale = 0.0f;      // > 0: scores are q.k * attn_scale instead of 1/sqrt(head_dim)
  float attn_softcap = 0.0f;    // > 0: scores = cap * tanh(scores / cap)
  float logit_softcap = 0.0f;   // > 0: final logits = cap * tanh(logits / cap)
  bool attention_bias = false;  // biases on the Q, K, V projections (GGUF: attn_q.bias present)
  bool qk_norm = false;         // RMSNorm on Q and K (GGUF: attn_q_norm present)
  // Mixture of experts (0 when dense).
  int32_t n_experts = 0;
  int32_t n_experts_used = 0;
  int32_t expert_ffn_size = 0;
  int32_t n_shared_experts = 0;       // always-on experts, run as one FFN of n * expert_ffn_size
  int32_t n_dense_layers = 0;         // leading layers with a dense FFN (first_k_dense_replace)
  int32_t n_expert_groups = 1;        // group-limited routing: groups of experts ...
  int32_t n_expert_groups_used = 1;   // ... of which the best are eligible
  bool expert_weights_norm = false;   // renormalise the chosen experts' weights to sum 1
  float expert_weights_scale = 1.0f;  // then multiply them (routed_scaling_factor)
  int32_t expert_gating_func = 1;    // llama.cpp's numbering: 1 softmax, 2 sigmoid,
                                     // 3 softmax over the chosen logits (gpt-oss)
  int32_t expert_group_score_top = 2;  // a group scores the sum of its best this-many scores
  bool expert_score_bias = false;     // a selection-only bias on the router scores (exp_probs_b)
  int32_t n_nextn_layers = 0;         // multi-token-prediction layers after the n_layers (unused)
  // Multi-head latent attention (DeepSeek-V2/V3); kv_lora_rank == 0 when not MLA. The query and
  // key of a head are [qk_nope_dim | rope.n_rot] wide, the value value_dim.
  struct Mla {
    int32_t q_lora_rank = 0;   // 0: queries projected directly (DeepSeek-V2-Lite)
    int32_t kv_lora_rank = 0;  // width of the cached latent
    int32_t qk_nope_dim = 0;   // per-head query/key dims without RoPE
    float attn_scale = 0.0f;   // q.k scale (YaRN mscale folded in); 0: 1/sqrt(head_dim)
  } mla;
  // DeepSeek Sparse Attention (V3.2): a lightning indexer picks index_topk past tokens per query.
  struct Dsa {
    int32_t n_heads = 0;  // 0: no indexer
    int32_t head_dim = 0;
    int32_t topk = 0;
  } dsa;

  int32_t q_width() const { return n_heads * head_dim; }
  int32_t kv_width() const { return n_kv_heads * head_dim; }
  int32_t v_width() const { return n_kv_heads * value_dim; }
};

}  // namespace owl
