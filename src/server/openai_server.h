// The OpenAI-compatible HTTP API over an Engine: /v1/chat/completions, /v1/completions,
// /v1/models, /health, /metrics, /tokenize, /detokenize. Requests are validated (400 naming the
// field), authenticated when a key is set (401), rejected when the model is unknown (404), when
// too many are in flight (429) or the engine queue is full (503). Streaming uses SSE; a client
// that disconnects cancels its generation.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "runtime/engine.h"
#include "server/chat_prompt.h"
#include "server/constraint_factory.h"
#include "server/http/http_server.h"
#include "server/metrics.h"
#include "server/parsers/chat_format.h"

namespace owl::server {

struct ServerConfig {
  http::ServerOptions http;
  std::string api_key;      // empty: no authentication
  std::string model_alias;  // the model's name in the API (default: Engine::model_name())
  int parallel = 8;         // sequences the engine batches (sizes the limits below)
  int max_queued = 64;      // generation requests allowed to wait beyond `parallel` (then 429)
  int request_timeout_s = 600;  // a generation running longer is cut short (0: no limit)
  ChatRenderer renderer;    // the chat-template renderer; without it, ChatML is used
};

class OpenAIServer {
 public:
  OpenAIServer(Engine& engine, ServerConfig config);
  ~OpenAIServer();

  void start();  // binds and serves on background threads
  void stop();
  int port() const { return http_->port(); }
  const std::string& model_id() const { return model_id_; }
  const ChatFormat& format() const { return format_; }

  // Routes one request (also used directly by tests).
  void handle(const http::Request& request, http::Responder& out);

 private:
  void route(const http::Request& request, http::Responder& out, std::string& endpoint);
  bool authorized(const http::Request& request) const;
  void check_model(const std::string& model) const;
  void chat_completions(const http::Request& request, http::Responder& out);
  void completions(const http::Request& request, http::Responder& out);
  void models(const http::Request& request, http::Responder& out);
  void tokenize(const http::Request& request, http::Responder& out);
  void detokenize(const http::Request& request, http::Responder& out);
  // Reserves an in-flight slot or throws 429.
  void admit();

  Engine& engine_;
  ServerConfig config_;
  std::string model_id_;
  std::string template_;
  ChatFormat format_;
  TemplateTokens template_tokens_;
  ConstraintFactory constraints_;
  Metrics metrics_;
  int64_t created_ = 0;
  std::unique_ptr<http::Server> http_;
  friend class GenerationSession;
  friend class CompletionSession;
};

}  // namespace owl::server
