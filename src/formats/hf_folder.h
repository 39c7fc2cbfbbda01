// A Hugging Face model folder: config.json, generation_config.json, safetensors weights (one
// file or shards listed by model.safetensors.index.json) and the tokenizer/template files.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/safetensors.h"

namespace owl {

class HfFolder {
 public:
  // Reads config.json (required), generation_config.json (optional) and the weights: every
  // shard is mapped once. Throws owl::Error naming the file: missing folder or config.json,
  // bad JSON, no weights, a shard that is missing or invalid, a tensor the index lists but its
  // shard lacks, a tensor present in two shards.
  static std::unique_ptr<HfFolder> open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const nlohmann::json& config() const { return config_; }
  // nullptr when the folder has no generation_config.json.
  const nlohmann::json* generation_config() const {
    return generation_config_ ? &*generation_config_ : nullptr;
  }

  // Paths of optional files, nullopt when absent. tokenizer.json may be stored gzip-compressed
  // as tokenizer.json.gz (read it with read_text_file).
  const std::optional<std::string>& tokenizer_json_path() const { return tokenizer_json_; }
  const std::optional<std::string>& tokenizer_config_path() const { return tokenizer_config_; }
  const std::optional<std::string>& chat_template_path() const { return chat_template_; }

  // All tensors: shards in order (index order of first mention), header order within a shard.
  const std::vector<const safetensors::Tensor*>& tensors() const { return tensors_; }
  // By Hugging Face name ("model.layers.0.self_attn.q_proj.weight"); nullptr when absent.
  const safetensors::Tensor* find(std::string_view hf_name) const;
  const std::vector<std::unique_ptr<safetensors::File>>& shards() const { return shards_; }

 private:
  HfFolder() = default;
  void load_single(const std::string& path);
  void load_index(const std::string& path);
  void add_shard_tensors(const safetensors::File& shard);

  std::string dir_;
  nlohmann::json config_;
  std::optional<nlohmann::json> generation_config_;
  std::optional<std::string> tokenizer_json_;
  std::optional<std::string> tokenizer_config_;
  std::optional<std::string> chat_template_;
  std::vector<std::unique_ptr<safetensors::File>> shards_;
  std::vector<const safetensors::Tensor*> tensors_;
  std::map<std::string, const safetensors::Tensor*, std::less<>> index_;
};

// A whole text file; a name ending in ".gz" is decompressed (gzip). Throws owl::Error naming
// the path (missing file, corrupt gzip data, more than 1 GiB once decompressed).
std::string read_text_file(const std::string& path);

// Parses a JSON file; owl::Error "<path>: invalid JSON: ..." when it does not parse.
nlohmann::json read_json_file(const std::string& path);

}  // namespace owl
