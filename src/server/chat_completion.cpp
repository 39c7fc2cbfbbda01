// POST /v1/chat/completions: template the messages, run n choices with the request's
// constraints, parse the output into content / reasoning_content / tool_calls, and answer in
// one JSON body or as SSE chunks.
#include <fmt/format.h>

#include <chrono>

#include "base/error.h"
#include "server/api/api_error.h"
#include "server/api/responses.h"
#include "server/handler_util.h"
#include "server/openai_server.h"
#include "tokenizer/tokenizer.h"

namespace owl::server {

using Clock = std::chrono::steady_clock;

namespace {

struct ChatChoice {
  std::unique_ptr<OutputParser> parser;
  ParsedMessage message;
  std::vector<TokenLogprob> logprobs;
  std::vector<TokenLogprob> unsent_logprobs;  // streaming: not yet attached to a chunk
  bool role_sent = false;
  int tool_index = 0;
  bool finished = false;
  std::string finish;
  FinishInfo info;
  int32_t tokens = 0;
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void OpenAIServer::chat_completions(const http::Request& request, http::Responder& out) {
  const auto t0 = Clock::now();
  const ChatRequest r = parse_chat_request(parse_body(request.body));
  check_model(r.model);
  const Tokenizer& tok = engine_.tokenizer();

  const Json vars = chat_template_vars(r, format_, template_tokens_);
  std::string prompt;
  if (template_.empty()) {  // no chat template: ChatML
    prompt = render_chatml(vars);
  } else {
    try {
      prompt = config_.renderer(template_, vars);
    } catch (const Error& e) {
      throw ApiError(400, std::string("The chat template failed on these messages: ") + e.what(),
                     "invalid_request_error", "messages");
    }
  }
  const std::vector<int32_t> ids = tokenize_prompt(tok, prompt);
  const int64_t ctx = engine_.context_length();
  if (static_cast<int64_t>(ids.size()) >= ctx) {
    throw ApiError(
        400,
        fmt::format("This model's maximum context length is {} tokens. However, your messages "
                    "resulted in {} tokens. Please reduce the length of the messages.",
                    ctx, ids.size()),
        "invalid_request_error", "messages", "context_length_exceeded");
  }
  const int64_t room = ctx - static_cast<int64_t>(ids.size());
  const auto max_tokens =
      static_cast<int32_t>(r.gen.max_tokens < 0 ? room : std::min(r.gen.max_tokens, room));
  const bool reasoning_open = format_.reasoning_open(prompt);

  ParserOptions po;
  po.reasoning_open = reasoning_open;
  po.parse_tools = !r.tools.empty() && r.tool_choice != ToolChoice::kNone;
  for (const ToolSpec& t : r.tools) po.tool_parameters[t.name] = t.parameters;

  InflightGuard guard(metrics_);
  admit();
  auto channel = std::make_shared<GenerationChannel>();
  std::vector<GenerationRequest> requests;
  std::vector<ChatChoice> choices(static_cast<size_t>(r.gen.n));
  const uint64_t id_seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  for (int i = 0; i < r.gen.n; ++i) {
    ChoiceSetup s;
    s.choice = i;
    s.prompt = ids;
    s.max_tokens = max_tokens;
    s.sampling = r.gen.sampling;
    if (s.sampling.has_seed) s.sampling.seed += static_cast<uint64_t>(i);
    s.stop = r.gen.stop;
    s.constraint = constraints_.for_chat(r, format_, format_.thinking(prompt));
    s.want_logprobs = r.logprobs;
    requests.push_back(make_request(std::move(s), tok, channel));
    po.id_seed = id_seed * 31 + static_cast<uint64_t>(i);
    choices[static_cast<size_t>(i)].parser = format_.make_parser(po);
  }

  const bool stream = r.gen.stream;
  Json base;
  base["id"] = new_response_id("chatcmpl-");
  base["object"] = stream ? "chat.completion.chunk" : "chat.completion";
  base["created"] = unix_now();
  base["model"] = model_id_;
  base["system_fingerprint"] = "owl";
  auto chunk = [&](int index, Json delta, Json logprobs, Json finish) {
    Json c = base;
    Json choice;
    choice["index"] = index;
    choice["delta"] = std::move(delta);
    choice["logprobs"] = std::move(logprobs);
    choice["finish_reason"] = std::move(finish);
    c["choices"] = Json::array({std::move(choice)});
    if (r.gen.include_usage) c["usage"] = nullptr;
    return sse(c);
  };
  bool first_token = false;
  auto on_event = [&](const ChoiceEvent& e) {
    ChatChoice& c = choices[static_cast<size_t>(e.choice)];
    if (!first_token && e.tokens > 0) {
      first_token = true;
      metrics_.first_token(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    c.tokens += e.tokens;
    for (const TokenLogprob& lp : e.logprobs) {
      c.logprobs.push_back(lp);
      c.unsent_logprobs.push_back(lp);
    }
    MessageDelta d = c.parser->feed(e.text);
    if (e.finished) {
      d.append(c.parser->finish());
      c.finished = true;
      c.info = e.info;
      c.finish = finish_reason(e);
    }
    c.message.add(d);
    if (c.finished && !c.message.tool_calls.empty() && c.finish == "stop") c.finish = "tool_calls";
    if (!stream || (e.finished && e.info.reason == FinishReason::kError)) return;
    if (!out.responded())
      out.begin_stream(200, "text/event-stream",
                       {{"Cache-Control", "no-cache"}, {"Access-Control-Allow-Origin", "*"}});
    if (!c.role_sent) {
      out.write(chunk(e.choice, {{"role", "assistant"}, {"content", ""}}, nullptr, nullptr));
      c.role_sent = true;
    }
    for (Json& piece : delta_json(d, c.tool_index)) {
      Json lp = nullptr;
      if (r.logprobs && !c.unsent_logprobs.empty()) {
        lp = chat_logprobs_json(c.unsent_logprobs);
        c.unsent_logprobs.clear();
      }
      out.write(chunk(e.choice, std::move(piece), std::move(lp), nullptr));
    }
    if (c.finished) {
      Json lp = r.logprobs && !c.unsent_logprobs.empty() ? chat_logprobs_json(c.unsent_logprobs)
                                                         : Json(nullptr);
      out.write(chunk(e.choice, Json::object(), std::move(lp), c.finish));
    }
  };
  if (!run_choices(engine_, std::move(requests), channel, out, on_event,
                   std::chrono::seconds(config_.request_timeout_s))) return;  // client gone

  int64_t completion = 0;
  for (const ChatChoice& c : choices) completion += c.tokens;
  const int64_t prompt_tokens = choices[0].info.prompt_tokens > 0
                                    ? choices[0].info.prompt_tokens
                                    : static_cast<int64_t>(ids.size());
  metrics_.tokens(prompt_tokens, completion);
  const Json usage = usage_json(prompt_tokens, completion, choices[0].info.cached_tokens);
  const std::string* error = nullptr;
  for (const ChatChoice& c : choices) {
    if (c.info.reason == FinishReason::kError && error == nullptr) error = &c.info.error;
  }
  if (end_failed_or_streamed(out, stream, error, r.gen.include_usage, base, usage)) return;
  Json body = base;
  body["choices"] = Json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const ChatChoice& c = choices[i];
    Json choice;
    choice["index"] = i;
    choice["message"] = assistant_message_json(c.message);
    choice["logprobs"] = r.logprobs ? chat_logprobs_json(c.logprobs) : Json(nullptr);
    choice["finish_reason"] = c.finish;
    body["choices"].push_back(std::move(choice));
  }
  body["usage"] = usage;
  send_json(out, 200, body);
}

}  // namespace owl::server
