// Splits reasoning wrapped in <think>...</think> (or another marker pair) from the answer and
// hands the answer to an inner parser. Handles templates that already opened the reasoning in
// the prompt (Qwen3 with thinking forced, DeepSeek-R1/V3.1, MiniMax-M2), where the output holds
// only the closing marker.
#pragma once

#include <memory>
#include <string>

#include "server/parsers/output_parser.h"

namespace owl::server {

class ReasoningParser final : public OutputParser {
 public:
  ReasoningParser(std::string open, std::string close, bool starts_open,
                  std::unique_ptr<OutputParser> inner);
  MessageDelta feed(std::string_view text) override;
  MessageDelta finish() override;

 private:
  enum class State { kDetect, kReasoning, kContent };
  MessageDelta process(bool final);
  void emit_reasoning(std::string_view text, bool closing, MessageDelta& out);

  std::string open_, close_;
  std::unique_ptr<OutputParser> inner_;
  State state_;
  std::string buffer_;
  std::string pending_ws_;          // trailing blanks of reasoning (dropped at the close marker)
  bool reasoning_started_ = false;  // leading blanks of the reasoning are dropped
  bool strip_content_start_ = false;
};

}  // namespace owl::server
