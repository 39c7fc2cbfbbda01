// Hugging Face <-> GGUF tensor names for the llama / qwen2 / qwen3 families, and the row order
// llama.cpp's converter gives llama's attention Q/K weights.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace owl {

// "model.layers.3.mlp.up_proj.weight" -> "blk.3.ffn_up.weight", as llama.cpp's
// convert_hf_to_gguf.py names them. nullopt for a name outside the table, including tensors
// that have no GGUF counterpart (e.g. "model.layers.0.self_attn.rotary_emb.inv_freq").
std::optional<std::string> hf_to_gguf_name(std::string_view hf_name);
// The inverse: "blk.3.ffn_up.weight" -> "model.layers.3.mlp.up_proj.weight".
std::optional<std::string> gguf_to_hf_name(std::string_view gguf_name);

// Hugging Face Llama applies RoPE to the two halves of each head (x[i], x[i + head_dim/2]),
// GGUF's llama ("NORM" rope) to adjacent pairs (x[2i], x[2i+1]). llama.cpp's converter
// therefore reorders the rows of q_proj (n_heads = num_attention_heads) and k_proj
// (n_heads = num_key_value_heads): within each head of head_dim = n_rows / n_heads rows,
//   dst row 2*i + j  <-  src row j*(head_dim/2) + i     (i < head_dim/2, j in {0, 1}).
// Rows are moved whole (row_bytes each), so any row type works, biases too (row_bytes = one
// element). Throws owl::Error unless n_rows is a positive multiple of 2 * n_heads.
void llama_permute_qk_rows(const uint8_t* src, uint8_t* dst, int64_t n_rows, size_t row_bytes,
                           int n_heads);
// The inverse (GGUF order back to Hugging Face order).
void llama_unpermute_qk_rows(const uint8_t* src, uint8_t* dst, int64_t n_rows, size_t row_bytes,
                             int n_heads);

}  // namespace owl
