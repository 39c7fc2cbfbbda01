// From a chat request to prompt tokens: the chat-template variables (messages adapted to what
// each family's template expects), rendering through the template layer, and tokenization.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "server/api/requests.h"
#include "server/parsers/chat_format.h"

namespace owl {
class Tokenizer;
}

namespace owl::server {

// Renders a Jinja chat template with the given variables (the template layer, src/template,
// provides it; tests use Python's Jinja2). Throws owl::Error on template errors, including the
// template's own raise_exception(...).
using ChatRenderer =
    std::function<std::string(const std::string& template_source, const Json& vars)>;

struct TemplateTokens {
  std::string bos;  // empty: not defined for the template
  std::string eos;
};

// The variables HF transformers passes to apply_chat_template: messages, tools, documents,
// add_generation_prompt, bos_token/eos_token, plus enable_thinking / reasoning_effort and any
// chat_template_kwargs.
Json chat_template_vars(const ChatRequest& request, const ChatFormat& format,
                        const TemplateTokens& tokens);

// The ChatML layout, for models that ship no chat template.
std::string render_chatml(const Json& vars);

// Prompt text -> ids: special-token text is parsed, BOS added when the vocabulary asks for it
// and the rendered prompt does not already start with it.
std::vector<int32_t> tokenize_prompt(const Tokenizer& tokenizer, const std::string& prompt);

}  // namespace owl::server
