// Routing, authentication and the small endpoints of the OpenAI-compatible server.
#include "server/openai_server.h"

#include <chrono>

#include "base/error.h"
#include "base/log.h"
#include "server/api/api_error.h"
#include "server/api/responses.h"
#include "server/handler_util.h"
#include "server/parsers/text_scan.h"
#include "server/template_renderer.h"
#include "tokenizer/tokenizer.h"

namespace owl::server {

using Clock = std::chrono::steady_clock;

namespace {

const http::Headers kCors = {{"Access-Control-Allow-Origin", "*"}};

std::string token_text(const Tokenizer& t, int32_t id) {
  return id >= 0 ? std::string(t.token_text(id)) : std::string();
}

}  // namespace

void send_json(http::Responder& out, int status, const Json& body) {
  out.send(status, "application/json", dump_json(body), kCors);
}

std::string finish_reason(const ChoiceEvent& e) {
  if (e.stopped_by_string) return "stop";
  // A cancelled choice that still reports (the request's time limit ran out) was cut short.
  return e.info.reason == FinishReason::kLength || e.info.reason == FinishReason::kCancelled
             ? "length"
             : "stop";
}

bool run_choices(Engine& engine, std::vector<GenerationRequest> requests,
                 const std::shared_ptr<GenerationChannel>& channel, http::Responder& out,
                 const std::function<void(const ChoiceEvent&)>& on_event,
                 std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  std::vector<uint64_t> ids;
  for (GenerationRequest& r : requests) {
    const uint64_t id = engine.submit(std::move(r));
    if (id == 0) {
      channel->cancel();
      for (uint64_t other : ids) engine.cancel(other);
      throw ApiError(503, "The server is overloaded (the generation queue is full). Retry later.",
                     "server_error", "", "server_overloaded");
    }
    ids.push_back(id);
  }
  size_t pending = ids.size();
  while (pending > 0) {
    for (const ChoiceEvent& e : channel->wait(std::chrono::milliseconds(50))) {
      on_event(e);
      if (e.finished) --pending;
    }
    if (pending > 0 && !timed_out && timeout.count() > 0 && std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      OWL_LOG_WARN("serve: a request ran past its {} s limit; its choices are cut short", timeout.count());
      for (uint64_t id : ids) engine.cancel(id);
    }
    if (pending > 0 && out.client_gone()) {
      channel->cancel();
      for (uint64_t id : ids) engine.cancel(id);
      return false;
    }
  }
  return true;
}

bool end_failed_or_streamed(http::Responder& out, bool stream, const std::string* error,
                            bool include_usage, const Json& base, const Json& usage) {
  if (error != nullptr) {
    const ApiError err(500, "Generation failed: " + *error, "server_error");
    if (!stream || !out.responded()) throw err;
    out.write("data: " + err.body() + "\n\n");
    out.end_stream();
    return true;
  }
  if (!stream) return false;
  if (include_usage) {
    Json c = base;
    c["choices"] = Json::array();
    c["usage"] = usage;
    out.write(sse(c));
  }
  out.write("data: [DONE]\n\n");
  out.end_stream();
  return true;
}

OpenAIServer::OpenAIServer(Engine& engine, ServerConfig config)
    : engine_(engine),
      config_(std::move(config)),
      model_id_(config_.model_alias.empty() ? engine.model_name() : config_.model_alias),
      template_(engine.chat_template()),
      format_(ChatFormat::detect(template_)),
      constraints_(engine.tokenizer()) {
  if (!config_.renderer) config_.renderer = default_chat_renderer();
  const Tokenizer& t = engine.tokenizer();
  template_tokens_.bos = token_text(t, t.bos_id());
  template_tokens_.eos = token_text(t, t.eos_id());
  created_ = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  http_ = std::make_unique<http::Server>(
      config_.http, [this](const http::Request& r, http::Responder& w) { handle(r, w); });
}

OpenAIServer::~OpenAIServer() { stop(); }

void OpenAIServer::start() {
  http_->start();
  OWL_LOG_INFO("serve: model '{}' (chat format {}{}) on http://{}:{}", model_id_, format_.name(),
               format_.think_tags ? ", <think> reasoning" : "", config_.http.host, http_->port());
}

void OpenAIServer::stop() {
  if (http_) http_->stop();
}

bool OpenAIServer::authorized(const http::Request& request) const {
  if (config_.api_key.empty()) return true;
  const std::string* auth = request.header("authorization");
  if (auth == nullptr) return false;
  const std::string expected = "Bearer " + config_.api_key;
  if (auth->size() != expected.size()) return false;
  unsigned diff = 0;  // constant-time comparison
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>((*auth)[i] ^ expected[i]);
  return diff == 0;
}

void OpenAIServer::check_model(const std::string& model) const {
  if (model != model_id_ && model != engine_.model_name()) {
    throw ApiError(404, "The model `" + model + "` does not exist or you do not have access to it.",
                   "invalid_request_error", "model", "model_not_found");
  }
}

void OpenAIServer::handle(const http::Request& request, http::Responder& out) {
  const auto t0 = Clock::now();
  std::string endpoint = "other";
  try {
    route(request, out, endpoint);
  } catch (const ApiError& e) {
    if (!out.responded()) out.send(e.status(), "application/json", e.body(), kCors);
  } catch (const std::exception& e) {
    OWL_LOG_WARN("serve: {} {} failed: {}", request.method, request.path, e.what());
    const ApiError err(500, std::string("Internal error: ") + e.what(), "server_error");
    if (!out.responded()) out.send(500, "application/json", err.body(), kCors);
  }
  metrics_.request_done(endpoint, out.status(),
                        std::chrono::duration<double>(Clock::now() - t0).count());
}

void OpenAIServer::route(const http::Request& request, http::Responder& out,
                         std::string& endpoint) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  if (method == "OPTIONS") {
    endpoint = "options";
    out.send(204, "", "",
             {{"Access-Control-Allow-Origin", "*"},
              {"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
              {"Access-Control-Allow-Headers", "Authorization, Content-Type"}});
    return;
  }
  if (path == "/health" || path == "/v1/health") {
    endpoint = "health";
    send_json(out, 200, {{"status", "ok"}});
    return;
  }
  if (path == "/metrics") {
    endpoint = "metrics";
    out.send(200, "text/plain; version=0.0.4", metrics_.render(engine_.stats()), kCors);
    return;
  }
  if (!authorized(request)) {
    throw ApiError(401, "Incorrect API key provided. Send it as 'Authorization: Bearer <key>'.",
                   "invalid_request_error", "", "invalid_api_key");
  }
  struct Route {
    const char* path;
    const char* method;
    void (OpenAIServer::*fn)(const http::Request&, http::Responder&);
    const char* name;
  };
  static const Route kRoutes[] = {
      {"/v1/chat/completions", "POST", &OpenAIServer::chat_completions, "chat_completions"},
      {"/chat/completions", "POST", &OpenAIServer::chat_completions, "chat_completions"},
      {"/v1/completions", "POST", &OpenAIServer::completions, "completions"},
      {"/completions", "POST", &OpenAIServer::completions, "completions"},
      {"/v1/models", "GET", &OpenAIServer::models, "models"},
      {"/tokenize", "POST", &OpenAIServer::tokenize, "tokenize"},
      {"/detokenize", "POST", &OpenAIServer::detokenize, "detokenize"},
  };
  for (const Route& r : kRoutes) {
    if (path != r.path) continue;
    endpoint = r.name;
    if (method != r.method && !(method == "HEAD" && std::string(r.method) == "GET")) {
      throw ApiError(405,
                     "Method " + method + " not allowed for " + path + "; use " + r.method + ".",
                     "invalid_request_error", "", "method_not_allowed");
    }
    (this->*r.fn)(request, out);
    return;
  }
  if (path.rfind("/v1/models/", 0) == 0 && (method == "GET" || method == "HEAD")) {
    endpoint = "models";
    const std::string id = path.substr(11);
    check_model(id);
    send_json(out, 200,
              {{"id", model_id_}, {"object", "model"}, {"created", created_}, {"owned_by", "owl"}});
    return;
  }
  throw ApiError(404, "Unknown request URL: " + method + " " + path + ".", "invalid_request_error",
                 "", "unknown_url");
}

void OpenAIServer::models(const http::Request&, http::Responder& out) {
  Json model;
  model["id"] = model_id_;
  model["object"] = "model";
  model["created"] = created_;
  model["owned_by"] = "owl";
  model["context_length"] = engine_.context_length();
  send_json(out, 200, {{"object", "list"}, {"data", Json::array({model})}});
}

void OpenAIServer::tokenize(const http::Request& request, http::Responder& out) {
  const Json body = parse_body(request.body);
  auto content = get_string(body, "content", "");
  if (!content) content = get_string(body, "prompt", "");
  if (!content) bad_field("content", "Missing required parameter: 'content'.");
  const bool add_special = get_bool(body, "add_special", "").value_or(false);
  const bool with_pieces = get_bool(body, "with_pieces", "").value_or(false);
  const Tokenizer& t = engine_.tokenizer();
  const std::vector<int32_t> ids = t.encode(*content, add_special, /*parse_special=*/true);
  Json tokens = Json::array();
  for (int32_t id : ids) {
    if (with_pieces) {
      tokens.push_back({{"id", id}, {"piece", t.decode({id})}});
    } else {
      tokens.push_back(id);
    }
  }
  send_json(out, 200, {{"tokens", tokens}});
}

void OpenAIServer::detokenize(const http::Request& request, http::Responder& out) {
  const Json body = parse_body(request.body);
  const Json* tokens = get_array(body, "tokens", "");
  if (tokens == nullptr) bad_field("tokens", "Missing required parameter: 'tokens'.");
  const Tokenizer& t = engine_.tokenizer();
  std::vector<int32_t> ids;
  for (size_t i = 0; i < tokens->size(); ++i) {
    const Json& v = (*tokens)[i];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= t.n_vocab()) {
      bad_field(index_path("tokens", i), "'" + index_path("tokens", i) +
                                             "' is not a token id of this model (0.." +
                                             std::to_string(t.n_vocab() - 1) + ")");
    }
    ids.push_back(v.get<int32_t>());
  }
  send_json(out, 200, {{"content", t.decode(ids)}});
}

}  // namespace owl::server

namespace owl::server {

void OpenAIServer::admit() {
  const int limit = config_.parallel + config_.max_queued;
  if (metrics_.inflight() > limit) {
    throw ApiError(
        429, "Too many requests in flight (limit " + std::to_string(limit) + "). Retry later.",
        "requests", "", "rate_limit_exceeded");
  }
}

}  // namespace owl::server
