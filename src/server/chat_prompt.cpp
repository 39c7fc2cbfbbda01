// Chat-template variables and prompt tokenization.
#include "server/chat_prompt.h"

#include "server/parsers/text_scan.h"
#include "tokenizer/tokenizer.h"

namespace owl::server {

Json chat_template_vars(const ChatRequest& request, const ChatFormat& format,
                        const TemplateTokens& tokens) {
  Json messages = Json::array();
  // DeepSeek-V3's template concatenates arguments as text and tests content for none; the
  // others want arguments as a mapping (GLM and MiniMax iterate it) and content as a string.
  const bool string_arguments = (format.family == Family::kDeepSeek && format.deepseek_v3_style) ||
                                format.family == Family::kMistral;
  const bool null_content = format.family == Family::kDeepSeek && format.deepseek_v3_style;
  for (Json m : request.messages) {
    if (m["role"] == "assistant") {
      if (m["content"].is_null() && !null_content) m["content"] = "";
      if (m.contains("tool_calls")) {
        for (Json& call : m["tool_calls"]) {
          Json& args = call["function"]["arguments"];
          if (string_arguments && args.is_object()) {
            args = dump_json(args);
          } else if (!string_arguments && args.is_string()) {
            const auto parsed = parse_json(args.get<std::string>());
            if (parsed && parsed->is_object()) args = *parsed;
          }
        }
      }
      if (format.family == Family::kHarmony && m.contains("reasoning_content")) {
        m["thinking"] = m["reasoning_content"];  // gpt-oss's template reads "thinking"
        m.erase("reasoning_content");
      }
    }
    messages.push_back(std::move(m));
  }
  Json vars;
  vars["messages"] = std::move(messages);
  if (!request.tools_json.is_null() && request.tool_choice != ToolChoice::kNone) {
    vars["tools"] = request.tools_json;
  } else {
    vars["tools"] = nullptr;
  }
  vars["documents"] = nullptr;
  vars["add_generation_prompt"] = true;
  if (!tokens.bos.empty()) vars["bos_token"] = tokens.bos;
  if (!tokens.eos.empty()) vars["eos_token"] = tokens.eos;
  if (request.reasoning_effort) {
    const std::string& e = *request.reasoning_effort;
    if (e == "none") vars["enable_thinking"] = false;
    // gpt-oss knows low/medium/high.
    vars["reasoning_effort"] = (e == "none" || e == "minimal") ? std::string("low") : e;
  }
  for (auto it = request.template_kwargs.begin(); it != request.template_kwargs.end(); ++it) {
    vars[it.key()] = it.value();
  }
  return vars;
}

std::string render_chatml(const Json& vars) {
  std::string out;
  for (const Json& m : vars["messages"]) {
    out += "<|im_start|>" + m.value("role", std::string("user")) + "\n";
    if (m.contains("content") && m["content"].is_string()) out += m["content"].get<std::string>();
    out += "<|im_end|>\n";
  }
  if (vars.value("add_generation_prompt", false)) out += "<|im_start|>assistant\n";
  return out;
}

std::vector<int32_t> tokenize_prompt(const Tokenizer& tokenizer, const std::string& prompt) {
  std::vector<int32_t> ids =
      tokenizer.encode(prompt, /*add_special=*/false, /*parse_special=*/true);
  const int32_t bos = tokenizer.bos_id();
  if (tokenizer.add_bos() && bos >= 0 && (ids.empty() || ids.front() != bos)) {
    ids.insert(ids.begin(), bos);
  }
  return ids;
}

}  // namespace owl::server
