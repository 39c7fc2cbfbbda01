// The explicit list of architectures owl runs. Adding one: a file in archs/ and a line in
// registry.cpp (see docs/ADDING_A_MODEL.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.h"
#include "model/config_reader.h"
#include "model/model.h"
#include "model/weights.h"

namespace owl {

struct Architecture {
  std::string_view name;                        // owl's name, = GGUF general.architecture
  std::vector<std::string_view> hf_names;       // config.json "architectures" entries
  std::vector<std::string_view> hf_model_types;  // config.json "model_type" values
  std::string_view golden;                      // folder in ../shared/golden, "" if none
  // Reads the hyper-parameters (the reader knows whether it is GGUF or config.json).
  ModelConfig (*read_config)(const ConfigReader& reader);
  // Binds the weights and builds the model.
  std::unique_ptr<Model> (*build)(ModelConfig config, WeightBinder& weights);
};

const std::vector<Architecture>& architectures();
// nullptr if unknown.
const Architecture* find_architecture_gguf(std::string_view gguf_arch);
const Architecture* find_architecture_hf(std::string_view hf_arch, std::string_view model_type);
// "llama, qwen2, qwen3, ..." for error messages.
std::string supported_architectures();

}  // namespace owl
