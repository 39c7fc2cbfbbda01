// Hyper-parameter lookups over GGUF metadata or config.json.
#include "model/config_reader.h"

#include <cmath>

#include "base/error.h"
#include "formats/gguf.h"

namespace owl {

ConfigReader::ConfigReader(const gguf::File& file, std::string gguf_arch)
    : gguf_(&file), arch_(std::move(gguf_arch)), path_(file.path()) {}

ConfigReader::ConfigReader(const nlohmann::json& config, std::string path)
    : hf_(&config), path_(std::move(path)) {}

void ConfigReader::record_to(std::vector<std::pair<std::string, gguf::Value>>* out,
                             std::string gguf_arch) {
  recorded_ = out;
  arch_ = std::move(gguf_arch);
}

void ConfigReader::record(std::string_view key, gguf::Value value) const {
  if (recorded_ == nullptr || key.empty() || gguf_ != nullptr) return;
  const std::string full = gguf_key(key);
  for (auto& [k, v] : *recorded_) {
    if (k == full) {
      v = std::move(value);
      return;
    }
  }
  recorded_->emplace_back(full, std::move(value));
}

std::string ConfigReader::gguf_key(std::string_view key) const {
  if (!key.empty() && key[0] == '.') return arch_ + std::string(key);
  return std::string(key);
}

const nlohmann::json* ConfigReader::hf_value(std::string_view key) const {
  if (hf_ == nullptr || key.empty() || !hf_->is_object()) return nullptr;
  auto it = hf_->find(std::string(key));
  if (it == hf_->end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<double> ConfigReader::number(std::string_view hf_key,
                                           std::string_view gguf_key_name) const {
  if (gguf_ != nullptr) {
    if (gguf_key_name.empty()) return std::nullopt;
    const std::string key = gguf_key(gguf_key_name);
    const gguf::Value* v = gguf_->find(key);
    if (v == nullptr) return std::nullopt;
    auto d = v->as_double();
    if (!d) fail("{}: metadata {} is {}, expected a number", path_, key, gguf::value_type_name(v->type()));
    return d;
  }
  const nlohmann::json* v = hf_value(hf_key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) fail("{}: field \"{}\" must be a number, got {}", path_, hf_key, v->dump());
  return v->get<double>();
}

std::optional<bool> ConfigReader::boolean(std::string_view hf_key,
                                          std::string_view gguf_key_name) const {
  if (gguf_ != nullptr) {
    if (gguf_key_name.empty()) return std::nullopt;
    const std::string key = gguf_key(gguf_key_name);
    const gguf::Value* v = gguf_->find(key);
    if (v == nullptr) return std::nullopt;
    auto b = v->as_bool();
    if (!b) fail("{}: metadata {} is {}, expected a bool", path_, key, gguf::value_type_name(v->type()));
    return b;
  }
  const nlohmann::json* v = hf_value(hf_key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) fail("{}: field \"{}\" must be true or false, got {}", path_, hf_key, v->dump());
  return v->get<bool>();
}

std::optional<std::string> ConfigReader::string(std::string_view hf_key,
                                                std::string_view gguf_key_name) const {
  if (gguf_ != nullptr) {
    if (gguf_key_name.empty()) return std::nullopt;
    const std::string key = gguf_key(gguf_key_name);
    const gguf::Value* v = gguf_->find(key);
    if (v == nullptr) return std::nullopt;
    const std::string* s = v->as_string();
    if (s == nullptr) fail("{}: metadata {} is {}, expected a string", path_, key, gguf::value_type_name(v->type()));
    return *s;
  }
  const nlohmann::json* v = hf_value(hf_key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) fail("{}: field \"{}\" must be a string, got {}", path_, hf_key, v->dump());
  return v->get<std::string>();
}

int32_t ConfigReader::require_int(std::string_view hf_key, std::string_view gguf_key_name) const {
  auto v = number(hf_key, gguf_key_name);
  if (!v) {
    fail("{}: missing {} {}", path_, is_gguf() ? "metadata key" : "field",
         is_gguf() ? gguf_key(gguf_key_name) : std::string(hf_key));
  }
  if (*v != std::floor(*v) || *v < -2147483648.0 || *v > 2147483647.0) {
    fail("{}: {} must be an integer, got {}", path_, is_gguf() ? gguf_key(gguf_key_name) : std::string(hf_key), *v);
  }
  record(gguf_key_name, gguf::Value::u32(static_cast<uint32_t>(*v)));
  return static_cast<int32_t>(*v);
}

float ConfigReader::require_float(std::string_view hf_key, std::string_view gguf_key_name) const {
  auto v = number(hf_key, gguf_key_name);
  if (!v) {
    fail("{}: missing {} {}", path_, is_gguf() ? "metadata key" : "field",
         is_gguf() ? gguf_key(gguf_key_name) : std::string(hf_key));
  }
  record(gguf_key_name, gguf::Value::f32(static_cast<float>(*v)));
  return static_cast<float>(*v);
}

int32_t ConfigReader::get_int(std::string_view hf_key, std::string_view gguf_key_name,
                              int32_t def) const {
  if (!number(hf_key, gguf_key_name)) return def;
  return require_int(hf_key, gguf_key_name);
}

float ConfigReader::get_float(std::string_view hf_key, std::string_view gguf_key_name,
                              float def) const {
  return number(hf_key, gguf_key_name) ? require_float(hf_key, gguf_key_name) : def;
}

bool ConfigReader::get_bool(std::string_view hf_key, std::string_view gguf_key_name,
                            bool def) const {
  auto v = boolean(hf_key, gguf_key_name);
  if (v) record(gguf_key_name, gguf::Value::boolean(*v));
  return v ? *v : def;
}

}  // namespace owl
