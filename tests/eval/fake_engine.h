// A stand-in Engine for eval tests: byte-level tokens, a worker thread that advances all active
// requests one token per step (like continuous batching), and a responder that decides each
// completion from the prompt text (and the request's seed).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runtime/engine.h"
#include "tokenizer/tokenizer.h"

namespace owl::eval::testing {

// Token id = byte + 3; 1 is BOS, 2 is EOS.
class ByteTokenizer : public Tokenizer {
 public:
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool) const override {
    std::vector<int32_t> ids;
    if (add_special) ids.push_back(1);
    for (unsigned char c : text) ids.push_back(c + 3);
    return ids;
  }
  std::string decode(const std::vector<int32_t>& ids, bool) const override {
    std::string s;
    for (int32_t id : ids) {
      if (id >= 3) s += static_cast<char>(id - 3);
    }
    return s;
  }
  std::string piece(int32_t id, int32_t) const override {
    return id >= 3 ? std::string(1, static_cast<char>(id - 3)) : std::string();
  }
  int32_t n_vocab() const override { return 259; }
  std::string_view token_text(int32_t) const override { return {}; }
  TokenKind token_kind(int32_t) const override { return TokenKind::kNormal; }
  int32_t find_token(std::string_view) const override { return -1; }
  int32_t bos_id() const override { return 1; }
  int32_t eos_id() const override { return 2; }
  bool add_bos() const override { return true; }
  bool add_eos() const override { return false; }
  bool is_end_of_generation(int32_t id) const override { return id == 2; }
  const std::vector<int32_t>& end_of_generation_ids() const override { return eog_; }
  void add_end_of_generation(int32_t) override {}
  bool is_special(int32_t id) const override { return id < 3; }
  bool clean_up_tokenization_spaces() const override { return false; }
  std::string summary() const override { return "byte tokenizer (test)"; }

 private:
  std::vector<int32_t> eog_{2};
};

struct SubmittedRequest {
  std::string prompt;  // decoded prompt text
  uint64_t seed = 0;
  bool has_seed = false;
  float temperature = 0;
  int32_t max_tokens = 0;
};

class FakeEngine : public Engine {
 public:
  // Returns the completion text for a request; the same prompt may be asked many times.
  using Responder = std::function<std::string(const SubmittedRequest&)>;

  explicit FakeEngine(Responder responder, size_t capacity = 1 << 20,
                      std::chrono::microseconds step = std::chrono::microseconds(200))
      : responder_(std::move(responder)), capacity_(capacity), step_(step) {
    worker_ = std::thread([this] { loop(); });
  }
  ~FakeEngine() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  uint64_t submit(GenerationRequest request) override {
    auto a = std::make_unique<Active>();
    a->info.prompt = tokenizer_.decode(request.prompt, false);
    a->info.seed = request.sampling.seed;
    a->info.has_seed = request.sampling.has_seed;
    a->info.temperature = request.sampling.temperature;
    a->info.max_tokens = request.max_tokens;
    a->response = responder_(a->info);
    a->prompt_tokens = static_cast<int32_t>(request.prompt.size());
    a->req = std::move(request);
    std::lock_guard lock(mu_);
    if (live_ >= capacity_) {
      ++rejected_;
      return 0;
    }
    a->id = ++next_id_;
    submitted_.push_back(a->info);
    incoming_.push_back(std::move(a));
    max_in_flight_ = std::max(max_in_flight_, ++live_);
    cv_.notify_all();
    return next_id_;
  }
  void cancel(uint64_t id) override {
    std::lock_guard lock(mu_);
    cancelled_.insert(id);
  }
  EngineStats stats() const override { return {}; }
  const Tokenizer& tokenizer() const override { return tokenizer_; }
  int32_t context_length() const override { return 1 << 20; }
  std::string chat_template() const override { return "fake"; }
  std::string model_name() const override { return "fake"; }

  std::vector<SubmittedRequest> submitted() const {
    std::lock_guard lock(mu_);
    return submitted_;
  }
  size_t max_in_flight() const {
    std::lock_guard lock(mu_);
    return max_in_flight_;
  }
  int rejected() const {
    std::lock_guard lock(mu_);
    return rejected_;
  }

 private:
  struct Active {
    uint64_t id = 0;
    GenerationRequest req;
    SubmittedRequest info;
    std::string response;
    size_t pos = 0;
    int32_t prompt_tokens = 0;
  };

  void finish(Active& a, FinishReason reason) {
    FinishInfo info;
    info.reason = reason;
    info.prompt_tokens = a.prompt_tokens;
    info.completion_tokens = static_cast<int32_t>(a.pos);
    {
      std::lock_guard lock(mu_);
      --live_;  // before on_finish, which may submit the next request at once
    }
    a.req.on_finish(info);
  }

  void loop() {
    std::vector<std::unique_ptr<Active>> running;
    while (true) {
      std::set<uint64_t> cancelled;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !incoming_.empty() || !running.empty(); });
        if (stop_ && incoming_.empty() && running.empty()) return;
        for (auto& a : incoming_) running.push_back(std::move(a));
        incoming_.clear();
        cancelled = cancelled_;
      }
      // One decode step for every running request.
      for (auto& a : running) {
        if (cancelled.count(a->id)) {
          finish(*a, FinishReason::kCancelled);
          a.reset();
          continue;
        }
        if (a->pos >= a->response.size()) {
          finish(*a, FinishReason::kStop);
          a.reset();
          continue;
        }
        if (static_cast<int32_t>(a->pos) >= a->req.max_tokens) {
          finish(*a, FinishReason::kLength);
          a.reset();
          continue;
        }
        TokenEvent ev;
        ev.id = static_cast<unsigned char>(a->response[a->pos++]) + 3;
        if (!a->req.on_token(ev)) {
          finish(*a, FinishReason::kStop);
          a.reset();
        }
      }
      running.erase(std::remove(running.begin(), running.end(), nullptr), running.end());
      std::this_thread::sleep_for(step_);
    }
  }

  ByteTokenizer tokenizer_;
  Responder responder_;
  size_t capacity_;
  std::chrono::microseconds step_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Active>> incoming_;
  size_t live_ = 0;  // accepted and not finished
  std::set<uint64_t> cancelled_;
  std::vector<SubmittedRequest> submitted_;
  size_t max_in_flight_ = 0;
  int rejected_ = 0;
  uint64_t next_id_ = 0;
  bool stop_ = false;
  std::thread worker_;
};

// A chat template stand-in: "<|user|>content<|assistant|>".
inline std::string fake_render(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : messages) out += "<|" + m.role + "|>" + m.content;
  return out + "<|assistant|>";
}

}  // namespace owl::eval::testing
