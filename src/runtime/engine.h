// The generation engine as front ends (server, eval, chat) see it: submit token-level requests,
// receive tokens through callbacks. The implementation batches all active requests into one
// forward pass per step (continuous batching) and reuses cached prompt prefixes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sampling/sampling_params.h"

namespace owl {

class Tokenizer;

// Restricts which tokens may come next (JSON schema / grammar / forced tool call).
// Used from the engine thread only.
class TokenConstraint {
 public:
  virtual ~TokenConstraint() = default;
  // allowed has n_vocab entries, all 1 on entry; set 0 for tokens that may not come next.
  virtual void mask(std::vector<uint8_t>& allowed) = 0;
  // The engine chose this token.
  virtual void accept(int32_t id) = 0;
  // True when the constrained output is complete (the engine then ends the request, reason stop).
  virtual bool complete() const = 0;
};

struct TokenEvent {
  int32_t id = -1;
  float logprob = 0.0f;                            // natural log, of the sampled distribution
  std::vector<std::pair<int32_t, float>> top;      // n_top_logprobs alternatives, best first
};

enum class FinishReason { kStop, kLength, kCancelled, kError };

struct FinishInfo {
  FinishReason reason = FinishReason::kStop;
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;
  int32_t cached_tokens = 0;     // prompt tokens reused from the prefix cache
  double time_to_first_token_s = 0.0;
  double generation_s = 0.0;
  std::string error;             // for kError
};

struct GenerationRequest {
  std::vector<int32_t> prompt;
  int32_t max_tokens = 256;      // clamped to the context left
  SamplingParams sampling;
  bool stop_at_end_of_generation = true;     // stop on the tokenizer's EOG ids
  std::vector<int32_t> stop_ids;             // extra stop token ids (not emitted)
  std::unique_ptr<TokenConstraint> constraint;
  // Engine thread, once per generated token (stop tokens are not emitted).
  // Return false to stop the request (e.g. a stop string matched, client disconnected).
  std::function<bool(const TokenEvent&)> on_token;
  // Engine thread, exactly once at the end (also on rejection, cancellation, error).
  std::function<void(const FinishInfo&)> on_finish;
};

struct EngineStats {
  int64_t requests_total = 0;
  int64_t requests_active = 0;
  int64_t requests_queued = 0;
  int64_t prompt_tokens_total = 0;
  int64_t generated_tokens_total = 0;
  double generation_tokens_per_s = 0.0;  // recent aggregate decode speed
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Queues a request. Returns its id, or 0 when the queue is full (on_finish is then not called).
  virtual uint64_t submit(GenerationRequest request) = 0;
  // Cancels a queued or running request (on_finish gets kCancelled). Thread-safe.
  virtual void cancel(uint64_t id) = 0;
  virtual EngineStats stats() const = 0;
  virtual const Tokenizer& tokenizer() const = 0;
  virtual int32_t context_length() const = 0;    // per sequence
  virtual std::string chat_template() const = 0;  // empty if the model has none
  virtual std::string model_name() const = 0;
};

}  // namespace owl
