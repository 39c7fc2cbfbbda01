// TokenConstraint implementations: a grammar over the output bytes, and the reasoning budget
// that forces the end-of-thinking marker once the thinking tokens are spent.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "constrain/matcher.h"
#include "runtime/engine.h"

namespace owl::constrain {

// Masks tokens whose bytes cannot continue a sentence of the grammar; complete once the output
// is a full sentence that cannot be extended (or an end-of-generation token was accepted).
class GrammarConstraint final : public TokenConstraint {
 public:
  explicit GrammarConstraint(std::shared_ptr<Matcher> matcher);
  void mask(std::vector<uint8_t>& allowed) override;
  void accept(int32_t id) override;
  bool complete() const override { return complete_; }

  bool accepting() const { return accepting_; }
  bool dead() const { return state_.id < 0; }

 private:
  void refresh();

  std::shared_ptr<Matcher> matcher_;
  MatchState state_;
  bool accepting_ = false;
  bool complete_ = false;
};

// Counts tokens spent thinking and, when `budget` is reached before the model closes its
// reasoning, forces `forced_close` (token ids, e.g. the tokens of "\n</think>\n\n"), then lets
// the answer begin. Thinking is recognised on the output text: it starts at `open_text` (or at
// once when the prompt already opened it) and ends at `close_text`. An inner constraint, when
// given, sees every token (forced ones too) and masks whenever nothing is being forced.
class ReasoningBudget final : public TokenConstraint {
 public:
  struct Options {
    std::string open_text;   // e.g. "<think>"; empty when the prompt opened the thinking
    std::string close_text;  // e.g. "</think>"
    std::vector<int32_t> forced_close;
    int32_t budget = 0;  // thinking tokens allowed (0: close at once)
  };
  ReasoningBudget(Options options, std::shared_ptr<const TokenVocab> vocab,
                  std::unique_ptr<TokenConstraint> inner);
  void mask(std::vector<uint8_t>& allowed) override;
  void accept(int32_t id) override;
  bool complete() const override { return inner_ ? inner_->complete() : false; }

  int32_t thinking_tokens() const { return spent_; }
  bool forced() const { return forced_any_; }

 private:
  enum class Phase { kBefore, kThinking, kForcing, kAnswer };
  Options options_;
  std::shared_ptr<const TokenVocab> vocab_;
  std::unique_ptr<TokenConstraint> inner_;
  Phase phase_;
  std::string text_;  // output so far while it may still be thinking (for marker matching)
  int32_t spent_ = 0;
  size_t forced_pos_ = 0;
  bool forced_any_ = false;
};

}  // namespace owl::constrain
