// Mistral tool calls: [TOOL_CALLS] followed by a JSON list of {"name", "arguments", "id"} (the
// v3 template renders them so), or the newer [TOOL_CALLS]name[ARGS]{...} form.
#include "server/parsers/families.h"
#include "server/parsers/text_scan.h"

namespace owl::server {
namespace {

using json = nlohmann::ordered_json;

std::optional<ToolCall> call_from_json(const json& j) {
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) return std::nullopt;
  const auto text = arguments_text(j.value("arguments", json::object()));
  if (!text) return std::nullopt;
  ToolCall c{"", j["name"].get<std::string>(), *text};
  if (j.contains("id") && j["id"].is_string()) c.id = j["id"].get<std::string>();
  return c;
}

std::optional<std::vector<ToolCall>> parse_mistral(std::string_view body, const ParserOptions&) {
  std::vector<ToolCall> calls;
  // Later calls may repeat the marker; each piece is one list or one name[ARGS]{...}.
  size_t start = 0;
  while (start <= body.size()) {
    size_t next = body.find("[TOOL_CALLS]", start);
    const std::string_view piece = trim(
        body.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start));
    start = next == std::string_view::npos ? body.size() + 1 : next + 12;
    if (piece.empty()) continue;
    if (piece.front() == '[') {
      const auto j = parse_json(piece);
      if (!j || !j->is_array()) return std::nullopt;
      for (const json& item : *j) {
        auto c = call_from_json(item);
        if (!c) return std::nullopt;
        calls.push_back(std::move(*c));
      }
    } else if (piece.front() == '{') {
      const auto j = parse_json(piece);
      auto c = j ? call_from_json(*j) : std::nullopt;
      if (!c) return std::nullopt;
      calls.push_back(std::move(*c));
    } else {
      const size_t args = piece.find("[ARGS]");
      if (args == std::string_view::npos) return std::nullopt;
      const auto j = parse_json(piece.substr(args + 6));
      const auto text = j ? arguments_text(*j) : std::nullopt;
      const std::string_view name = trim(piece.substr(0, args));
      if (!text || name.empty()) return std::nullopt;
      calls.push_back({"", std::string(name), *text});
    }
  }
  if (calls.empty()) return std::nullopt;
  return calls;
}

}  // namespace

SectionSyntax mistral_syntax() {
  SectionSyntax s;
  s.begin = "[TOOL_CALLS]";
  s.parse = parse_mistral;
  return s;
}

uint32_t add_mistral_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools) {
  std::vector<constrain::Grammar::Seq> alts;
  for (const ToolSpec& t : tools) {
    const std::string head =
        "[TOOL_CALLS] [{\"name\": " + dump_json(json(t.name)) + ", \"arguments\": ";
    alts.push_back({constrain::Grammar::ref(g.literal(head)), tool_arguments(g, t),
                    constrain::Grammar::ref(g.literal("}]"))});
  }
  return g.choice(std::move(alts));
}

}  // namespace owl::server
