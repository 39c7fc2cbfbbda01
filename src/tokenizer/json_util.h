// Small checked accessors over nlohmann::json: wrong or missing fields become owl::Error naming
// the place in the file ("tokenizer.json: model.merges[3]: ...").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace owl::json_util {

using Json = nlohmann::json;

// obj must be an object; returns obj[key] or fails if missing.
const Json& field(const Json& obj, const char* key, const std::string& where);
// nullptr when obj has no such key or it is null.
const Json* optional_field(const Json& obj, const char* key, const std::string& where);

std::string get_string(const Json& obj, const char* key, const std::string& where);
std::optional<std::string> opt_string(const Json& obj, const char* key, const std::string& where);
bool get_bool(const Json& obj, const char* key, bool fallback, const std::string& where);
int64_t get_int(const Json& obj, const char* key, const std::string& where);
int64_t opt_int(const Json& obj, const char* key, int64_t fallback, const std::string& where);

// The "type" field of a tagged object.
std::string type_of(const Json& obj, const std::string& where);

// Describes a json value's type for messages ("string", "array", ...).
const char* kind(const Json& v);

}  // namespace owl::json_util
