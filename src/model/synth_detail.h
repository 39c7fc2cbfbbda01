// Internals of `owl synth` shared by its GGUF and Hugging Face writers.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/thread_pool.h"
#include "model/synth.h"
#include "model/weights.h"

namespace owl::synth_detail {

// Random contents of a recorded tensor in its GGUF layout, converted to `type`: norm weights
// near 1, everything else N(0, stddev), each row from a stream seeded by the tensor's GGUF name
// and the row, so both formats of one seed hold the same values.
void fill_tensor(const RecordedTensor& t, DType type, uint64_t seed, float stddev, uint8_t* dst,
                 ThreadPool& pool);

// Writes the folder o.out_path: config.json (the given, adjusted config), model.safetensors
// (Hugging Face names and layouts of the recorded tensors; type_of gives each tensor's GGUF
// type) and the tokenizer files of o.tokenizer_dir.
void write_hf_folder(const SynthOptions& o, const nlohmann::json& config,
                     const std::vector<RecordedTensor>& tensors,
                     const std::function<DType(const RecordedTensor&)>& type_of, float stddev,
                     ThreadPool& pool, SynthReport& report);

}  // namespace owl::synth_detail
