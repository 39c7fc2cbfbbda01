// GGUF (owl synth, F32) -> Hugging Face folder for the MoE/MLA architectures.
#include "moe_hf_writer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "base/error.h"
#include "formats/gguf.h"
#include "formats/safetensors.h"

namespace owl::test {
namespace {

// Per-layer GGUF names (after "blk.N.") and their Hugging Face names (after "model.layers.N.").
std::string layer_name(const std::string& g, const std::string& moe) {
  static const std::map<std::string, std::string> common = {
      {"attn_norm.weight", "input_layernorm.weight"},
      {"ffn_norm.weight", "post_attention_layernorm.weight"},
      {"attn_q.weight", "self_attn.q_proj.weight"},
      {"attn_k.weight", "self_attn.k_proj.weight"},
      {"attn_v.weight", "self_attn.v_proj.weight"},
      {"attn_q.bias", "self_attn.q_proj.bias"},
      {"attn_k.bias", "self_attn.k_proj.bias"},
      {"attn_v.bias", "self_attn.v_proj.bias"},
      {"attn_output.weight", "self_attn.o_proj.weight"},
      {"attn_q_norm.weight", "self_attn.q_norm.weight"},
      {"attn_k_norm.weight", "self_attn.k_norm.weight"},
      {"attn_q_a.weight", "self_attn.q_a_proj.weight"},
      {"attn_q_a_norm.weight", "self_attn.q_a_layernorm.weight"},
      {"attn_q_b.weight", "self_attn.q_b_proj.weight"},
      {"attn_kv_a_mqa.weight", "self_attn.kv_a_proj_with_mqa.weight"},
      {"attn_kv_a_norm.weight", "self_attn.kv_a_layernorm.weight"},
      {"indexer.attn_q_b.weight", "self_attn.indexer.wq_b.weight"},
      {"indexer.attn_k.weight", "self_attn.indexer.wk.weight"},
      {"indexer.k_norm.weight", "self_attn.indexer.k_norm.weight"},
      {"indexer.k_norm.bias", "self_attn.indexer.k_norm.bias"},
      {"indexer.proj.weight", "self_attn.indexer.weights_proj.weight"},
      {"ffn_gate.weight", "mlp.gate_proj.weight"},
      {"ffn_up.weight", "mlp.up_proj.weight"},
      {"ffn_down.weight", "mlp.down_proj.weight"},
      {"ffn_gate_shexp.weight", "mlp.shared_experts.gate_proj.weight"},
      {"ffn_up_shexp.weight", "mlp.shared_experts.up_proj.weight"},
      {"ffn_down_shexp.weight", "mlp.shared_experts.down_proj.weight"},
  };
  auto it = common.find(g);
  if (it != common.end()) return it->second;
  if (g == "ffn_gate_inp.weight") return moe + ".gate.weight";
  if (g == "exp_probs_b.bias") {
    return moe == "mlp" ? "mlp.gate.e_score_correction_bias" : moe + ".e_score_correction_bias";
  }
  ADD_FAILURE() << "no Hugging Face name for blk.N." << g;
  return g;
}

std::string expert_name(const std::string& g, const std::string& moe, int64_t e) {
  const bool minimax = moe == "block_sparse_moe";
  std::string proj;
  if (g == "ffn_gate_exps.weight") proj = minimax ? "w1" : "gate_proj";
  if (g == "ffn_up_exps.weight") proj = minimax ? "w3" : "up_proj";
  if (g == "ffn_down_exps.weight") proj = minimax ? "w2" : "down_proj";
  return fmt::format("{}.experts.{}.{}.weight", moe, e, proj);
}

// kv_b_proj [n_heads*(nope+v)][kv_lora] from attn_k_b [n_heads][kv_lora][nope] (W_UK^T) and
// attn_v_b [n_heads][v][kv_lora] (W_UV).
std::vector<uint8_t> join_kv_b(const TensorView& kb, const TensorView& vb) {
  const int64_t nope = kb.ne[0], kv_lora = kb.ne[1], H = kb.ne[2], v = vb.ne[1];
  const float* k = reinterpret_cast<const float*>(kb.data);
  const float* u = reinterpret_cast<const float*>(vb.data);
  std::vector<float> out(static_cast<size_t>(H * (nope + v) * kv_lora));
  for (int64_t h = 0; h < H; ++h) {
    float* rows = out.data() + h * (nope + v) * kv_lora;
    for (int64_t d = 0; d < nope; ++d) {
      for (int64_t c = 0; c < kv_lora; ++c) rows[d * kv_lora + c] = k[(h * kv_lora + c) * nope + d];
    }
    for (int64_t e = 0; e < v; ++e) {
      for (int64_t c = 0; c < kv_lora; ++c)
        rows[(nope + e) * kv_lora + c] = u[(h * v + e) * kv_lora + c];
    }
  }
  std::vector<uint8_t> bytes(out.size() * sizeof(float));
  std::memcpy(bytes.data(), out.data(), bytes.size());
  return bytes;
}

}  // namespace

void write_hf_from_gguf(const std::string& gguf_path, const nlohmann::json& config,
                        const std::string& dir, const std::string& moe) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.json") << config.dump(2);
  const std::unique_ptr<gguf::File> file = gguf::File::open(gguf_path);
  safetensors::Writer w;
  for (const TensorView& t : file->tensors()) {
    ASSERT_EQ(t.type, DType::kF32) << t.name << ": the writer handles F32 files only";
    // "blk.N.rest" -> (N, rest). (No std::regex: GCC 12 under ASan warns inside it.)
    std::string layer, g;
    if (t.name.rfind("blk.", 0) == 0) {
      const size_t dot = t.name.find('.', 4);
      layer = t.name.substr(4, dot - 4);
      g = dot == std::string::npos ? "" : t.name.substr(dot + 1);
    }
    if (t.name == "token_embd.weight") {
      w.add_tensor("model.embed_tokens.weight", t);
    } else if (t.name == "output_norm.weight") {
      w.add_tensor("model.norm.weight", t);
    } else if (t.name == "output.weight") {
      w.add_tensor("lm_head.weight", t);
    } else if (!layer.empty() && !g.empty()) {
      const std::string prefix = "model.layers." + layer + ".";
      if (g.find("_exps.weight") != std::string::npos) {
        for (int64_t e = 0; e < t.ne[2]; ++e)
          w.add_tensor(prefix + expert_name(g, moe, e), t.matrix(e));
      } else if (g == "attn_k_b.weight") {
        const TensorView* vb = file->tensor("blk." + layer + ".attn_v_b.weight");
        ASSERT_NE(vb, nullptr);
        w.add_tensor(prefix + "self_attn.kv_b_proj.weight", safetensors::RawDType::kF32,
                     {t.ne[2] * (t.ne[0] + vb->ne[1]), t.ne[1]}, join_kv_b(t, *vb));
      } else if (g != "attn_v_b.weight") {
        w.add_tensor(prefix + layer_name(g, moe), t);
      }
    } else {
      ADD_FAILURE() << "unexpected tensor " << t.name;
    }
  }
  w.write(dir + "/model.safetensors");
}

}  // namespace owl::test
