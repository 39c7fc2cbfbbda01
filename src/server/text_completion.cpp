// POST /v1/completions: raw prompts (text or token ids), n choices each, legacy logprobs,
// echo, streamed as SSE or answered at once.
#include <fmt/format.h>

#include <chrono>

#include "server/api/api_error.h"
#include "server/api/responses.h"
#include "server/handler_util.h"
#include "server/openai_server.h"
#include "tokenizer/tokenizer.h"

namespace owl::server {

using Clock = std::chrono::steady_clock;

namespace {

struct TextChoice {
  std::string text;
  std::string echo;  // the prompt, when echoed
  std::vector<TokenLogprob> logprobs;
  std::string finish;
  FinishInfo info;
  int32_t tokens = 0;
};

}  // namespace

void OpenAIServer::completions(const http::Request& request, http::Responder& out) {
  const auto t0 = Clock::now();
  const CompletionRequest r = parse_completion_request(parse_body(request.body));
  check_model(r.model);
  const Tokenizer& tok = engine_.tokenizer();
  const int64_t ctx = engine_.context_length();

  std::vector<std::vector<int32_t>> prompts = r.prompt_ids;
  std::vector<std::string> prompt_texts;
  for (const std::string& p : r.prompts) {
    prompts.push_back(tok.encode(p, /*add_special=*/true, /*parse_special=*/true));
    prompt_texts.push_back(p);
  }
  for (size_t i = 0; i < r.prompt_ids.size(); ++i) {
    for (size_t k = 0; k < r.prompt_ids[i].size(); ++k) {
      if (r.prompt_ids[i][k] >= tok.n_vocab()) {
        bad_field("prompt",
                  fmt::format("Token id {} in 'prompt' is outside the vocabulary (size {}).",
                              r.prompt_ids[i][k], tok.n_vocab()));
      }
    }
    prompt_texts.insert(prompt_texts.begin() + static_cast<long>(i), tok.decode(r.prompt_ids[i]));
  }
  int64_t prompt_total = 0;
  for (std::vector<int32_t>& p : prompts) {
    if (p.empty() && tok.bos_id() >= 0) p.push_back(tok.bos_id());
    if (p.empty()) bad_field("prompt", "'prompt' is empty.");
    if (static_cast<int64_t>(p.size()) >= ctx) {
      throw ApiError(
          400,
          fmt::format("This model's maximum context length is {} tokens, however you requested "
                      "{} tokens in your prompt. Please reduce your prompt.",
                      ctx, p.size()),
          "invalid_request_error", "prompt", "context_length_exceeded");
    }
    prompt_total += static_cast<int64_t>(p.size());
  }

  InflightGuard guard(metrics_);
  admit();
  auto channel = std::make_shared<GenerationChannel>();
  std::vector<GenerationRequest> requests;
  std::vector<TextChoice> choices;
  for (size_t p = 0; p < prompts.size(); ++p) {
    for (int i = 0; i < r.gen.n; ++i) {
      ChoiceSetup s;
      s.choice = static_cast<int>(choices.size());
      s.prompt = prompts[p];
      const int64_t room = ctx - static_cast<int64_t>(prompts[p].size());
      s.max_tokens =
          static_cast<int32_t>(r.gen.max_tokens < 0 ? room : std::min(r.gen.max_tokens, room));
      s.sampling = r.gen.sampling;
      if (s.sampling.has_seed) s.sampling.seed += static_cast<uint64_t>(i);
      s.stop = r.gen.stop;
      s.want_logprobs = r.logprobs >= 0;
      requests.push_back(make_request(std::move(s), tok, channel));
      TextChoice c;
      if (r.echo) c.echo = prompt_texts[p];
      choices.push_back(std::move(c));
    }
  }

  const bool stream = r.gen.stream;
  Json base;
  base["id"] = new_response_id("cmpl-");
  base["object"] = "text_completion";
  base["created"] = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  base["model"] = model_id_;
  base["system_fingerprint"] = "owl";
  bool first_token = false;
  std::vector<bool> echoed(choices.size(), false);
  auto on_event = [&](const ChoiceEvent& e) {
    TextChoice& c = choices[static_cast<size_t>(e.choice)];
    if (!first_token && e.tokens > 0) {
      first_token = true;
      metrics_.first_token(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    const size_t offset = c.echo.size() + c.text.size();
    c.tokens += e.tokens;
    c.text += e.text;
    c.logprobs.insert(c.logprobs.end(), e.logprobs.begin(), e.logprobs.end());
    if (e.finished) {
      c.info = e.info;
      c.finish = finish_reason(e);
    }
    if (!stream || (e.finished && e.info.reason == FinishReason::kError)) return;
    if (!out.responded())
      out.begin_stream(200, "text/event-stream",
                       {{"Cache-Control", "no-cache"}, {"Access-Control-Allow-Origin", "*"}});
    std::string text = e.text;
    if (!echoed[static_cast<size_t>(e.choice)]) {
      text = c.echo + text;
      echoed[static_cast<size_t>(e.choice)] = true;
    }
    if (text.empty() && e.logprobs.empty() && !e.finished) return;
    Json chunk = base;
    Json choice;
    choice["text"] = text;
    choice["index"] = e.choice;
    choice["logprobs"] =
        r.logprobs >= 0 ? completion_logprobs_json(e.logprobs, offset) : Json(nullptr);
    choice["finish_reason"] = e.finished ? Json(c.finish) : Json(nullptr);
    chunk["choices"] = Json::array({std::move(choice)});
    if (r.gen.include_usage) chunk["usage"] = nullptr;
    out.write(sse(chunk));
  };
  if (!run_choices(engine_, std::move(requests), channel, out, on_event,
                   std::chrono::seconds(config_.request_timeout_s))) return;

  int64_t completion = 0;
  int64_t cached = 0;
  for (const TextChoice& c : choices) {
    completion += c.tokens;
    cached = std::max<int64_t>(cached, c.info.cached_tokens);
  }
  metrics_.tokens(prompt_total, completion);
  const Json usage = usage_json(prompt_total, completion, cached);
  const std::string* error = nullptr;
  for (const TextChoice& c : choices) {
    if (c.info.reason == FinishReason::kError && error == nullptr) error = &c.info.error;
  }
  if (end_failed_or_streamed(out, stream, error, r.gen.include_usage, base, usage)) return;
  Json body = base;
  body["choices"] = Json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const TextChoice& c = choices[i];
    Json choice;
    choice["text"] = c.echo + c.text;
    choice["index"] = i;
    choice["logprobs"] =
        r.logprobs >= 0 ? completion_logprobs_json(c.logprobs, c.echo.size()) : Json(nullptr);
    choice["finish_reason"] = c.finish;
    body["choices"].push_back(std::move(choice));
  }
  body["usage"] = usage;
  send_json(out, 200, body);
}

}  // namespace owl::server
