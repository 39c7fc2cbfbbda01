// Grammar-driven token masks and the reasoning-budget wrapper.
#include "constrain/grammar_constraint.h"

#include <algorithm>

namespace owl::constrain {

GrammarConstraint::GrammarConstraint(std::shared_ptr<Matcher> matcher)
    : matcher_(std::move(matcher)), state_(matcher_->start()) {
  refresh();
}

void GrammarConstraint::refresh() {
  accepting_ = matcher_->accepting(state_);
  complete_ = complete_ || state_.id < 0 || (accepting_ && !matcher_->can_continue(state_));
}

void GrammarConstraint::mask(std::vector<uint8_t>& allowed) { matcher_->mask(state_, allowed); }

void GrammarConstraint::accept(int32_t id) {
  if (id < 0 || id >= matcher_->vocab().size()) {
    state_.id = -1;
  } else if (matcher_->vocab().is_eog(id)) {
    complete_ = true;
    return;
  } else {
    matcher_->advance(state_, matcher_->vocab().bytes(id), matcher_->vocab().is_special(id));
  }
  refresh();
}

ReasoningBudget::ReasoningBudget(Options options, std::shared_ptr<const TokenVocab> vocab,
                                 std::unique_ptr<TokenConstraint> inner)
    : options_(std::move(options)),
      vocab_(std::move(vocab)),
      inner_(std::move(inner)),
      phase_(options_.open_text.empty() ? Phase::kThinking : Phase::kBefore) {
  if (phase_ == Phase::kThinking && options_.budget <= 0) phase_ = Phase::kForcing;
}

void ReasoningBudget::mask(std::vector<uint8_t>& allowed) {
  if (phase_ == Phase::kForcing && forced_pos_ < options_.forced_close.size()) {
    std::fill(allowed.begin(), allowed.end(), 0);
    const int32_t id = options_.forced_close[forced_pos_];
    if (id >= 0 && static_cast<size_t>(id) < allowed.size()) allowed[static_cast<size_t>(id)] = 1;
    return;
  }
  if (inner_) inner_->mask(allowed);
}

void ReasoningBudget::accept(int32_t id) {
  if (inner_) inner_->accept(id);
  const std::string& bytes = id >= 0 && id < vocab_->size() ? vocab_->bytes(id) : vocab_->bytes(0);
  switch (phase_) {
    case Phase::kBefore:
      text_ += bytes;
      if (text_.find(options_.open_text) != std::string::npos) {
        phase_ = options_.budget <= 0 ? Phase::kForcing : Phase::kThinking;
        text_ = text_.substr(text_.find(options_.open_text) + options_.open_text.size());
      } else if (text_.size() > 64 + options_.open_text.size()) {
        phase_ = Phase::kAnswer;  // the model answered without thinking
        text_.clear();
      }
      break;
    case Phase::kThinking:
      ++spent_;
      text_ += bytes;
      if (text_.find(options_.close_text) != std::string::npos) {
        phase_ = Phase::kAnswer;
        text_.clear();
      } else if (spent_ >= options_.budget) {
        phase_ = Phase::kForcing;
      }
      // Only the tail can still hold the start of the close marker.
      if (text_.size() > 4 * options_.close_text.size() + 64) {
        text_.erase(0, text_.size() - options_.close_text.size());
      }
      break;
    case Phase::kForcing:
      forced_any_ = true;
      if (forced_pos_ < options_.forced_close.size() && id == options_.forced_close[forced_pos_]) {
        ++forced_pos_;
      }
      if (forced_pos_ >= options_.forced_close.size()) phase_ = Phase::kAnswer;
      break;
    case Phase::kAnswer:
      break;
  }
}

}  // namespace owl::constrain
