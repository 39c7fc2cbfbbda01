// owl synth: tensor types follow llama-quantize's rules (checked against the types llama-quantize
// actually chose for the golden files) and files are deterministic per seed. Every published
// config is in synth_configs_test.cpp.
#include "model/synth.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "base/mapped_file.h"
#include "formats/gguf.h"
#include "golden_util.h"
#include "model/loader.h"
#include "model/registry.h"

namespace owl::test {
namespace {

namespace fs = std::filesystem;

TEST(Synth, TensorTypesMatchLlamaQuantize) {
  int checked = 0;
  for (const char* arch : {"llama", "qwen3", "qwen3moe"}) {
    for (const char* type : {"Q8_0", "Q4_0", "Q4_K_M", "Q6_K", "k256-Q4_K_M"}) {
      const std::string path = shared_dir() + "/golden/" + arch + "/quant/" + type + "/tensor_types.json";
      const nlohmann::json j = nlohmann::json::parse(read_file(path));
      std::string type_name = j.at("llama_quantize_type").get<std::string>();
      for (char& c : type_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto& tensors = j.at("tensors");
      int n_layers = 0, n_experts = 0;
      bool tied = !tensors.contains("output.weight");
      for (const auto& [name, t] : tensors.items()) {
        if (name.rfind("blk.", 0) == 0) n_layers = std::max(n_layers, std::stoi(name.substr(4)) + 1);
        if (name.find("ffn_gate_exps") != std::string::npos) n_experts = t.at("ne")[2].get<int>();
      }
      for (const auto& [name, t] : tensors.items()) {
        const auto ne = t.at("ne").get<std::vector<int64_t>>();
        if (ne.size() < 2 || name.find("ffn_gate_inp") != std::string::npos) continue;  // vectors, router stay F32
        const DType got = synth_tensor_type(type_name, name, ne[0], n_layers, n_experts, tied);
        EXPECT_EQ(static_cast<int>(got), t.at("ggml_type").get<int>())
            << arch << " " << type << " " << name << ": owl " << dtype_name(got) << ", llama-quantize "
            << t.at("type").get<std::string>();
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 200);
}

std::string temp_path(const std::string& name) { return (fs::temp_directory_path() / ("owl_" + std::to_string(::getpid()) + "_" + name)).string(); }

TEST(Synth, DeterministicPerSeed) {
  SynthOptions o;
  o.config_path = shared_dir() + "/configs/SmolLM2-135M-Instruct/config.json";
  o.n_layers = 1;
  o.type = "q8_0";
  o.out_path = temp_path("owl_synth_a.gguf");
  synthesize_model(o);
  o.out_path = temp_path("owl_synth_b.gguf");
  o.threads = 1;  // the thread count must not change the contents
  synthesize_model(o);
  o.out_path = temp_path("owl_synth_c.gguf");
  o.seed = 2;
  synthesize_model(o);
  const std::string a = read_file(temp_path("owl_synth_a.gguf"));
  EXPECT_EQ(a, read_file(temp_path("owl_synth_b.gguf")));
  EXPECT_NE(a, read_file(temp_path("owl_synth_c.gguf")));
  for (const char* f : {"owl_synth_a.gguf", "owl_synth_b.gguf", "owl_synth_c.gguf"}) fs::remove(temp_path(f));
}

// llama.cpp sizes attention from key_length and value_length separately (value_length defaults
// to hidden/heads, 64 for Qwen3-0.6B, not its head_dim 128): a file must state both.
TEST(Synth, StatesKeyAndValueLengthsAsLlamaCppNeeds) {
  SynthOptions o;
  o.config_path = shared_dir() + "/configs/Qwen3-0.6B/config.json";
  o.n_layers = 1;
  o.type = "q8_0";
  o.out_path = temp_path("owl_synth_kv.gguf");
  synthesize_model(o);
  const auto f = gguf::File::open(o.out_path);
  EXPECT_EQ(f->get_int("qwen3.attention.key_length").value_or(0), 128);
  EXPECT_EQ(f->get_int("qwen3.attention.value_length").value_or(0), 128);
  EXPECT_EQ(f->get_int("qwen3.attention.head_count_kv").value_or(0), 8);
  fs::remove(o.out_path);
}

}  // namespace
}  // namespace owl::test
