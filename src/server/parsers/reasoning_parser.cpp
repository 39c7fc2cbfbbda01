// Reasoning / answer split on marker pairs, with hold-back of partial markers.
#include "server/parsers/reasoning_parser.h"

#include "server/parsers/text_scan.h"

namespace owl::server {

ReasoningParser::ReasoningParser(std::string open, std::string close, bool starts_open,
                                 std::unique_ptr<OutputParser> inner)
    : open_(std::move(open)),
      close_(std::move(close)),
      inner_(std::move(inner)),
      state_(starts_open ? State::kReasoning : State::kDetect) {}

MessageDelta ReasoningParser::feed(std::string_view text) {
  buffer_.append(text);
  return process(false);
}

MessageDelta ReasoningParser::finish() { return process(true); }

void ReasoningParser::emit_reasoning(std::string_view text, bool closing, MessageDelta& out) {
  std::string all = pending_ws_;
  all.append(text);
  if (!reasoning_started_) {
    const std::string_view rest = trim_left(all);
    all = std::string(rest);
    if (all.empty()) {
      pending_ws_.clear();
      return;
    }
    reasoning_started_ = true;
  }
  size_t keep = all.size();
  while (keep > 0 && is_space(all[keep - 1])) --keep;
  out.reasoning.append(all, 0, keep);
  pending_ws_ = closing ? std::string() : all.substr(keep);
}

MessageDelta ReasoningParser::process(bool final) {
  MessageDelta out;
  for (;;) {
    if (state_ == State::kDetect) {
      const std::string_view rest = trim_left(buffer_);
      if (rest.substr(0, open_.size()) == open_) {
        buffer_.erase(0, buffer_.size() - rest.size() + open_.size());
        state_ = State::kReasoning;
        continue;
      }
      if (!final && std::string_view(open_).substr(0, rest.size()) == rest) break;  // undecided
      state_ = State::kContent;
      continue;
    }
    if (state_ == State::kReasoning) {
      const size_t pos = buffer_.find(close_);
      if (pos != std::string::npos) {
        emit_reasoning(std::string_view(buffer_).substr(0, pos), true, out);
        buffer_.erase(0, pos + close_.size());
        state_ = State::kContent;
        strip_content_start_ = true;
        continue;
      }
      const size_t hold = final ? 0 : partial_marker_suffix(buffer_, close_);
      emit_reasoning(std::string_view(buffer_).substr(0, buffer_.size() - hold), final, out);
      buffer_.erase(0, buffer_.size() - hold);
      if (final) out.append(inner_->finish());
      break;
    }
    // Answer: blanks right after the close marker are dropped, the rest goes to the inner parser.
    if (strip_content_start_) {
      const std::string_view rest = trim_left(buffer_);
      buffer_.erase(0, buffer_.size() - rest.size());
      if (!buffer_.empty()) strip_content_start_ = false;
    }
    if (!buffer_.empty()) out.append(inner_->feed(buffer_));
    buffer_.clear();
    if (final) out.append(inner_->finish());
    break;
  }
  return out;
}

}  // namespace owl::server
