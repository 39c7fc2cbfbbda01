// Constraints on Qwen3's real 151,669-token vocabulary (read from shared/tokenizers): trie size,
// per-step mask time (cold and cached), and random sampling that must yield valid JSON.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "constrain/constrained_sampler.h"
#include "constrain/grammar_constraint.h"
#include "constrain/hf_vocab.h"
#include "constrain/json_schema.h"
#include "constrain/schema_validator.h"
#include "tokenizer/tokenizer.h"

namespace owl::constrain {
namespace {

using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

class RealVocab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto t0 = Clock::now();
    auto hf = owl::testing::load_byte_level_vocab(std::string(OWL_SHARED_DIR) +
                                                  "/tokenizers/qwen3/tokenizer.json.gz");
    const std::vector<int32_t> eog = {hf.added.at("<|im_end|>"), hf.added.at("<|endoftext|>")};
    const auto t1 = Clock::now();
    vocab_ = std::make_shared<const TokenVocab>(std::move(hf.bytes), eog, hf.special);
    std::printf("[qwen3 vocab] %d tokens, %zu trie nodes; json load %.0f ms, trie build %.0f ms\n",
                vocab_->size(), vocab_->nodes().size(),
                std::chrono::duration<double, std::milli>(t1 - t0).count(), ms_since(t1));
  }
  static void TearDownTestSuite() { vocab_.reset(); }
  static std::shared_ptr<const TokenVocab> vocab_;
};
std::shared_ptr<const TokenVocab> RealVocab::vocab_;

const json kSchema = json::parse(R"({"type": "object", "properties": {
    "location": {"type": "string", "maxLength": 40},
    "unit": {"enum": ["celsius", "fahrenheit"]},
    "days": {"type": "integer"},
    "hourly": {"type": "array", "items": {"type": "object", "properties": {
        "t": {"type": "number"}, "note": {"type": "string"}}, "required": ["t"],
        "additionalProperties": false}, "maxItems": 3}},
    "required": ["location", "unit", "days"], "additionalProperties": false})");

TEST_F(RealVocab, MaskTimePerStep) {
  Grammar g;
  g.set_root(add_json_schema(g, kSchema));
  auto matcher = std::make_shared<Matcher>(g, vocab_);
  std::vector<uint8_t> allowed(static_cast<size_t>(vocab_->size()));

  // Cold and cached mask inside a free string (the widest state: most tokens allowed).
  MatchState s = matcher->start();
  matcher->advance(s, R"({"location": "Par)");
  allowed.assign(allowed.size(), 1);
  auto t0 = Clock::now();
  matcher->mask(s, allowed);
  const double cold_ms = ms_since(t0);
  int n_allowed = 0;
  for (uint8_t a : allowed) n_allowed += a;
  allowed.assign(allowed.size(), 1);
  t0 = Clock::now();
  matcher->mask(s, allowed);
  const double warm_ms = ms_since(t0);
  EXPECT_GT(n_allowed, 100000);  // most of the vocabulary can continue a string
  EXPECT_FALSE(allowed[static_cast<size_t>(vocab_->eog_ids()[0])]);

  // A whole constrained generation with random choices: average over all steps.
  std::mt19937 rng(99);
  GrammarConstraint c(std::make_shared<Matcher>(g, vocab_));
  double total_ms = 0, worst_ms = 0;
  int steps = 0;
  std::string text;
  while (!c.complete() && steps < 400) {
    allowed.assign(allowed.size(), 1);
    t0 = Clock::now();
    c.mask(allowed);
    const double ms = ms_since(t0);
    total_ms += ms;
    worst_ms = std::max(worst_ms, ms);
    std::vector<int32_t> cand;
    for (int32_t id = 0; id < vocab_->size(); ++id) {
      if (allowed[static_cast<size_t>(id)]) cand.push_back(id);
    }
    ASSERT_FALSE(cand.empty());
    int32_t pick = cand[rng() % cand.size()];
    if (steps > 30) {  // steer towards the end, as the sampler helper does
      for (int32_t id : cand) {
        if (vocab_->is_eog(id) || owl::testing::closing_rank(vocab_->bytes(id)) <
                                      owl::testing::closing_rank(vocab_->bytes(pick)))
          pick = id;
      }
    }
    c.accept(pick);
    if (!vocab_->is_eog(pick)) text += vocab_->bytes(pick);
    ++steps;
  }
  const auto stats = matcher->stats();
  std::printf(
      "[mask qwen3] string state: cold %.2f ms, cached %.3f ms (%d tokens allowed); "
      "generation: %d steps, mean %.2f ms, worst %.2f ms\n",
      cold_ms, warm_ms, n_allowed, steps, total_ms / steps, worst_ms);
  (void)stats;
  RecordProperty("mask_cold_ms", std::to_string(cold_ms));
  RecordProperty("mask_mean_ms", std::to_string(total_ms / steps));
  ASSERT_TRUE(c.complete()) << text;
  const json parsed = json::parse(text);
  EXPECT_EQ(owl::testing::validate_schema(parsed, kSchema, kSchema), "") << text;
}

// The vocabulary as owl's Tokenizer streams it equals the bytes read straight from tokenizer.json.
TEST_F(RealVocab, FromTokenizerMatchesTokenizerJson) {
  const auto tokenizer =
      Tokenizer::from_path(std::string(OWL_SHARED_DIR) + "/tokenizers/qwen3/tokenizer.json.gz");
  const auto from_tok = TokenVocab::from_tokenizer(*tokenizer);
  ASSERT_EQ(from_tok->size(), vocab_->size());
  int diffs = 0;
  for (int32_t id = 0; id < vocab_->size(); ++id) {
    if (vocab_->is_eog(id) || from_tok->is_eog(id)) continue;
    diffs += from_tok->bytes(id) != vocab_->bytes(id);
    diffs += from_tok->is_special(id) != vocab_->is_special(id);
  }
  EXPECT_EQ(diffs, 0);
  EXPECT_TRUE(from_tok->is_eog(tokenizer->find_token("<|im_end|>")));
  EXPECT_TRUE(from_tok->is_special(tokenizer->find_token("<|im_start|>")));
  EXPECT_FALSE(from_tok->is_special(tokenizer->find_token("<tool_call>")));
}

TEST_F(RealVocab, RandomSamplingValidJson) {
  std::mt19937 rng(2024);
  for (const json& schema : {kSchema, json{{"type", "object"}}}) {
    Grammar g;
    g.set_root(add_json_schema(g, schema));
    auto matcher = std::make_shared<Matcher>(g, vocab_);
    for (int i = 0; i < 8; ++i) {
      GrammarConstraint c(matcher);
      const auto run = owl::testing::sample_constrained(c, *vocab_, rng, 25, 600);
      ASSERT_TRUE(run.completed) << run.text;
      json parsed;
      ASSERT_NO_THROW(parsed = json::parse(run.text)) << run.text;
      EXPECT_EQ(owl::testing::validate_schema(parsed, schema, schema), "") << run.text;
    }
  }
}

}  // namespace
}  // namespace owl::constrain
