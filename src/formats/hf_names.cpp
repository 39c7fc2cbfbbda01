// The HF <-> GGUF tensor name table (from llama.cpp's gguf-py tensor_mapping for LLaMA, Qwen2
// and Qwen3) and the llama Q/K row permutation of convert_hf_to_gguf.py.
#include "formats/hf_names.h"

#include <array>
#include <cstring>

#include "base/error.h"

namespace owl {

namespace {

struct NamePair {
  std::string_view hf;
  std::string_view gguf;
};

// "{N}" stands for the layer number.
constexpr std::array<NamePair, 21> kNames = {{
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"},
    {"model.layers.{N}.input_layernorm.weight", "blk.{N}.attn_norm.weight"},
    {"model.layers.{N}.self_attn.q_proj.weight", "blk.{N}.attn_q.weight"},
    {"model.layers.{N}.self_attn.k_proj.weight", "blk.{N}.attn_k.weight"},
    {"model.layers.{N}.self_attn.v_proj.weight", "blk.{N}.attn_v.weight"},
    {"model.layers.{N}.self_attn.o_proj.weight", "blk.{N}.attn_output.weight"},
    {"model.layers.{N}.self_attn.q_proj.bias", "blk.{N}.attn_q.bias"},  // qwen2
    {"model.layers.{N}.self_attn.k_proj.bias", "blk.{N}.attn_k.bias"},
    {"model.layers.{N}.self_attn.v_proj.bias", "blk.{N}.attn_v.bias"},
    {"model.layers.{N}.self_attn.o_proj.bias", "blk.{N}.attn_output.bias"},
    {"model.layers.{N}.self_attn.q_norm.weight", "blk.{N}.attn_q_norm.weight"},  // qwen3
    {"model.layers.{N}.self_attn.k_norm.weight", "blk.{N}.attn_k_norm.weight"},
    {"model.layers.{N}.post_attention_layernorm.weight", "blk.{N}.ffn_norm.weight"},
    {"model.layers.{N}.mlp.gate_proj.weight", "blk.{N}.ffn_gate.weight"},
    {"model.layers.{N}.mlp.up_proj.weight", "blk.{N}.ffn_up.weight"},
    {"model.layers.{N}.mlp.down_proj.weight", "blk.{N}.ffn_down.weight"},
    {"model.layers.{N}.mlp.gate_proj.bias", "blk.{N}.ffn_gate.bias"},
    {"model.layers.{N}.mlp.up_proj.bias", "blk.{N}.ffn_up.bias"},
    {"model.layers.{N}.mlp.down_proj.bias", "blk.{N}.ffn_down.bias"},
}};

// If name matches pattern (with "{N}" = a decimal number without leading zeros), returns the
// number's text ("" for a pattern without {N}).
std::optional<std::string_view> match(std::string_view pattern, std::string_view name) {
  size_t at = pattern.find("{N}");
  if (at == std::string_view::npos) {
    return pattern == name ? std::optional<std::string_view>("") : std::nullopt;
  }
  std::string_view prefix = pattern.substr(0, at);
  std::string_view suffix = pattern.substr(at + 3);
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  std::string_view n = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (n.size() > 9 || (n.size() > 1 && n[0] == '0')) return std::nullopt;
  for (char c : n) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return n;
}

std::string substitute(std::string_view pattern, std::string_view number) {
  std::string out(pattern);
  size_t at = out.find("{N}");
  if (at != std::string::npos) out.replace(at, 3, number);
  return out;
}

void check_qk_shape(int64_t n_rows, int n_heads) {
  if (n_heads <= 0 || n_rows <= 0 || n_rows % (2 * static_cast<int64_t>(n_heads)) != 0) {
    fail("llama Q/K permutation: {} rows cannot be split into {} heads of an even size", n_rows,
         n_heads);
  }
}

}  // namespace

std::optional<std::string> hf_to_gguf_name(std::string_view hf_name) {
  for (const NamePair& p : kNames) {
    if (auto n = match(p.hf, hf_name)) return substitute(p.gguf, *n);
  }
  return std::nullopt;
}

std::optional<std::string> gguf_to_hf_name(std::string_view gguf_name) {
  for (const NamePair& p : kNames) {
    if (auto n = match(p.gguf, gguf_name)) return substitute(p.hf, *n);
  }
  return std::nullopt;
}

void llama_permute_qk_rows(const uint8_t* src, uint8_t* dst, int64_t n_rows, size_t row_bytes,
                           int n_heads) {
  check_qk_shape(n_rows, n_heads);
  const int64_t head_dim = n_rows / n_heads;
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < n_heads; ++h) {
    for (int64_t i = 0; i < half; ++i) {
      for (int64_t j = 0; j < 2; ++j) {
        const int64_t to = h * head_dim + 2 * i + j;
        const int64_t from = h * head_dim + j * half + i;
        std::memcpy(dst + static_cast<size_t>(to) * row_bytes,
                    src + static_cast<size_t>(from) * row_bytes, row_bytes);
      }
    }
  }
}

void llama_unpermute_qk_rows(const uint8_t* src, uint8_t* dst, int64_t n_rows, size_t row_bytes,
                             int n_heads) {
  check_qk_shape(n_rows, n_heads);
  const int64_t head_dim = n_rows / n_heads;
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < n_heads; ++h) {
    for (int64_t i = 0; i < half; ++i) {
      for (int64_t j = 0; j < 2; ++j) {
        const int64_t to = h * head_dim + j * half + i;
        const int64_t from = h * head_dim + 2 * i + j;
        std::memcpy(dst + static_cast<size_t>(to) * row_bytes,
                    src + static_cast<size_t>(from) * row_bytes, row_bytes);
      }
    }
  }
}

}  // namespace owl
