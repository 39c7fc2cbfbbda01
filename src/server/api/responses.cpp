// Response JSON construction.
#include "server/api/responses.h"

#include <atomic>
#include <chrono>
#include <random>

#include "server/parsers/text_scan.h"

namespace owl::server {

Json usage_json(int64_t prompt, int64_t completion, int64_t cached, int64_t reasoning) {
  Json u;
  u["prompt_tokens"] = prompt;
  u["completion_tokens"] = completion;
  u["total_tokens"] = prompt + completion;
  u["prompt_tokens_details"]["cached_tokens"] = cached;
  if (reasoning >= 0) u["completion_tokens_details"]["reasoning_tokens"] = reasoning;
  return u;
}

namespace {

Json bytes_json(const std::string& s) {
  Json b = Json::array();
  for (unsigned char c : s) b.push_back(static_cast<int>(c));
  return b;
}

}  // namespace

Json chat_logprobs_json(const std::vector<TokenLogprob>& entries) {
  Json content = Json::array();
  for (const TokenLogprob& e : entries) {
    Json item;
    item["token"] = e.token;
    item["logprob"] = e.logprob;
    item["bytes"] = bytes_json(e.token);
    item["top_logprobs"] = Json::array();
    for (const auto& [token, logprob] : e.top) {
      item["top_logprobs"].push_back(
          {{"token", token}, {"logprob", logprob}, {"bytes", bytes_json(token)}});
    }
    content.push_back(std::move(item));
  }
  Json out;
  out["content"] = std::move(content);
  return out;
}

Json completion_logprobs_json(const std::vector<TokenLogprob>& entries, size_t text_offset) {
  Json out;
  out["tokens"] = Json::array();
  out["token_logprobs"] = Json::array();
  out["top_logprobs"] = Json::array();
  out["text_offset"] = Json::array();
  for (const TokenLogprob& e : entries) {
    out["tokens"].push_back(e.token);
    out["token_logprobs"].push_back(e.logprob);
    Json top = Json::object();
    for (const auto& [token, logprob] : e.top) top[token] = logprob;
    out["top_logprobs"].push_back(std::move(top));
    out["text_offset"].push_back(text_offset);
    text_offset += e.token.size();
  }
  return out;
}

Json tool_call_json(const ToolCall& call) {
  Json j;
  j["id"] = call.id;
  j["type"] = "function";
  j["function"]["name"] = call.name;
  j["function"]["arguments"] = call.arguments;
  return j;
}

Json assistant_message_json(const ParsedMessage& m) {
  Json msg;
  msg["role"] = "assistant";
  msg["content"] = m.content.empty() && !m.tool_calls.empty() ? Json(nullptr) : Json(m.content);
  if (!m.reasoning.empty()) msg["reasoning_content"] = m.reasoning;
  if (!m.tool_calls.empty()) {
    msg["tool_calls"] = Json::array();
    for (const ToolCall& c : m.tool_calls) msg["tool_calls"].push_back(tool_call_json(c));
  }
  return msg;
}

std::vector<Json> delta_json(const MessageDelta& d, int& next_tool_index) {
  std::vector<Json> out;
  if (!d.reasoning.empty()) out.push_back({{"reasoning_content", d.reasoning}});
  if (!d.content.empty()) out.push_back({{"content", d.content}});
  for (const ToolCall& c : d.tool_calls) {
    Json head;
    head["index"] = next_tool_index;
    head["id"] = c.id;
    head["type"] = "function";
    head["function"]["name"] = c.name;
    head["function"]["arguments"] = "";
    out.push_back({{"tool_calls", Json::array({head})}});
    Json args;
    args["index"] = next_tool_index;
    args["function"]["arguments"] = c.arguments;
    out.push_back({{"tool_calls", Json::array({args})}});
    ++next_tool_index;
  }
  return out;
}

std::string new_response_id(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t seed =
      std::random_device{}() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint64_t x = seed + 0x9e3779b97f4a7c15ull * (counter.fetch_add(1) + 1);
  std::string id = prefix;
  for (int i = 0; i < 24; ++i) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 29;
    id.push_back(kAlphabet[x % 62]);
  }
  return id;
}

std::string sse(const Json& data) { return "data: " + dump_json(data) + "\n\n"; }

}  // namespace owl::server
