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
  // Mixture of experts (0 when dense).
  int32_t n_experts = 0;
  int32_t n_experts_used = 0;
  int32_t expert_ffn_size = 0;

  int32_t q_width() const { return n_heads * head_dim; }
  int32_t kv_width() const { return n_kv_heads * head_dim; }
  int32_t v_width() const { return n_kv_heads * value_dim; }
};

}  // namespace owl
