// Validation of chat and text completion requests.
#include "server/api/requests.h"

#include <cctype>

#include "server/api/api_error.h"

namespace owl::server {
namespace {

constexpr int kMaxChoices = 16;
constexpr size_t kMaxStop = 16;

void parse_generation(const Json& body, GenerationOptions& g) {
  SamplingParams& s = g.sampling;
  if (auto v = get_number(body, "temperature", "", 0.0, 2.0))
    s.temperature = static_cast<float>(*v);
  if (auto v = get_number(body, "top_p", "", 0.0, 1.0)) s.top_p = static_cast<float>(*v);
  if (auto v = get_int(body, "top_k", "", 0, 1 << 20)) s.top_k = static_cast<int32_t>(*v);
  if (auto v = get_number(body, "min_p", "", 0.0, 1.0)) s.min_p = static_cast<float>(*v);
  if (auto v = get_number(body, "repeat_penalty", "", 0.0, 10.0))
    s.repeat_penalty = static_cast<float>(*v);
  if (auto v = get_number(body, "presence_penalty", "", -2.0, 2.0))
    s.presence_penalty = static_cast<float>(*v);
  if (auto v = get_number(body, "frequency_penalty", "", -2.0, 2.0))
    s.frequency_penalty = static_cast<float>(*v);
  if (auto v = get_int(body, "seed", "", INT64_MIN, INT64_MAX)) {
    s.seed = static_cast<uint64_t>(*v);
    s.has_seed = true;
  }
  if (auto v = get_int(body, "n", "", 1, kMaxChoices)) g.n = static_cast<int>(*v);
  if (auto v = get_int(body, "max_tokens", "", 1, INT32_MAX)) g.max_tokens = *v;
  if (auto v = get_int(body, "max_completion_tokens", "", 1, INT32_MAX)) g.max_tokens = *v;
  for (std::string& stop : get_string_or_list(body, "stop", "", kMaxStop)) {
    if (!stop.empty()) g.stop.push_back(std::move(stop));
  }
  g.stream = get_bool(body, "stream", "").value_or(false);
  if (const Json* so = get_object(body, "stream_options", "")) {
    g.include_usage = get_bool(*so, "include_usage", "stream_options").value_or(false);
  }
}

std::string required_string(const Json& obj, const char* key, const std::string& path) {
  auto v = get_string(obj, key, path);
  if (!v)
    bad_field(field_path(path, key),
              "Missing required parameter: '" + field_path(path, key) + "'.");
  return *v;
}

// String content, or the text of a list of content parts; nullopt for null.
std::optional<std::string> message_text(const Json& m, const std::string& path) {
  auto it = m.find("content");
  if (it == m.end() || it->is_null()) return std::nullopt;
  const std::string p = field_path(path, "content");
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array()) bad_field(p, "'" + p + "' must be a string or an array of content parts");
  std::string text;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& part = (*it)[i];
    const std::string pp = index_path(p, i);
    if (!part.is_object()) bad_field(pp, "'" + pp + "' must be an object");
    const std::string type = required_string(part, "type", pp);
    if (type != "text" && type != "refusal" && type != "input_text") {
      bad_field(field_path(pp, "type"),
                "Content part type '" + type + "' is not supported: this model accepts text only.");
    }
    if (!text.empty()) text += "\n";
    text += required_string(part, type == "refusal" ? "refusal" : "text", pp);
  }
  return text;
}

Json parse_tool_calls(const Json& calls, const std::string& path) {
  if (!calls.is_array()) bad_field(path, "'" + path + "' must be an array");
  Json out = Json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    const std::string p = index_path(path, i);
    const Json& c = calls[i];
    if (!c.is_object()) bad_field(p, "'" + p + "' must be an object");
    const Json* fn = get_object(c, "function", p);
    if (fn == nullptr)
      bad_field(field_path(p, "function"),
                "Missing required parameter: '" + field_path(p, "function") + "'.");
    Json call;
    call["id"] = get_string(c, "id", p).value_or("call_" + std::to_string(i));
    call["type"] = "function";
    call["function"]["name"] = required_string(*fn, "name", field_path(p, "function"));
    const auto args = fn->find("arguments");
    if (args == fn->end() || args->is_null()) {
      call["function"]["arguments"] = "{}";
    } else if (args->is_string() || args->is_object()) {
      call["function"]["arguments"] = *args;
    } else {
      bad_field(field_path(p, "function.arguments"),
                "'" + field_path(p, "function.arguments") + "' must be a JSON string");
    }
    out.push_back(std::move(call));
  }
  return out;
}

