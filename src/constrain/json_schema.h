// JSON Schema (a documented subset) and plain JSON compiled to grammar rules.
//
// Supported: type (one or a list) object/array/string/number/integer/boolean/null; properties,
// required, additionalProperties (false, true or a schema); items, minItems, maxItems;
// minLength/maxLength; enum; const; anyOf; oneOf (as anyOf); allOf with one schema; $ref to
// "#", "#/$defs/..." or "#/definitions/..." (recursion allowed); boolean schemas. Annotations
// (title, description, default, examples, format, $schema, $id) are ignored. Numeric bounds
// (minimum, maximum, multipleOf) are ignored: generated numbers satisfy the type only.
// Unsupported keywords that restrict values (pattern, prefixItems, uniqueItems, ...) raise an
// owl::Error naming the location, so a request never gets output that silently violates it.
// Properties are generated in the schema's order (hence ordered_json); with additionalProperties
// unset, only the listed properties are generated (valid either way).
#pragma once

#include <nlohmann/json.hpp>

#include "constrain/grammar.h"

namespace owl::constrain {

// Rules for JSON text valid against `schema`; returns the rule id.
uint32_t add_json_schema(Grammar& grammar, const nlohmann::ordered_json& schema);
// Rules for any JSON value / any JSON object (response_format json_object).
uint32_t add_json_value(Grammar& grammar);
uint32_t add_json_object(Grammar& grammar);
// Optional JSON whitespace (bounded, so output cannot run on in blanks).
uint32_t add_json_ws(Grammar& grammar);

}  // namespace owl::constrain
