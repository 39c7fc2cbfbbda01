// The OpenAI API over a fake engine: response shapes, streaming, stop strings, limits, errors
// (each status and the field it names), authentication, cancellation on disconnect, and the
// tokenize / models / health / metrics endpoints.
#include <gtest/gtest.h>

#include <thread>

#include "server/server_fixture.h"

namespace owl::testing {
namespace {

const auto kHello = [](const std::string&) {
  return std::string("Hello world, the weather in Paris is mild.");
};

TEST_F(ServerTest, ChatCompletionShape) {
  start(kHello);
  const Reply r = post("/v1/chat/completions", chat("Hi"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["object"], "chat.completion");
  EXPECT_EQ(r.json["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(r.json["model"], "fake-model");
  EXPECT_TRUE(r.json["created"].is_number_integer());
  const Json& choice = r.json["choices"][0];
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["message"]["role"], "assistant");
  EXPECT_EQ(choice["message"]["content"], "Hello world, the weather in Paris is mild.");
  EXPECT_FALSE(choice["message"].contains("tool_calls"));
  EXPECT_EQ(choice["finish_reason"], "stop");
  EXPECT_TRUE(choice["logprobs"].is_null());
  const Json& usage = r.json["usage"];
  EXPECT_EQ(usage["prompt_tokens"].get<int>(),
            static_cast<int>(engine_->tokenizer().encode(engine_->prompts[0], false).size()));
  EXPECT_EQ(usage["completion_tokens"].get<int>() + usage["prompt_tokens"].get<int>(),
            usage["total_tokens"].get<int>());
  EXPECT_GT(usage["completion_tokens"].get<int>(), 5);
  // No chat template: ChatML.
  EXPECT_EQ(engine_->prompts[0], "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST_F(ServerTest, MessagesAreNormalised) {
  start(kHello);
  Json body = chat("ignored");
  body["messages"] = Json::parse(R"([
      {"role": "developer", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": "Part one."}, {"type": "text", "text": "Part two."}]}])");
  ASSERT_EQ(post("/v1/chat/completions", body).status, 200);
  EXPECT_EQ(engine_->prompts[0],
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nPart one.\nPart "
            "two.<|im_end|>\n<|im_start|>assistant\n");
}

TEST_F(ServerTest, StreamingMatchesNonStreaming) {
  start(kHello);
  const Reply whole = post("/v1/chat/completions", chat("Hi"));
  const Reply r =
      post("/v1/chat/completions",
           chat("Hi", {{"stream", true}, {"stream_options", {{"include_usage", true}}}}));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "text/event-stream");
  const auto events = sse_events(r.body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string content;
  std::string finish;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const Json c = Json::parse(events[i]);
    EXPECT_EQ(c["id"], Json::parse(events[0])["id"]);
    if (c["choices"].empty()) {  // the usage chunk
      EXPECT_EQ(i, events.size() - 2);
      EXPECT_EQ(c["usage"], whole.json["usage"]);
      continue;
    }
    EXPECT_EQ(c["object"], "chat.completion.chunk");
    EXPECT_TRUE(c.contains("usage") && c["usage"].is_null());
    const Json& d = c["choices"][0]["delta"];
    if (i == 0) {
      EXPECT_EQ(d["role"], "assistant");
    }
    if (d.contains("content")) content += d["content"].get<std::string>();
    if (!c["choices"][0]["finish_reason"].is_null()) finish = c["choices"][0]["finish_reason"];
  }
  EXPECT_EQ(content, whole.json["choices"][0]["message"]["content"]);
  EXPECT_EQ(finish, "stop");
}

TEST_F(ServerTest, StopStringsAcrossTokensNeverEmitted) {
  start(kHello);
  for (bool stream : {false, true}) {
    const Reply r =
        post("/v1/chat/completions",
             chat("Hi", {{"stop", Json::array({"ather i", "zzz"})}, {"stream", stream}}));
    ASSERT_EQ(r.status, 200);
    std::string content;
    if (stream) {
      for (const std::string& e : sse_events(r.body)) {
        if (e == "[DONE]") continue;
        const Json c = Json::parse(e);
        if (c["choices"][0]["delta"].contains("content"))
          content += c["choices"][0]["delta"]["content"].get<std::string>();
      }
    } else {
      content = r.json["choices"][0]["message"]["content"];
      EXPECT_EQ(r.json["choices"][0]["finish_reason"], "stop");
    }
    EXPECT_EQ(content, "Hello world, the we") << stream;
  }
  EXPECT_GE(engine_->stopped_by_callback.load(), 2);  // generation ended at the match
}

TEST_F(ServerTest, MaxTokensGivesLength) {
  start(kHello);
  const Reply r = post("/v1/chat/completions", chat("Hi", {{"max_completion_tokens", 3}}));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(r.json["usage"]["completion_tokens"], 3);
  EXPECT_EQ(r.json["choices"][0]["message"]["content"],
            "Hello world, ");  // "Hello", " world", ", "
}

TEST_F(ServerTest, SeveralChoicesAndLogprobs) {
  start(kHello);
  const Reply r =
      post("/v1/chat/completions", chat("Hi", {{"n", 3}, {"logprobs", true}, {"top_logprobs", 2}}));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["choices"].size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const Json& c = r.json["choices"][i];
    EXPECT_EQ(c["index"], i);
    const Json& lp = c["logprobs"]["content"];
    ASSERT_GT(lp.size(), 0u);
    EXPECT_EQ(lp[0]["token"], "Hello");
    EXPECT_EQ(lp[0]["bytes"], Json::parse("[72,101,108,108,111]"));
    EXPECT_EQ(lp[0]["top_logprobs"].size(), 2u);
    std::string joined;
    for (const Json& e : lp) joined += e["token"].get<std::string>();
    EXPECT_EQ(joined, c["message"]["content"]);
  }
  EXPECT_EQ(r.json["usage"]["completion_tokens"].get<int>() % 3, 0);
}

TEST_F(ServerTest, ValidationErrorsNameTheField) {
  start(kHello);
  struct Case {
    Json body;
    const char* param;
  };
  const Case cases[] = {
      {Json::parse(R"({"model": "fake-model"})"), "messages"},
      {Json::parse(R"({"model": "fake-model", "messages": []})"), "messages"},
      {Json::parse(R"({"model": "fake-model", "messages": [{"role": "wizard", "content": "x"}]})"),
       "messages[0].role"},
      {Json::parse(R"({"model": "fake-model", "messages": [{"role": "user"}]})"),
       "messages[0].content"},
      {Json::parse(R"({"model": "fake-model", "messages": [{"role": "user", "content": 5}]})"),
       "messages[0].content"},
      {Json::parse(
           R"({"model": "fake-model", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]})"),
       "messages[0].content[0].type"},
      {Json::parse(R"({"model": "fake-model", "messages": [{"role": "tool", "content": "x"}]})"),
       "messages[0].tool_call_id"},
      {chat("x", {{"temperature", "hot"}}), "temperature"},
      {chat("x", {{"temperature", 3}}), "temperature"},
      {chat("x", {{"max_tokens", 0}}), "max_tokens"},
      {chat("x", {{"n", 1.5}}), "n"},
      {chat("x", {{"stop", Json::array({1})}}), "stop[0]"},
      {chat("x", {{"top_logprobs", 3}}), "top_logprobs"},
      {chat("x", {{"tool_choice", "required"}}), "tool_choice"},
      {chat("x", {{"tools",
                   Json::parse(R"([{"type": "function", "function": {"name": "bad name"}}])")}}),
       "tools[0].function.name"},
      {chat("x", {{"response_format", {{"type", "xml"}}}}), "response_format.type"},
      {chat("x",
            {{"response_format",
              Json::parse(
                  R"({"type": "json_schema", "json_schema": {"schema": {"type": "strin"}}})")}}),
       "response_format.json_schema.schema"},
      {chat("x", {{"reasoning_effort", "extreme"}}), "reasoning_effort"},
      {Json::parse(R"({"messages": [{"role": "user", "content": "x"}]})"), "model"},
  };
  for (const Case& c : cases) {
    const Reply r = post("/v1/chat/completions", c.body);
    EXPECT_EQ(r.status, 400) << c.body.dump() << " -> " << r.body;
    ASSERT_TRUE(r.json.contains("error")) << r.body;
    EXPECT_EQ(r.json["error"]["param"], c.param) << r.body;
    EXPECT_EQ(r.json["error"]["type"], "invalid_request_error");
    EXPECT_TRUE(r.json["error"].contains("code"));
    EXPECT_FALSE(r.json["error"]["message"].get<std::string>().empty());
  }
}

TEST_F(ServerTest, MalformedBodiesGet400) {
  start(kHello);
  for (const char* body : {"{not json", "[1,2]", "", "\"x\"",
                           "{\"model\": \"fake-model\", \"messages\": [{\"role\": \"user\", "
                           "\"content\": \"\xff\xfe\"}]}"}) {
    const Reply r = post_raw("/v1/chat/completions", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_TRUE(r.json["error"]["message"].is_string()) << r.body;
  }
}

TEST_F(ServerTest, UnknownModelIs404) {
  start(kHello);
  const Reply r = post("/v1/chat/completions", chat("x", {{"model", "gpt-9"}}));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json["error"]["code"], "model_not_found");
  EXPECT_EQ(r.json["error"]["param"], "model");
  EXPECT_EQ(get("/v1/models/gpt-9").status, 404);
  EXPECT_EQ(get("/v1/models/fake-model").json["id"], "fake-model");
}

TEST_F(ServerTest, UnknownUrlAndMethod) {
  start(kHello);
  EXPECT_EQ(get("/v1/nothing").status, 404);
  EXPECT_EQ(get("/v1/nothing").json["error"]["code"], "unknown_url");
  EXPECT_EQ(get("/v1/chat/completions").status, 405);
}

TEST_F(ServerTest, ApiKey) {
  server::ServerConfig c;
  c.api_key = "sekrit";
  start(kHello, "", c);
  EXPECT_EQ(post("/v1/chat/completions", chat("x")).status, 401);
  const Reply wrong = post("/v1/chat/completions", chat("x"), "Authorization: Bearer nope\r\n");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json["error"]["code"], "invalid_api_key");
  EXPECT_EQ(get("/v1/models").status, 401);
  EXPECT_EQ(post("/v1/chat/completions", chat("x"), "Authorization: Bearer sekrit\r\n").status,
            200);
  EXPECT_EQ(get("/health").status, 200);  // health stays open for probes
}

TEST_F(ServerTest, BodyLimit413) {
  server::ServerConfig c;
  c.http.max_body_bytes = 1000;
  start(kHello, "", c);
  const Reply r = post("/v1/chat/completions", chat(std::string(2000, 'a')));
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(r.json["error"]["message"].is_string());
}

TEST_F(ServerTest, ContextOverflowIsExplained) {
  start(kHello, "", {}, 64);
  const Reply r = post("/v1/chat/completions", chat(std::string(200, 'a')));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["error"]["code"], "context_length_exceeded");
  EXPECT_NE(
      r.json["error"]["message"].get<std::string>().find("maximum context length is 64 tokens"),
      std::string::npos);
  // Fits, but max_tokens is clamped to the room left.
  const Reply ok = post("/v1/chat/completions", chat("a", {{"max_tokens", 1000}}));
  EXPECT_EQ(ok.status, 200);
}

class FullQueueTest : public ServerTest {
  void configure(FakeEngine& e) override { e.capacity = 0; }
};

TEST_F(FullQueueTest, QueueFullIs503) {
  start(kHello);
  const Reply r = post("/v1/chat/completions", chat("x"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.json["error"]["code"], "server_overloaded");
}

class SlowEngineTest : public ServerTest {
  void configure(FakeEngine& e) override { e.token_delay = std::chrono::milliseconds(20); }
};

TEST_F(SlowEngineTest, TooManyInFlightIs429) {
  server::ServerConfig c;
  c.parallel = 1;
  c.max_queued = 1;  // at most 2 in flight
  start([](const std::string&) { return std::string(40, 'x'); }, "", c);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, limited{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      const Reply r = post("/v1/chat/completions", chat("x"));
      if (r.status == 200) ++ok;
      if (r.status == 429) {
        ++limited;
        EXPECT_EQ(r.json["error"]["code"], "rate_limit_exceeded");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(ok.load(), 1);
  EXPECT_GE(limited.load(), 1);
  EXPECT_EQ(ok.load() + limited.load(), 8);
}

// A generation that runs past the server's per-request limit is cut short: the engine is asked to
// cancel it and the answer ends with what was written so far, finish_reason "length".
TEST_F(SlowEngineTest, RequestTimeoutCutsTheAnswerShort) {
  server::ServerConfig c;
  c.request_timeout_s = 1;
  start([](const std::string&) { return std::string(500, 'x'); }, "", c);  // 10 s of tokens
  const auto t0 = std::chrono::steady_clock::now();
  const Reply r = post("/v1/chat/completions", chat("x"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_LT(seconds, 5.0);
  EXPECT_EQ(r.json["choices"][0]["finish_reason"], "length");
  const std::string content = r.json["choices"][0]["message"]["content"];
  EXPECT_GT(content.size(), 5u);
  EXPECT_LT(content.size(), 500u);
  EXPECT_EQ(engine_->cancelled.size(), 1u);
}

TEST_F(SlowEngineTest, DisconnectMidStreamCancels) {
  start([](const std::string&) { return std::string(500, 'x'); });
  {
    TestConnection c(server_->port());
    const std::string body = chat("x", {{"stream", true}}).dump();
    c.send(
        "POST /v1/chat/completions HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    HttpReply head;
    ASSERT_TRUE(c.read_head(head, 3000));
    std::string chunk;
    ASSERT_TRUE(c.read_chunk(chunk, 3000));
    ASSERT_TRUE(c.read_chunk(chunk, 3000));
  }  // the client goes away
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (engine_->finished_cancelled.load() + engine_->stopped_by_callback.load() == 0 &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(engine_->finished_cancelled.load() + engine_->stopped_by_callback.load(), 1);
  EXPECT_LT(engine_->stats().generated_tokens_total, 400);  // it did not run to the end
}

TEST_F(ServerTest, ModelsHealthMetrics) {
  server::ServerConfig c;
  c.model_alias = "my-alias";
  start(kHello, "", c);
  const Reply m = get("/v1/models");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.json["object"], "list");
  EXPECT_EQ(m.json["data"][0]["id"], "my-alias");
  EXPECT_EQ(m.json["data"][0]["object"], "model");
  EXPECT_EQ(get("/health").json["status"], "ok");
  ASSERT_EQ(post("/v1/chat/completions", chat("x", {{"model", "my-alias"}})).status, 200);
  // Accounting happens right after the reply is written: poll briefly.
  Reply metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = get("/metrics");
    if (metrics.body.find("chat_completions\",status=\"200\"} 1") != std::string::npos &&
        metrics.body.find("owl_requests_inflight 0") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(metrics.status, 200);
  for (const char* name :
       {"owl_requests_total{endpoint=\"chat_completions\",status=\"200\"} 1",
        "owl_generated_tokens_total", "owl_engine_queue_depth", "owl_engine_tokens_per_second",
        "owl_time_to_first_token_seconds_bucket{le=\"+Inf\"} 1", "owl_requests_inflight 0"}) {
    EXPECT_NE(metrics.body.find(name), std::string::npos) << name << "\n" << metrics.body;
  }
}

TEST_F(ServerTest, TokenizeDetokenize) {
  start(kHello);
  const Reply t = post("/tokenize", {{"content", "Hello world<|im_end|>"}, {"with_pieces", true}});
  ASSERT_EQ(t.status, 200) << t.body;
  ASSERT_EQ(t.json["tokens"].size(), 3u);
  EXPECT_EQ(t.json["tokens"][1]["piece"], " world");
  Json ids = Json::array();
  for (const Json& x : t.json["tokens"]) ids.push_back(x["id"]);
  EXPECT_EQ(post("/detokenize", {{"tokens", ids}}).json["content"], "Hello world<|im_end|>");
  EXPECT_EQ(post("/detokenize", {{"tokens", Json::array({99999})}}).status, 400);
}

TEST_F(ServerTest, TextCompletions) {
  start([](const std::string& prompt) {
    return prompt == "Once" ? std::string(" upon a time") : std::string("?");
  });
  Reply r = post("/v1/completions",
                 {{"model", "fake-model"}, {"prompt", "Once"}, {"echo", true}, {"logprobs", 1}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["object"], "text_completion");
  EXPECT_EQ(r.json["choices"][0]["text"], "Once upon a time");
  EXPECT_EQ(r.json["choices"][0]["logprobs"]["text_offset"][0], 4);
  const Json ids = Json::array({79, 110, 99, 101});  // "Once" as byte tokens
  r = post("/v1/completions", {{"model", "fake-model"}, {"prompt", ids}, {"max_tokens", 2}});
  EXPECT_EQ(r.json["choices"][0]["text"], " u");
  EXPECT_EQ(r.json["choices"][0]["finish_reason"], "length");
  r = post("/v1/completions", {{"model", "fake-model"}, {"prompt", "Once"}, {"stream", true}});
  std::string text;
  for (const std::string& e : sse_events(r.body)) {
    if (e != "[DONE]") text += Json::parse(e)["choices"][0]["text"].get<std::string>();
  }
  EXPECT_EQ(text, " upon a time");
  EXPECT_EQ(post("/v1/completions", {{"model", "fake-model"}}).json["error"]["param"], "prompt");
  EXPECT_EQ(post("/v1/completions", {{"model", "fake-model"}, {"prompt", Json::array({-1})}})
                .json["error"]["param"],
            "prompt[0]");
}

TEST_F(ServerTest, ConcurrentClients) {
  start(kHello);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const Reply r = post("/v1/chat/completions", chat("Hi", {{"stream", i % 2 == 0}}));
        ok += r.status == 200;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
}

}  // namespace
}  // namespace owl::testing
