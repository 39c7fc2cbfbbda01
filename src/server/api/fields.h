// Typed access to request JSON fields; every failure is a 400 naming the field's path.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace owl::server {

using Json = nlohmann::ordered_json;

// `obj` must be an object; the getters return nullopt when the key is absent or null.
std::optional<bool> get_bool(const Json& obj, const char* key, const std::string& path);
std::optional<int64_t> get_int(const Json& obj, const char* key, const std::string& path,
                               int64_t min, int64_t max);
std::optional<double> get_number(const Json& obj, const char* key, const std::string& path,
                                 double min, double max);
std::optional<std::string> get_string(const Json& obj, const char* key, const std::string& path);
// A string, or a list of strings (e.g. "stop"); at most max_items.
std::vector<std::string> get_string_or_list(const Json& obj, const char* key,
                                            const std::string& path, size_t max_items);
const Json* get_object(const Json& obj, const char* key, const std::string& path);
const Json* get_array(const Json& obj, const char* key, const std::string& path);

// "messages[2].content" style paths.
std::string field_path(const std::string& parent, const std::string& key);
std::string index_path(const std::string& parent, size_t index);

// Parses a request body; 400 with OpenAI's wording when it is not a JSON object.
Json parse_body(const std::string& body);

}  // namespace owl::server
