// Runs engine requests for one API call and hands their output to the HTTP thread: callbacks
// on the engine thread decode tokens, assemble UTF-8, match stop strings and push events into
// a channel the handler waits on. Cancellation (client gone) is a flag the callbacks check.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runtime/engine.h"

namespace owl::server {

struct TokenLogprob {
  std::string token;  // the token's bytes (may be part of a UTF-8 character)
  float logprob = 0.0f;
  std::vector<std::pair<std::string, float>> top;
};

struct ChoiceEvent {
  int choice = 0;
  std::string text;  // new text: whole UTF-8 characters, stop strings removed
  std::vector<TokenLogprob> logprobs;
  int32_t tokens = 0;  // generated tokens covered by this event
  bool finished = false;
  bool stopped_by_string = false;  // with finished: a stop string ended the choice
  FinishInfo info;                 // with finished
};

class GenerationChannel {
 public:
  void push(ChoiceEvent event);
  // Events that arrived, waiting at most `timeout` for the first.
  std::vector<ChoiceEvent> wait(std::chrono::milliseconds timeout);
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<ChoiceEvent> events_;
  std::atomic<bool> cancelled_{false};
};

struct ChoiceSetup {
  int choice = 0;
  std::vector<int32_t> prompt;
  int32_t max_tokens = 0;
  SamplingParams sampling;
  std::vector<std::string> stop;
  std::unique_ptr<TokenConstraint> constraint;
  bool want_logprobs = false;
};

// Builds the engine request for one choice, wired to `channel`.
GenerationRequest make_request(ChoiceSetup setup, const Tokenizer& tokenizer,
                               std::shared_ptr<GenerationChannel> channel);

}  // namespace owl::server
