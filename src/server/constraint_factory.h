// Builds the TokenConstraint a chat request needs: a grammar for response_format and for
// tool_choice "required"/named (in the model family's tool-call syntax, after any reasoning),
// wrapped in a ReasoningBudget when thinking is limited. Compiled grammars are cached by what
// they were built from, so repeated requests reuse their DFA and token masks.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "constrain/matcher.h"
#include "runtime/engine.h"
#include "server/api/requests.h"
#include "server/parsers/chat_format.h"

namespace owl::server {

class ConstraintFactory {
 public:
  explicit ConstraintFactory(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}

  // nullptr when the request is unconstrained. Throws ApiError(400) naming the schema field
  // that cannot be compiled.
  std::unique_ptr<TokenConstraint> for_chat(const ChatRequest& request, const ChatFormat& format,
                                            ChatFormat::Thinking thinking);
  // The thinking-token budget a request asks for (explicitly or through reasoning_effort), or -1.
  static int64_t thinking_budget(const ChatRequest& request, const ChatFormat& format);

  std::shared_ptr<const constrain::TokenVocab> vocab();

 private:
  std::shared_ptr<constrain::Matcher> grammar_for(const ChatRequest& request,
                                                  const ChatFormat& format,
                                                  ChatFormat::Thinking thinking);

  const Tokenizer& tokenizer_;
  std::once_flag vocab_once_;
  std::shared_ptr<const constrain::TokenVocab> vocab_;
  std::mutex mutex_;
  std::list<std::pair<std::string, std::shared_ptr<constrain::Matcher>>>
      cache_;  // most recent first
};

}  // namespace owl::server
