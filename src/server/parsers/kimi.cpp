// Kimi K2 tool calls (the Kimi-K2-Instruct template renders them so): a section of
// <|tool_call_begin|>functions.NAME:IDX<|tool_call_argument_begin|>{...}<|tool_call_end|> items.
// The "functions.NAME:IDX" string is the call id the model refers to later.
#include "server/parsers/families.h"
#include "server/parsers/text_scan.h"

namespace owl::server {
namespace {

constexpr std::string_view kSectionBegin = "<|tool_calls_section_begin|>";
constexpr std::string_view kSectionEnd = "<|tool_calls_section_end|>";
constexpr std::string_view kCallBegin = "<|tool_call_begin|>";
constexpr std::string_view kArgBegin = "<|tool_call_argument_begin|>";
constexpr std::string_view kCallEnd = "<|tool_call_end|>";

std::optional<std::vector<ToolCall>> parse_kimi(std::string_view body, const ParserOptions&) {
  std::vector<ToolCall> calls;
  size_t pos = 0;
  for (;;) {
    const size_t b = body.find(kCallBegin, pos);
    if (b == std::string_view::npos) break;
    if (!trim(body.substr(pos, b - pos)).empty()) return std::nullopt;
    const size_t a = body.find(kArgBegin, b);
    const size_t e = body.find(kCallEnd, b);
    if (a == std::string_view::npos || (e != std::string_view::npos && e < a)) return std::nullopt;
    const std::string id(trim(body.substr(b + kCallBegin.size(), a - b - kCallBegin.size())));
    std::string name = id;
    if (name.rfind("functions.", 0) == 0) name = name.substr(10);
    const size_t colon = name.rfind(':');
    if (colon != std::string::npos) name = name.substr(0, colon);
    const size_t args_start = a + kArgBegin.size();
    const auto j = parse_json(trim(body.substr(
        args_start, e == std::string_view::npos ? std::string_view::npos : e - args_start)));
    const auto text = j ? arguments_text(*j) : std::nullopt;
    if (!text || name.empty()) return std::nullopt;
    calls.push_back({id, name, *text});
    if (e == std::string_view::npos) {
      pos = body.size();
      break;
    }
    pos = e + kCallEnd.size();
  }
  if (calls.empty() || !trim(body.substr(pos)).empty()) return std::nullopt;
  return calls;
}

}  // namespace

SectionSyntax kimi_syntax() {
  SectionSyntax s;
  s.begin = std::string(kSectionBegin);
  s.end = std::string(kSectionEnd);
  s.parse = parse_kimi;
  return s;
}

uint32_t add_kimi_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools) {
  std::vector<constrain::Grammar::Seq> alts;
  for (const ToolSpec& t : tools) {
    const std::string head = std::string(kSectionBegin) + std::string(kCallBegin) + "functions." +
                             t.name + ":0" + std::string(kArgBegin);
    alts.push_back(
        {constrain::Grammar::ref(g.literal(head)), tool_arguments(g, t),
         constrain::Grammar::ref(g.literal(std::string(kCallEnd) + std::string(kSectionEnd)))});
  }
  return g.choice(std::move(alts));
}

}  // namespace owl::server