Json parse_message(const Json& m, const std::string& path) {
  if (!m.is_object()) bad_field(path, "'" + path + "' must be an object");
  std::string role = required_string(m, "role", path);
  if (role == "developer") role = "system";  // chat templates know system, not developer
  static const char* kRoles[] = {"system", "user", "assistant", "tool"};
  bool known = false;
  for (const char* r : kRoles) known = known || role == r;
  if (!known) {
    bad_field(
        field_path(path, "role"),
        "Invalid value: '" + role +
            "'. Supported values are: 'system', 'developer', 'user', 'assistant', and 'tool'.");
  }
  Json out;
  out["role"] = role;
  const auto text = message_text(m, path);
  out["content"] = text ? Json(*text) : Json(nullptr);
  if (auto name = get_string(m, "name", path)) out["name"] = *name;
  if (role == "assistant") {
    if (auto it = m.find("tool_calls"); it != m.end() && !it->is_null() && !it->empty()) {
      out["tool_calls"] = parse_tool_calls(*it, field_path(path, "tool_calls"));
    }
    auto reasoning = get_string(m, "reasoning_content", path);
    if (!reasoning) reasoning = get_string(m, "reasoning", path);
    if (reasoning) out["reasoning_content"] = *reasoning;
    if (!text && !out.contains("tool_calls")) {
      bad_field(field_path(path, "content"),
                "Missing required parameter: '" + field_path(path, "content") + "'.");
    }
  } else if (!text) {
    bad_field(field_path(path, "content"),
              "Missing required parameter: '" + field_path(path, "content") + "'.");
  }
  if (role == "tool") out["tool_call_id"] = required_string(m, "tool_call_id", path);
  return out;
}

bool valid_tool_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

void parse_tools(const Json& body, ChatRequest& r) {
  const Json* tools = get_array(body, "tools", "");
  if (tools != nullptr && !tools->empty()) {
    r.tools_json = Json::array();
    for (size_t i = 0; i < tools->size(); ++i) {
      const std::string p = index_path("tools", i);
      const Json& t = (*tools)[i];
      if (!t.is_object()) bad_field(p, "'" + p + "' must be an object");
      const std::string type = get_string(t, "type", p).value_or("function");
      if (type != "function")
        bad_field(field_path(p, "type"), "Only tools of type 'function' are supported.");
      const Json* fn = get_object(t, "function", p);
      if (fn == nullptr)
        bad_field(field_path(p, "function"),
                  "Missing required parameter: '" + field_path(p, "function") + "'.");
      const std::string name = required_string(*fn, "name", field_path(p, "function"));
      if (!valid_tool_name(name)) {
        bad_field(field_path(p, "function.name"), "Invalid '" + field_path(p, "function.name") +
                                                      "': must match ^[a-zA-Z0-9_-]{1,64}$.");
      }
      for (const ToolSpec& other : r.tools) {
        if (other.name == name)
          bad_field(field_path(p, "function.name"), "Duplicate tool name '" + name + "'.");
      }
      const Json* params = get_object(*fn, "parameters", field_path(p, "function"));
      r.tools.push_back({name, params ? *params : Json(nullptr)});
      Json normalized;
      normalized["type"] = "function";
      normalized["function"] = *fn;
      r.tools_json.push_back(std::move(normalized));
    }
  }
  auto it = body.find("tool_choice");
  if (it == body.end() || it->is_null()) {
    r.tool_choice = ToolChoice::kAuto;
  } else if (it->is_string()) {
    const std::string c = it->get<std::string>();
    if (c == "auto") {
      r.tool_choice = ToolChoice::kAuto;
    } else if (c == "none") {
      r.tool_choice = ToolChoice::kNone;
    } else if (c == "required") {
      r.tool_choice = ToolChoice::kRequired;
    } else {
      bad_field("tool_choice", "Invalid value for 'tool_choice': '" + c +
                                   "'. Supported values are: 'none', 'auto', and 'required'.");
    }
  } else if (it->is_object()) {
    const Json* fn = get_object(*it, "function", "tool_choice");
    if (fn == nullptr)
      bad_field("tool_choice.function", "Missing required parameter: 'tool_choice.function'.");
    r.tool_choice = ToolChoice::kNamed;
    r.tool_name = required_string(*fn, "name", "tool_choice.function");
  } else {
    bad_field("tool_choice", "'tool_choice' must be a string or an object");
  }
  if ((r.tool_choice == ToolChoice::kRequired || r.tool_choice == ToolChoice::kNamed) &&
      r.tools.empty()) {
    bad_field("tool_choice", "'tool_choice' requires 'tools' to be given.");
  }
  if (r.tool_choice == ToolChoice::kNamed) {
    bool found = false;
    for (const ToolSpec& t : r.tools) found = found || t.name == r.tool_name;
    if (!found)
      bad_field("tool_choice.function.name", "Tool '" + r.tool_name + "' is not in 'tools'.");
  }
}

void parse_response_format(const Json& body, ChatRequest& r) {
  const Json* rf = get_object(body, "response_format", "");
  if (rf == nullptr) return;
  const std::string type = required_string(*rf, "type", "response_format");
  if (type == "text") {
    r.response_format = ResponseFormat::kText;
  } else if (type == "json_object") {
    r.response_format = ResponseFormat::kJsonObject;
  } else if (type == "json_schema") {
    const Json* js = get_object(*rf, "json_schema", "response_format");
    if (js == nullptr)
      bad_field("response_format.json_schema",
                "Missing required parameter: 'response_format.json_schema'.");
    const auto it = js->find("schema");
    if (it == js->end() || !(it->is_object() || it->is_boolean())) {
      bad_field("response_format.json_schema.schema",
                "'response_format.json_schema.schema' must be a JSON Schema object.");
    }
    r.response_format = ResponseFormat::kJsonSchema;
    r.schema = *it;
  } else {
    bad_field("response_format.type",
              "Invalid value: '" + type +
                  "'. Supported values are: 'text', 'json_object', and 'json_schema'.");
  }
}

