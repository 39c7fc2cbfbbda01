// The OpenAI request bodies owl serves, validated into plain structs (400s name the field).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sampling/sampling_params.h"
#include "server/api/fields.h"
#include "server/parsers/families.h"

namespace owl::server {

// Fields shared by chat and text completions.
struct GenerationOptions {
  SamplingParams sampling;
  int64_t max_tokens = -1;  // -1: until the context is full
  std::vector<std::string> stop;
  int n = 1;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

enum class ToolChoice { kAuto, kNone, kRequired, kNamed };
enum class ResponseFormat { kText, kJsonObject, kJsonSchema };

struct ChatRequest {
  std::string model;
  // Messages normalised for chat templates: role, content (string or null), plus tool_calls,
  // tool_call_id, name, reasoning_content when given. developer -> system; text parts joined.
  Json messages = Json::array();
  Json tools_json;  // as given (null when absent), passed to the template
  std::vector<ToolSpec> tools;
  ToolChoice tool_choice = ToolChoice::kAuto;
  std::string tool_name;  // kNamed
  ResponseFormat response_format = ResponseFormat::kText;
  Json schema;  // kJsonSchema
  std::optional<std::string> reasoning_effort;
  std::optional<int64_t> thinking_budget;  // owl extension: max reasoning tokens
  Json template_kwargs = Json::object();   // chat_template_kwargs (e.g. enable_thinking)
  bool logprobs = false;
  GenerationOptions gen;
};

struct CompletionRequest {
  std::string model;
  std::vector<std::string> prompts;              // text prompts, or
  std::vector<std::vector<int32_t>> prompt_ids;  // token prompts
  bool echo = false;
  int logprobs = -1;  // -1: none; else 0..5 alternatives
  GenerationOptions gen;
};

ChatRequest parse_chat_request(const Json& body);
CompletionRequest parse_completion_request(const Json& body);

}  // namespace owl::server
