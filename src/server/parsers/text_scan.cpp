// Text helpers for the output parsers.
#include "server/parsers/text_scan.h"

#include <algorithm>

namespace owl::server {

using json = nlohmann::ordered_json;

size_t partial_marker_suffix(std::string_view text, std::string_view marker) {
  const size_t max = std::min(text.size(), marker.size() - 1);
  for (size_t n = max; n > 0; --n) {
    if (text.substr(text.size() - n) == marker.substr(0, n)) return n;
  }
  return 0;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool all_space(std::string_view s) { return std::all_of(s.begin(), s.end(), is_space); }

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

size_t json_value_end(std::string_view s, size_t pos) {
  while (pos < s.size() && is_space(s[pos])) ++pos;
  if (pos >= s.size()) return std::string_view::npos;
  const char first = s[pos];
  if (first != '{' && first != '[' && first != '"') {
    // A scalar: runs until a delimiter (it cannot be known complete at the end of the text).
    size_t i = pos;
    while (i < s.size() && !is_space(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
    return i == s.size() || i == pos ? std::string_view::npos : i;
  }
  int depth = 0;
  bool in_string = false;
  for (size_t i = pos; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
      if (depth < 0) return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

std::optional<json> parse_json(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string dump_json(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string> arguments_text(const json& args) {
  if (args.is_object()) return dump_json(args);
  if (args.is_string()) {
    const auto inner = parse_json(args.get<std::string>());
    if (inner && inner->is_object()) return dump_json(*inner);
  }
  return std::nullopt;
}

bool is_string_schema(const json& schema) {
  if (!schema.is_object()) return false;
  if (schema.contains("type")) return schema["type"] == "string";
  if (schema.contains("const")) return schema["const"].is_string();
  if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) {
    for (const json& v : schema["enum"]) {
      if (!v.is_string()) return false;
    }
    return true;
  }
  return false;
}

json typed_argument(std::string_view raw, const json* schema) {
  if (schema != nullptr && is_string_schema(*schema)) {
    return json(std::string(raw));
  }
  const auto parsed = parse_json(trim(raw));
  if (parsed && !parsed->is_string()) return *parsed;
  return json(std::string(raw));
}

}  // namespace owl::server
