// Turns a row of logits into the next token: penalties, allowed-token mask, top-k, top-p, min-p,
// temperature, then a seeded draw (or argmax when temperature is 0). Same seed, same output.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "sampling/sampling_params.h"

namespace owl {

struct SampledToken {
  int32_t id = -1;
  float logprob = 0.0f;  // log-softmax of the (penalised, masked) logits at temperature 1
  std::vector<std::pair<int32_t, float>> top;  // n_top_logprobs best alternatives
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  const SamplingParams& params() const { return params_; }

  // logits [n_vocab] are modified. history is every token so far (prompt and generated);
  // penalties look at its last repeat_last_n entries. allowed (n_vocab entries, may be null)
  // masks tokens that may not come next; if it allows none, throws owl::Error.
  SampledToken sample(float* logits, int32_t n_vocab, const std::vector<int32_t>& history,
                      const uint8_t* allowed = nullptr);

 private:
  void apply_penalties(float* logits, int32_t n_vocab, const std::vector<int32_t>& history) const;
  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> candidates_;  // (logit, id)
};

}  // namespace owl
