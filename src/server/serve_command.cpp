// owl serve: flags, signal handling and the server's lifetime.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "base/error.h"
#include "server/commands.h"
#include "server/openai_server.h"

namespace owl::server {
namespace {

std::atomic<bool> g_signalled{false};

extern "C" void on_signal(int) { g_signalled = true; }

}  // namespace

void add_serve_flags(CLI::App& app, ServeOptions& o) {
  app.add_option("--host", o.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", o.port, "Port to listen on (0: any free port)")->capture_default_str();
  app.add_option("--api-key", o.api_key,
                 "Require 'Authorization: Bearer KEY' (default: $OWL_API_KEY)");
  app.add_option("--parallel", o.parallel, "Sequences decoded together (continuous batching)")
      ->capture_default_str();
  app.add_option("--ctx", o.ctx, "Context length per sequence")->capture_default_str();
  app.add_option("-t,--threads", o.threads, "Compute threads (0: all cores)")
      ->capture_default_str();
  app.add_option("--alias", o.alias, "Model name reported by the API");
  app.add_option("--timeout", o.timeout_s,
                 "Seconds a generation may run before it is cut short (0: no limit)")
      ->capture_default_str();
}

int run_serve_command(Engine& engine, const ServeOptions& options) {
  ServerConfig config;
  config.http.host = options.host;
  config.http.port = options.port;
  config.http.max_body_bytes = options.max_body_bytes;
  // Every queued generation holds a connection; leave room for cheap requests besides.
  config.http.max_connections = options.parallel + options.max_queued + 32;
  config.api_key = options.api_key;
  if (config.api_key.empty()) {
    if (const char* env = std::getenv("OWL_API_KEY")) config.api_key = env;
  }
  config.model_alias = options.alias;
  config.parallel = options.parallel;
  config.request_timeout_s = options.timeout_s;
  config.max_queued = options.max_queued;
  config.renderer = options.renderer;
  OpenAIServer server(engine, std::move(config));
  try {
    server.start();
  } catch (const Error& e) {
    std::cerr << "owl serve: " << e.what() << "\n";
    return 2;
  }
  std::cerr << "owl serve: " << server.model_id() << " on http://" << options.host << ":"
            << server.port() << " (context " << engine.context_length() << ", parallel "
            << options.parallel << ")\n";
  if (options.on_listening) options.on_listening(server.port());
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  struct sigaction old_int {
  }, old_term{};
  const bool own_signals = options.stop == nullptr;
  if (own_signals) {
    g_signalled = false;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
  }
  while (!g_signalled && !(options.stop != nullptr && options.stop->load())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (own_signals) {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
  std::cerr << "owl serve: shutting down\n";
  server.stop();
  return 0;
}

}  // namespace owl::server
