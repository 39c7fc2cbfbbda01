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
    // Candidates in order of logit, cut by top-k, then top-p, then min-p, then drawn in that
    // order. Only the prefix the cuts and the draw look at is sorted, grown in chunks
    // (nth_element then sort), so a 150k vocabulary costs O(V) a token, not O(V log V).
    candidates_.clear();
    for (int32_t i = 0; i < n_vocab; ++i) {
      if (logits[i] != -INFINITY) candidates_.emplace_back(logits[i], i);
    }
    auto by_logit = [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    };
    size_t sorted = 0;  // candidates_[0, sorted) are the best, in order; the rest are all worse
    auto ensure_sorted = [&](size_t m) {
      m = std::min(m, candidates_.size());
      if (m <= sorted) return;
      const auto first = candidates_.begin() + static_cast<std::ptrdiff_t>(sorted);
      const auto mid = candidates_.begin() + static_cast<std::ptrdiff_t>(m);
      if (mid != candidates_.end()) std::nth_element(first, mid - 1, candidates_.end(), by_logit);
      std::sort(first, mid, by_logit);
      sorted = m;
    };
    auto grow = [&](size_t need) { ensure_sorted(std::max<size_t>({need, 2 * sorted, 64})); };
    size_t keep = candidates_.size();
    if (p.top_k > 0 && static_cast<size_t>(p.top_k) < keep) {
      keep = static_cast<size_t>(p.top_k);
      ensure_sorted(keep);
    }
    ensure_sorted(1);
    const float best = candidates_[0].first;
    if (p.top_p < 1.0f) {
      double z = 0.0;
      for (size_t i = 0; i < keep; ++i) z += std::exp(static_cast<double>(candidates_[i].first - best));
      double cum = 0.0;
      size_t n = 0;
      for (; n < keep; ++n) {
        if (n >= sorted) grow(n + 1);
        cum += std::exp(static_cast<double>(candidates_[n].first - best)) / z;
        if (cum >= p.top_p) {
          ++n;
          break;
        }
      }
      keep = std::max<size_t>(1, std::min(n, keep));
    }
    if (p.min_p > 0.0f) {
      const float threshold = best + std::log(p.min_p);
      size_t n = 1;
      for (; n < keep; ++n) {
        if (n >= sorted) grow(n + 1);
        if (candidates_[n].first < threshold) break;
      }
      keep = n;
    }
    auto weight = [&](size_t i) {
      return std::exp(static_cast<double>(candidates_[i].first - best) / p.temperature);
    };
    double total = 0.0;
    for (size_t i = 0; i < keep; ++i) total += weight(i);
    // A uniform draw in [0, total) from 53 random bits: reproducible for a seed on every platform.
    const double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0) * total;
    double acc = 0.0;
    out.id = -1;
    for (size_t i = 0; i < keep; ++i) {
      if (i >= sorted) grow(i + 1);
      acc += weight(i);
      if (u < acc) {
        out.id = candidates_[i].second;
        break;
      }
    }
    if (out.id < 0) {  // rounding left u at the very end: the last kept candidate
      ensure_sorted(keep);
      out.id = candidates_[keep - 1].second;
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
