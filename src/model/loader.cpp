// Model loading: format detection, architecture lookup, weight binding, tokenizer.
#include "model/loader.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/log.h"
#include "formats/gguf.h"
#include "model/config_reader.h"
#include "model/registry.h"

namespace owl {
namespace {

namespace fs = std::filesystem;

std::string file_stem(const std::string& path) { return fs::path(path).stem().string(); }

// Fills what the architecture could not read itself, checks the tokenizer against the model,
// and reports tensors the architecture did not use.
void finish_model(Model& model, WeightBinder& binder, std::unique_ptr<Tokenizer> tokenizer,
                  const std::string& path) {
  if (tokenizer && tokenizer->n_vocab() > model.config().vocab_size) {
    fail("{}: the tokenizer has {} tokens but the model's vocabulary has {}", path,
         tokenizer->n_vocab(), model.config().vocab_size);
  }
  for (const std::string& name : binder.unused()) OWL_LOG_INFO("{}: tensor {} is not used", path, name);
  model.set_tokenizer(std::move(tokenizer));
  model.set_path(path);
}

int32_t vocab_from_embedding(const WeightSource& src, const char* name) {
  const TensorView* t = src.find(name);
  return t != nullptr ? static_cast<int32_t>(t->ne[1]) : 0;
}

size_t bound_bytes(const WeightSource& src, const WeightBinder& binder) {
  size_t total = 0;
  const std::vector<std::string> unused = binder.unused();
  for (const auto& [name, t] : src.tensors()) {
    if (std::find(unused.begin(), unused.end(), name) == unused.end()) total += t.nbytes;
  }
  return total;
}

std::unique_ptr<Model> load_gguf(const std::string& path) {
  std::shared_ptr<gguf::File> file = gguf::File::open(path);
  const std::string arch_name = file->architecture();
  if (arch_name.empty()) fail("{}: no general.architecture in the metadata: not a model file", path);
  const Architecture* arch = find_architecture_gguf(arch_name);
  if (arch == nullptr) {
    fail("{}: unsupported architecture \"{}\" (supported: {})", path, arch_name, supported_architectures());
  }
  const ConfigReader reader(*file, arch_name);
  ModelConfig config = arch->read_config(reader);
  config.name = file->get_string("general.name").value_or(file_stem(path));
  auto source = std::make_shared<WeightSource>(WeightNaming::kGguf, path);
  for (const TensorView& t : file->tensors()) source->add(t);
  source->hold(file);
  if (config.vocab_size == 0) config.vocab_size = vocab_from_embedding(*source, "token_embd.weight");
  if (config.ffn_size == 0 && source->find("blk.0.ffn_gate.weight") != nullptr) {
    config.ffn_size = static_cast<int32_t>(source->find("blk.0.ffn_gate.weight")->ne[1]);
  }
  if (source->find("output.weight") == nullptr) config.tied_embeddings = true;
  WeightBinder binder(*source);
  std::unique_ptr<Model> model = arch->build(std::move(config), binder);
  model->set_weight_bytes(bound_bytes(*source, binder));
  model->set_chat_template(file->get_string("tokenizer.chat_template").value_or(""));
  model->set_source(source);
  finish_model(*model, binder, Tokenizer::from_gguf(*file), path);
  return model;
}

}  // namespace

ModelFormat detect_model_format(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail("{}: no such file or folder", path);
  if (S_ISDIR(st.st_mode)) {
    if (!fs::exists(fs::path(path) / "config.json")) {
      fail("{}: a folder without config.json is not a Hugging Face model folder", path);
    }
    return ModelFormat::kHfFolder;
  }
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(magic, 4);
  if (in.gcount() == 4 && std::string(magic, 4) == "GGUF") return ModelFormat::kGguf;
  if (fs::path(path).extension() == ".bin") return ModelFormat::kLlama2c;
  fail("{}: not a model: expected a GGUF file, a llama2.c .bin checkpoint or a Hugging Face folder", path);
}

std::unique_ptr<Model> load_model(const std::string& path, const LoadOptions& options) {
  switch (detect_model_format(path)) {
    case ModelFormat::kGguf:
      return load_gguf(path);
    case ModelFormat::kHfFolder:
      fail("{}: Hugging Face folders are not supported yet", path);
    case ModelFormat::kLlama2c:
      (void)options;
      fail("{}: llama2.c checkpoints are not supported yet", path);
  }
  fail("{}: unknown model format", path);
}

}  // namespace owl

namespace owl {

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path, const LoadOptions& options) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail("{}: no such file or folder", path);
  if (!S_ISDIR(st.st_mode)) {
    char magic[4] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(magic, 4);
    if (in.gcount() == 4 && std::string(magic, 4) == "GGUF") {
      return Tokenizer::from_gguf(*gguf::File::open(path));
    }
  }
  if (!options.tokenizer_path.empty()) return Tokenizer::from_path(options.tokenizer_path);
  return Tokenizer::from_path(path);
}

}  // namespace owl
