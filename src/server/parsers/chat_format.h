// Which output conventions a model follows, detected from its chat template: the tool-call
// syntax family and whether reasoning comes in <think> tags. Builds the matching output parser
// and the grammars that force a tool call or prefix constrained output.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "constrain/grammar.h"
#include "server/parsers/families.h"
#include "server/parsers/output_parser.h"

namespace owl::server {

enum class Family {
  kGeneric,
  kHermes,
  kLlama3,
  kMistral,
  kDeepSeek,
  kHarmony,
  kGlm,
  kMiniMax,
  kKimi
};

struct ChatFormat {
  Family family = Family::kGeneric;
  bool think_tags = false;         // reasoning as <think>...</think>
  bool deepseek_v3_style = false;  // "function<｜tool▁sep｜>NAME\n```json" items (V3/R1)

  static ChatFormat detect(std::string_view template_source);
  std::string name() const;

  // The rendered prompt leaves reasoning open (ends with "<think>" and blanks).
  bool reasoning_open(std::string_view prompt) const;
  // What the prompt leaves the model free to do about reasoning: open (the prompt ends inside
  // <think>), off (the template closed an empty think block, e.g. enable_thinking=false), or
  // allowed (the model may open a think block itself).
  enum class Thinking { kAllowed, kOpen, kOff };
  Thinking thinking(std::string_view prompt) const;
  std::unique_ptr<OutputParser> make_parser(const ParserOptions& options) const;

  // Grammar for everything the model writes before constrained content: optional reasoning
  // (or all of it up to </think> when the prompt opened it), or harmony's analysis + final
  // headers. Returns a rule (possibly matching the empty string).
  uint32_t add_content_prefix(constrain::Grammar& g, Thinking thinking) const;
  // Grammar for exactly one call of one of `tools` in this family's syntax, reasoning prefix
  // included. Throws owl::Error for a tool whose parameters schema cannot be compiled.
  uint32_t add_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools,
                         Thinking thinking) const;
};

}  // namespace owl::server
