// Model loading: format detection, architecture lookup, weight binding, tokenizer.
#include "model/loader.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/log.h"
#include "formats/gguf.h"
#include "formats/hf_folder.h"
#include "formats/llama2c.h"
#include "formats/safetensors.h"
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
    // Published tokenizers may add special tokens past the embedding table (Gemma 3's
    // <image_soft_token> is id 262144 of 262144 rows); text never yields them unless written
    // out, and feeding one is an error at embedding time. Ordinary tokens past it are not.
    for (int32_t id = model.config().vocab_size; id < tokenizer->n_vocab(); ++id) {
      const TokenKind kind = tokenizer->token_kind(id);
      if (kind != TokenKind::kControl && kind != TokenKind::kUserDefined) {
        fail("{}: the tokenizer has {} tokens but the model's vocabulary has {}", path,
             tokenizer->n_vocab(), model.config().vocab_size);
      }
    }
    OWL_LOG_INFO("{}: the tokenizer's special tokens {}..{} lie past the model's vocabulary", path,
                 model.config().vocab_size, tokenizer->n_vocab() - 1);
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

// Bytes of the routed experts (GGUF "*_exps.*" stacks, Hugging Face "*.experts.*" tensors; not
// shared experts): a token reads only the chosen n_experts_used of them.
size_t routed_expert_bytes(const WeightSource& src, const WeightBinder& binder) {
  size_t total = 0;
  const std::vector<std::string> unused = binder.unused();
  for (const auto& [name, t] : src.tensors()) {
    const bool routed = name.find("_exps.") != std::string::npos || name.find(".experts.") != std::string::npos;
    if (routed && std::find(unused.begin(), unused.end(), name) == unused.end()) total += t.nbytes;
  }
  return total;
}

// The embedding table is read one row per token unless it doubles as the output head.
size_t embedding_only_bytes(const WeightSource& src, const char* embd, const ModelConfig& c) {
  const TensorView* t = src.find(embd);
  if (t == nullptr || c.tied_embeddings) return 0;
  return t->nbytes - t->row_bytes();
}

std::unique_ptr<Model> load_gguf(const std::string& path, const LoadOptions& options) {
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
  source->add_mapping(file->file_data(), file->file_size());
  source->hold(file);
  if (config.vocab_size == 0) config.vocab_size = vocab_from_embedding(*source, "token_embd.weight");
  if (config.ffn_size == 0 && source->find("blk.0.ffn_gate.weight") != nullptr) {
    config.ffn_size = static_cast<int32_t>(source->find("blk.0.ffn_gate.weight")->ne[1]);
  }
  if (source->find("output.weight") == nullptr) config.tied_embeddings = true;
  WeightBinder binder(*source);
  ThreadPool pack_pool(options.repack ? default_thread_count() : 1);
  if (options.repack) binder.repack_with(&pack_pool);
  const size_t embd_bytes = embedding_only_bytes(*source, "token_embd.weight", config);
  std::unique_ptr<Model> model = arch->build(std::move(config), binder);
  model->set_weight_bytes(bound_bytes(*source, binder));
  model->set_routed_expert_bytes(routed_expert_bytes(*source, binder));
  model->set_embedding_bytes(embd_bytes);
  model->set_chat_template(file->get_string("tokenizer.chat_template").value_or(""));
  model->set_source(source);
  finish_model(*model, binder, Tokenizer::from_gguf(*file), path);
  return model;
}

// The chat template of a Hugging Face folder: chat_template.jinja, else tokenizer_config.json's
// chat_template (a string, or a list of named templates of which "default" is used).
std::string hf_chat_template(const HfFolder& folder) {
  if (folder.chat_template_path()) return read_text_file(*folder.chat_template_path());
  if (!folder.tokenizer_config_path()) return "";
  const nlohmann::json tc = read_json_file(*folder.tokenizer_config_path());
  auto it = tc.find("chat_template");
  if (it == tc.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    for (const auto& entry : *it) {
      if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") &&
          entry["template"].is_string()) {
        return entry["template"].get<std::string>();
      }
    }
  }
  return "";
}

// eos_token_id of config.json / generation_config.json (an id or a list) ends generation too.
void add_config_eos(Tokenizer& tok, const nlohmann::json* config) {
  if (config == nullptr || !config->is_object()) return;
  auto it = config->find("eos_token_id");
  if (it == config->end()) return;
  auto add = [&](const nlohmann::json& v) {
    if (v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() < tok.n_vocab()) {
      tok.add_end_of_generation(v.get<int32_t>());
    }
  };
  if (it->is_array()) {
    for (const auto& v : *it) add(v);
  } else {
    add(*it);
  }
}

