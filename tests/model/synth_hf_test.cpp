// owl synth --format hf: the Hugging Face folder holds the names, shapes and dtypes of the
// reference HF folders in ../shared/golden (made by another tool), the same model as the GGUF of
// the same seed (both loaders give the same logits: qwen2 has no golden case, this is its test),
// and carries the tokenizer files it is given.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/mapped_file.h"
#include "format_pair.h"
#include "formats/hf_folder.h"
#include "golden_util.h"
#include "model/loader.h"
#include "model/synth.h"

namespace owl::test {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_file(path)); }

// llama's GGUF holds Q/K rows permuted for adjacent-pair RoPE, its HF folder unpermuted rows for
// rotate_half: the two runs differ only in float summation order.
// The reference configs, with weights large enough that the logits spread (std 0.1, not 0.02).
nlohmann::json golden_config(const std::string& arch) {
  nlohmann::json c = read_json(shared_dir() + "/golden/" + arch + "/hf/config.json");
  c["initializer_range"] = 0.1;
  return c;
}

TEST(SynthHf, LlamaGgufAndHfGiveTheSameLogits) {
  const PairResult r = compare_gguf_and_hf(golden_config("llama"), "llama_pair");
  std::printf("[pair] llama: GGUF vs HF worst |logit diff| %.3g over %zu rows (max |logit| %.3g)\n",
              r.max_diff, r.rows, r.max_abs);
  EXPECT_LT(r.max_diff, 1e-4f);
  EXPECT_GT(r.max_abs, 0.1f);
}

TEST(SynthHf, Qwen3GgufAndHfGiveTheSameLogits) {
  const PairResult r = compare_gguf_and_hf(golden_config("qwen3"), "qwen3_pair");
  std::printf("[pair] qwen3: GGUF vs HF worst |logit diff| %.3g over %zu rows\n", r.max_diff,
              r.rows);
  EXPECT_LT(r.max_diff, 1e-5f);
  EXPECT_GT(r.max_abs, 0.1f);
}

nlohmann::json qwen2_config() {
  return nlohmann::json::parse(R"({
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
    "hidden_size": 64, "intermediate_size": 96, "num_attention_heads": 4, "num_key_value_heads": 2,
    "num_hidden_layers": 2, "max_position_embeddings": 32768, "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0, "tie_word_embeddings": false, "vocab_size": 288,
    "use_sliding_window": false, "initializer_range": 0.1})");
}

TEST(SynthHf, Qwen2GgufAndHfGiveTheSameLogits) {
  for (const char* type : {"f32", "bf16", "f16"}) {
    const PairResult r =
        compare_gguf_and_hf(qwen2_config(), std::string("qwen2_pair_") + type, type);
    std::printf("[pair] qwen2 %s: GGUF vs HF worst |logit diff| %.3g over %zu rows\n", type,
                r.max_diff, r.rows);
    EXPECT_LT(r.max_diff, 1e-5f) << type;
    EXPECT_GT(r.max_abs, 0.1f) << type;
  }
}

// Names, HF shapes and dtypes against the golden HF folders, which another tool wrote.
TEST(SynthHf, NamesAndShapesMatchTheReferenceFolders) {
  for (const char* arch : {"llama", "qwen3"}) {
    SCOPED_TRACE(arch);
    const std::string ref_dir = shared_dir() + "/golden/" + arch + "/hf";
    SynthOptions o;
    o.config_path = ref_dir + "/config.json";
    o.format = "hf";
    o.out_path = temp_path(std::string(arch) + "_names_hf");
    synthesize_model(o);
    auto ours = HfFolder::open(o.out_path);
    auto ref = HfFolder::open(ref_dir);
    ASSERT_EQ(ours->tensors().size(), ref->tensors().size());
    for (const safetensors::Tensor* t : ref->tensors()) {
      const safetensors::Tensor* mine = ours->find(t->view.name);
      ASSERT_NE(mine, nullptr) << t->view.name;
      EXPECT_EQ(mine->shape, t->shape) << t->view.name;
      EXPECT_EQ(mine->raw, t->raw) << t->view.name;
    }
    EXPECT_EQ(read_json(o.out_path + "/config.json"), read_json(ref_dir + "/config.json"));
    fs::remove_all(o.out_path);
  }
}

TEST(SynthHf, CarriesTokenizerFilesAndCutsLayers) {
  nlohmann::json c = read_json(shared_dir() + "/golden/qwen3/hf/config.json");
  c["vocab_size"] = 151936;  // Qwen3's
  c["hidden_size"] = 32;
  c["num_hidden_layers"] = 3;
  const std::string config_path = temp_path("qwen3_tok_config.json");
  std::ofstream(config_path) << c.dump();
  SynthOptions o;
  o.config_path = config_path;
  o.format = "hf";
  o.type = "bf16";
  o.n_layers = 1;
  o.tokenizer_dir = shared_dir() + "/tokenizers/qwen3";
  o.out_path = temp_path("qwen3_tok_hf");
  synthesize_model(o);
  EXPECT_EQ(read_json(o.out_path + "/config.json").at("num_hidden_layers"), 1);
  auto model = load_model(o.out_path);
  EXPECT_EQ(model->config().n_layers, 1);
  ASSERT_TRUE(model->has_tokenizer());
  EXPECT_FALSE(model->chat_template().empty());
  // "Hello world" in Qwen's vocabulary.
  EXPECT_EQ(model->tokenizer().encode("Hello world", false), (std::vector<int32_t>{9707, 1879}));
  fs::remove_all(o.out_path);
  fs::remove(config_path);
}

TEST(SynthHf, RejectsQuantizedTypes) {
  SynthOptions o;
  o.config_path = shared_dir() + "/golden/llama/hf/config.json";
  o.format = "hf";
  o.type = "q8_0";
  o.out_path = temp_path("llama_q8_hf");
  try {
    synthesize_model(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("f32, f16 or bf16"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(o.out_path));
}

}  // namespace
}  // namespace owl::test
