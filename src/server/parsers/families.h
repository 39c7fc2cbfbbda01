// The tool-call formats of each model family: how to read them from output (one file per
// family) and how to force one (a grammar for tool_choice "required" or a named function).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "constrain/grammar.h"
#include "server/parsers/output_parser.h"
#include "server/parsers/section_parser.h"

namespace owl::server {

struct ToolSpec {
  std::string name;
  nlohmann::ordered_json parameters;  // JSON Schema of the arguments (null: any object)
};

// Qwen2.5/Qwen3 (Hermes): <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>
SectionSyntax hermes_syntax();
uint32_t add_hermes_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools);

// Llama 3.x: the whole answer is {"name": ..., "parameters": {...}}, or <|python_tag|> followed
// by such JSON or a built-in call name.call(key="value", ...).
SectionSyntax llama3_syntax();
uint32_t add_llama3_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools);

// Mistral: [TOOL_CALLS] [{"name": ..., "arguments": {...}, "id": "..."}] or, in newer
// tokenizers, [TOOL_CALLS]name[ARGS]{...}.
SectionSyntax mistral_syntax();
uint32_t add_mistral_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools);

// DeepSeek-V3/R1:
// <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```
// <｜tool▁call▁end｜>...<｜tool▁calls▁end｜>; V3.1:
// ...<｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{...}<｜tool▁call▁end｜>...
SectionSyntax deepseek_syntax();
uint32_t add_deepseek_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools,
                                bool v3_style);

// GLM-4.5/4.6: <tool_call>NAME\n<arg_key>k</arg_key>\n<arg_value>v</arg_value>\n...</tool_call>
SectionSyntax glm_syntax();
uint32_t add_glm_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools);

// MiniMax-M2: <minimax:tool_call>\n<invoke name="NAME">\n<parameter name="k">v</parameter>\n
// </invoke>\n</minimax:tool_call>
SectionSyntax minimax_syntax();
uint32_t add_minimax_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools);

// Kimi K2: <|tool_calls_section_begin|><|tool_call_begin|>functions.NAME:0
// <|tool_call_argument_begin|>{...}<|tool_call_end|><|tool_calls_section_end|>
SectionSyntax kimi_syntax();
uint32_t add_kimi_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools);

// gpt-oss (harmony): channels. analysis -> reasoning, final -> content,
// commentary to=functions.NAME [<|constrain|>json]<|message|>{...} -> a tool call.
std::unique_ptr<OutputParser> make_harmony_parser(const ParserOptions& options);
uint32_t add_harmony_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools);
uint32_t add_harmony_final_prefix(constrain::Grammar& g);

// Shared by the grammar builders: the arguments object of one tool.
constrain::Symbol tool_arguments(constrain::Grammar& g, const ToolSpec& tool);
// The property list of an object schema, in order, with required flags (XML-style formats).
struct ToolProperty {
  std::string name;
  nlohmann::ordered_json schema;
  bool required = false;
};
std::vector<ToolProperty> tool_properties(const ToolSpec& tool);
// One XML-style argument value followed by `close`: strings raw (enum/const literally, length
// bounds over characters other than '<', else any text up to `close`), other types as JSON.
uint32_t add_xml_argument_value(constrain::Grammar& g, const nlohmann::ordered_json& schema,
                                const std::string& close);
// JSON object text with every property value typed from raw text via the tool's schema.
const nlohmann::ordered_json* property_schema(const ParserOptions& options, const std::string& tool,
                                              const std::string& property);

}  // namespace owl::server
