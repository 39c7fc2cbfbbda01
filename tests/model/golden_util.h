// Runs a model against one llama.cpp golden case of ../shared/golden: the logits of every prompt
// position (one batch), then teacher-forced decoding of greedy_next one token at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"

namespace owl::test {

struct GoldenCase {
  std::string name;                 // e.g. "llama/len7"
  std::vector<int32_t> tokens;
  int32_t n_vocab = 0;
  std::vector<float> logits;        // [n_tokens][n_vocab]
  std::vector<int32_t> greedy_next;  // 16 ids
  std::vector<float> greedy_logits;  // [16][n_vocab]
};

// dir is a folder holding lenN.json; case_name is "len7" etc.
GoldenCase load_golden_case(const std::string& dir, const std::string& case_name);

struct GoldenResult {
  std::vector<float> row_max_diff;  // per compared row (prompt rows, then decode rows)
  float max_diff = 0.0f;
  std::vector<int32_t> own_argmax;  // our argmax at each greedy choice (teacher-forced)
  std::vector<float> ref_gap;       // top1 - top2 of the reference at each greedy choice
  std::vector<int32_t> free_running;  // our own greedy continuation (not teacher-forced)
  size_t cache_bytes = 0;             // of the KV cache the case ran with
};

// kv_type: the KV cache's type (the references were made with f32).
GoldenResult run_golden_case(Model& model, const GoldenCase& c, int threads = 2,
                             DType kv_type = DType::kF32);

std::string shared_dir();

}  // namespace owl::test
