// Sampler: greedy, each filter's effect on the support, penalties, determinism per seed, and
// that draws follow the expected distribution.
#include "sampling/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <algorithm>
#include <random>
#include <set>

#include "base/error.h"

namespace owl {
namespace {

std::vector<float> logits_of(std::initializer_list<float> v) { return std::vector<float>(v); }

SamplingParams plain(float temp) {
  SamplingParams p;
  p.temperature = temp;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.has_seed = true;
  p.seed = 7;
  return p;
}

std::set<int32_t> support(SamplingParams p, std::vector<float> logits, int draws = 3000) {
  std::set<int32_t> seen;
  Sampler s(p);
  for (int i = 0; i < draws; ++i) {
    std::vector<float> l = logits;
    seen.insert(s.sample(l.data(), static_cast<int32_t>(l.size()), {}).id);
  }
  return seen;
}

TEST(Sampler, GreedyPicksArgmaxAndReportsLogprob) {
  Sampler s(plain(0.0f));
  auto l = logits_of({0.1f, 2.0f, 1.0f});
  SampledToken t = s.sample(l.data(), 3, {});
  EXPECT_EQ(t.id, 1);
  const double z = std::exp(0.1) + std::exp(2.0) + std::exp(1.0);
  EXPECT_NEAR(t.logprob, 2.0 - std::log(z), 1e-5);
}

TEST(Sampler, TopKLimitsSupport) {
  SamplingParams p = plain(1.0f);
  p.top_k = 2;
  EXPECT_EQ(support(p, logits_of({1.0f, 0.9f, 0.8f, 0.7f})), (std::set<int32_t>{0, 1}));
}

TEST(Sampler, TopPKeepsSmallestSetReachingP) {
  SamplingParams p = plain(1.0f);
  p.top_p = 0.6f;
  // Probabilities 0.5, 0.3, 0.2: the first two reach 0.6.
  const float a = std::log(0.5f), b = std::log(0.3f), c = std::log(0.2f);
  EXPECT_EQ(support(p, logits_of({a, b, c})), (std::set<int32_t>{0, 1}));
}

TEST(Sampler, MinPDropsUnlikelyTokens) {
  SamplingParams p = plain(1.0f);
  p.min_p = 0.5f;
  const float a = std::log(0.5f), b = std::log(0.3f), c = std::log(0.2f);
  // Keeps p >= 0.5 * 0.5 = 0.25.
  EXPECT_EQ(support(p, logits_of({a, b, c})), (std::set<int32_t>{0, 1}));
}

TEST(Sampler, DrawsFollowTheDistribution) {
  Sampler s(plain(1.0f));
  const float a = std::log(0.6f), b = std::log(0.3f), c = std::log(0.1f);
  std::map<int32_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    auto l = logits_of({a, b, c});
    ++counts[s.sample(l.data(), 3, {}).id];
  }
  EXPECT_NEAR(counts[0] / double(n), 0.6, 0.02);
  EXPECT_NEAR(counts[1] / double(n), 0.3, 0.02);
  EXPECT_NEAR(counts[2] / double(n), 0.1, 0.02);
}

TEST(Sampler, TemperatureSharpens) {
  SamplingParams p = plain(0.25f);
  Sampler s(p);
  int first = 0;
  for (int i = 0; i < 5000; ++i) {
    auto l = logits_of({1.0f, 0.0f});
    first += s.sample(l.data(), 2, {}).id == 0;
  }
  // softmax([4, 0]) = 0.982
  EXPECT_NEAR(first / 5000.0, 1.0 / (1.0 + std::exp(-4.0)), 0.01);
}

TEST(Sampler, SameSeedSameSequence) {
  auto run = [](uint64_t seed) {
    SamplingParams p = plain(1.0f);
    p.seed = seed;
    Sampler s(p);
    std::vector<int32_t> out;
    for (int i = 0; i < 50; ++i) {
      auto l = logits_of({0.0f, 0.1f, 0.2f, 0.3f, 0.4f});
      out.push_back(s.sample(l.data(), 5, {}).id);
    }
    return out;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

TEST(Sampler, RepeatPenaltyDividesPositiveAndMultipliesNegative) {
  SamplingParams p = plain(0.0f);
  p.repeat_penalty = 2.0f;
  Sampler s(p);
  auto l = logits_of({2.0f, 1.5f, -1.0f});
  EXPECT_EQ(s.sample(l.data(), 3, {0}).id, 1);  // 2.0 / 2 = 1.0 < 1.5
  EXPECT_FLOAT_EQ(l[0], 1.0f);
  auto m = logits_of({-1.0f, -1.5f});
  s.sample(m.data(), 2, {0});
  EXPECT_FLOAT_EQ(m[0], -2.0f);
}

TEST(Sampler, PresenceAndFrequencyPenalties) {
  SamplingParams p = plain(0.0f);
  p.presence_penalty = 0.5f;
  p.frequency_penalty = 0.25f;
  Sampler s(p);
  auto l = logits_of({3.0f, 3.0f, 3.0f});
  s.sample(l.data(), 3, {0, 0, 1});
  EXPECT_FLOAT_EQ(l[0], 3.0f - 0.5f - 2 * 0.25f);
  EXPECT_FLOAT_EQ(l[1], 3.0f - 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(l[2], 3.0f);
}

TEST(Sampler, RepeatWindowLimitsHistory) {
  SamplingParams p = plain(0.0f);
  p.presence_penalty = 1.0f;
  p.repeat_last_n = 1;
  Sampler s(p);
  auto l = logits_of({1.0f, 1.0f});
  s.sample(l.data(), 2, {0, 1});
  EXPECT_FLOAT_EQ(l[0], 1.0f);
  EXPECT_FLOAT_EQ(l[1], 0.0f);
}

TEST(Sampler, MaskRestrictsChoice) {
  Sampler s(plain(1.0f));
  std::vector<uint8_t> allowed = {0, 0, 1};
  for (int i = 0; i < 100; ++i) {
    auto l = logits_of({5.0f, 4.0f, 0.0f});
    EXPECT_EQ(s.sample(l.data(), 3, {}, allowed.data()).id, 2);
  }
  std::vector<uint8_t> none = {0, 0, 0};
  auto l = logits_of({5.0f, 4.0f, 0.0f});
  EXPECT_THROW(s.sample(l.data(), 3, {}, none.data()), Error);
}

TEST(Sampler, TopLogprobsAreSortedAndNormalised) {
  SamplingParams p = plain(0.0f);
  p.n_top_logprobs = 2;
  Sampler s(p);
  auto l = logits_of({0.0f, 2.0f, 1.0f});
  SampledToken t = s.sample(l.data(), 3, {});
  ASSERT_EQ(t.top.size(), 2u);
  EXPECT_EQ(t.top[0].first, 1);
  EXPECT_EQ(t.top[1].first, 2);
  EXPECT_FLOAT_EQ(t.top[0].second, t.logprob);
  EXPECT_LT(t.top[1].second, t.top[0].second);
}

}  // namespace
}  // namespace owl

namespace owl {
namespace {

// The sampler sorts only the prefix its cuts and its draw reach. It must draw exactly what the
// plain definition draws: sort the whole vocabulary by logit (ties by id), cut top-k, top-p
// (probabilities at temperature 1), min-p, then walk the temperature weights in that order with
// the same 53-bit uniform from the same mt19937_64 stream.
int32_t reference_draw(const SamplingParams& p, const std::vector<float>& logits, std::mt19937_64& rng) {
  std::vector<std::pair<float, int32_t>> c;
  for (int32_t i = 0; i < static_cast<int32_t>(logits.size()); ++i) c.emplace_back(logits[i], i);
  std::sort(c.begin(), c.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  size_t keep = c.size();
  if (p.top_k > 0) keep = std::min(keep, static_cast<size_t>(p.top_k));
  if (p.top_p < 1.0f) {
    double z = 0, cum = 0;
    for (size_t i = 0; i < keep; ++i) z += std::exp(static_cast<double>(c[i].first - c[0].first));
    size_t n = 0;
    while (n < keep) {
      cum += std::exp(static_cast<double>(c[n].first - c[0].first)) / z;
      ++n;
      if (cum >= p.top_p) break;
    }
    keep = std::max<size_t>(1, n);
  }
  if (p.min_p > 0.0f) {
    size_t n = 1;
    while (n < keep && c[n].first >= c[0].first + std::log(p.min_p)) ++n;
    keep = n;
  }
  double total = 0;
  for (size_t i = 0; i < keep; ++i) total += std::exp(static_cast<double>(c[i].first - c[0].first) / p.temperature);
  const double u = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0) * total;
  double acc = 0;
  for (size_t i = 0; i < keep; ++i) {
    acc += std::exp(static_cast<double>(c[i].first - c[0].first) / p.temperature);
    if (u < acc) return c[i].second;
  }
  return c[keep - 1].second;
}

TEST(Sampler, LargeVocabularyDrawsEqualTheFullSortDefinition) {
  std::mt19937_64 gen(5);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> logits(50000);
  for (float& v : logits) v = std::round(normal(gen) * 8.0f) / 8.0f;  // many ties
  struct Cut {
    int top_k;
    float top_p, min_p, temp;
  };
  for (const Cut& cut : {Cut{0, 1.0f, 0.0f, 1.0f}, Cut{0, 0.95f, 0.0f, 0.6f}, Cut{40, 0.9f, 0.05f, 0.8f},
                         Cut{0, 1.0f, 0.01f, 1.3f}, Cut{0, 0.5f, 0.0f, 1.0f}}) {
    SamplingParams p = plain(cut.temp);
    p.top_k = cut.top_k;
    p.top_p = cut.top_p;
    p.min_p = cut.min_p;
    Sampler s(p);
    std::mt19937_64 ref(p.seed);
    for (int draw = 0; draw < 100; ++draw) {
      std::vector<float> l = logits;
      EXPECT_EQ(s.sample(l.data(), static_cast<int32_t>(l.size()), {}).id, reference_draw(p, logits, ref))
          << "top_k " << cut.top_k << " top_p " << cut.top_p << " min_p " << cut.min_p << " draw " << draw;
    }
  }
}

}  // namespace
}  // namespace owl
