// Hermes-style tool calls as Qwen2.5 and Qwen3 write them (see their chat templates: each call
// is <tool_call>\n{"name": <name>, "arguments": <args-json-object>}\n</tool_call>).
#include "server/parsers/families.h"
#include "server/parsers/text_scan.h"

namespace owl::server {
namespace {

using json = nlohmann::ordered_json;

std::optional<std::vector<ToolCall>> parse_hermes(std::string_view body, const ParserOptions&) {
  const auto j = parse_json(trim(body));
  if (!j || !j->is_object() || !j->contains("name") || !(*j)["name"].is_string())
    return std::nullopt;
  const json args =
      j->contains("arguments") ? (*j)["arguments"] : j->value("parameters", json::object());
  const auto text = arguments_text(args);
  if (!text) return std::nullopt;
  return std::vector<ToolCall>{{"", (*j)["name"].get<std::string>(), *text}};
}

}  // namespace

SectionSyntax hermes_syntax() {
  SectionSyntax s;
  s.begin = "<tool_call>";
  s.end = "</tool_call>";
  s.parse = parse_hermes;
  return s;
}

uint32_t add_hermes_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools) {
  std::vector<constrain::Grammar::Seq> alts;
  for (const ToolSpec& t : tools) {
    const std::string head =
        "<tool_call>\n{\"name\": " + dump_json(json(t.name)) + ", \"arguments\": ";
    alts.push_back({constrain::Grammar::ref(g.literal(head)), tool_arguments(g, t),
                    constrain::Grammar::ref(g.literal("}\n</tool_call>"))});
  }
  return g.choice(std::move(alts));
}

}  // namespace owl::server
