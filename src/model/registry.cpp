// The architecture registry: an explicit list, no self-registering statics.
#include "model/registry.h"

#include "model/archs/archs.h"

namespace owl {

const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> list = {
      archs::llama(),
      archs::qwen2(),
      archs::qwen3(),
  };
  return list;
}

const Architecture* find_architecture_gguf(std::string_view gguf_arch) {
  for (const Architecture& a : architectures()) {
    if (a.name == gguf_arch) return &a;
  }
  return nullptr;
}

const Architecture* find_architecture_hf(std::string_view hf_arch, std::string_view model_type) {
  for (const Architecture& a : architectures()) {
    for (std::string_view n : a.hf_names) {
      if (!hf_arch.empty() && n == hf_arch) return &a;
    }
  }
  for (const Architecture& a : architectures()) {
    for (std::string_view t : a.hf_model_types) {
      if (!model_type.empty() && t == model_type) return &a;
    }
  }
  return nullptr;
}

std::string supported_architectures() {
  std::string s;
  for (const Architecture& a : architectures()) {
    if (!s.empty()) s += ", ";
    s += a.name;
  }
  return s;
}

}  // namespace owl
