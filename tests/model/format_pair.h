// The same small model as GGUF and as a Hugging Face folder: `owl synth` writes both from one
// seed, each is loaded by its own loader, and their logits are compared.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/model.h"

namespace owl::test {

// Logits of a prompt run as one batch (every position), then `decode` more tokens fed one at a
// time (teacher-forced, ids derived from the prompt): [(prompt.size() + decode)][vocab].
std::vector<float> run_tokens(Model& model, const std::vector<int32_t>& prompt, int32_t decode);

struct PairResult {
  float max_diff = 0.0f;  // over all rows and logits
  float max_abs = 0.0f;   // largest |logit| (so a zero model cannot pass)
  size_t rows = 0;
};

// Writes config (with `type` weights) as <tmp>/<tag>.gguf and <tmp>/<tag>_hf/, loads both and
// compares the logits of a fixed 19-token prompt plus 5 decode steps. Removes the files.
PairResult compare_gguf_and_hf(const nlohmann::json& config, const std::string& tag,
                               const std::string& type = "f32");

// A temporary path for a test file.
std::string temp_path(const std::string& name);

}  // namespace owl::test
