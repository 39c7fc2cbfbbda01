// Small text helpers shared by the output parsers: marker hold-back, whitespace, JSON value
// boundaries and lenient JSON parsing of model output.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace owl::server {

// Length of the longest suffix of `text` that is a proper prefix of `marker` (text that must be
// held back while streaming because the marker may be completing).
size_t partial_marker_suffix(std::string_view text, std::string_view marker);

bool is_space(char c);
bool all_space(std::string_view s);
std::string_view trim(std::string_view s);
std::string_view trim_left(std::string_view s);

// Index just past the JSON value starting at or after `pos` (leading whitespace skipped), or
// npos when the text ends first or is not JSON there. Used to find where a call's JSON ends.
size_t json_value_end(std::string_view s, size_t pos = 0);

// Parses JSON written by a model; nullopt on any error (never throws).
std::optional<nlohmann::ordered_json> parse_json(std::string_view text);

// Compact JSON text; invalid UTF-8 in strings is replaced rather than throwing.
std::string dump_json(const nlohmann::ordered_json& value);

// Arguments given as an object, or as a string holding a JSON object -> compact JSON text.
std::optional<std::string> arguments_text(const nlohmann::ordered_json& args);

// The schema only admits strings (type "string", or an enum/const of strings): XML-style
// formats then write the value raw.
bool is_string_schema(const nlohmann::ordered_json& schema);

// Types an argument written as raw text (XML-style tool calls): a string when the tool's schema
// says so (or the text is not JSON), else the JSON value it spells.
nlohmann::ordered_json typed_argument(std::string_view raw, const nlohmann::ordered_json* schema);

}  // namespace owl::server
