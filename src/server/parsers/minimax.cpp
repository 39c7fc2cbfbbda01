// MiniMax-M2 tool calls (the MiniMax-M2 template renders them so):
// <minimax:tool_call>\n<invoke name="NAME">\n<parameter name="k">v</parameter>\n...</invoke>\n
// </minimax:tool_call>, several invokes per section allowed; string values raw, others JSON.
#include "constrain/json_schema.h"
#include "server/parsers/families.h"
#include "server/parsers/text_scan.h"

namespace owl::server {
namespace {

using json = nlohmann::ordered_json;
using constrain::Grammar;

// The value of attribute name="..." right after `pos` (which points at `<tag `).
std::optional<std::string> name_attribute(std::string_view s, size_t& pos) {
  const size_t q1 = s.find("name=\"", pos);
  if (q1 == std::string_view::npos) return std::nullopt;
  const size_t q2 = s.find('"', q1 + 6);
  const size_t close = s.find('>', q2 == std::string_view::npos ? q1 : q2);
  if (q2 == std::string_view::npos || close == std::string_view::npos) return std::nullopt;
  pos = close + 1;
  return std::string(s.substr(q1 + 6, q2 - q1 - 6));
}

std::optional<std::vector<ToolCall>> parse_minimax(std::string_view body,
                                                   const ParserOptions& options) {
  std::vector<ToolCall> calls;
  size_t pos = 0;
  for (;;) {
    const size_t inv = body.find("<invoke ", pos);
    if (inv == std::string_view::npos) break;
    if (!trim(body.substr(pos, inv - pos)).empty()) return std::nullopt;
    size_t cur = inv;
    const auto name = name_attribute(body, cur);
    const size_t inv_end = body.find("</invoke>", cur);
    if (!name || name->empty() || inv_end == std::string_view::npos) return std::nullopt;
    json args = json::object();
    const std::string_view inner = body.substr(cur, inv_end - cur);
    size_t p = 0;
    for (;;) {
      const size_t par = inner.find("<parameter ", p);
      if (par == std::string_view::npos) {
        if (!trim(inner.substr(p)).empty()) return std::nullopt;
        break;
      }
      if (!trim(inner.substr(p, par - p)).empty()) return std::nullopt;
      size_t vstart = par;
      const auto key = name_attribute(inner, vstart);
      const size_t vend = inner.find("</parameter>", vstart);
      if (!key || vend == std::string_view::npos) return std::nullopt;
      args[*key] = typed_argument(inner.substr(vstart, vend - vstart),
                                  property_schema(options, *name, *key));
      p = vend + 12;
    }
    calls.push_back({"", *name, dump_json(args)});
    pos = inv_end + 9;
  }
  if (calls.empty() || !trim(body.substr(pos)).empty()) return std::nullopt;
  return calls;
}

}  // namespace

SectionSyntax minimax_syntax() {
  SectionSyntax s;
  s.begin = "<minimax:tool_call>";
  s.end = "</minimax:tool_call>";
  s.parse = parse_minimax;
  return s;
}

uint32_t add_minimax_tool_call(Grammar& g, const std::vector<ToolSpec>& tools) {
  std::vector<Grammar::Seq> alts;
  for (const ToolSpec& t : tools) {
    Grammar::Seq seq{
        Grammar::ref(g.literal("<minimax:tool_call>\n<invoke name=\"" + t.name + "\">\n"))};
    for (const ToolProperty& p : tool_properties(t)) {
      Grammar::Seq arg{Grammar::ref(g.literal("<parameter name=\"" + p.name + "\">"))};
      arg.push_back(Grammar::ref(add_xml_argument_value(g, p.schema, "</parameter>")));
      arg.push_back(Grammar::ref(g.literal("\n")));
      const uint32_t rule = g.sequence(std::move(arg));
      seq.push_back(Grammar::ref(p.required ? rule : g.optional(Grammar::ref(rule))));
    }
    seq.push_back(Grammar::ref(g.literal("</invoke>\n</minimax:tool_call>")));
    alts.push_back(std::move(seq));
  }
  return g.choice(std::move(alts));
}

}  // namespace owl::server
