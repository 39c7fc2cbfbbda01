// Per-request sampling settings (OpenAI and llama.cpp names).
#pragma once

#include <cstdint>

namespace owl {

struct SamplingParams {
  float temperature = 0.8f;  // 0: greedy
  int32_t top_k = 40;        // <= 0: disabled
  float top_p = 0.95f;       // 1: disabled
  float min_p = 0.05f;       // 0: disabled
  float repeat_penalty = 1.0f;  // llama.cpp-style: divide positive logits, multiply negative
  int32_t repeat_last_n = 64;   // window for all penalties (-1: whole context)
  float presence_penalty = 0.0f;   // OpenAI: subtract once per token seen
  float frequency_penalty = 0.0f;  // OpenAI: subtract per occurrence
  uint64_t seed = 0;                // with has_seed false a random seed is drawn
  bool has_seed = false;
  int32_t n_top_logprobs = 0;  // report this many alternatives per generated token (0..20)
  bool logprobs = false;       // report the chosen token's log-probability
};

}  // namespace owl
