// owl info: what a model is: architecture, shapes, tensor types, vocabulary, chat template, size.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <map>

#include "base/error.h"
#include "commands.h"
#include "model/loader.h"

namespace owl::cli {
namespace {

namespace fs = std::filesystem;

uint64_t size_on_disk(const std::string& path) {
  if (!fs::is_directory(path)) return fs::file_size(path);
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(path)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

const char* rope_scaling_name(RopeScaling s) {
  switch (s) {
    case RopeScaling::kNone: return "none";
    case RopeScaling::kLinear: return "linear";
    case RopeScaling::kLlama3: return "llama3";
    case RopeScaling::kYarn: return "yarn";
  }
  return "?";
}

}  // namespace

int info_command(int argc, char** argv) {
  CLI::App app{"Describe a model: architecture, shapes, types, vocabulary, chat template, size.", "owl info"};
  std::string model_path, tokenizer_path;
  app.add_option("model", model_path, "model")->required();
  app.add_option("--tokenizer", tokenizer_path, "tokenizer file for llama2.c checkpoints");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  LoadOptions lo;
  lo.tokenizer_path = tokenizer_path;
  auto model = load_model(model_path, lo);
  const ModelConfig& c = model->config();
  const char* format = "";
  switch (detect_model_format(model_path)) {
    case ModelFormat::kGguf: format = "GGUF"; break;
    case ModelFormat::kHfFolder: format = "Hugging Face folder"; break;
    case ModelFormat::kLlama2c: format = "llama2.c checkpoint"; break;
  }
  std::printf("model:         %s (%s)\n", model_path.c_str(), format);
  std::printf("name:          %s\n", c.name.c_str());
  std::printf("architecture:  %s\n", c.arch.c_str());
  std::printf("layers:        %d\n", c.n_layers);
  std::printf("hidden size:   %d\n", c.hidden_size);
  std::printf("heads:         %d query, %d key/value, head size %d (value %d)\n", c.n_heads, c.n_kv_heads,
              c.head_dim, c.value_dim);
  std::printf("ffn size:      %d\n", c.ffn_size);
  if (c.n_experts > 0) {
    std::printf("experts:       %d, %d used per token, expert ffn %d\n", c.n_experts, c.n_experts_used,
                c.expert_ffn_size);
  }
  std::printf("vocab size:    %d\n", c.vocab_size);
  std::printf("context:       %d\n", c.context_length);
  std::printf("rope:          theta %g, %d dims, %s, scaling %s (factor %g)\n", c.rope.theta, c.rope.n_rot,
              c.rope.style == RopeStyle::kNorm ? "adjacent pairs" : "halves (neox)",
              rope_scaling_name(c.rope.scaling), c.rope.factor);
  std::printf("norm eps:      %g\n", c.norm_eps);
  std::printf("tied output:   %s\n", c.tied_embeddings ? "yes" : "no");
  if (const WeightSource* src = model->source()) {
    std::map<std::string, std::pair<int, uint64_t>> by_type;
    uint64_t params = 0;
    for (const auto& [name, t] : src->tensors()) {
      auto& e = by_type[std::string(dtype_name(t.type))];
      ++e.first;
      e.second += t.nbytes;
      params += static_cast<uint64_t>(t.n_elements());
    }
    std::printf("tensors:       %zu, %.3f B parameters\n", src->tensors().size(), params / 1e9);
    for (const auto& [type, e] : by_type) {
      std::printf("  %-8s     %d tensors, %.2f MiB\n", type.c_str(), e.first, e.second / 1048576.0);
    }
  }
  const Tokenizer& tok = model->tokenizer();
  std::printf("vocabulary:    %d tokens, bos %d, eos %d, add bos %s\n", tok.n_vocab(), tok.bos_id(),
              tok.eos_id(), tok.add_bos() ? "yes" : "no");
  const std::string& tmpl = model->chat_template();
  if (tmpl.empty()) {
    std::printf("chat template: none\n");
  } else {
    std::printf("chat template: %zu characters\n", tmpl.size());
  }
  std::printf("size on disk:  %.2f MiB\n", size_on_disk(model_path) / 1048576.0);
  return 0;
}

}  // namespace owl::cli
