// The `owl serve` and `owl chat` front ends as library functions over an Engine the caller has
// loaded (the CLI in apps/cli parses the model arguments and builds the engine).
#pragma once

#include <atomic>
#include <functional>
#include <iosfwd>
#include <string>

#include "runtime/engine.h"
#include "server/chat_prompt.h"

namespace CLI {
class App;
}

namespace owl::server {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string api_key;  // empty: taken from $OWL_API_KEY; still empty: no authentication
  int parallel = 8;     // engine batch size (the engine is built with it; sizes queue limits)
  int ctx = 8192;       // context per sequence (engine setting, reported here)
  int threads = 0;      // engine threads (engine setting, reported here)
  std::string alias;    // model name in the API
  int max_queued = 64;
  int timeout_s = 600;  // per generation request, seconds (0: no limit)
  size_t max_body_bytes = 16u << 20;
  ChatRenderer renderer;  // default: owl's Jinja2 interpreter
  // For embedding and tests: stop when this becomes true; learn the bound port.
  const std::atomic<bool>* stop = nullptr;
  std::function<void(int port)> on_listening;
};

// Registers --host, --port, --api-key, --parallel, --ctx, -t/--threads, --alias on a CLI11 app.
void add_serve_flags(CLI::App& app, ServeOptions& options);

// Serves the OpenAI API until SIGINT/SIGTERM (or options.stop). Returns the process exit code
// (2 when the address cannot be bound, with the reason on stderr).
int run_serve_command(Engine& engine, const ServeOptions& options);

struct ChatOptions {
  std::string system;          // optional system prompt
  int max_tokens = -1;         // per answer (-1: until the context is full)
  float temperature = -1.0f;   // < 0: the engine's default
  bool show_reasoning = true;  // print reasoning_content (dimmed) before the answer
  ChatRenderer renderer;       // default: owl's Jinja2 interpreter
};

// Interactive chat: reads lines from `in`, answers on `out` as tokens arrive. "/reset" clears
// the conversation, "/exit" (or end of input) quits. Returns the exit code.
int run_chat_command(Engine& engine, const ChatOptions& options, std::istream& in,
                     std::ostream& out);

}  // namespace owl::server
