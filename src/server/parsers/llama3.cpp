// Llama 3.1/3.2/3.3 tool calls. Custom tools: the answer is a JSON object
// {"name": ..., "parameters": {...}} (the Instruct templates render calls so). Built-in tools:
// <|python_tag|>name.call(key="value", ...) (3.1's builtin_tools), or JSON after the tag.
#include <cctype>

#include "server/parsers/families.h"
#include "server/parsers/text_scan.h"

namespace owl::server {
namespace {

using json = nlohmann::ordered_json;

// One or more JSON calls separated by ';' or blanks.
std::optional<std::vector<ToolCall>> parse_json_calls(std::string_view body) {
  std::vector<ToolCall> calls;
  size_t pos = 0;
  for (;;) {
    while (pos < body.size() && (is_space(body[pos]) || body[pos] == ';')) ++pos;
    if (pos >= body.size()) break;
    const size_t end = json_value_end(body, pos);
    if (end == std::string_view::npos) return std::nullopt;
    const auto j = parse_json(body.substr(pos, end - pos));
    if (!j || !j->is_object() || !j->contains("name") || !(*j)["name"].is_string())
      return std::nullopt;
    const json args =
        j->contains("parameters") ? (*j)["parameters"] : j->value("arguments", json::object());
    const auto text = arguments_text(args);
    if (!text) return std::nullopt;
    calls.push_back({"", (*j)["name"].get<std::string>(), *text});
    pos = end;
  }
  if (calls.empty()) return std::nullopt;
  return calls;
}

// name.call(query="x", n=3)
std::optional<std::vector<ToolCall>> parse_builtin_call(std::string_view body) {
  body = trim(body);
  const size_t dot = body.find(".call(");
  if (dot == std::string_view::npos || dot == 0 || body.back() != ')') return std::nullopt;
  const std::string name(body.substr(0, dot));
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return std::nullopt;
  }
  std::string_view rest = body.substr(dot + 6, body.size() - dot - 7);
  json args = json::object();
  while (!trim(rest).empty()) {
    rest = trim_left(rest);
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string key(trim(rest.substr(0, eq)));
    rest = trim_left(rest.substr(eq + 1));
    if (key.empty() || rest.empty()) return std::nullopt;
    if (rest.front() == '"' || rest.front() == '\'') {
      const char quote = rest.front();
      std::string value;
      size_t i = 1;
      for (; i < rest.size() && rest[i] != quote; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value.push_back(rest[i]);
      }
      if (i >= rest.size()) return std::nullopt;
      args[key] = value;
      rest = rest.substr(i + 1);
    } else {
      const size_t comma = rest.find(',');
      const std::string_view raw = trim(rest.substr(0, comma));
      args[key] = typed_argument(raw, nullptr);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma);
    }
    rest = trim_left(rest);
    if (!rest.empty()) {
      if (rest.front() != ',') return std::nullopt;
      rest.remove_prefix(1);
    }
  }
  return std::vector<ToolCall>{{"", name, dump_json(args)}};
}

std::optional<std::vector<ToolCall>> parse_llama3(std::string_view body, const ParserOptions&) {
  const std::string_view t = trim(body);
  if (!t.empty() && t.front() == '{') return parse_json_calls(t);
  return parse_builtin_call(t);
}

}  // namespace

SectionSyntax llama3_syntax() {
  SectionSyntax s;
  s.begin = "<|python_tag|>";
  s.json_at_start = true;
  s.parse = parse_llama3;
  return s;
}

uint32_t add_llama3_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools) {
  std::vector<constrain::Grammar::Seq> alts;
  for (const ToolSpec& t : tools) {
    const std::string head = "{\"name\": " + dump_json(json(t.name)) + ", \"parameters\": ";
    alts.push_back({constrain::Grammar::ref(g.literal(head)), tool_arguments(g, t),
                    constrain::Grammar::ref(g.literal("}"))});
  }
  return g.choice(std::move(alts));
}

}  // namespace owl::server
