// Chat templates as Hugging Face transformers finds and applies them: loading from a
// tokenizer_config.json, a .jinja file or a model folder, choosing among named templates, and
// rendering a request (`owl template SOURCE --request case.json`).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "template/template.h"

namespace owl::tmpl {

struct ChatTemplateSource {
  std::string origin;  // path it was loaded from (for messages)
  std::optional<std::string> default_template;
  std::vector<std::pair<std::string, std::string>> named;  // e.g. {"tool_use", ...}
  std::optional<std::string> bos_token;  // tokenizer_config.json's, nullopt when null/absent
  std::optional<std::string> eos_token;

  // A folder (tokenizer_config.json, chat_template.jinja, chat_template.json,
  // additional_chat_templates/*.jinja), a .jinja file (special tokens from a tokenizer_config.json
  // beside it), or a JSON file with a "chat_template" field. Throws owl::Error.
  static ChatTemplateSource load(const std::string& path);
  // From a parsed tokenizer_config.json: `chat_template` as a string or a list of {name, template}.
  static ChatTemplateSource from_tokenizer_config(const nlohmann::ordered_json& config,
                                                  const std::string& origin);

  // transformers' get_chat_template: `name` if given, else "tool_use" when tools are passed
  // (even an empty list) and it exists, else "default". Throws owl::Error if there is none.
  const std::string& select(bool has_tools, const std::string& name = "") const;
};

// Renders one request: {"messages": [...], "tools": [...]|null, "add_generation_prompt": bool,
// "extra": {...}, "bos_token": str|null, "eos_token": str|null, "now": "YYYY-MM-DDTHH:MM:SS"}.
// Variables as transformers passes them: messages, tools, documents=None, add_generation_prompt,
// the special tokens, then `extra` (overriding). A bos/eos key in the request overrides the
// default; a null one leaves the variable undefined. Throws TemplateError / owl::Error.
std::string render_request(const std::string& template_source,
                           const nlohmann::ordered_json& request,
                           const std::optional<std::string>& default_bos,
                           const std::optional<std::string>& default_eos);

// Body of `owl template SOURCE --request case.json`: prints the prompt exactly to stdout and
// returns 0; a template error goes to stderr with exit code 3, bad input files exit code 2.
int run_template_command(const std::string& source_path, const std::string& request_path);

}  // namespace owl::tmpl
