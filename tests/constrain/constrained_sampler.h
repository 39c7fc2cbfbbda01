// Drives a TokenConstraint like an engine with random logits: picks uniformly among the allowed
// tokens, then (after `soft_limit` steps) prefers tokens that close structures, so runs end.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "constrain/token_vocab.h"
#include "runtime/engine.h"

namespace owl::testing {

struct SampleRun {
  std::string text;        // bytes of the chosen tokens (end-of-generation excluded)
  bool completed = false;  // the constraint reported complete or an EOG token was chosen
  bool dead_end = false;   // the mask allowed nothing
  int steps = 0;
};

inline int closing_rank(const std::string& b) {
  if (b.size() != 1) return 50;
  static const std::string order = "\"}]0123456789eltrufans,:";
  const size_t p = order.find(b[0]);
  return p == std::string::npos ? 40 : static_cast<int>(p);
}

inline SampleRun sample_constrained(TokenConstraint& c, const constrain::TokenVocab& vocab,
                                    std::mt19937& rng, int soft_limit = 40, int max_steps = 3000,
                                    const std::vector<std::string>& preferred = {}) {
  SampleRun run;
  std::vector<uint8_t> allowed;
  std::vector<int32_t> candidates;
  for (; run.steps < max_steps && !c.complete(); ++run.steps) {
    allowed.assign(static_cast<size_t>(vocab.size()), 1);
    c.mask(allowed);
    candidates.clear();
    int32_t eog = -1;
    for (int32_t id = 0; id < vocab.size(); ++id) {
      if (!allowed[static_cast<size_t>(id)]) continue;
      if (vocab.is_eog(id)) {
        eog = id;
      } else if (!vocab.bytes(id).empty()) {
        candidates.push_back(id);
      }
    }
    int32_t pick = -1;
    if (eog >= 0 && (candidates.empty() || run.steps >= soft_limit || rng() % 8 == 0)) {
      pick = eog;
    } else if (candidates.empty()) {
      run.dead_end = true;
      return run;
    } else if (run.steps < soft_limit) {
      pick = candidates[rng() % candidates.size()];
    } else {
      int best = 1 << 30;
      std::vector<int32_t> markers;  // allowed preferred closing markers: pick one at random
      for (int32_t id : candidates) {
        for (const std::string& p : preferred) {
          if (vocab.bytes(id) == p) markers.push_back(id);
        }
      }
      if (!markers.empty() && rng() % 2) best = -1, pick = markers[rng() % markers.size()];
      if (best < 0) candidates.clear();  // a preferred closing marker was found
      for (int32_t id : candidates) {
        const int r = closing_rank(vocab.bytes(id)) * 1000 + static_cast<int>(rng() % 1000);
        if (r < best) {
          best = r;
          pick = id;
        }
      }
    }
    c.accept(pick);
    if (vocab.is_eog(pick)) {
      run.completed = true;
      return run;
    }
    run.text += vocab.bytes(pick);
  }
  run.completed = c.complete();
  return run;
}

}  // namespace owl::testing
