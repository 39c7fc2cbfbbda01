// Family detection from chat templates, and dispatch to the per-family parsers and grammars.
#include "server/parsers/chat_format.h"

#include "constrain/json_schema.h"
#include "server/parsers/reasoning_parser.h"
#include "server/parsers/text_scan.h"

namespace owl::server {

using constrain::Grammar;

ChatFormat ChatFormat::detect(std::string_view t) {
  ChatFormat f;
  auto has = [&](std::string_view s) { return t.find(s) != std::string_view::npos; };
  // Most specific markers first: several families share "<tool_call>".
  if (has("<|channel|>") && has("<|message|>")) {
    f.family = Family::kHarmony;
  } else if (has("<minimax:tool_call>")) {
    f.family = Family::kMiniMax;
  } else if (has("<|tool_calls_section_begin|>")) {
    f.family = Family::kKimi;
  } else if (has("<arg_key>")) {
    f.family = Family::kGlm;
  } else if (has("<｜tool▁calls▁begin｜>")) {
    f.family = Family::kDeepSeek;
    f.deepseek_v3_style = has("```json");
  } else if (has("[TOOL_CALLS]")) {
    f.family = Family::kMistral;
  } else if (has("<tool_call>")) {
    f.family = Family::kHermes;
  } else if (has("<|start_header_id|>") || has("<|python_tag|>")) {
    f.family = Family::kLlama3;
  }
  f.think_tags = f.family != Family::kHarmony && has("<think>");
  return f;
}

std::string ChatFormat::name() const {
  switch (family) {
    case Family::kHermes:
      return "hermes";
    case Family::kLlama3:
      return "llama3";
    case Family::kMistral:
      return "mistral";
    case Family::kDeepSeek:
      return deepseek_v3_style ? "deepseek-v3" : "deepseek-v3.1";
    case Family::kHarmony:
      return "harmony";
    case Family::kGlm:
      return "glm";
    case Family::kMiniMax:
      return "minimax-m2";
    case Family::kKimi:
      return "kimi-k2";
    case Family::kGeneric:
      break;
  }
  return "generic";
}

bool ChatFormat::reasoning_open(std::string_view prompt) const {
  if (!think_tags) return false;
  std::string_view p = prompt;
  while (!p.empty() && is_space(p.back())) p.remove_suffix(1);
  return p.size() >= 7 && p.substr(p.size() - 7) == "<think>";
}

ChatFormat::Thinking ChatFormat::thinking(std::string_view prompt) const {
  if (!think_tags) return Thinking::kAllowed;
  if (reasoning_open(prompt)) return Thinking::kOpen;
  std::string_view p = prompt;
  while (!p.empty() && is_space(p.back())) p.remove_suffix(1);
  return p.size() >= 8 && p.substr(p.size() - 8) == "</think>" ? Thinking::kOff : Thinking::kAllowed;
}

std::unique_ptr<OutputParser> ChatFormat::make_parser(const ParserOptions& options) const {
  if (family == Family::kHarmony) return make_harmony_parser(options);
  SectionSyntax syntax;
  switch (family) {
    case Family::kLlama3:
      syntax = llama3_syntax();
      break;
    case Family::kMistral:
      syntax = mistral_syntax();
      break;
    case Family::kDeepSeek:
      syntax = deepseek_syntax();
      break;
    case Family::kGlm:
      syntax = glm_syntax();
      break;
    case Family::kMiniMax:
      syntax = minimax_syntax();
      break;
    case Family::kKimi:
      syntax = kimi_syntax();
      break;
    default:
      syntax = hermes_syntax();
      break;  // Hermes is also the fallback convention
  }
  if (!options.parse_tools) syntax = SectionSyntax{};  // everything is content
  ParserOptions o = options;
  o.short_ids = o.short_ids || family == Family::kMistral;
  auto parser = std::make_unique<SectionParser>(std::move(syntax), o);
  if (!think_tags) return parser;
  return std::make_unique<ReasoningParser>("<think>", "</think>", options.reasoning_open,
                                           std::move(parser));
}

uint32_t ChatFormat::add_content_prefix(Grammar& g, Thinking thinking) const {
  if (family == Family::kHarmony) return add_harmony_final_prefix(g);
  if (!think_tags) return g.sequence({});
  const uint32_t ws = constrain::add_json_ws(g);
  if (thinking == Thinking::kOff) return ws;
  const uint32_t text = g.text_until("</think>");
  if (thinking == Thinking::kOpen) return g.sequence({Grammar::ref(text), Grammar::ref(ws)});
  const uint32_t block =
      g.sequence({Grammar::ref(ws), Grammar::ref(g.literal("<think>")), Grammar::ref(text)});
  return g.sequence({Grammar::ref(g.optional(Grammar::ref(block))), Grammar::ref(ws)});
}

uint32_t ChatFormat::add_tool_call(Grammar& g, const std::vector<ToolSpec>& tools,
                                   Thinking thinking) const {
  uint32_t call;
  switch (family) {
    case Family::kHarmony:
      return add_harmony_tool_call(g, tools);
    case Family::kLlama3:
      call = add_llama3_tool_call(g, tools);
      break;
    case Family::kMistral:
      call = add_mistral_tool_call(g, tools);
      break;
    case Family::kDeepSeek:
      call = add_deepseek_tool_call(g, tools, deepseek_v3_style);
      break;
    case Family::kGlm:
      call = add_glm_tool_call(g, tools);
      break;
    case Family::kMiniMax:
      call = add_minimax_tool_call(g, tools);
      break;
    case Family::kKimi:
      call = add_kimi_tool_call(g, tools);
      break;
    default:
      call = add_hermes_tool_call(g, tools);
      break;
  }
  return g.sequence({Grammar::ref(add_content_prefix(g, thinking)), Grammar::ref(call)});
}

}  // namespace owl::server
