// Jinja2 template rendering with the semantics of Hugging Face transformers' chat-template
// environment (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, tojson
// as json.dumps, raise_exception, strftime_now).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/error.h"

namespace owl::tmpl {

// Which Python/Jinja2 exception the reference would raise.
enum class ErrorKind {
  kRaise,      // the template's raise_exception(msg): jinja2.exceptions.TemplateError
  kSecurity,   // jinja2.sandbox.SecurityError (e.g. list.append in the immutable sandbox)
  kType,       // TypeError, ValueError, ZeroDivisionError, OverflowError ... (Python errors)
  kUndefined,  // jinja2.exceptions.UndefinedError
  kSyntax,     // TemplateSyntaxError / TemplateAssertionError (unknown filter, bad tag, ...)
  kRuntime,    // TemplateRuntimeError (e.g. assigning an attribute of a non-namespace)
  kLimit,      // owl's guards: recursion depth, output size, step budget
};

const char* error_kind_name(ErrorKind k);  // "raise_exception", "security", "type", ...

class TemplateError : public Error {
 public:
  TemplateError(ErrorKind kind, std::string message, int line = -1);
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }  // without the line suffix
  int line() const { return line_; }                       // 1-based template line, -1 unknown
  void set_line(int line);
  const char* what() const noexcept override { return full_.c_str(); }

 private:
  ErrorKind kind_;
  std::string message_;
  int line_;
  std::string full_;  // "message (template line N)"
};

// Guards so that no template can hang or exhaust memory.
struct RenderLimits {
  int max_depth = 400;                         // nested macro calls / expressions
  size_t max_output_bytes = size_t{64} << 20;  // any rendered string (also set blocks, macros)
  uint64_t max_steps = 20'000'000;             // statements + loop iterations + calls
};

struct RenderOptions {
  // The clock behind strftime_now(), as "YYYY-MM-DDTHH:MM:SS"; empty = the local time now.
  std::string now;
  RenderLimits limits;
};

struct Node;
struct ParsedTemplate;

// A parsed template: parse once, render many times. Thread-compatible (render is const).
class Template {
 public:
  explicit Template(const std::string& source);  // throws TemplateError(kSyntax)
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // `variables` must be a JSON object; its keys become template variables (in order).
  std::string render(const nlohmann::ordered_json& variables, const RenderOptions& opts = {}) const;

 private:
  std::unique_ptr<ParsedTemplate> parsed_;
};

std::string render(const std::string& source, const nlohmann::ordered_json& variables,
                   const RenderOptions& opts = {});

}  // namespace owl::tmpl
