// `owl synth`: a random-weight model with the exact tensor shapes of a published config.json,
// written as GGUF (llama.cpp's names and metadata keys), quantized to a chosen type or mix.
#pragma once

#include <cstdint>
#include <string>

#include "tensor/dtype.h"

namespace owl {

struct SynthOptions {
  std::string config_path;     // a Hugging Face config.json
  int32_t n_layers = 0;        // > 0: keep only this many layers
  std::string tokenizer_dir;   // a tokenizer folder to carry (tokenizer.json + tokenizer_config.json)
  std::string type = "f32";    // f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k
                               // iq4_nl, or a llama.cpp mix: q4_k_m q4_k_s q5_k_m q3_k_m
  std::string out_path;
  uint64_t seed = 1;
  int32_t threads = 0;         // 0: all cores
};

struct SynthReport {
  std::string arch;
  int64_t n_tensors = 0;
  int64_t n_params = 0;
  uint64_t bytes = 0;
};

SynthReport synthesize_model(const SynthOptions& options);

// The llama.cpp type a tensor gets in a file of the given type name (mixes follow
// llama-quantize's rules; rows that do not fit a K-quant fall back as llama-quantize does).
DType synth_tensor_type(const std::string& type_name, const std::string& tensor_name,
                        int64_t row_length, int32_t n_layers, int32_t n_experts, bool tied_output);

}  // namespace owl
