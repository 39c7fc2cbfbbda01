// Helpers shared by the per-family tool-call grammars.
#include "constrain/json_schema.h"
#include "server/parsers/families.h"
#include "server/parsers/text_scan.h"

namespace owl::server {

using json = nlohmann::ordered_json;
using constrain::Grammar;

constrain::Symbol tool_arguments(Grammar& g, const ToolSpec& tool) {
  if (tool.parameters.is_null() || (tool.parameters.is_object() && tool.parameters.empty())) {
    return Grammar::ref(constrain::add_json_object(g));
  }
  return Grammar::ref(constrain::add_json_schema(g, tool.parameters));
}

std::vector<ToolProperty> tool_properties(const ToolSpec& tool) {
  std::vector<ToolProperty> out;
  if (!tool.parameters.is_object()) return out;
  const json props = tool.parameters.value("properties", json::object());
  const json required = tool.parameters.value("required", json::array());
  if (!props.is_object()) return out;
  for (auto it = props.begin(); it != props.end(); ++it) {
    ToolProperty p;
    p.name = it.key();
    p.schema = it.value();
    for (const json& r : required) p.required = p.required || r == p.name;
    out.push_back(std::move(p));
  }
  return out;
}

uint32_t add_xml_argument_value(Grammar& g, const json& schema, const std::string& close) {
  using constrain::ByteSet;
  if (!is_string_schema(schema)) {
    return g.sequence(
        {Grammar::ref(constrain::add_json_schema(g, schema)), Grammar::ref(g.literal(close))});
  }
  std::vector<Grammar::Seq> values;
  if (schema.contains("const"))
    values.push_back({Grammar::ref(g.literal(schema["const"].get<std::string>()))});
  if (schema.contains("enum")) {
    for (const json& v : schema["enum"]) {
      if (v.is_string()) values.push_back({Grammar::ref(g.literal(v.get<std::string>()))});
    }
  }
  if (!values.empty()) {
    return g.sequence({Grammar::ref(g.choice(std::move(values))), Grammar::ref(g.literal(close))});
  }
  const int min = schema.contains("minLength") ? schema["minLength"].get<int>() : 0;
  const int max = schema.contains("maxLength") ? schema["maxLength"].get<int>() : -1;
  if (min > 0 || max >= 0) {
    ByteSet text = ByteSet::range(0x20, 0x7e);
    text.add('\n');
    text.add('\t');
    text.bits[0] &= ~(uint64_t{1} << '<');  // so the value cannot run into the closing tag
    const uint32_t chars = g.repeat(Grammar::ref(g.utf8_char(text)), min, max);
    return g.sequence({Grammar::ref(chars), Grammar::ref(g.literal(close))});
  }
  return g.text_until(close);
}

const json* property_schema(const ParserOptions& options, const std::string& tool,
                            const std::string& property) {
  auto it = options.tool_parameters.find(tool);
  if (it == options.tool_parameters.end() || !it->second.is_object()) return nullptr;
  const json& params = it->second;
  if (!params.contains("properties") || !params["properties"].is_object()) return nullptr;
  const json& props = params["properties"];
  auto p = props.find(property);
  return p == props.end() ? nullptr : &*p;
}

}  // namespace owl::server
