// Sampling chain in llama.cpp's default order: penalties, top-k, top-p, min-p, temperature.
#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "base/error.h"

namespace owl {

Sampler::Sampler(const SamplingParams& params) : params_(params) {
  rng_.seed(params.has_seed ? params.seed : std::random_device{}());
}

void Sampler::apply_penalties(float* logits, int32_t n_vocab,
                              const std::vector<int32_t>& history) const {
  const SamplingParams& p = params_;
  if (p.repeat_penalty == 1.0f && p.presence_penalty == 0.0f && p.frequency_penalty == 0.0f) return;
  const size_t window = p.repeat_last_n < 0 ? history.size()
                                            : std::min(history.size(), static_cast<size_t>(p.repeat_last_n));
  std::unordered_map<int32_t, int32_t> counts;
  for (size_t i = history.size() - window; i < history.size(); ++i) ++counts[history[i]];
  for (const auto& [id, count] : counts) {
    if (id < 0 || id >= n_vocab) continue;
    float& l = logits[id];
    if (p.repeat_penalty != 1.0f) l = l > 0 ? l / p.repeat_penalty : l * p.repeat_penalty;
    l -= static_cast<float>(count) * p.frequency_penalty + p.presence_penalty;
  }
}

SampledToken Sampler::sample(float* logits, int32_t n_vocab, const std::vector<int32_t>& history,
                             const uint8_t* allowed) {
  const SamplingParams& p = params_;
  apply_penalties(logits, n_vocab, history);
  if (allowed != nullptr) {
    bool any = false;
    for (int32_t i = 0; i < n_vocab; ++i) {
      if (!allowed[i]) {
        logits[i] = -INFINITY;
      } else {
        any = true;
      }
    }
    if (!any) fail("no token is allowed at this point of the constrained output");
  }
  // Log-probabilities at temperature 1 (what OpenAI's logprobs report).
  float max_logit = -INFINITY;
  int32_t argmax = 0;
  for (int32_t i = 0; i < n_vocab; ++i) {
    if (logits[i] > max_logit) {
      max_logit = logits[i];
      argmax = i;
    }
  }
  double sum = 0.0;
  for (int32_t i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i] - max_logit));
  const float log_z = max_logit + static_cast<float>(std::log(sum));

  SampledToken out;
  if (p.temperature <= 0.0f) {
    out.id = argmax;
  } else {
    // Candidates sorted by logit, cut by top-k, then top-p, then min-p.
    candidates_.clear();
    for (int32_t i = 0; i < n_vocab; ++i) {
      if (logits[i] != -INFINITY) candidates_.emplace_back(logits[i], i);
    }
    auto by_logit = [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    };
    size_t keep = candidates_.size();
    if (p.top_k > 0 && static_cast<size_t>(p.top_k) < keep) keep = static_cast<size_t>(p.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep),
                      candidates_.end(), by_logit);
    candidates_.resize(keep);
    if (p.top_p < 1.0f) {
      double z = 0.0;
      for (const auto& c : candidates_) z += std::exp(static_cast<double>(c.first - candidates_[0].first));
      double cum = 0.0;
      size_t n = 0;
      for (; n < candidates_.size(); ++n) {
        cum += std::exp(static_cast<double>(candidates_[n].first - candidates_[0].first)) / z;
        if (cum >= p.top_p) {
          ++n;
          break;
        }
      }
      candidates_.resize(std::max<size_t>(1, std::min(n, candidates_.size())));
    }
    if (p.min_p > 0.0f) {
      const float threshold = candidates_[0].first + std::log(p.min_p);
      size_t n = 1;
      while (n < candidates_.size() && candidates_[n].first >= threshold) ++n;
      candidates_.resize(n);
    }
    std::vector<double> weights(candidates_.size());
    for (size_t i = 0; i < candidates_.size(); ++i) {
      weights[i] = std::exp(static_cast<double>(candidates_[i].first - candidates_[0].first) / p.temperature);
    }
    double total = 0.0;
    for (double w : weights) total += w;
    // A uniform draw in [0, total) from 53 random bits: reproducible for a seed on every platform.
    const double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0) * total;
    double acc = 0.0;
    out.id = candidates_.back().second;
    for (size_t i = 0; i < candidates_.size(); ++i) {
      acc += weights[i];
      if (u < acc) {
        out.id = candidates_[i].second;
        break;
      }
    }
  }
  out.logprob = logits[out.id] - log_z;
  if (p.n_top_logprobs > 0) {
    const int32_t k = std::min(p.n_top_logprobs, n_vocab);
    std::vector<std::pair<float, int32_t>> best;
    best.reserve(static_cast<size_t>(n_vocab));
    for (int32_t i = 0; i < n_vocab; ++i) best.emplace_back(logits[i], i);
    std::partial_sort(best.begin(), best.begin() + k, best.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    for (int32_t i = 0; i < k; ++i) out.top.emplace_back(best[i].second, best[i].first - log_z);
  }
  return out;
}

}  // namespace owl
