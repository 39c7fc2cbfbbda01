// Test helper: writes the weights of an F32 GGUF made by `owl synth` as a Hugging Face folder
// (config.json + model.safetensors) for the MoE/MLA architectures, undoing llama.cpp's converter:
// stacked *_exps become one tensor per expert, attn_k_b/attn_v_b are joined back into
// kv_b_proj, and every name is mapped to the published checkpoints' names. Used to check that
// the GGUF and Hugging Face loaders give the same model. (`owl synth --format hf` from the
// "archs" branch had not reached main when these tests were written.)
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace owl::test {

// hf_moe_prefix: "mlp" (Qwen3-MoE, DeepSeek, GLM) or "block_sparse_moe" (MiniMax, whose experts
// are w1/w3/w2 and whose correction bias sits beside the router).
void write_hf_from_gguf(const std::string& gguf_path, const nlohmann::json& config,
                        const std::string& dir, const std::string& hf_moe_prefix = "mlp");

}  // namespace owl::test
