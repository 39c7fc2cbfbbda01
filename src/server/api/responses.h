// JSON pieces of OpenAI responses: usage, logprobs (chat and legacy completions), tool calls,
// assistant messages and streaming chunks.
#pragma once

#include <string>
#include <vector>

#include "server/api/fields.h"
#include "server/generation.h"
#include "server/parsers/output_parser.h"

namespace owl::server {

Json usage_json(int64_t prompt, int64_t completion, int64_t cached, int64_t reasoning = -1);
// {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}]}
Json chat_logprobs_json(const std::vector<TokenLogprob>& entries);
// {"tokens", "token_logprobs", "top_logprobs", "text_offset"} (legacy completions)
Json completion_logprobs_json(const std::vector<TokenLogprob>& entries, size_t text_offset);
Json tool_call_json(const ToolCall& call);
// The final assistant message of a non-streamed chat completion.
Json assistant_message_json(const ParsedMessage& message);
// The delta chunks a MessageDelta becomes when streaming (tool calls: name, then arguments).
std::vector<Json> delta_json(const MessageDelta& delta, int& next_tool_index);

// "chatcmpl-..." / "cmpl-..." ids.
std::string new_response_id(const char* prefix);
std::string sse(const Json& data);  // "data: {...}\n\n"

}  // namespace owl::server
