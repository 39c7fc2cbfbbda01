// Runs a Grammar over bytes as a lazily built DFA: each DFA state is a set of parser stacks
// (positions in the grammar), transitions are computed on first use and cached, and token masks
// are computed by walking the vocabulary trie through the cached transitions.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "constrain/grammar.h"
#include "constrain/token_vocab.h"

namespace owl::constrain {

// A position in the run that survives cache resets: the state id for fast lookups and, for
// re-interning after a reset, the stacks it stands for.
struct MatchState {
  int32_t id = -1;  // -1: dead (no valid continuation)
  uint64_t generation = 0;
  std::vector<std::vector<uint32_t>> stacks;
};

struct MatcherStats {
  int64_t states = 0;
  int64_t stacks = 0;
  int64_t masks_computed = 0;
  int64_t mask_cache_hits = 0;
};

// Thread-safe (one internal mutex); shared by every constraint using the same grammar.
class Matcher {
 public:
  Matcher(const Grammar& grammar, std::shared_ptr<const TokenVocab> vocab);

  MatchState start();
  // Advances over the bytes of a token (or any text); dead state when they do not fit. With
  // `marker` (a special token), only marker byte sets may match.
  void advance(MatchState& state, std::string_view bytes, bool marker = false);
  bool accepting(MatchState& state);     // the input so far is a complete sentence
  bool can_continue(MatchState& state);  // some byte can still follow
  // allowed[id] is cleared (set 0) for every token that cannot come next. End-of-generation
  // tokens are allowed exactly when the state accepts (or when it is dead, to end the output).
  void mask(MatchState& state, std::vector<uint8_t>& allowed);

  const TokenVocab& vocab() const { return *vocab_; }
  MatcherStats stats() const;

 private:
  struct DfaState {
    std::vector<uint32_t> stacks;  // sorted stack ids
    bool accepting = false;
    bool can_continue = false;
    std::unique_ptr<int32_t[]> next;  // [512] state id, -1 dead, -2 not computed yet; the upper
                                      // half is for marker-only steps
  };
  struct VecHash {
    size_t operator()(const std::vector<uint32_t>& v) const;
  };

  void expand(std::vector<uint32_t>& stack, std::vector<std::vector<uint32_t>>& out, int& steps);
  uint32_t intern_stack(std::vector<uint32_t>&& stack);
  int32_t intern_state(std::vector<uint32_t>&& stack_ids);
  int32_t step(int32_t state, uint8_t byte, bool marker = false);
  void resolve(MatchState& state);  // re-intern after a cache reset
  void snapshot(MatchState& state);
  void reset_if_large();
  const std::vector<uint8_t>& token_mask(int32_t state);

  // Flattened grammar: each alternative is a run of symbols ending in kEnd. Symbol encoding:
  // (id << 1) | 1 for a rule, (id << 1) for a byte set.
  static constexpr uint32_t kEnd = 0xffffffffu;
  std::vector<uint32_t> code_;
  std::vector<std::vector<uint32_t>> alts_;  // [rule] -> offsets into code_
  std::vector<ByteSet> sets_;
  std::vector<uint8_t> marker_sets_;
  uint32_t root_ = 0;
  std::shared_ptr<const TokenVocab> vocab_;

  mutable std::mutex mutex_;
  uint64_t generation_ = 1;
  std::vector<std::vector<uint32_t>> stacks_;
  std::unordered_map<std::vector<uint32_t>, uint32_t, VecHash> stack_ids_;
  std::vector<DfaState> states_;
  std::unordered_map<std::vector<uint32_t>, int32_t, VecHash> state_ids_;
  // Most recently used token masks by state id, [n_vocab] each.
  std::list<std::pair<int32_t, std::vector<uint8_t>>> masks_;
  MatcherStats stats_;
};

}  // namespace owl::constrain
