// Request-field validation helpers.
#include "server/api/fields.h"

#include <cmath>

#include "server/api/api_error.h"

namespace owl::server {
namespace {

std::string type_name(const Json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  return v.type_name();
}

const Json* field(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

std::string field_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string index_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::optional<bool> get_bool(const Json& obj, const char* key, const std::string& path) {
  const Json* v = field(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean())
    bad_field(field_path(path, key),
              "'" + field_path(path, key) + "' must be a boolean, got " + type_name(*v));
  return v->get<bool>();
}

std::optional<int64_t> get_int(const Json& obj, const char* key, const std::string& path,
                               int64_t min, int64_t max) {
  const Json* v = field(obj, key);
  if (v == nullptr) return std::nullopt;
  const std::string p = field_path(path, key);
  int64_t x;
  if (v->is_number_integer()) {
    x = v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
            ? INT64_MAX
            : v->get<int64_t>();
  } else if (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>() &&
             std::fabs(v->get<double>()) < 9e15) {
    x = static_cast<int64_t>(v->get<double>());
  } else {
    bad_field(p, "'" + p + "' must be an integer, got " + type_name(*v));
  }
  if (x < min || x > max) {
    bad_field(p, "'" + p + "' must be between " + std::to_string(min) + " and " +
                     std::to_string(max) + ", got " + std::to_string(x));
  }
  return x;
}

std::optional<double> get_number(const Json& obj, const char* key, const std::string& path,
                                 double min, double max) {
  const Json* v = field(obj, key);
  if (v == nullptr) return std::nullopt;
  const std::string p = field_path(path, key);
  if (!v->is_number()) bad_field(p, "'" + p + "' must be a number, got " + type_name(*v));
  const double x = v->get<double>();
  if (!(x >= min && x <= max)) {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "'%s' must be between %g and %g, got %g", p.c_str(), min, max,
                  x);
    bad_field(p, buf);
  }
  return x;
}

std::optional<std::string> get_string(const Json& obj, const char* key, const std::string& path) {
  const Json* v = field(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    const std::string p = field_path(path, key);
    bad_field(p, "'" + p + "' must be a string, got " + type_name(*v));
  }
  return v->get<std::string>();
}

std::vector<std::string> get_string_or_list(const Json& obj, const char* key,
                                            const std::string& path, size_t max_items) {
  const Json* v = field(obj, key);
  if (v == nullptr) return {};
  const std::string p = field_path(path, key);
  if (v->is_string()) return {v->get<std::string>()};
  if (!v->is_array()) bad_field(p, "'" + p + "' must be a string or a list of strings");
  if (v->size() > max_items)
    bad_field(p, "'" + p + "' may hold at most " + std::to_string(max_items) + " items");
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string())
      bad_field(index_path(p, i), "'" + index_path(p, i) + "' must be a string");
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

const Json* get_object(const Json& obj, const char* key, const std::string& path) {
  const Json* v = field(obj, key);
  if (v != nullptr && !v->is_object()) {
    const std::string p = field_path(path, key);
    bad_field(p, "'" + p + "' must be an object, got " + type_name(*v));
  }
  return v;
}

const Json* get_array(const Json& obj, const char* key, const std::string& path) {
  const Json* v = field(obj, key);
  if (v != nullptr && !v->is_array()) {
    const std::string p = field_path(path, key);
    bad_field(p, "'" + p + "' must be an array, got " + type_name(*v));
  }
  return v;
}

Json parse_body(const std::string& body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    throw ApiError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you "
        "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)");
  }
  if (!j.is_object()) throw ApiError(400, "The request body must be a JSON object.");
  return j;
}

}  // namespace owl::server
