// owl synth on every published config in ../shared/configs whose architecture owl supports
// (dense, MoE and MLA shapes, up to MiniMax-M2's 256 experts a layer): one layer, the published
// dimensions, loads and runs. Labelled slow: the big expert layers take minutes to write, so the
// sanitizer run leaves it to the release run (the same code paths run there on small shapes).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "base/mapped_file.h"
#include "base/thread_pool.h"
#include "golden_util.h"
#include "model/loader.h"
#include "model/registry.h"
#include "model/synth.h"

namespace owl::test {
namespace {

namespace fs = std::filesystem;

std::string temp_path(const std::string& name) { return (fs::temp_directory_path() / ("owl_" + std::to_string(::getpid()) + "_" + name)).string(); }

// Every config in ../shared/configs whose architecture owl supports: synthesize 1 layer,
// check the metadata and shapes, load it, and run a few tokens to finite logits.
TEST(Synth, EverySupportedPublishedConfigLoadsAndRuns) {
  int made = 0;
  for (const auto& entry : fs::directory_iterator(shared_dir() + "/configs")) {
    const std::string config_path = entry.path().string() + "/config.json";
    const nlohmann::json config = nlohmann::json::parse(read_file(config_path));
    const std::string hf_arch = config.contains("architectures") ? config["architectures"][0].get<std::string>() : "";
    if (find_architecture_hf(hf_arch, config.value("model_type", "")) == nullptr) continue;
    SCOPED_TRACE(config_path);
    const auto t0 = std::chrono::steady_clock::now();
    SynthOptions o;
    o.config_path = config_path;
    o.n_layers = 1;
    o.type = "q4_0";
    o.out_path = temp_path("owl_synth_config.gguf");
    const SynthReport report = synthesize_model(o);
    auto model = load_model(o.out_path);
    const ModelConfig& c = model->config();
    EXPECT_EQ(c.n_layers, 1);
    EXPECT_EQ(c.hidden_size, config.at("hidden_size").get<int>());
    EXPECT_EQ(c.vocab_size, config.at("vocab_size").get<int>());
    EXPECT_EQ(c.n_heads, config.at("num_attention_heads").get<int>());
    EXPECT_EQ(c.ffn_size, config.at("intermediate_size").get<int>());
    EXPECT_EQ(c.rope.theta, config.value("rope_theta", 10000.0f));
    EXPECT_EQ(report.arch, c.arch);
    ThreadPool pool(2);
    KvCache cache(model->kv_shapes(), 1, 8);
    Batch batch;
    for (int i = 0; i < 4; ++i) batch.add(i + 1, i, 0, true);
    std::vector<float> logits(4 * static_cast<size_t>(c.vocab_size));
    model->forward(batch, cache, logits.data(), pool);
    for (float v : logits) ASSERT_TRUE(std::isfinite(v));
    fs::remove(o.out_path);
    std::printf("[synth] %s: %.1f s\n", entry.path().filename().string().c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    ++made;
  }
  EXPECT_GE(made, 5);
}

}  // namespace
}  // namespace owl::test
