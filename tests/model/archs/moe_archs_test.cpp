// The MoE and MLA architectures made by `owl synth` from their published config.json (shrunk to
// test size, structure kept): the GGUF loads with the published hyper-parameters, a prompt run
// as one batch gives the same logits as token-by-token decoding through the cache, and the same
// weights written as a Hugging Face folder (tensor per expert, kv_b_proj) give the same logits.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "golden_util.h"
#include "model/loader.h"
#include "model/synth.h"
#include "moe_hf_writer.h"

namespace owl::test {
namespace {

namespace fs = std::filesystem;

nlohmann::json published(const std::string& name) {
  return nlohmann::json::parse(read_file(shared_dir() + "/configs/" + name + "/config.json"));
}

// GLM-4.5's config.json (zai-org/GLM-4.5). It is not in ../shared/configs; these are its
// published values, the keys transformers' Glm4MoeConfig reads.
nlohmann::json glm45() {
  return nlohmann::json::parse(R"({
    "architectures": ["Glm4MoeForCausalLM"], "model_type": "glm4_moe",
    "attention_bias": true, "head_dim": 128, "hidden_act": "silu", "hidden_size": 5120,
    "partial_rotary_factor": 0.5, "initializer_range": 0.02, "intermediate_size": 12288,
    "max_position_embeddings": 131072, "moe_intermediate_size": 1536, "norm_topk_prob": true,
    "num_attention_heads": 96, "n_group": 1, "topk_group": 1, "n_routed_experts": 160,
    "n_shared_experts": 1, "routed_scaling_factor": 2.5, "num_experts_per_tok": 8,
    "first_k_dense_replace": 3, "num_hidden_layers": 92, "num_key_value_heads": 8,
    "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 1000000,
    "num_nextn_predict_layers": 1, "tie_word_embeddings": false, "use_qk_norm": true,
    "vocab_size": 151552, "eos_token_id": [151329, 151336, 151338]})");
}

// DeepSeek-V2-Lite's config.json (deepseek-ai/DeepSeek-V2-Lite), likewise not in
// ../shared/configs: no q_lora_rank (queries projected directly), softmax routing over 64
// experts without groups or correction bias, two shared experts, YaRN mscale 0.707.
nlohmann::json deepseek_v2_lite() {
  return nlohmann::json::parse(R"({
    "architectures": ["DeepseekV2ForCausalLM"], "model_type": "deepseek_v2",
    "first_k_dense_replace": 1, "hidden_act": "silu", "hidden_size": 2048,
    "initializer_range": 0.02, "intermediate_size": 10944, "kv_lora_rank": 512,
    "max_position_embeddings": 163840, "moe_intermediate_size": 1408, "moe_layer_freq": 1,
    "n_group": 1, "n_routed_experts": 64, "n_shared_experts": 2, "norm_topk_prob": false,
    "num_attention_heads": 16, "num_experts_per_tok": 6, "num_hidden_layers": 27,
    "num_key_value_heads": 16, "q_lora_rank": null, "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64, "rms_norm_eps": 1e-06,
    "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 0.707,
                     "mscale_all_dim": 0.707, "original_max_position_embeddings": 4096,
                     "type": "yarn"},
    "rope_theta": 10000, "routed_scaling_factor": 1.0, "scoring_func": "softmax",
    "tie_word_embeddings": false, "topk_group": 1, "topk_method": "greedy",
    "v_head_dim": 128, "vocab_size": 102400, "bos_token_id": 100000, "eos_token_id": 100001})");
}

// Sizes small enough for a test; every structural key of the published config is kept.
// Larger weights (initializer_range) so routing and attention are not all near-ties.
void shrink(nlohmann::json& c, int layers) {
  c["vocab_size"] = 512;
  c["hidden_size"] = 64;
  c["num_hidden_layers"] = layers;
  c["initializer_range"] = 0.15;
  c["bos_token_id"] = 509;
  c["eos_token_id"] = 510;
  c.erase("quantization_config");
}

