// GGUF vs Hugging Face folder of one synthesized model.
#include "format_pair.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "model/loader.h"
#include "model/synth.h"

namespace owl::test {

namespace fs = std::filesystem;

std::string temp_path(const std::string& name) {
  // The process id keeps concurrent test runs (release and asan builds) apart.
  return (fs::temp_directory_path() / ("owl_" + std::to_string(::getpid()) + "_" + name)).string();
}

std::vector<float> run_tokens(Model& model, const std::vector<int32_t>& prompt, int32_t decode) {
  const int32_t V = model.config().vocab_size;
  const int32_t n = static_cast<int32_t>(prompt.size());
  ThreadPool pool(2);
  KvCache cache(model.kv_shapes(), 1, n + decode + 1);
  std::vector<float> logits(static_cast<size_t>(n + decode) * V);
  Batch batch;
  for (int32_t i = 0; i < n; ++i) batch.add(prompt[i], i, 0, true);
  model.forward(batch, cache, logits.data(), pool);
  for (int32_t k = 0; k < decode; ++k) {
    Batch one;
    one.add(prompt[(k * 7 + 3) % n], n + k, 0, true);
    model.forward(one, cache, logits.data() + static_cast<size_t>(n + k) * V, pool);
  }
  return logits;
}

PairResult compare_gguf_and_hf(const nlohmann::json& config, const std::string& tag,
                               const std::string& type) {
  const std::string config_path = temp_path(tag + "_config.json");
  std::ofstream(config_path) << config.dump(2);
  SynthOptions o;
  o.config_path = config_path;
  o.type = type;
  o.seed = 7;
  o.threads = 2;
  o.out_path = temp_path(tag + ".gguf");
  synthesize_model(o);
  o.format = "hf";
  o.out_path = temp_path(tag + "_hf");
  synthesize_model(o);
  auto gguf_model = load_model(temp_path(tag + ".gguf"));
  auto hf_model = load_model(temp_path(tag + "_hf"));
  EXPECT_EQ(gguf_model->config().vocab_size, hf_model->config().vocab_size);
  const std::vector<int32_t> prompt = {1,  17,  42, 5,   99, 3, 250, 8,  77, 64,
                                       31, 200, 11, 150, 2,  9, 120, 33, 60};
  const std::vector<float> a = run_tokens(*gguf_model, prompt, 5);
  const std::vector<float> b = run_tokens(*hf_model, prompt, 5);
  PairResult r;
  r.rows = a.size() / gguf_model->config().vocab_size;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(std::isfinite(a[i]) && std::isfinite(b[i])) << "logit " << i;
    r.max_diff = std::max(r.max_diff, std::fabs(a[i] - b[i]));
    r.max_abs = std::max(r.max_abs, std::fabs(a[i]));
  }
  fs::remove(config_path);
  fs::remove(temp_path(tag + ".gguf"));
  fs::remove_all(temp_path(tag + "_hf"));
  return r;
}

}  // namespace owl::test
