// Continuous batching: requests decoded together give exactly what each gives alone; prefix
// reuse skips recomputation without changing results; cancellation, limits and errors.
#include "runtime/batch_engine.h"

#include <gtest/gtest.h>

#include "model/loader.h"

namespace owl {
namespace {

std::string golden_model() { return std::string(OWL_SHARED_DIR) + "/golden/llama/model.gguf"; }

struct Outcome {
  std::vector<int32_t> ids;
  FinishInfo finish;
};

GenerationRequest greedy(std::vector<int32_t> prompt, int n, Outcome* out) {
  GenerationRequest r;
  r.prompt = std::move(prompt);
  r.max_tokens = n;
  r.sampling.temperature = 0.0f;
  r.stop_at_end_of_generation = false;
  r.on_token = [out](const TokenEvent& e) {
    out->ids.push_back(e.id);
    return true;
  };
  r.on_finish = [out](const FinishInfo& f) { out->finish = f; };
  return r;
}

class BatchEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { model_ = load_model(golden_model()); }
  std::vector<int32_t> alone(const std::vector<int32_t>& prompt, int n) {
    ThreadPool pool(2);
    EngineOptions o;
    o.slot_context = 64;
    BatchEngine e(*model_, o, pool);
    Outcome out;
    EXPECT_NE(e.submit(greedy(prompt, n, &out)), 0u);
    e.run_until_idle();
    EXPECT_EQ(out.finish.reason, FinishReason::kLength);
    return out.ids;
  }
  std::unique_ptr<Model> model_;
};

TEST_F(BatchEngineTest, BatchedEqualsAlone) {
  const std::vector<std::vector<int32_t>> prompts = {{1, 2, 3}, {50, 60, 70, 80, 90, 100, 110}, {7}, {300, 301}};
  ThreadPool pool(2);
  EngineOptions o;
  o.n_slots = 3;  // four requests, three slots: one waits and joins later
  o.slot_context = 64;
  o.max_batch_tokens = 4;  // prompts are split into chunks across steps
  BatchEngine e(*model_, o, pool);
  std::vector<Outcome> outs(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) ASSERT_NE(e.submit(greedy(prompts[i], 12, &outs[i])), 0u);
  e.run_until_idle();
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(outs[i].ids, alone(prompts[i], 12)) << "request " << i;
    EXPECT_EQ(outs[i].finish.completion_tokens, 12);
    EXPECT_EQ(outs[i].finish.prompt_tokens, static_cast<int32_t>(prompts[i].size()));
  }
}

TEST_F(BatchEngineTest, PrefixReuseSkipsCachedTokensAndKeepsResults) {
  ThreadPool pool(2);
  EngineOptions o;
  o.slot_context = 64;
  BatchEngine e(*model_, o, pool);
  const std::vector<int32_t> first = {10, 11, 12, 13, 14, 15};
  Outcome a;
  e.submit(greedy(first, 4, &a));
  e.run_until_idle();
  std::vector<int32_t> second = first;
  second.insert(second.end(), a.ids.begin(), a.ids.end());
  second.push_back(99);
  Outcome b;
  e.submit(greedy(second, 6, &b));
  e.run_until_idle();
  // Everything but the last generated token of the first turn is in the cache.
  EXPECT_EQ(b.finish.cached_tokens, static_cast<int32_t>(first.size() + a.ids.size() - 1));
  EXPECT_EQ(b.ids, alone(second, 6));
}

TEST_F(BatchEngineTest, CancelEndsRequest) {
  ThreadPool pool(1);
  EngineOptions o;
  o.slot_context = 64;
  BatchEngine e(*model_, o, pool);
  Outcome out;
  uint64_t id = 0;
  GenerationRequest r = greedy({1, 2}, 50, &out);
  r.on_token = [&](const TokenEvent& ev) {
    out.ids.push_back(ev.id);
    if (out.ids.size() == 3) e.cancel(id);
    return true;
  };
  id = e.submit(std::move(r));
  e.run_until_idle();
  EXPECT_EQ(out.finish.reason, FinishReason::kCancelled);
  EXPECT_LE(out.ids.size(), 4u);
}