nlohmann::json qwen3_moe() {
  nlohmann::json c = published("Qwen3-30B-A3B");
  shrink(c, 2);
  c["num_attention_heads"] = 4;
  c["num_key_value_heads"] = 2;
  c["head_dim"] = 32;
  c["intermediate_size"] = 96;
  c["moe_intermediate_size"] = 32;
  c["num_experts"] = 8;
  c["num_experts_per_tok"] = 2;
  return c;
}

// DeepSeek-V3 / Kimi K2 / V3.2 shapes: MLA with q_lora, 16 experts (V3: 4 groups, 2 kept), one
// dense layer first, YaRN as published.
nlohmann::json deepseek(const std::string& name) {
  nlohmann::json c = name == "DeepSeek-V2-Lite" ? deepseek_v2_lite() : published(name);
  shrink(c, 3);
  c["first_k_dense_replace"] = 1;
  c["num_attention_heads"] = 4;
  c["num_key_value_heads"] = 4;
  if (!c["q_lora_rank"].is_null()) c["q_lora_rank"] = 48;
  c["kv_lora_rank"] = 32;
  c["qk_nope_head_dim"] = 16;
  c["qk_rope_head_dim"] = 8;
  c["v_head_dim"] = 16;
  c["intermediate_size"] = 96;
  c["moe_intermediate_size"] = 32;
  c["n_routed_experts"] = 16;
  c["num_experts_per_tok"] = 4;
  if (c["n_group"].get<int>() > 1) {
    c["n_group"] = 4;
    c["topk_group"] = 2;
  }
  if (c.contains("index_topk")) {
    c["index_n_heads"] = 4;
    c["index_head_dim"] = 16;
    c["index_topk"] = 6;  // shorter than the test prompt: the indexer restricts attention
  }
  return c;
}

nlohmann::json minimax_m2() {
  nlohmann::json c = published("MiniMax-M2.5");
  shrink(c, 2);
  c["num_attention_heads"] = 4;
  c["num_key_value_heads"] = 2;
  c["head_dim"] = 32;
  c["rotary_dim"] = 16;
  c["intermediate_size"] = 32;
  c["num_local_experts"] = 8;
  c["num_experts_per_tok"] = 2;
  return c;
}

nlohmann::json glm4_moe() {
  nlohmann::json c = glm45();
  shrink(c, 3);
  c["first_k_dense_replace"] = 1;
  c["num_attention_heads"] = 4;
  c["num_key_value_heads"] = 2;
  c["head_dim"] = 32;
  c["intermediate_size"] = 96;
  c["moe_intermediate_size"] = 32;
  c["n_routed_experts"] = 8;
  c["num_experts_per_tok"] = 2;
  return c;
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("owl_" + std::to_string(::getpid()) + "_" + name)).string();
}

// Logits of every prompt position with the prompt as one batch ([n][vocab]), and the same
// positions decoded one token at a time through the cache.
void run_both_ways(Model& m, const std::vector<int32_t>& prompt, std::vector<float>& batch_logits,
                   std::vector<float>& step_logits) {
  const int32_t V = m.config().vocab_size, n = static_cast<int32_t>(prompt.size());
  ThreadPool pool(2);
  KvCache cache(m.kv_shapes(), 2, n + 1);
  Batch b;
  for (int32_t i = 0; i < n; ++i) b.add(prompt[i], i, 0, true);
  batch_logits.assign(static_cast<size_t>(n) * V, 0.0f);
  m.forward(b, cache, batch_logits.data(), pool);
  step_logits.assign(static_cast<size_t>(n) * V, 0.0f);
  for (int32_t i = 0; i < n; ++i) {
    Batch one;
    one.add(prompt[i], i, 1, true);
    m.forward(one, cache, step_logits.data() + static_cast<size_t>(i) * V, pool);
  }
}

float max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

