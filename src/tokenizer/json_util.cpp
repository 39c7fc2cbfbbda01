// Checked JSON field access for the tokenizer.json loaders.
#include "tokenizer/json_util.h"

#include "base/error.h"

namespace owl::json_util {

const char* kind(const Json& v) { return v.type_name(); }

const Json* optional_field(const Json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) fail("{}: expected an object, found {}", where, kind(obj));
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const Json& field(const Json& obj, const char* key, const std::string& where) {
  const Json* v = optional_field(obj, key, where);
  if (v == nullptr) fail("{}: missing field '{}'", where, key);
  return *v;
}

std::string get_string(const Json& obj, const char* key, const std::string& where) {
  const Json& v = field(obj, key, where);
  if (!v.is_string()) fail("{}.{}: expected a string, found {}", where, key, kind(v));
  return v.get<std::string>();
}

std::optional<std::string> opt_string(const Json& obj, const char* key, const std::string& where) {
  const Json* v = optional_field(obj, key, where);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) fail("{}.{}: expected a string, found {}", where, key, kind(*v));
  return v->get<std::string>();
}

bool get_bool(const Json& obj, const char* key, bool fallback, const std::string& where) {
  const Json* v = optional_field(obj, key, where);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) fail("{}.{}: expected true or false, found {}", where, key, kind(*v));
  return v->get<bool>();
}

int64_t get_int(const Json& obj, const char* key, const std::string& where) {
  const Json& v = field(obj, key, where);
  if (!v.is_number_integer()) fail("{}.{}: expected an integer, found {}", where, key, kind(v));
  return v.get<int64_t>();
}

int64_t opt_int(const Json& obj, const char* key, int64_t fallback, const std::string& where) {
  const Json* v = optional_field(obj, key, where);
  if (v == nullptr) return fallback;
  if (!v->is_number_integer()) fail("{}.{}: expected an integer, found {}", where, key, kind(*v));
  return v->get<int64_t>();
}

std::string type_of(const Json& obj, const std::string& where) {
  return get_string(obj, "type", where);
}

}  // namespace owl::json_util
