// A deterministic Engine for server tests. A script maps the prompt text to the text the
// "model" writes (tokenized with the fake tokenizer, then end-of-generation). Requests are
// served round-robin, one token each per step, on an engine thread (like continuous batching).
// Under a TokenConstraint the engine samples at random among the allowed tokens (seeded), as a
// model with flat logits would, steering towards an end so outputs stay short.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "runtime/engine.h"
#include "server/fake_tokenizer.h"

namespace owl::testing {

class FakeEngine final : public Engine {
 public:
  using Script = std::function<std::string(const std::string& prompt)>;

  explicit FakeEngine(Script script, std::string chat_template = "", int32_t context = 4096)
      : script_(std::move(script)), template_(std::move(chat_template)), context_(context) {
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeEngine() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  uint64_t submit(GenerationRequest request) override {
    std::lock_guard lock(mutex_);
    if (static_cast<int>(active_.size() + queue_.size()) >= capacity) return 0;
    const uint64_t id = ++next_id_;
    Job job;
    job.id = id;
    job.request = std::move(request);
    job.start = std::chrono::steady_clock::now();
    job.rng.seed(job.request.sampling.has_seed ? job.request.sampling.seed : id);
    const std::string prompt = tokenizer_.decode(job.request.prompt);
    prompts.push_back(prompt);
    job.script = tokenizer_.encode(script_(prompt), false, true);
    queue_.push_back(std::move(job));
    ++stats_.requests_total;
    cv_.notify_all();
    return id;
  }
  void cancel(uint64_t id) override {
    std::lock_guard lock(mutex_);
    cancelled.insert(id);
  }
  EngineStats stats() const override {
    std::lock_guard lock(mutex_);
    EngineStats s = stats_;
    s.requests_active = static_cast<int64_t>(active_.size());
    s.requests_queued = static_cast<int64_t>(queue_.size());
    return s;
  }
  const Tokenizer& tokenizer() const override { return tokenizer_; }
  int32_t context_length() const override { return context_; }
  std::string chat_template() const override { return template_; }
  std::string model_name() const override { return "fake-model"; }

  // Test knobs and observations (set before requests arrive; read after they finish).
  int capacity = 64;                         // queued + active requests accepted
  std::chrono::milliseconds token_delay{0};  // per decode step
  std::vector<std::string> prompts;          // decoded prompts, in submission order
  std::set<uint64_t> cancelled;              // ids cancel() was called with
  std::atomic<int> finished_cancelled{0};    // requests that ended as kCancelled
  std::atomic<int> stopped_by_callback{0};   // on_token returned false

 private:
  struct Job {
    uint64_t id = 0;
    GenerationRequest request;
    std::vector<int32_t> script;
    size_t pos = 0;
    int32_t generated = 0;
    std::chrono::steady_clock::time_point start;
    double ttft = 0;
    std::mt19937_64 rng;
  };

  int32_t next_token(Job& job);
  void finish(Job& job, FinishReason reason);
  void loop();

  FakeTokenizer tokenizer_;
  Script script_;
  std::string template_;
  int32_t context_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::deque<Job> active_;
  uint64_t next_id_ = 0;
  bool stop_ = false;
  EngineStats stats_;
  std::thread thread_;
};

inline int32_t FakeEngine::next_token(Job& job) {
  TokenConstraint* c = job.request.constraint.get();
  if (c == nullptr) {
    if (job.pos < job.script.size()) return job.script[job.pos++];
    return tokenizer_.find_token("<|im_end|>");
  }
  std::vector<uint8_t> allowed(static_cast<size_t>(tokenizer_.n_vocab()), 1);
  c->mask(allowed);
  // Follow the script while it is allowed (a model that wants to comply), else sample.
  if (job.pos < job.script.size() && allowed[static_cast<size_t>(job.script[job.pos])])
    return job.script[job.pos++];
  job.pos = job.script.size();
  std::vector<int32_t> ok;
  int32_t eog = -1;
  for (int32_t id = 0; id < tokenizer_.n_vocab(); ++id) {
    if (!allowed[static_cast<size_t>(id)]) continue;
    if (tokenizer_.is_end_of_generation(id)) {
      eog = id;
    } else {
      ok.push_back(id);
    }
  }
  if (eog >= 0 && (ok.empty() || job.generated > 20)) return eog;
  if (ok.empty()) return tokenizer_.find_token("<|im_end|>");
  if (job.generated > 20) {  // steer to an end: closing characters first
    static const std::string closing = "\"}]0123456789eltrufans";
    for (char want : closing) {
      for (int32_t id : ok) {
        if (tokenizer_.piece(id, -1) == std::string(1, want)) return id;
      }
    }
  }
  return ok[job.rng() % ok.size()];
}

inline void FakeEngine::finish(Job& job, FinishReason reason) {
  FinishInfo info;
  info.reason = reason;
  info.prompt_tokens = static_cast<int32_t>(job.request.prompt.size());
  info.completion_tokens = job.generated;
  info.time_to_first_token_s = job.ttft;
  if (reason == FinishReason::kCancelled) ++finished_cancelled;
  if (job.request.on_finish) job.request.on_finish(info);
}

inline void FakeEngine::loop() {
  for (;;) {
    std::deque<Job> batch;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty() || !active_.empty(); });
      if (stop_) break;
      while (!queue_.empty()) {
        active_.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      batch.swap(active_);
    }
    if (token_delay.count() > 0) std::this_thread::sleep_for(token_delay);
    std::deque<Job> still;
    for (Job& job : batch) {
      bool cancel;
      {
        std::lock_guard lock(mutex_);
        cancel = cancelled.count(job.id) > 0;
      }
      if (cancel) {
        finish(job, FinishReason::kCancelled);
        continue;
      }
      if (job.generated >= job.request.max_tokens) {
        finish(job, FinishReason::kLength);
        continue;
      }
      const int32_t id = next_token(job);
      // As BatchEngine does: end-of-generation stops unless a constraint is not complete yet (then
      // the token is accepted and emitted like any other).
      const bool is_stop = job.request.stop_at_end_of_generation && tokenizer_.is_end_of_generation(id);
      if (is_stop && !(job.request.constraint && !job.request.constraint->complete())) {
        finish(job, FinishReason::kStop);
        continue;
      }
      if (job.request.constraint) job.request.constraint->accept(id);
      ++job.generated;
      if (job.generated == 1)
        job.ttft =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - job.start).count();
      TokenEvent ev;
      ev.id = id;
      ev.logprob = -0.25f * static_cast<float>(job.generated % 4);
      for (int k = 0; k < job.request.sampling.n_top_logprobs; ++k)
        ev.top.emplace_back(k + 65, -0.5f * static_cast<float>(k + 1));
      {
        std::lock_guard lock(mutex_);
        ++stats_.generated_tokens_total;
      }
      if (!job.request.on_token(ev)) {
        ++stopped_by_callback;
        finish(job, FinishReason::kStop);
        continue;
      }
      if (job.request.constraint && job.request.constraint->complete()) {
        finish(job, FinishReason::kStop);
        continue;
      }
      still.push_back(std::move(job));
    }
    std::lock_guard lock(mutex_);
    for (Job& j : still) active_.push_back(std::move(j));
  }
  // Shutdown: end whatever is left.
  for (Job& j : active_) finish(j, FinishReason::kCancelled);
  for (Job& j : queue_) finish(j, FinishReason::kCancelled);
}

}  // namespace owl::testing