struct Case {
  std::string tag;
  nlohmann::json (*config)();
  std::string arch;        // owl / GGUF architecture name
  std::string moe_prefix;  // Hugging Face MoE module name
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.tag; }

class MoeArchs : public ::testing::TestWithParam<Case> {};

TEST_P(MoeArchs, SynthGgufAndHfFolderAgree) {
  const Case& p = GetParam();
  const nlohmann::json config = p.config();
  const std::string dir = temp_path("owl_moe_" + p.tag);
  fs::create_directories(dir);
  std::ofstream(dir + "/config.json") << config.dump(2);
  SynthOptions o;
  o.config_path = dir + "/config.json";
  o.out_path = dir + "/model.gguf";
  o.threads = 2;
  const SynthReport report = synthesize_model(o);
  EXPECT_EQ(report.arch, p.arch);

  auto gguf_model = load_model(o.out_path);
  const ModelConfig& c = gguf_model->config();
  EXPECT_EQ(c.arch, p.arch);
  EXPECT_EQ(c.n_layers, config["num_hidden_layers"].get<int>());
  EXPECT_EQ(c.n_experts_used, config["num_experts_per_tok"].get<int>());
  EXPECT_GT(c.n_experts, c.n_experts_used);
  // The hyper-parameters that shape each family, as published, survive the GGUF round trip.
  auto get = [&](const char* key, int def) {
    return config.contains(key) && config[key].is_number() ? config[key].get<int>() : def;
  };
  EXPECT_EQ(c.n_dense_layers, get("first_k_dense_replace", 0));
  EXPECT_EQ(c.n_shared_experts, get("n_shared_experts", 0));
  EXPECT_EQ(c.mla.q_lora_rank, get("q_lora_rank", 0));
  EXPECT_EQ(c.mla.kv_lora_rank, get("kv_lora_rank", 0));
  EXPECT_EQ(c.dsa.topk, get("index_topk", 0));
  if (config.contains("scoring_func")) {
    EXPECT_EQ(c.expert_gating_func, config["scoring_func"] == "sigmoid" ? 2 : 1);
  }
  if (config.value("topk_method", "") != "greedy") {
    EXPECT_EQ(c.n_expert_groups, get("n_group", 1));
    EXPECT_EQ(c.n_expert_groups_used, get("topk_group", 1));
  }
  if (config.contains("routed_scaling_factor")) {
    EXPECT_FLOAT_EQ(c.expert_weights_scale, config["routed_scaling_factor"].get<float>());
  }

  const std::vector<int32_t> prompt = {3,   141, 59, 265, 358, 97, 93, 238, 46, 264,
                                       338, 327, 95, 28,  84,  19, 71, 69,  399};
  std::vector<float> batch, steps;
  run_both_ways(*gguf_model, prompt, batch, steps);
  float max_abs = 0.0f;
  for (float v : batch) {
    ASSERT_TRUE(std::isfinite(v));
    max_abs = std::max(max_abs, std::fabs(v));
  }
  EXPECT_GT(max_abs, 0.05f) << "the random model is too close to zero to test anything";
  const float d_steps = max_diff(batch, steps);
  EXPECT_LT(d_steps, 1e-4f) << "batch and token-by-token decoding disagree";

  write_hf_from_gguf(o.out_path, config, dir + "/hf", p.moe_prefix);
  auto hf_model = load_model(dir + "/hf");
  EXPECT_EQ(hf_model->config().arch, p.arch);
  std::vector<float> hf_batch, hf_steps;
  run_both_ways(*hf_model, prompt, hf_batch, hf_steps);
  const float d_hf = max_diff(batch, hf_batch);
  std::printf("[moe archs] %s: max |logit| %.3f, batch vs steps %.3g, GGUF vs HF %.3g\n",
              p.tag.c_str(), max_abs, d_steps, d_hf);
  EXPECT_LT(d_hf, 1e-5f);
  EXPECT_LT(max_diff(hf_batch, hf_steps), 1e-4f);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    All, MoeArchs,
    ::testing::Values(
        Case{"qwen3moe", qwen3_moe, "qwen3moe", "mlp"},
        Case{"deepseek_v3", [] { return deepseek("DeepSeek-V3"); }, "deepseek2", "mlp"},
        Case{"deepseek_v2_lite", [] { return deepseek("DeepSeek-V2-Lite"); }, "deepseek2", "mlp"},
        Case{"kimi_k2", [] { return deepseek("Kimi-K2-Instruct"); }, "deepseek2", "mlp"},
        Case{"deepseek_v32", [] { return deepseek("DeepSeek-V3.2"); }, "deepseek32", "mlp"},
        Case{"glm4_moe", glm4_moe, "glm4moe", "mlp"},
        Case{"minimax_m2", minimax_m2, "minimax-m2", "block_sparse_moe"}),
    [](const auto& info) { return info.param.tag; });

