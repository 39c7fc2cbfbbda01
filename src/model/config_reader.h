// Reads hyper-parameters from either source with one call per field: the Hugging Face key
// (config.json) and the GGUF key ("{arch}." is prefixed to GGUF keys starting with '.').
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace owl {

namespace gguf {
class File;
class Value;
}

class ConfigReader {
 public:
  // gguf_arch is the GGUF architecture name used as key prefix ("llama", "qwen3", ...).
  ConfigReader(const gguf::File& file, std::string gguf_arch);
  ConfigReader(const nlohmann::json& config, std::string path);

  // Synth: while reading a config.json, record every value found under its GGUF key (with the
  // architecture prefix gguf_arch), typed as llama.cpp's converter writes it.
  void record_to(std::vector<std::pair<std::string, gguf::Value>>* out, std::string gguf_arch);

  bool is_gguf() const { return gguf_ != nullptr; }
  const std::string& path() const { return path_; }
  const nlohmann::json* hf_json() const { return hf_; }

  // nullopt if absent (or JSON null); owl::Error naming the file and key if of the wrong type.
  std::optional<double> number(std::string_view hf_key, std::string_view gguf_key) const;
  std::optional<bool> boolean(std::string_view hf_key, std::string_view gguf_key) const;
  std::optional<std::string> string(std::string_view hf_key, std::string_view gguf_key) const;

  // Required values: owl::Error naming the file and the key when absent.
  int32_t require_int(std::string_view hf_key, std::string_view gguf_key) const;
  float require_float(std::string_view hf_key, std::string_view gguf_key) const;
  // With a default when absent.
  int32_t get_int(std::string_view hf_key, std::string_view gguf_key, int32_t def) const;
  float get_float(std::string_view hf_key, std::string_view gguf_key, float def) const;
  bool get_bool(std::string_view hf_key, std::string_view gguf_key, bool def) const;

  // Records a value derived from config.json under a GGUF key (synth; no-op otherwise).
  void record(std::string_view gguf_key, gguf::Value value) const;

  // The GGUF key with the architecture prefix applied.
  std::string gguf_key(std::string_view key) const;

 private:
  const nlohmann::json* hf_value(std::string_view key) const;
  const gguf::File* gguf_ = nullptr;
  std::string arch_;
  const nlohmann::json* hf_ = nullptr;
  std::string path_;
  std::vector<std::pair<std::string, gguf::Value>>* recorded_ = nullptr;
};

}  // namespace owl
