// Registries of the built-in filters, tests, globals and methods the interpreter dispatches to.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "template/ast.h"
#include "template/value.h"

namespace owl::tmpl {

FilterFn find_filter(std::string_view name);  // null if Jinja2 has no such filter
TestFn find_test(std::string_view name);      // null if Jinja2 has no such test

// Globals of HF's environment: range, dict, namespace, joiner, cycler, raise_exception,
// strftime_now. Returns an undefined value for other names.
Value find_global(std::string_view name);

// Attribute `name` of a str/list/dict value as Python's getattr would return it: a bound method,
// an unsafe-attribute undefined (SecurityError when used), or nullopt if there is none.
std::optional<Value> method_attribute(const Value& self, const std::string& name);

// Calls a bound method (see method_attribute).
Value call_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& args);

// Binds positional/keyword arguments to named parameters like a Python signature. Throws
// TypeError naming `func` on an unknown keyword, a duplicate or too many positionals.
std::vector<std::optional<Value>> bind_args(const char* func, const CallArgs& args,
                                            std::initializer_list<const char*> params);

// Helpers for built-ins.
int64_t arg_int(const char* func, const Value& v);
std::string arg_str(const char* func, const Value& v);

}  // namespace owl::tmpl