std::string parse_model(const Json& body) {
  auto model = get_string(body, "model", "");
  if (!model) bad_field("model", "you must provide a model parameter");
  return *model;
}

}  // namespace

ChatRequest parse_chat_request(const Json& body) {
  ChatRequest r;
  r.model = parse_model(body);
  const Json* messages = get_array(body, "messages", "");
  if (messages == nullptr) bad_field("messages", "Missing required parameter: 'messages'.");
  if (messages->empty()) bad_field("messages", "'messages' must contain at least one message.");
  for (size_t i = 0; i < messages->size(); ++i) {
    r.messages.push_back(parse_message((*messages)[i], index_path("messages", i)));
  }
  parse_generation(body, r.gen);
  r.logprobs = get_bool(body, "logprobs", "").value_or(false);
  if (auto top = get_int(body, "top_logprobs", "", 0, 20)) {
    if (!r.logprobs && *top > 0)
      bad_field("top_logprobs", "'top_logprobs' requires 'logprobs' to be true.");
    r.gen.sampling.n_top_logprobs = static_cast<int32_t>(*top);
  }
  r.gen.sampling.logprobs = r.logprobs;
  parse_tools(body, r);
  parse_response_format(body, r);
  if (auto effort = get_string(body, "reasoning_effort", "")) {
    static const char* kEfforts[] = {"none", "minimal", "low", "medium", "high"};
    bool ok = false;
    for (const char* e : kEfforts) ok = ok || *effort == e;
    if (!ok)
      bad_field("reasoning_effort",
                "Invalid value: '" + *effort +
                    "'. Supported values are: 'none', 'minimal', 'low', 'medium', and 'high'.");
    r.reasoning_effort = *effort;
  }
  r.thinking_budget = get_int(body, "thinking_budget", "", 0, INT32_MAX);
  if (const Json* kw = get_object(body, "chat_template_kwargs", "")) r.template_kwargs = *kw;
  return r;
}

CompletionRequest parse_completion_request(const Json& body) {
  CompletionRequest r;
  r.model = parse_model(body);
  auto it = body.find("prompt");
  if (it == body.end() || it->is_null())
    bad_field("prompt", "Missing required parameter: 'prompt'.");
  const Json& p = *it;
  auto token_list = [](const Json& a, const std::string& path) {
    std::vector<int32_t> ids;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_number_integer() || a[i].get<int64_t>() < 0 || a[i].get<int64_t>() > INT32_MAX) {
        bad_field(index_path(path, i),
                  "'" + index_path(path, i) + "' must be a token id (a non-negative integer)");
      }
      ids.push_back(a[i].get<int32_t>());
    }
    return ids;
  };
  if (p.is_string()) {
    r.prompts.push_back(p.get<std::string>());
  } else if (p.is_array() && !p.empty() && p[0].is_number()) {
    r.prompt_ids.push_back(token_list(p, "prompt"));
  } else if (p.is_array() && !p.empty() && p.size() <= kMaxChoices) {
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i].is_string()) {
        r.prompts.push_back(p[i].get<std::string>());
      } else if (p[i].is_array()) {
        r.prompt_ids.push_back(token_list(p[i], index_path("prompt", i)));
      } else {
        bad_field(index_path("prompt", i),
                  "'" + index_path("prompt", i) + "' must be a string or a list of token ids");
      }
    }
    if (!r.prompts.empty() && !r.prompt_ids.empty())
      bad_field("prompt", "'prompt' may not mix strings and token lists");
  } else {
    bad_field("prompt",
              "'prompt' must be a string, a list of strings (at most 16), or a list of token ids");
  }
  if (auto suffix = get_string(body, "suffix", ""); suffix && !suffix->empty()) {
    bad_field("suffix", "'suffix' (fill-in-the-middle) is not supported.");
  }
  parse_generation(body, r.gen);
  if (!body.contains("max_tokens")) r.gen.max_tokens = 16;  // the OpenAI default for completions
  r.echo = get_bool(body, "echo", "").value_or(false);
  if (auto lp = get_int(body, "logprobs", "", 0, 5)) {
    r.logprobs = static_cast<int>(*lp);
    r.gen.sampling.logprobs = true;
    r.gen.sampling.n_top_logprobs = static_cast<int32_t>(*lp);
  }
  const size_t n_prompts = r.prompts.size() + r.prompt_ids.size();
  if (n_prompts * static_cast<size_t>(r.gen.n) > kMaxChoices) {
    bad_field("n", "The number of prompts times 'n' may not exceed 16.");
  }
  return r;
}

}  // namespace owl::server
