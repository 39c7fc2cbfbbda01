// Continuous batching over one model: every step runs one forward pass holding the next token of
// each decoding request and a chunk of each waiting prompt; requests join between steps and leave
// when done. A new request takes the free slot whose cached tokens share the longest prefix with
// its prompt, and only the rest of the prompt is computed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "base/aligned_buffer.h"
#include "base/thread_pool.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "runtime/engine.h"
#include "sampling/sampler.h"

namespace owl {

struct EngineOptions {
  int32_t n_slots = 1;        // sequences decoded together
  int32_t slot_context = 4096;  // positions per slot
  int32_t max_batch_tokens = 512;  // tokens per forward pass (prompt chunks + decode tokens)
  int32_t max_queue = 256;    // queued requests beyond the slots; submit() returns 0 past it
  DType kv_type = DType::kF32;  // KV cache: kF32 (matches the reference logits) or kF16
};

class BatchEngine : public Engine {
 public:
  BatchEngine(Model& model, const EngineOptions& options, ThreadPool& pool);
  ~BatchEngine() override;

  uint64_t submit(GenerationRequest request) override;
  void cancel(uint64_t id) override;
  EngineStats stats() const override;
  const Tokenizer& tokenizer() const override { return model_.tokenizer(); }
  int32_t context_length() const override { return options_.slot_context; }
  std::string chat_template() const override { return model_.chat_template(); }
  std::string model_name() const override { return model_.config().name; }

  // Runs steps on a background thread until stop() (for servers).
  void start();
  void stop();
  // One forward pass over the active requests; false when there was nothing to do.
  bool step();
  // Steps on the calling thread until no request is queued or running.
  void run_until_idle();

 private:
  struct Active {
    uint64_t id = 0;
    GenerationRequest request;
    std::optional<Sampler> sampler;
    int32_t n_prompt_done = 0;  // prompt tokens already in the cache
    int32_t n_generated = 0;
    int32_t last_token = -1;    // sampled, not yet fed
    int32_t cached_tokens = 0;
    double start_s = 0.0;
    double first_token_s = 0.0;
  };
  struct Slot {
    std::vector<int32_t> tokens;  // tokens whose keys/values are in the cache, in order
    std::unique_ptr<Active> active;
  };

  struct Queued {
    uint64_t id;
    GenerationRequest request;
    double submitted_s;
  };
  void place(Queued&& q);
  bool collect_work(std::vector<Queued>& admitted, std::vector<Queued>& dropped,
                    std::set<uint64_t>& cancelled);
  void finish(Slot& slot, FinishReason reason, std::string error = {});
  // Draws the next token of a slot (no callbacks; safe to run for several unconstrained slots
  // at once), then applies it: stop rules, callbacks, finish.
  struct Draw {
    SampledToken tok;
    std::string error;
    bool done = false;
  };
  Draw draw_slot(Slot& slot, float* logits, std::vector<uint8_t>& allowed);
  void commit_slot(Slot& slot, Draw& draw);

  Model& model_;
  EngineOptions options_;
  ThreadPool& pool_;
  KvCache cache_;
  std::vector<Slot> slots_;
  Batch batch_;
  AlignedBuffer<float> logits_;  // [max outputs][vocab]
  std::vector<uint8_t> allowed_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;
  std::set<uint64_t> cancelled_;
  uint64_t next_id_ = 1;
  std::thread thread_;
  std::atomic<bool> running_{false};

  // Stats.
  std::atomic<int64_t> requests_total_{0};
  std::atomic<int64_t> prompt_tokens_total_{0};
  std::atomic<int64_t> generated_tokens_total_{0};
  std::atomic<int64_t> active_count_{0};
  double recent_tokens_ = 0.0;
  double recent_seconds_ = 0.0;
};

double monotonic_seconds();

}  // namespace owl
