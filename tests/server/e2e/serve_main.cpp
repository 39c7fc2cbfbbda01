// owl_test_serve: loads a model, builds the batching engine and runs run_serve_command, printing
// "listening <port>" once bound. The end-to-end tests start it as a child process (until the lead's
// `owl serve` subcommand wraps the same calls).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "base/error.h"
#include "base/thread_pool.h"
#include "model/loader.h"
#include "runtime/batch_engine.h"
#include "server/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Serve a model over the OpenAI API (test harness)", "owl_test_serve"};
  std::string model_path, tokenizer_path;
  owl::server::ServeOptions o;
  o.port = 0;
  o.threads = 1;
  app.add_option("model", model_path)->required();
  app.add_option("--tokenizer", tokenizer_path);
  owl::server::add_serve_flags(app, o);
  CLI11_PARSE(app, argc, argv);
  try {
    owl::LoadOptions lo;
    lo.tokenizer_path = tokenizer_path;
    std::unique_ptr<owl::Model> model = owl::load_model(model_path, lo);
    owl::ThreadPool pool(o.threads > 0 ? o.threads : 1);
    owl::EngineOptions eo;
    eo.n_slots = o.parallel;
    eo.slot_context = o.ctx;
    if (model->config().context_length > 0) eo.slot_context = std::min(eo.slot_context, model->config().context_length);
    owl::BatchEngine engine(*model, eo, pool);
    engine.start();
    o.on_listening = [](int port) {
      std::printf("listening %d\n", port);
      std::fflush(stdout);
    };
    const int rc = owl::server::run_serve_command(engine, o);
    engine.stop();
    return rc;
  } catch (const owl::Error& e) {
    std::fprintf(stderr, "owl_test_serve: %s\n", e.what());
    return 2;
  }
}
