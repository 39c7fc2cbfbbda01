// Grammar matcher: stack expansion (with tail calls popped so repetitions stay flat), the lazily
// built DFA over stack sets, and the trie walk that turns a state into a token mask.
#include "constrain/matcher.h"

#include <algorithm>
#include <unordered_set>

#include "base/error.h"

namespace owl::constrain {
namespace {

constexpr size_t kMaxDepth = 256;        // deeper stacks are dropped (bounds nesting)
constexpr int kMaxExpandSteps = 100000;  // guards against grammars with empty loops
constexpr size_t kMaxStates = 20000;     // the caches are cleared beyond this
constexpr size_t kMaxStacks = 400000;
constexpr size_t kMaskCacheSize = 16;

}  // namespace

size_t Matcher::VecHash::operator()(const std::vector<uint32_t>& v) const {
  uint64_t h = 1469598103934665603ull ^ v.size();
  for (uint32_t x : v) h = (h ^ x) * 1099511628211ull;
  return static_cast<size_t>(h ^ (h >> 29));
}

Matcher::Matcher(const Grammar& grammar, std::shared_ptr<const TokenVocab> vocab)
    : root_(grammar.root()), vocab_(std::move(vocab)) {
  OWL_CHECK(grammar.root() < grammar.n_rules(), "grammar: root rule missing");
  alts_.resize(grammar.n_rules());
  for (uint32_t r = 0; r < grammar.n_rules(); ++r) {
    for (const Grammar::Seq& alt : grammar.alternatives(r)) {
      alts_[r].push_back(static_cast<uint32_t>(code_.size()));
      for (const Symbol& s : alt) code_.push_back((s.id << 1) | (s.is_rule ? 1u : 0u));
      code_.push_back(kEnd);
    }
  }
  for (uint32_t i = 0; i < grammar.n_byte_sets(); ++i) {
    sets_.push_back(grammar.byte_set(i));
    marker_sets_.push_back(grammar.is_marker_set(i) ? 1 : 0);
  }
}

void Matcher::expand(std::vector<uint32_t>& first, std::vector<std::vector<uint32_t>>& out,
                     int& steps) {
  // Depth-first over rule alternatives with an explicit work list (no recursion, so deep or
  // looping grammars cannot overflow the thread's stack).
  // Stacks already expanded in this call: a rule that can reach itself without consuming
  // (e.g. {"anyOf": [{"$ref": "#"}, ...]}) would otherwise loop forever.
  std::unordered_set<std::vector<uint32_t>, VecHash> seen;
  std::vector<std::vector<uint32_t>> work;
  work.push_back(std::move(first));
  while (!work.empty()) {
    std::vector<uint32_t> stack = std::move(work.back());
    work.pop_back();
    for (;;) {
      if (!seen.insert(stack).second) break;
      if (++steps > kMaxExpandSteps) fail("grammar: expansion does not terminate (empty loop)");
      if (stack.empty()) {
        out.push_back(std::move(stack));  // accepting
        break;
      }
      if (stack.size() > kMaxDepth) break;  // nested too deeply: dropped
      const uint32_t p = stack.back();
      const uint32_t v = code_[p];
      if (v == kEnd) {
        stack.pop_back();  // the alternative is done: continue with the caller's continuation
        continue;
      }
      if ((v & 1u) == 0) {
        out.push_back(std::move(stack));  // a byte set on top: ready to consume
        break;
      }
      const uint32_t rule = v >> 1;
      stack.back() = p + 1;
      if (code_[p + 1] == kEnd) stack.pop_back();  // tail call: nothing left after the rule
      for (uint32_t alt : alts_[rule]) {
        work.push_back(stack);
        work.back().push_back(alt);
      }
      break;
    }
  }
}

uint32_t Matcher::intern_stack(std::vector<uint32_t>&& stack) {
  auto it = stack_ids_.find(stack);
  if (it != stack_ids_.end()) return it->second;
  const auto id = static_cast<uint32_t>(stacks_.size());
  stacks_.push_back(stack);
  stack_ids_.emplace(std::move(stack), id);
  return id;
}

int32_t Matcher::intern_state(std::vector<uint32_t>&& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto it = state_ids_.find(ids);
  if (it != state_ids_.end()) return it->second;
  DfaState s;
  s.stacks = ids;
  for (uint32_t id : ids) {
    if (stacks_[id].empty()) {
      s.accepting = true;
    } else {
      s.can_continue = true;
    }
  }
  const auto id = static_cast<int32_t>(states_.size());
  states_.push_back(std::move(s));
  state_ids_.emplace(std::move(ids), id);
  return id;
}

int32_t Matcher::step(int32_t state, uint8_t byte, bool marker) {
  if (!states_[static_cast<size_t>(state)].next) {
    states_[static_cast<size_t>(state)].next.reset(new int32_t[512]);
    std::fill_n(states_[static_cast<size_t>(state)].next.get(), 512, -2);
  }
  const size_t slot = byte + (marker ? 256u : 0u);
  const int32_t known = states_[static_cast<size_t>(state)].next[slot];
  if (known != -2) return known;
  const std::vector<uint32_t> ids = states_[static_cast<size_t>(state)].stacks;
  std::vector<std::vector<uint32_t>> out;
  int steps = 0;
  for (uint32_t sid : ids) {
    const std::vector<uint32_t>& st = stacks_[sid];
    if (st.empty()) continue;
    const uint32_t p = st.back();
    const uint32_t set = code_[p] >> 1;
    if (!sets_[set].has(byte) || (marker && !marker_sets_[set])) continue;
    std::vector<uint32_t> next = st;
    next.back() = p + 1;
    expand(next, out, steps);
  }
  int32_t result = -1;
  if (!out.empty()) {
    std::vector<uint32_t> next_ids;
    next_ids.reserve(out.size());
    for (auto& st : out) next_ids.push_back(intern_stack(std::move(st)));
    result = intern_state(std::move(next_ids));
  }
  states_[static_cast<size_t>(state)].next[slot] = result;
  return result;
}

void Matcher::snapshot(MatchState& state) {
  state.generation = generation_;
  state.stacks.clear();
  if (state.id < 0) return;
  for (uint32_t sid : states_[static_cast<size_t>(state.id)].stacks)
    state.stacks.push_back(stacks_[sid]);
}

void Matcher::resolve(MatchState& state) {
  if (state.id < 0 || state.generation == generation_) return;
  std::vector<uint32_t> ids;
  for (std::vector<uint32_t> st : state.stacks) ids.push_back(intern_stack(std::move(st)));
  state.id = intern_state(std::move(ids));
  state.generation = generation_;
}

void Matcher::reset_if_large() {
  if (states_.size() < kMaxStates && stacks_.size() < kMaxStacks) return;
  states_.clear();
  state_ids_.clear();
  stacks_.clear();
  stack_ids_.clear();
  masks_.clear();
  ++generation_;
}

MatchState Matcher::start() {
  std::lock_guard lock(mutex_);
  reset_if_large();
  std::vector<std::vector<uint32_t>> out;
  int steps = 0;
  for (uint32_t alt : alts_[root_]) {
    std::vector<uint32_t> st{alt};
    expand(st, out, steps);
  }
  MatchState s;
  if (!out.empty()) {
    std::vector<uint32_t> ids;
    for (auto& st : out) ids.push_back(intern_stack(std::move(st)));
    s.id = intern_state(std::move(ids));
  }
  snapshot(s);
  return s;
}

void Matcher::advance(MatchState& state, std::string_view bytes, bool marker) {
  std::lock_guard lock(mutex_);
  reset_if_large();
  resolve(state);
  for (char c : bytes) {
    if (state.id < 0) break;
    state.id = step(state.id, static_cast<uint8_t>(c), marker);
  }
  snapshot(state);
}

bool Matcher::accepting(MatchState& state) {
  std::lock_guard lock(mutex_);
  resolve(state);
  return state.id >= 0 && states_[static_cast<size_t>(state.id)].accepting;
}

bool Matcher::can_continue(MatchState& state) {
  std::lock_guard lock(mutex_);
  resolve(state);
  return state.id >= 0 && states_[static_cast<size_t>(state.id)].can_continue;
}

const std::vector<uint8_t>& Matcher::token_mask(int32_t state) {
  for (auto it = masks_.begin(); it != masks_.end(); ++it) {
    if (it->first == state) {
      masks_.splice(masks_.begin(), masks_, it);
      ++stats_.mask_cache_hits;
      return masks_.front().second;
    }
  }
  ++stats_.masks_computed;
  std::vector<uint8_t> m(static_cast<size_t>(vocab_->size()), 0);
  const auto& nodes = vocab_->nodes();
  const auto& tokens = vocab_->token_ids();
  struct Item {
    uint32_t node;
    int32_t state;
  };
  std::vector<Item> todo{{0, state}};
  while (!todo.empty()) {
    const Item it = todo.back();
    todo.pop_back();
    const TokenVocab::Node& n = nodes[it.node];
    for (uint32_t c = n.first_child; c < n.first_child + n.n_children; ++c) {
      const int32_t t = step(it.state, nodes[c].byte);
      if (t < 0) continue;
      for (uint32_t k = 0; k < nodes[c].n_tokens; ++k)
        m[static_cast<size_t>(tokens[nodes[c].first_token + k])] = 1;
      if (nodes[c].n_children > 0) todo.push_back({c, t});
    }
  }
  // Special tokens: their whole text must follow marker sets (fixed syntax).
  for (int32_t id : vocab_->special_ids()) {
    int32_t t = state;
    for (char c : vocab_->bytes(id)) {
      t = step(t, static_cast<uint8_t>(c), true);
      if (t < 0) break;
    }
    if (t >= 0) m[static_cast<size_t>(id)] = 1;
  }
  const bool accept = states_[static_cast<size_t>(state)].accepting;
  for (int32_t id : vocab_->eog_ids()) m[static_cast<size_t>(id)] = accept ? 1 : 0;
  masks_.emplace_front(state, std::move(m));
  if (masks_.size() > kMaskCacheSize) masks_.pop_back();
  return masks_.front().second;
}

void Matcher::mask(MatchState& state, std::vector<uint8_t>& allowed) {
  std::lock_guard lock(mutex_);
  reset_if_large();
  resolve(state);
  const size_t n = std::min(allowed.size(), static_cast<size_t>(vocab_->size()));
  if (state.id < 0) {
    // Dead (the engine ignored a mask): allow only ending the output.
    std::fill(allowed.begin(), allowed.end(), 0);
    for (int32_t id : vocab_->eog_ids()) {
      if (static_cast<size_t>(id) < allowed.size()) allowed[static_cast<size_t>(id)] = 1;
    }
    return;
  }
  const std::vector<uint8_t>& m = token_mask(state.id);
  for (size_t i = 0; i < n; ++i) allowed[i] &= m[i];
  for (size_t i = n; i < allowed.size(); ++i) allowed[i] = 0;
}

MatcherStats Matcher::stats() const {
  std::lock_guard lock(mutex_);
  MatcherStats s = stats_;
  s.states = static_cast<int64_t>(states_.size());
  s.stacks = static_cast<int64_t>(stacks_.size());
  return s;
}

}  // namespace owl::constrain
