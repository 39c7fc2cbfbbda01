// The trained llama2.c models of ../shared/models produce their known greedy output
// (DATA.md: checked against Karpathy's published sample and an independent numpy forward).
#include <gtest/gtest.h>

#include "golden_util.h"
#include "model/loader.h"
#include "runtime/batch_engine.h"

namespace owl::test {
namespace {

std::vector<int32_t> greedy_from_bos(Model& model, int n) {
  ThreadPool pool(2);
  EngineOptions o;
  o.slot_context = n + 2;
  BatchEngine engine(model, o, pool);
  std::vector<int32_t> out;
  GenerationRequest r;
  r.prompt = {1};  // BOS
  r.max_tokens = n;
  r.sampling.temperature = 0.0f;
  r.stop_at_end_of_generation = false;
  r.on_token = [&](const TokenEvent& e) {
    out.push_back(e.id);
    return true;
  };
  engine.submit(std::move(r));
  engine.run_until_idle();
  return out;
}

TEST(Llama2c, Stories260KGreedyIds) {
  auto model = load_model(shared_dir() + "/models/stories260K/stories260K.bin");
  EXPECT_EQ(model->config().n_layers, 5);
  EXPECT_EQ(model->config().n_kv_heads, 4);
  const std::vector<int32_t> expected = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315,
                                         421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408,
                                         419, 292, 411, 322, 265, 282, 295, 433, 426, 385};
  EXPECT_EQ(greedy_from_bos(*model, 32), expected);
}

TEST(Llama2c, AiDreams260KGreedyIds) {
  auto model = load_model(shared_dir() + "/models/aidreams260K/aidreams260K.bin");
  EXPECT_EQ(model->config().n_layers, 4);
  EXPECT_EQ(model->config().n_kv_heads, model->config().n_heads);
  const std::vector<int32_t> expected = {319, 459, 355, 260, 275, 429, 339, 315, 374, 327, 446, 262};
  EXPECT_EQ(greedy_from_bos(*model, 12), expected);
}

}  // namespace
}  // namespace owl::test
