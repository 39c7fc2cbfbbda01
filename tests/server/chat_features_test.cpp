// Chat features through real chat templates (rendered by Python's Jinja2 as transformers does):
// template variables checked against the reference renderings in shared/vectors, reasoning and
// tool calls parsed from scripted outputs (also streamed), tool_choice, response_format and the
// thinking budget enforced through the engine's TokenConstraint.
#include <gtest/gtest.h>

#include <fstream>

#include "constrain/schema_validator.h"
#include "server/jinja_renderer.h"
#include "server/server_fixture.h"
#include "server/template_renderer.h"

namespace owl::testing {
namespace {

std::string shared_file(const std::string& rel) {
  return read_all(std::string(OWL_SHARED_DIR) + "/" + rel);
}

std::string qwen3_template() {
  return Json::parse(shared_file("tokenizers/qwen3/tokenizer_config.json"))["chat_template"];
}

server::ServerConfig jinja_config() {
  server::ServerConfig c;
  c.renderer = render_with_jinja2;
  return c;
}

const Json kWeatherTool = Json::parse(R"({"type": "function", "function": {"name": "get_weather",
    "description": "Get the weather", "parameters": {"type": "object", "properties": {
    "location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "required": ["location"]}}})");

// The vectors' conversations sent through the API must reach the engine exactly as the
// reference rendered them (the server adapts OpenAI messages to each template).
class PromptRenderingTest : public ServerTest, public ::testing::WithParamInterface<bool> {};

TEST_P(PromptRenderingTest, PromptsMatchReferenceRenderings) {
  struct Set {
    const char* vectors;
    const char* source;
  };
  const Set sets[] = {
      {"qwen3", "tokenizers/qwen3/tokenizer_config.json"},
      {"qwen2.5", "tokenizers/qwen2.5/chat_template.Qwen-Qwen2.5-7B-Instruct.jinja"},
      {"glm-4.6", "tokenizers/glm-4.6/chat_template.GLM-4.6.jinja"},
      {"minimax-m2", "tokenizers/minimax-m2/chat_template.MiniMax-M2.jinja"},
      {"kimi-k2", "tokenizers/kimi-k2/chat_template.Kimi-K2-Instruct.jinja"},
      {"gpt-oss", "tokenizers/gpt-oss/chat_template.openai-gpt-oss-120b.jinja"},
  };
  int checked = 0;
  for (const Set& set : sets) {
    std::string source = shared_file(set.source);
    if (std::string(set.source).find(".json") != std::string::npos)
      source = Json::parse(source)["chat_template"];
    // GetParam(): owl's own Jinja2 interpreter (the default) or Python's Jinja2.
    server::ServerConfig config = jinja_config();
    if (GetParam())
      config.renderer = server::default_chat_renderer("2026-03-14T15:09:26");  // the vectors' clock
    start([](const std::string&) { return std::string("ok"); }, source, config);
    std::ifstream in(std::string(OWL_SHARED_DIR) + "/vectors/templates/" + set.vectors + ".jsonl");
    std::string line;
    while (std::getline(in, line)) {
      const Json v = Json::parse(line);
      if (!v.contains("rendered") || !v["add_generation_prompt"].get<bool>()) continue;
      if (!v["bos_token"].is_null() && source.find("bos_token") != std::string::npos) continue;
      Json body = {{"model", "fake-model"}, {"messages", Json::array()}, {"max_tokens", 1}};
      for (Json m : v["messages"]) {
        if (m.contains("thinking")) {
          m["reasoning_content"] = m["thinking"];
          m.erase("thinking");
        }
        if (m.contains("tool_calls")) {
          for (Json& c : m["tool_calls"]) {
            if (!c["function"]["arguments"].is_string())
              c["function"]["arguments"] = c["function"]["arguments"].dump();
          }
        }
        body["messages"].push_back(m);
      }
      if (!v["tools"].is_null()) body["tools"] = v["tools"];
      Json kwargs = v["extra"];
      if (kwargs.contains("reasoning_effort")) {
        body["reasoning_effort"] = kwargs["reasoning_effort"];
        kwargs.erase("reasoning_effort");
      }
      body["chat_template_kwargs"] = kwargs;
      const size_t before = engine_->prompts.size();
      const Reply r = post("/v1/chat/completions", body);
      ASSERT_EQ(r.status, 200) << set.vectors << " " << v["id"] << ": " << r.body;
      ASSERT_EQ(engine_->prompts.size(), before + 1);
      EXPECT_EQ(engine_->prompts.back(), v["rendered"].get<std::string>())
          << set.vectors << " " << v["id"];
      ++checked;
    }
    TearDown();
  }
  EXPECT_GE(checked, 30);
}

INSTANTIATE_TEST_SUITE_P(Renderers, PromptRenderingTest, ::testing::Values(true, false),
                         [](const auto& info) {
                           return info.param ? "owl_template" : "python_jinja2";
                         });

TEST_F(ServerTest, Qwen3ReasoningAndToolCall) {
  start(
      [](const std::string&) {
        return std::string(
            "<think>\nThe user wants Paris weather.\n</think>\n\n<tool_call>\n{\"name\": "
            "\"get_weather\", "
            "\"arguments\": {\"location\": \"Paris\"}}\n</tool_call>");
      },
      qwen3_template(), jinja_config());
  const Json body = chat("Weather in Paris?", {{"tools", Json::array({kWeatherTool})}});
  const Reply r = post("/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const Json& msg = r.json["choices"][0]["message"];
  EXPECT_TRUE(msg["content"].is_null());
  EXPECT_EQ(msg["reasoning_content"], "The user wants Paris weather.");
  ASSERT_EQ(msg["tool_calls"].size(), 1u);
  EXPECT_EQ(msg["tool_calls"][0]["type"], "function");
  EXPECT_EQ(msg["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(msg["tool_calls"][0]["function"]["arguments"], R"({"location":"Paris"})");
  EXPECT_EQ(r.json["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_NE(engine_->prompts.back().find("<tools>"), std::string::npos);

  // Streamed: reasoning deltas, then the call as index/id/name then arguments.
  Json streamed = body;
  streamed["stream"] = true;
  const Reply s = post("/v1/chat/completions", streamed);
  std::string reasoning, args, name, id, finish;
  for (const std::string& e : sse_events(s.body)) {
    if (e == "[DONE]") continue;
    const Json c = Json::parse(e);
    const Json& d = c["choices"][0]["delta"];
    if (d.contains("reasoning_content")) reasoning += d["reasoning_content"].get<std::string>();
    if (d.contains("tool_calls")) {
      EXPECT_EQ(d["tool_calls"][0]["index"], 0);
      if (d["tool_calls"][0].contains("id")) {
        id = d["tool_calls"][0]["id"];
        name = d["tool_calls"][0]["function"]["name"];
      }
      args += d["tool_calls"][0]["function"]["arguments"].get<std::string>();
    }
    if (!c["choices"][0]["finish_reason"].is_null()) finish = c["choices"][0]["finish_reason"];
  }
  EXPECT_EQ(reasoning, "The user wants Paris weather.");
  EXPECT_EQ(name, "get_weather");
  EXPECT_EQ(id.rfind("call_", 0), 0u);
  EXPECT_EQ(args, R"({"location":"Paris"})");
  EXPECT_EQ(finish, "tool_calls");
}

TEST_F(ServerTest, ToolChoiceRequiredForcesAValidCall) {
  start([](const std::string&) { return std::string("I would rather just chat."); },
        qwen3_template(), jinja_config());
  for (const Json& choice :
       {Json("required"),
        Json::parse(R"({"type": "function", "function": {"name": "get_weather"}})")}) {
    const Reply r = post("/v1/chat/completions",
                         chat("Weather?", {{"tools", Json::array({kWeatherTool})},
                                           {"tool_choice", choice},
                                           {"chat_template_kwargs", {{"enable_thinking", false}}},
                                           {"seed", 3}}));
    ASSERT_EQ(r.status, 200) << r.body;
    const Json& msg = r.json["choices"][0]["message"];
    ASSERT_EQ(msg["tool_calls"].size(), 1u) << r.body;
    EXPECT_EQ(msg["tool_calls"][0]["function"]["name"], "get_weather");
    const Json args = Json::parse(msg["tool_calls"][0]["function"]["arguments"].get<std::string>());
    const Json& schema = kWeatherTool["function"]["parameters"];
    EXPECT_EQ(validate_schema(args, schema, schema), "") << args.dump();
    EXPECT_EQ(r.json["choices"][0]["finish_reason"], "tool_calls");
  }
}

TEST_F(ServerTest, ToolChoiceNoneKeepsToolsOut) {
  start(
      [](const std::string&) {
        return std::string(
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>");
      },
      qwen3_template(), jinja_config());
  const Reply r =
      post("/v1/chat/completions",
           chat("x", {{"tools", Json::array({kWeatherTool})}, {"tool_choice", "none"}}));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(engine_->prompts.back().find("<tools>"), std::string::npos);
  EXPECT_FALSE(r.json["choices"][0]["message"].contains("tool_calls"));
  EXPECT_EQ(r.json["choices"][0]["message"]["content"].get<std::string>().rfind("<tool_call>", 0),
            0u);
}

TEST_F(ServerTest, JsonSchemaOutputAfterReasoning) {
  const Json schema =
      Json::parse(R"({"type": "object", "properties": {"city": {"type": "string", "maxLength": 12},
      "temp": {"type": "integer"}, "sunny": {"type": "boolean"}}, "required": ["city", "temp", "sunny"],
      "additionalProperties": false})");
  start(
      [](const std::string&) {
        return std::string("<think>\nok\n</think>\n\nThe answer is not JSON");
      },
      qwen3_template(), jinja_config());
  for (int seed = 0; seed < 5; ++seed) {
    const Reply r = post(
        "/v1/chat/completions",
        chat("Weather as JSON",
             {{"seed", seed},
              {"response_format",
               {{"type", "json_schema"}, {"json_schema", {{"name", "w"}, {"schema", schema}}}}}}));
    ASSERT_EQ(r.status, 200) << r.body;
    const Json& msg = r.json["choices"][0]["message"];
    EXPECT_EQ(msg["reasoning_content"], "ok");
    const Json parsed = Json::parse(msg["content"].get<std::string>(), nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << msg["content"];
    EXPECT_EQ(validate_schema(parsed, schema, schema), "") << msg["content"];
  }
  // json_object with thinking disabled: the template closes <think> in the prompt.
  const Reply r = post("/v1/chat/completions",
                       chat("x", {{"response_format", {{"type", "json_object"}}},
                                  {"chat_template_kwargs", {{"enable_thinking", false}}}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(
      Json::parse(r.json["choices"][0]["message"]["content"].get<std::string>()).is_object());
}

TEST_F(ServerTest, ThinkingBudgetClosesReasoning) {
  start(
      [](const std::string&) {
        return std::string("<think>\nalpha beta gamma delta epsilon\n</think>\n\nDone.");
      },
      qwen3_template(), jinja_config());
  const Reply r =
      post("/v1/chat/completions", chat("x", {{"thinking_budget", 5}, {"max_tokens", 40}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const Json& msg = r.json["choices"][0]["message"];
  EXPECT_EQ(msg["reasoning_content"], "alph");  // 5 tokens after <think>: "\n" + 4 bytes
  EXPECT_EQ(msg["content"].get<std::string>().find("epsilon"), std::string::npos);
  // Without a budget the reasoning runs its course.
  const Reply free = post("/v1/chat/completions", chat("x"));
  EXPECT_EQ(free.json["choices"][0]["message"]["reasoning_content"],
            "alpha beta gamma delta epsilon");
  EXPECT_EQ(free.json["choices"][0]["message"]["content"], "Done.");
}

TEST_F(ServerTest, HarmonyChannels) {
  start(
      [](const std::string&) {
        return std::string(
            "<|channel|>analysis<|message|>Simple "
            "sum.<|end|><|start|>assistant<|channel|>final<|message|>2 + 2 = 4.");
      },
      shared_file("tokenizers/gpt-oss/chat_template.openai-gpt-oss-120b.jinja"), jinja_config());
  const Reply r =
      post("/v1/chat/completions", chat("What is 2+2?", {{"reasoning_effort", "high"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["choices"][0]["message"]["reasoning_content"], "Simple sum.");
  EXPECT_EQ(r.json["choices"][0]["message"]["content"], "2 + 2 = 4.");
  EXPECT_NE(engine_->prompts.back().find("Reasoning: high"), std::string::npos);
}

TEST_F(ServerTest, Llama3JsonToolCall) {
  start(
      [](const std::string&) {
        return std::string("{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Oslo\"}}");
      },
      shared_file("tokenizers/llama-3.1/chat_template.meta-llama-Llama-3.1-8B-Instruct.jinja"),
      jinja_config());
  const Reply r = post("/v1/chat/completions",
                       chat("Weather in Oslo?", {{"tools", Json::array({kWeatherTool})}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
            R"({"location":"Oslo"})");
}

TEST_F(ServerTest, TemplateErrorsAre400) {
  start([](const std::string&) { return std::string("ok"); },
        shared_file("tokenizers/mistral-v0.3/chat_template.v3_spm.jinja"), jinja_config());
  Json body = chat("x");
  body["messages"] = Json::parse(R"([{"role": "assistant", "content": "first"}])");
  const Reply r = post("/v1/chat/completions", body);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.json["error"]["message"].get<std::string>().find(
                "Conversation must start with a user message"),
            std::string::npos);
  EXPECT_EQ(r.json["error"]["param"], "messages");
}

}  // namespace
}  // namespace owl::testing
