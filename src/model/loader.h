// Opens a model from any supported source: a GGUF file, a Hugging Face folder, or a llama2.c
// checkpoint; picks the architecture from the registry and loads the tokenizer and chat template.
#pragma once

#include <memory>
#include <string>

#include "model/model.h"

namespace owl {

enum class ModelFormat { kGguf, kHfFolder, kLlama2c };

struct LoadOptions {
  std::string tokenizer_path;  // llama2.c: tokenizer.bin to use instead of the one beside the model
};

// Which loader a path needs; owl::Error naming the path if it is none of them.
ModelFormat detect_model_format(const std::string& path);

std::unique_ptr<Model> load_model(const std::string& path, const LoadOptions& options = {});

// The tokenizer of a model (without loading its weights) or of a tokenizer alone: a vocab-only
// GGUF, a tokenizer.json(.gz), a folder of tokenizer files, or a llama2.c tokenizer.bin.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path, const LoadOptions& options = {});

}  // namespace owl
