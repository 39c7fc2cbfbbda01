// Python operators on template values: arithmetic, string/list concatenation, `in`, slicing,
// and markupsafe's escaping rules when a Markup string meets a plain one.
#pragma once

#include <optional>
#include <string>

#include "template/value.h"

namespace owl::tmpl {

class Interpreter;

// op is one of + - * / // % **
Value binary_op(Interpreter& in, const std::string& op, const Value& a, const Value& b);
Value negate(const Value& v);
Value unary_plus(const Value& v);
bool contains(const Value& container, const Value& item);  // Python `item in container`

// Python obj[start:stop:step] for str/list/tuple; nullopt = omitted. Throws ValueError on step 0.
Value slice_value(const Value& obj, std::optional<int64_t> start, std::optional<int64_t> stop,
                  std::optional<int64_t> step);

// Python str % args (printf-style) and str.format(*args, **kwargs); Markup escapes its args.
Value percent_format(Interpreter& in, const Value& fmt, const Value& args);
Value str_format(Interpreter& in, const Value& fmt, const CallArgs& args);

// Python format(value, spec) for the common spec mini-language.
std::string format_spec(const Value& v, const std::string& spec);

// Escapes a value for Markup concatenation: Markup stays, anything else is str()'d and escaped.
std::string escape_value(const Value& v);

}  // namespace owl::tmpl
