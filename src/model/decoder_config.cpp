// Shared hyper-parameters of decoder-only transformers.
#include "model/decoder_config.h"

#include <cmath>

#include "base/error.h"
#include "formats/gguf.h"
#include "model/blocks/rope.h"

namespace owl {
namespace {

void read_rope_scaling(const ConfigReader& r, ModelConfig& c) {
  RopeConfig& rope = c.rope;
  if (r.is_gguf()) {
    const auto type = r.string("", ".rope.scaling.type");
    if (!type || *type == "none") return;
    rope.factor = r.get_float("", ".rope.scaling.factor", 1.0f);
    rope.original_context = r.get_int("", ".rope.scaling.original_context_length", c.context_length);
    if (*type == "linear") {
      rope.scaling = RopeScaling::kLinear;
    } else if (*type == "yarn") {
      rope.scaling = RopeScaling::kYarn;
      rope.yarn_beta_fast = r.get_float("", ".rope.scaling.yarn_beta_fast", 32.0f);
      rope.yarn_beta_slow = r.get_float("", ".rope.scaling.yarn_beta_slow", 1.0f);
    } else {
      fail("{}: unsupported {} \"{}\" (supported: none, linear, yarn)", r.path(),
           r.gguf_key(".rope.scaling.type"), *type);
    }
    return;
  }
  const nlohmann::json* hf = r.hf_json();
  auto it = hf->find("rope_scaling");
  if (it == hf->end() || it->is_null()) return;
  const nlohmann::json& s = *it;
  if (!s.is_object()) fail("{}: field \"rope_scaling\" must be an object or null", r.path());
  const ConfigReader sr(s, r.path() + " rope_scaling");
  std::string type = sr.string("rope_type", "").value_or(sr.string("type", "").value_or("default"));
  if (type == "default") return;
  rope.factor = sr.get_float("factor", "", 1.0f);
  rope.original_context = sr.get_int("original_max_position_embeddings", "", c.context_length);
  if (type == "linear") {
    rope.scaling = RopeScaling::kLinear;
    r.record(".rope.scaling.type", gguf::Value::string("linear"));
    r.record(".rope.scaling.factor", gguf::Value::f32(rope.factor));
  } else if (type == "llama3") {
    rope.scaling = RopeScaling::kLlama3;
    rope.low_freq_factor = sr.get_float("low_freq_factor", "", 1.0f);
    rope.high_freq_factor = sr.get_float("high_freq_factor", "", 4.0f);
    rope.freq_factors = llama3_freq_factors(rope, rope.n_rot);
  } else if (type == "yarn") {
    rope.scaling = RopeScaling::kYarn;
    rope.yarn_beta_fast = sr.get_float("beta_fast", "", 32.0f);
    rope.yarn_beta_slow = sr.get_float("beta_slow", "", 1.0f);
    rope.yarn_truncate = sr.get_bool("truncate", "", true);
    r.record(".rope.scaling.type", gguf::Value::string("yarn"));
    r.record(".rope.scaling.factor", gguf::Value::f32(rope.factor));
    r.record(".rope.scaling.original_context_length", gguf::Value::u32(rope.original_context));
    r.record(".rope.scaling.yarn_beta_fast", gguf::Value::f32(rope.yarn_beta_fast));
    r.record(".rope.scaling.yarn_beta_slow", gguf::Value::f32(rope.yarn_beta_slow));
  } else {
    fail("{}: unsupported rope_scaling type \"{}\" (supported: default, linear, llama3, yarn)",
         r.path(), type);
  }
}

}  // namespace

ModelConfig read_decoder_config(const ConfigReader& r) {
  ModelConfig c;
  c.n_layers = r.require_int("num_hidden_layers", ".block_count");
  c.hidden_size = r.require_int("hidden_size", ".embedding_length");
  c.n_heads = r.require_int("num_attention_heads", ".attention.head_count");
  c.n_kv_heads = r.get_int("num_key_value_heads", ".attention.head_count_kv", c.n_heads);
  if (c.n_layers <= 0 || c.hidden_size <= 0 || c.n_heads <= 0 || c.n_kv_heads <= 0 ||
      c.n_heads % c.n_kv_heads != 0) {
    fail("{}: invalid sizes: {} layers, hidden {}, {} heads, {} kv heads (heads must be a multiple "
         "of kv heads)", r.path(), c.n_layers, c.hidden_size, c.n_heads, c.n_kv_heads);
  }
  c.head_dim = r.get_int("head_dim", ".attention.key_length", c.hidden_size / c.n_heads);
  c.value_dim = r.get_int("", ".attention.value_length", c.head_dim);
  // llama.cpp sizes V from value_length (default hidden/heads, not key_length): a written GGUF
  // states it whenever it states key_length, as llama.cpp's converter does.
  r.record(".attention.value_length", gguf::Value::u32(static_cast<uint32_t>(c.value_dim)));
  c.ffn_size = r.get_int("intermediate_size", ".feed_forward_length", 0);
  c.vocab_size = r.get_int("vocab_size", ".vocab_size", 0);
  c.context_length = r.get_int("max_position_embeddings", ".context_length", 4096);
  c.norm_eps = r.get_float("rms_norm_eps", ".attention.layer_norm_rms_epsilon", 1e-5f);
  c.tied_embeddings = r.get_bool("tie_word_embeddings", "", false);
  c.rope.theta = r.get_float("rope_theta", ".rope.freq_base", 10000.0f);
  if (r.is_gguf()) {
    c.rope.n_rot = r.get_int("", ".rope.dimension_count", c.head_dim);
  } else {
    const float partial = r.get_float("partial_rotary_factor", "", 1.0f);
    c.rope.n_rot = static_cast<int32_t>(std::lround(partial * c.head_dim));
  }
  if (c.head_dim <= 0 || c.rope.n_rot <= 0 || c.rope.n_rot > c.head_dim) {
    fail("{}: invalid head size {} / rope dimensions {}", r.path(), c.head_dim, c.rope.n_rot);
  }
  read_rope_scaling(r, c);
  return c;
}

}  // namespace owl
