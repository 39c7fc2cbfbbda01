// Python's json.dumps over template values, as HF's `tojson` filter calls it.
#pragma once

#include <optional>
#include <string>

#include "template/value.h"

namespace owl::tmpl {

struct JsonDumpOptions {
  bool ensure_ascii = false;          // HF's default (Jinja2's own tojson differs)
  std::optional<std::string> indent;  // nullopt = single line; "" or spaces per level
  std::string item_separator = ", ";  // json.dumps default; "," when indent is given
  std::string key_separator = ": ";
  bool sort_keys = false;
};

// Throws TemplateError(kType) for values json.dumps cannot serialise (undefined, namespaces...).
std::string json_dumps(const Value& v, const JsonDumpOptions& opts);

}  // namespace owl::tmpl
