// GLM-4.5/4.6 tool calls (the GLM-4.6 template renders them so):
// <tool_call>NAME\n<arg_key>k</arg_key>\n<arg_value>v</arg_value>\n...</tool_call>, where string
// values are written raw and other values as JSON.
#include "constrain/json_schema.h"
#include "server/parsers/families.h"
#include "server/parsers/text_scan.h"

namespace owl::server {
namespace {

using json = nlohmann::ordered_json;
using constrain::Grammar;

std::optional<std::vector<ToolCall>> parse_glm(std::string_view body,
                                               const ParserOptions& options) {
  const size_t first_key = body.find("<arg_key>");
  const std::string name(trim(body.substr(0, first_key)));
  if (name.empty() || name.find('\n') != std::string::npos || name.find('<') != std::string::npos) {
    return std::nullopt;
  }
  json args = json::object();
  size_t pos = first_key;
  while (pos != std::string_view::npos) {
    const size_t key_end = body.find("</arg_key>", pos);
    if (key_end == std::string_view::npos) return std::nullopt;
    const std::string key(trim(body.substr(pos + 9, key_end - pos - 9)));
    const size_t value_start = body.find("<arg_value>", key_end);
    if (value_start == std::string_view::npos ||
        !trim(body.substr(key_end + 10, value_start - key_end - 10)).empty()) {
      return std::nullopt;
    }
    const size_t value_end = body.find("</arg_value>", value_start);
    if (value_end == std::string_view::npos || key.empty()) return std::nullopt;
    const std::string_view raw = body.substr(value_start + 11, value_end - value_start - 11);
    args[key] = typed_argument(raw, property_schema(options, name, key));
    pos = body.find("<arg_key>", value_end);
    const std::string_view between =
        body.substr(value_end + 12,
                    pos == std::string_view::npos ? std::string_view::npos : pos - value_end - 12);
    if (!trim(between).empty()) return std::nullopt;
  }
  return std::vector<ToolCall>{{"", name, dump_json(args)}};
}

}  // namespace

SectionSyntax glm_syntax() {
  SectionSyntax s;
  s.begin = "<tool_call>";
  s.end = "</tool_call>";
  s.parse = parse_glm;
  return s;
}

uint32_t add_glm_tool_call(Grammar& g, const std::vector<ToolSpec>& tools) {
  std::vector<Grammar::Seq> alts;
  for (const ToolSpec& t : tools) {
    Grammar::Seq seq{Grammar::ref(g.literal("<tool_call>" + t.name + "\n"))};
    for (const ToolProperty& p : tool_properties(t)) {
      Grammar::Seq arg{Grammar::ref(g.literal("<arg_key>" + p.name + "</arg_key>\n<arg_value>"))};
      arg.push_back(Grammar::ref(add_xml_argument_value(g, p.schema, "</arg_value>")));
      arg.push_back(Grammar::ref(g.literal("\n")));
      const uint32_t rule = g.sequence(std::move(arg));
      seq.push_back(Grammar::ref(p.required ? rule : g.optional(Grammar::ref(rule))));
    }
    seq.push_back(Grammar::ref(g.literal("</tool_call>")));
    alts.push_back(std::move(seq));
  }
  return g.choice(std::move(alts));
}

}  // namespace owl::server
