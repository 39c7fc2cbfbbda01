// owl run: generate from a prompt (text or ids), streaming tokens to stdout, timings to stderr.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>

#include "base/error.h"
#include "base/thread_pool.h"
#include "cli_util.h"
#include "commands.h"
#include "model/loader.h"
#include "runtime/batch_engine.h"

namespace owl::cli {

int run_command(int argc, char** argv) {
  CLI::App app{"Generate text from a prompt. Tokens stream to stdout; timings go to stderr.", "owl run"};
  std::string model_path, prompt, ids_text, tokenizer_path;
  int32_t n_predict = 128;
  int32_t threads = default_thread_count();
  int32_t ctx = 0;
  bool print_ids = false;
  std::string kv_type = "f32";
  bool ignore_eos = false;
  SamplingParams sp;
  sp.repeat_penalty = 1.0f;
  app.add_option("model", model_path, "model: .gguf file, Hugging Face folder, or llama2.c .bin")->required();
  app.add_option("-p,--prompt", prompt, "prompt text");
  app.add_option("--ids", ids_text, "prompt as token ids (comma separated) instead of text");
  app.add_option("-n,--n-predict", n_predict, "tokens to generate")->capture_default_str();
  app.add_option("--temp", sp.temperature, "temperature (0: greedy)")->capture_default_str();
  app.add_option("--top-k", sp.top_k, "top-k (0: off)")->capture_default_str();
  app.add_option("--top-p", sp.top_p, "top-p (1: off)")->capture_default_str();
  app.add_option("--min-p", sp.min_p, "min-p (0: off)")->capture_default_str();
  app.add_option("--repeat-penalty", sp.repeat_penalty, "repetition penalty (1: off)")->capture_default_str();
  app.add_option("--repeat-last-n", sp.repeat_last_n, "penalty window (-1: all)")->capture_default_str();
  app.add_option("--presence-penalty", sp.presence_penalty, "presence penalty")->capture_default_str();
  app.add_option("--frequency-penalty", sp.frequency_penalty, "frequency penalty")->capture_default_str();
  auto* seed_opt = app.add_option("--seed", sp.seed, "random seed (default: random)");
  app.add_option("-t,--threads", threads, "threads")->capture_default_str();
  app.add_option("-c,--ctx", ctx, "context length (default: prompt + n)");
  app.add_option("--tokenizer", tokenizer_path, "tokenizer file for llama2.c checkpoints");
  add_kv_type_flag(app, kv_type);
  app.add_flag("--print-ids", print_ids, "print generated token ids instead of text");
  app.add_flag("--ignore-eos", ignore_eos, "keep generating past end-of-generation tokens");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  sp.has_seed = seed_opt->count() > 0;
  if (n_predict < 0) fail("-n must be >= 0");
  if (threads < 1) fail("-t must be >= 1");

  const double t_load = monotonic_seconds();
  LoadOptions lo;
  lo.tokenizer_path = tokenizer_path;
  std::unique_ptr<Model> model = load_model(model_path, lo);
  const double load_s = monotonic_seconds() - t_load;
  const Tokenizer& tok = model->tokenizer();

  std::vector<int32_t> prompt_ids;
  if (!ids_text.empty()) {
    if (!prompt.empty()) fail("give either -p or --ids, not both");
    prompt_ids = parse_ids(ids_text);
  } else {
    prompt_ids = tok.encode(prompt, /*add_special=*/true);
  }
  if (prompt_ids.empty()) {
    if (tok.bos_id() < 0) fail("the prompt is empty and the vocabulary has no BOS token to start from");
    prompt_ids.push_back(tok.bos_id());
  }
  const int32_t n_prompt = static_cast<int32_t>(prompt_ids.size());
  int32_t slot_ctx = ctx > 0 ? ctx : n_prompt + n_predict + 1;
  if (model->config().context_length > 0 && ctx == 0) slot_ctx = std::min(slot_ctx, model->config().context_length);
  if (n_prompt >= slot_ctx) {
    fail("the prompt has {} tokens but the context holds {}", n_prompt, slot_ctx);
  }

  ThreadPool pool(threads);
  EngineOptions eo;
  eo.n_slots = 1;
  eo.slot_context = slot_ctx;
  eo.kv_type = kv_type_from_flag(kv_type);
  BatchEngine engine(*model, eo, pool);

  if (!print_ids && ids_text.empty()) {
    std::fputs(prompt.c_str(), stdout);
    std::fflush(stdout);
  }
  Utf8Stream utf8;
  int32_t prev = prompt_ids.back();
  bool first = true;
  FinishInfo finish;
  GenerationRequest req;
  req.prompt = prompt_ids;
  req.max_tokens = n_predict;
  req.sampling = sp;
  req.stop_at_end_of_generation = !ignore_eos;
  req.on_token = [&](const TokenEvent& ev) {
    if (print_ids) {
      std::printf(first ? "%d" : " %d", ev.id);
    } else {
      std::fputs(utf8.push(tok.piece(ev.id, prev)).c_str(), stdout);
    }
    std::fflush(stdout);
    first = false;
    prev = ev.id;
    return true;
  };
  req.on_finish = [&](const FinishInfo& f) { finish = f; };
  if (engine.submit(std::move(req)) == 0) fail("could not queue the request");
  engine.run_until_idle();
  if (!print_ids) std::fputs(utf8.flush().c_str(), stdout);
  std::fputs("\n", stdout);
  std::fflush(stdout);
  if (finish.reason == FinishReason::kError) fail("{}", finish.error);

  const double pp = finish.time_to_first_token_s > 0 ? n_prompt / finish.time_to_first_token_s : 0;
  const double tg = finish.generation_s > 0 && finish.completion_tokens > 1
                        ? (finish.completion_tokens - 1) / finish.generation_s : 0;
  std::fprintf(stderr,
               "\nowl: load %.2f s | prompt %d tokens, %.1f tok/s | generation %d tokens, %.1f tok/s | "
               "%d threads\n",
               load_s, n_prompt, pp, finish.completion_tokens, tg, threads);
  return 0;
}

}  // namespace owl::cli
