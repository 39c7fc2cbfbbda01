// owl serve (OpenAI-compatible HTTP server) and owl chat (terminal chat): load the model, build
// the continuous-batching engine and hand it to the server library (src/server/commands.h).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/thread_pool.h"
#include "cli_util.h"
#include "commands.h"
#include "model/loader.h"
#include "runtime/batch_engine.h"
#include "server/commands.h"

namespace owl::cli {
namespace {

// The positions each sequence may use: the request, capped by the model's trained context.
int32_t slot_context(const Model& model, int32_t requested) {
  const int32_t trained = model.config().context_length;
  return trained > 0 ? std::min(requested, trained) : requested;
}

std::unique_ptr<Model> load_for_serving(const std::string& path, const std::string& tokenizer) {
  LoadOptions lo;
  lo.tokenizer_path = tokenizer;
  return load_model(path, lo);
}

}  // namespace

int serve_command(int argc, char** argv) {
  CLI::App app{"Serve a model over the OpenAI API (chat/completions, completions, models, tokenize).",
               "owl serve"};
  std::string model_path, tokenizer_path;
  server::ServeOptions o;
  o.threads = default_thread_count();
  app.add_option("model", model_path, "model: .gguf file, Hugging Face folder, or llama2.c .bin")
      ->required();
  app.add_option("--tokenizer", tokenizer_path, "tokenizer file for llama2.c checkpoints");
  server::add_serve_flags(app, o);
  std::string kv_type = "f32";
  add_kv_type_flag(app, kv_type);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.parallel < 1) fail("--parallel must be >= 1");
  if (o.ctx < 16) fail("--ctx must be >= 16");
  if (o.threads < 1) o.threads = default_thread_count();
  std::unique_ptr<Model> model = load_for_serving(model_path, tokenizer_path);
  ThreadPool pool(o.threads);
  EngineOptions eo;
  eo.n_slots = o.parallel;
  eo.slot_context = slot_context(*model, o.ctx);
  eo.kv_type = kv_type_from_flag(kv_type);
  o.ctx = eo.slot_context;
  BatchEngine engine(*model, eo, pool);
  engine.start();
  o.on_listening = [&](int port) {
    std::printf("owl serve: listening on http://%s:%d/v1 (model %s, %d sequences x %d positions, %d threads)\n",
                o.host.c_str(), port, engine.model_name().c_str(), eo.n_slots, eo.slot_context,
                o.threads);
    std::fflush(stdout);
  };
  const int rc = server::run_serve_command(engine, o);
  engine.stop();
  return rc;
}

int chat_command(int argc, char** argv) {
  CLI::App app{"Chat with a model in the terminal using its chat template (/reset, /exit).",
               "owl chat"};
  std::string model_path, tokenizer_path;
  server::ChatOptions o;
  int32_t threads = default_thread_count();
  int32_t ctx = 4096;
  app.add_option("model", model_path, "model: .gguf file, Hugging Face folder, or llama2.c .bin")
      ->required();
  app.add_option("--tokenizer", tokenizer_path, "tokenizer file for llama2.c checkpoints");
  app.add_option("--system", o.system, "system prompt");
  app.add_option("-n,--max-tokens", o.max_tokens, "tokens per answer (-1: until the context is full)")
      ->capture_default_str();
  app.add_option("--temp", o.temperature, "temperature (default: the model's)");
  app.add_option("-c,--ctx", ctx, "context length of the conversation")->capture_default_str();
  app.add_option("-t,--threads", threads, "threads")->capture_default_str();
  bool hide_reasoning = false;
  std::string kv_type = "f32";
  add_kv_type_flag(app, kv_type);
  app.add_flag("--hide-reasoning", hide_reasoning, "do not print the model's reasoning");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (threads < 1) fail("-t must be >= 1");
  if (ctx < 16) fail("--ctx must be >= 16");
  o.show_reasoning = !hide_reasoning;
  std::unique_ptr<Model> model = load_for_serving(model_path, tokenizer_path);
  ThreadPool pool(threads);
  EngineOptions eo;
  eo.n_slots = 1;
  eo.slot_context = slot_context(*model, ctx);
  eo.kv_type = kv_type_from_flag(kv_type);
  BatchEngine engine(*model, eo, pool);
  engine.start();
  const int rc = server::run_chat_command(engine, o, std::cin, std::cout);
  engine.stop();
  return rc;
}

}  // namespace owl::cli
