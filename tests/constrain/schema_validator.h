// An independent checker for the JSON Schema subset owl supports, used to verify constrained
// outputs: returns an empty string when `v` is valid, else what is wrong and where.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace owl::testing {

inline size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

inline std::string validate_schema(const nlohmann::ordered_json& v, const nlohmann::ordered_json& s,
                                   const nlohmann::ordered_json& root,
                                   const std::string& at = "$") {
  using json = nlohmann::ordered_json;
  if (s.is_boolean()) return s.get<bool>() ? "" : at + ": false schema";
  if (s.contains("$ref")) {
    const std::string ref = s["$ref"];
    const json& target = ref == "#" ? root : root.at(json::json_pointer(ref.substr(1)));
    return validate_schema(v, target, root, at);
  }
  if (s.contains("const") && v != s["const"]) return at + ": not the const";
  if (s.contains("enum")) {
    bool found = false;
    for (const json& e : s["enum"]) found = found || e == v;
    if (!found) return at + ": not in enum";
  }
  if (s.contains("anyOf")) {
    bool any = false;
    for (const json& sub : s["anyOf"]) any = any || validate_schema(v, sub, root, at).empty();
    if (!any) return at + ": matches no anyOf branch";
  }
  if (s.contains("oneOf")) {
    int count = 0;
    for (const json& sub : s["oneOf"]) count += validate_schema(v, sub, root, at).empty();
    if (count != 1) return at + ": matches " + std::to_string(count) + " oneOf branches";
  }
  if (s.contains("allOf")) {
    for (const json& sub : s["allOf"]) {
      const std::string e = validate_schema(v, sub, root, at);
      if (!e.empty()) return e;
    }
  }
  if (s.contains("type")) {
    auto is = [&](const std::string& t) {
      if (t == "object") return v.is_object();
      if (t == "array") return v.is_array();
      if (t == "string") return v.is_string();
      if (t == "number") return v.is_number();
      if (t == "integer")
        return v.is_number_integer() ||
               (v.is_number_float() &&
                v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())));
      if (t == "boolean") return v.is_boolean();
      if (t == "null") return v.is_null();
      return false;
    };
    bool ok = false;
    if (s["type"].is_string()) {
      ok = is(s["type"]);
    } else {
      for (const json& t : s["type"]) ok = ok || is(t);
    }
    if (!ok) return at + ": wrong type " + std::string(v.type_name());
  }
  if (v.is_object()) {
    if (s.contains("required")) {
      for (const json& r : s["required"]) {
        if (!v.contains(r.get<std::string>())) return at + ": missing required " + r.dump();
      }
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string where = at + "." + it.key();
      if (s.contains("properties") && s["properties"].contains(it.key())) {
        const std::string e = validate_schema(it.value(), s["properties"][it.key()], root, where);
        if (!e.empty()) return e;
      } else if (s.contains("additionalProperties")) {
        const std::string e = validate_schema(it.value(), s["additionalProperties"], root, where);
        if (!e.empty()) return at + ": additional property " + it.key() + ": " + e;
      }
    }
  }
  if (v.is_array()) {
    if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>())
      return at + ": too few items";
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>())
      return at + ": too many items";
    if (s.contains("items")) {
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string e =
            validate_schema(v[i], s["items"], root, at + "[" + std::to_string(i) + "]");
        if (!e.empty()) return e;
      }
    }
  }
  if (v.is_string()) {
    const size_t n = utf8_length(v.get<std::string>());
    if (s.contains("minLength") && n < s["minLength"].get<size_t>())
      return at + ": string too short";
    if (s.contains("maxLength") && n > s["maxLength"].get<size_t>())
      return at + ": string too long";
  }
  return "";
}

}  // namespace owl::testing