// Multi-token-prediction layers are skipped: llama.cpp's GGUFs count them in block_count with
// nextn_predict_layers, Hugging Face folders hold them after num_hidden_layers. A 3-layer model
// whose last layer is declared MTP must give the logits of the same weights' first 2 layers.
class MoeArchsMtp : public ::testing::TestWithParam<Case> {};

TEST_P(MoeArchsMtp, NextnLayersAreSkipped) {
  const Case& p = GetParam();
  nlohmann::json config = p.config();
  const std::string dir = temp_path("owl_mtp_" + p.tag);
  fs::create_directories(dir);
  auto synth = [&](int layers, const std::string& name) {
    nlohmann::json c = config;
    c["num_hidden_layers"] = layers;
    std::ofstream(dir + "/" + name + ".json") << c.dump();
    SynthOptions o;
    o.config_path = dir + "/" + name + ".json";
    o.out_path = dir + "/" + name + ".gguf";
    o.threads = 2;
    synthesize_model(o);  // tensors are seeded by name: layers 0-1 are the same in both
  };
  synth(2, "two");
  synth(3, "three");
  {
    const std::unique_ptr<gguf::File> f = gguf::File::open(dir + "/three.gguf");
    gguf::Writer w;
    for (const auto& [k, v] : f->metadata()) w.set(k, v);
    w.set(p.arch + ".nextn_predict_layers", gguf::Value::u32(1));
    for (const TensorView& t : f->tensors()) w.add_tensor(t);
    w.write(dir + "/mtp.gguf");
  }
  nlohmann::json hf_config = config;
  hf_config["num_hidden_layers"] = 2;
  hf_config["num_nextn_predict_layers"] = 1;
  write_hf_from_gguf(dir + "/three.gguf", hf_config, dir + "/mtp_hf", p.moe_prefix);

  const std::vector<int32_t> prompt = {5, 77, 300, 12, 256, 91, 8};
  std::vector<float> want, got, unused;
  run_both_ways(*load_model(dir + "/two.gguf"), prompt, want, unused);
  auto mtp = load_model(dir + "/mtp.gguf");
  EXPECT_EQ(mtp->config().n_layers, 2);
  EXPECT_EQ(mtp->config().n_nextn_layers, 1);
  run_both_ways(*mtp, prompt, got, unused);
  EXPECT_EQ(max_diff(want, got), 0.0f);
  auto hf = load_model(dir + "/mtp_hf");
  EXPECT_EQ(hf->config().n_layers, 2);
  run_both_ways(*hf, prompt, got, unused);
  EXPECT_EQ(max_diff(want, got), 0.0f);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(All, MoeArchsMtp,
                         ::testing::Values(Case{"deepseek_v3",
                                                [] { return deepseek("DeepSeek-V3"); }, "deepseek2",
                                                "mlp"},
                                           Case{"glm4_moe", glm4_moe, "glm4moe", "mlp"}),
                         [](const auto& info) { return info.param.tag; });

}  // namespace
}  // namespace owl::test
