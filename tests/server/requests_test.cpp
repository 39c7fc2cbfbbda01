// Request validation on random and mutated bodies: every outcome is a parsed request or an
// ApiError(400) naming a field, never another exception.
#include "server/api/requests.h"

#include <gtest/gtest.h>

#include <random>

#include "server/api/api_error.h"

namespace owl::server {
namespace {

Json random_value(std::mt19937& rng, int depth) {
  switch (rng() % (depth > 2 ? 6 : 8)) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<int64_t>(rng() % 2000) - 1000;
    case 3: return (rng() % 1000) / 37.0;
    case 4: return std::string(rng() % 4, static_cast<char>('a' + rng() % 26));
    case 5: return "user";
    case 6: {
      Json a = Json::array();
      for (int i = rng() % 3; i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      static const char* kKeys[] = {"role", "content", "type", "text", "name", "function", "arguments",
                                    "parameters", "schema", "json_schema", "tool_calls", "id"};
      Json o = Json::object();
      for (int i = rng() % 3; i > 0; --i) o[kKeys[rng() % 12]] = random_value(rng, depth + 1);
      return o;
    }
  }
}

TEST(Requests, RandomBodiesGiveRequestsOrFieldErrors) {
  static const char* kFields[] = {"model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens",
                                  "stop", "seed", "n", "stream", "stream_options", "logprobs", "top_logprobs",
                                  "tools", "tool_choice", "response_format", "reasoning_effort", "thinking_budget",
                                  "chat_template_kwargs", "prompt", "echo", "suffix", "presence_penalty"};
  std::mt19937 rng(11);
  int ok = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    Json body = {{"model", "m"}, {"messages", Json::array({{{"role", "user"}, {"content", "hi"}}})}, {"prompt", "x"}};
    for (int k = rng() % 4; k >= 0; --k) body[kFields[rng() % 23]] = random_value(rng, 0);
    for (bool chat : {true, false}) {
      try {
        if (chat) {
          parse_chat_request(body);
        } else {
          parse_completion_request(body);
        }
        ++ok;
      } catch (const ApiError& e) {
        ASSERT_EQ(e.status(), 400) << body.dump();
        ASSERT_FALSE(std::string(e.what()).empty());
        ++rejected;
      }
    }
  }
  EXPECT_GT(ok, 1000);
  EXPECT_GT(rejected, 1000);
}

TEST(Requests, ValidRequestFields) {
  const ChatRequest r = parse_chat_request(Json::parse(R"({"model": "m", "messages": [
      {"role": "developer", "content": "d"},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
        "function": {"name": "f", "arguments": "{\"a\": 1}"}}]},
      {"role": "tool", "tool_call_id": "c1", "content": "r"}],
      "max_completion_tokens": 7, "stop": "x", "seed": -1, "n": 2, "temperature": 0,
      "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
      "tool_choice": {"type": "function", "function": {"name": "f"}},
      "response_format": {"type": "json_object"}, "reasoning_effort": "low", "thinking_budget": 9,
      "logprobs": true, "top_logprobs": 3, "stream": true, "stream_options": {"include_usage": true}})"));
  EXPECT_EQ(r.messages[0]["role"], "system");
  EXPECT_TRUE(r.messages[1]["content"].is_null());
  EXPECT_EQ(r.messages[1]["tool_calls"][0]["function"]["arguments"], "{\"a\": 1}");
  EXPECT_EQ(r.messages[2]["tool_call_id"], "c1");
  EXPECT_EQ(r.gen.max_tokens, 7);
  EXPECT_EQ(r.gen.stop, std::vector<std::string>{"x"});
  EXPECT_TRUE(r.gen.sampling.has_seed);
  EXPECT_EQ(r.gen.n, 2);
  EXPECT_EQ(r.gen.sampling.temperature, 0.0f);
  EXPECT_EQ(r.tool_choice, ToolChoice::kNamed);
  EXPECT_EQ(r.tool_name, "f");
  EXPECT_EQ(r.response_format, ResponseFormat::kJsonObject);
  EXPECT_EQ(*r.thinking_budget, 9);
  EXPECT_EQ(r.gen.sampling.n_top_logprobs, 3);
  EXPECT_TRUE(r.gen.stream && r.gen.include_usage);
}

}  // namespace
}  // namespace owl::server