TEST_F(BatchEngineTest, CallbackStopAndStopIds) {
  ThreadPool pool(1);
  EngineOptions o;
  o.slot_context = 64;
  BatchEngine e(*model_, o, pool);
  const std::vector<int32_t> ref = alone({5, 6, 7}, 8);
  Outcome out;
  GenerationRequest r = greedy({5, 6, 7}, 8, &out);
  r.stop_ids = {ref[3]};
  e.submit(std::move(r));
  e.run_until_idle();
  EXPECT_EQ(out.finish.reason, FinishReason::kStop);
  // The stop token is not emitted; tokens before its first occurrence are.
  size_t first_stop = std::find(ref.begin(), ref.end(), ref[3]) - ref.begin();
  EXPECT_EQ(out.ids, std::vector<int32_t>(ref.begin(), ref.begin() + first_stop));
}

TEST_F(BatchEngineTest, RejectsOverlongPromptAndBadIds) {
  ThreadPool pool(1);
  EngineOptions o;
  o.slot_context = 8;
  BatchEngine e(*model_, o, pool);
  Outcome a, b, c;
  e.submit(greedy(std::vector<int32_t>(8, 3), 4, &a));
  e.submit(greedy({1, 100000}, 4, &b));
  e.submit(greedy({}, 4, &c));
  e.run_until_idle();
  EXPECT_EQ(a.finish.reason, FinishReason::kError);
  EXPECT_NE(a.finish.error.find("context"), std::string::npos);
  EXPECT_EQ(b.finish.reason, FinishReason::kError);
  EXPECT_EQ(c.finish.reason, FinishReason::kError);
}

TEST_F(BatchEngineTest, MaxTokensClampedToContext) {
  ThreadPool pool(1);
  EngineOptions o;
  o.slot_context = 10;
  BatchEngine e(*model_, o, pool);
  Outcome out;
  e.submit(greedy({1, 2, 3, 4}, 100, &out));
  e.run_until_idle();
  EXPECT_EQ(out.finish.reason, FinishReason::kLength);
  EXPECT_EQ(out.ids.size(), 6u);
}

TEST_F(BatchEngineTest, QueueLimit) {
  ThreadPool pool(1);
  EngineOptions o;
  o.slot_context = 16;
  o.max_queue = 2;
  BatchEngine e(*model_, o, pool);
  std::vector<Outcome> outs(3);
  EXPECT_NE(e.submit(greedy({1}, 1, &outs[0])), 0u);
  EXPECT_NE(e.submit(greedy({1}, 1, &outs[1])), 0u);
  EXPECT_EQ(e.submit(greedy({1}, 1, &outs[2])), 0u);
  e.run_until_idle();
}

TEST_F(BatchEngineTest, BackgroundThreadServesConcurrentSubmits) {
  ThreadPool pool(2);
  EngineOptions o;
  o.n_slots = 4;
  o.slot_context = 64;
  BatchEngine e(*model_, o, pool);
  e.start();
  std::vector<Outcome> outs(8);
  std::atomic<int> done{0};
  for (size_t i = 0; i < outs.size(); ++i) {
    GenerationRequest r = greedy({static_cast<int32_t>(i + 1), 2, 3}, 5, &outs[i]);
    r.on_finish = [&, i](const FinishInfo& f) {
      outs[i].finish = f;
      done.fetch_add(1);
    };
    ASSERT_NE(e.submit(std::move(r)), 0u);
  }
  for (int spin = 0; spin < 2000 && done.load() < 8; ++spin) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  e.stop();
  ASSERT_EQ(done.load(), 8);
  for (size_t i = 0; i < outs.size(); ++i) {
    EXPECT_EQ(outs[i].ids, alone({static_cast<int32_t>(i + 1), 2, 3}, 5));
  }
}

}  // namespace
}  // namespace owl