std::unique_ptr<Model> load_hf(const std::string& dir, const LoadOptions& options) {
  std::shared_ptr<HfFolder> folder = HfFolder::open(dir);
  const nlohmann::json& config = folder->config();
  std::string hf_arch;
  if (config.contains("architectures") && config["architectures"].is_array() &&
      !config["architectures"].empty() && config["architectures"][0].is_string()) {
    hf_arch = config["architectures"][0].get<std::string>();
  }
  const std::string model_type = config.value("model_type", std::string());
  const Architecture* arch = find_architecture_hf(hf_arch, model_type);
  if (arch == nullptr) {
    fail("{}/config.json: unsupported architecture \"{}\" (model_type \"{}\"; supported: {})", dir, hf_arch,
         model_type, supported_architectures());
  }
  const ConfigReader reader(config, dir + "/config.json");
  ModelConfig c = arch->read_config(reader);
  c.name = fs::path(dir).filename().string();
  if (c.name.empty()) c.name = fs::path(dir).parent_path().filename().string();
  auto source = std::make_shared<WeightSource>(WeightNaming::kHf, dir);
  for (const safetensors::Tensor* t : folder->tensors()) source->add(t->view);
  for (const auto& shard : folder->shards()) source->add_mapping(shard->file_data(), shard->file_size());
  source->hold(folder);
  if (c.vocab_size == 0) c.vocab_size = vocab_from_embedding(*source, "model.embed_tokens.weight");
  if (source->find("lm_head.weight") == nullptr) c.tied_embeddings = true;
  WeightBinder binder(*source);
  ThreadPool pack_pool(options.repack ? default_thread_count() : 1);
  if (options.repack) binder.repack_with(&pack_pool);
  const size_t embd_bytes = embedding_only_bytes(*source, "model.embed_tokens.weight", c);
  std::unique_ptr<Model> model = arch->build(std::move(c), binder);
  model->set_weight_bytes(bound_bytes(*source, binder));
  model->set_routed_expert_bytes(routed_expert_bytes(*source, binder));
  model->set_embedding_bytes(embd_bytes);
  model->set_chat_template(hf_chat_template(*folder));
  model->set_source(source);
  std::unique_ptr<Tokenizer> tok;
  if (folder->tokenizer_json_path()) {
    tok = Tokenizer::from_path(dir);
    add_config_eos(*tok, &config);
    add_config_eos(*tok, folder->generation_config());
  } else {
    OWL_LOG_WARN("{}: no tokenizer.json: the model runs on token ids only", dir);
  }
  finish_model(*model, binder, std::move(tok), dir);
  return model;
}

std::unique_ptr<Model> load_llama2c(const std::string& path, const LoadOptions& options) {
  std::shared_ptr<llama2c::Checkpoint> ckpt = llama2c::Checkpoint::open(path);
  const llama2c::Config& lc = ckpt->config();
  ModelConfig c;
  c.arch = "llama";
  c.name = file_stem(path);
  c.n_layers = lc.n_layers;
  c.hidden_size = lc.dim;
  c.n_heads = lc.n_heads;
  c.n_kv_heads = lc.n_kv_heads;
  c.head_dim = lc.head_dim();
  c.value_dim = lc.head_dim();
  c.ffn_size = lc.hidden_dim;
  c.vocab_size = lc.vocab_size;
  c.context_length = lc.seq_len;
  c.norm_eps = 1e-5f;  // run.c's rmsnorm
  c.rope.theta = 10000.0f;
  c.rope.style = RopeStyle::kNorm;  // run.c rotates adjacent pairs
  c.rope.n_rot = lc.head_dim();
  c.tied_embeddings = lc.shared_classifier;
  std::string tok_path = options.tokenizer_path;
  if (tok_path.empty()) {
    auto found = llama2c::find_tokenizer(path, lc.vocab_size);
    if (!found) {
      fail("{}: no tokenizer beside the checkpoint (looked for tok{}.bin and tokenizer.bin); give one with "
           "--tokenizer", path, lc.vocab_size);
    }
    tok_path = *found;
  }
  auto source = std::make_shared<WeightSource>(WeightNaming::kGguf, path);
  for (const TensorView& t : ckpt->tensors()) source->add(t);
  source->hold(ckpt);
  WeightBinder binder(*source);
  ThreadPool pack_pool(options.repack ? default_thread_count() : 1);
  if (options.repack) binder.repack_with(&pack_pool);
  const size_t embd_bytes = embedding_only_bytes(*source, "token_embd.weight", c);
  std::unique_ptr<Model> model = find_architecture_gguf("llama")->build(std::move(c), binder);
  model->set_weight_bytes(bound_bytes(*source, binder));
  model->set_routed_expert_bytes(routed_expert_bytes(*source, binder));
  model->set_embedding_bytes(embd_bytes);
  model->set_source(source);
  finish_model(*model, binder, Tokenizer::from_llama2c(tok_path, lc.vocab_size), path);
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
      return load_gguf(path, options);
    case ModelFormat::kHfFolder:
      return load_hf(path, options);
    case ModelFormat::kLlama2c:
      return load_llama2c(path, options);
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
  if (!S_ISDIR(st.st_mode) && fs::path(path).extension() == ".bin") {
    // A llama2.c checkpoint: its tokenizer sits beside it. Anything else is tried as a tokenizer.
    std::unique_ptr<llama2c::Checkpoint> ckpt;
    try {
      ckpt = llama2c::Checkpoint::open(path);
    } catch (const Error&) {
    }
    if (ckpt) {
      auto found = llama2c::find_tokenizer(path, ckpt->config().vocab_size);
      if (!found) fail("{}: no tokenizer beside the checkpoint; give one with --tokenizer", path);
      return Tokenizer::from_llama2c(*found, ckpt->config().vocab_size);
    }
  }
  return Tokenizer::from_path(path);
}

}  // namespace owl

namespace owl {

bool LoadOptions::default_repack() {
  const char* v = std::getenv("OWL_REPACK");
  return v == nullptr || std::string(v) != "0";
}

}  // namespace owl
