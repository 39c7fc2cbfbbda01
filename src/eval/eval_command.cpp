// Argument parsing, task loading, and the generation and rescore commands with their reports.
#include "eval/eval_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>

#include "base/error.h"
#include "eval/rescore.h"
#include "eval/sandbox.h"

namespace owl::eval {

namespace {

std::vector<int> parse_ks(const std::string& text) {
  std::vector<int> ks;
  for (const auto& part : [&] {
         std::vector<std::string> parts;
         size_t start = 0;
         for (size_t i = 0; i <= text.size(); ++i) {
           if (i == text.size() || text[i] == ',') {
             parts.push_back(text.substr(start, i - start));
             start = i + 1;
           }
         }
         return parts;
       }()) {
    char* end = nullptr;
    const long k = std::strtol(part.c_str(), &end, 10);
    if (part.empty() || *end != '\0' || k < 1 || k > 1'000'000) {
      fail("--k: '{}' is not a list of positive integers like 1,4,8", text);
    }
    ks.push_back(static_cast<int>(k));
  }
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
  return ks;
}

void print_summary(const EvalSummary& s, const EvalCommandOptions& o, std::FILE* out,
                   const nlohmann::json& extra) {
  if (o.json) {
    nlohmann::json j = summary_json(s);
    for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
    fmt::print(out, "{}\n", j.dump());
  } else {
    fmt::print(out, "{}", format_summary_table(s));
  }
  std::fflush(out);
}

bool task_uses_code(const Task& task) {
  return std::any_of(task.problems.begin(), task.problems.end(),
                     [](const Problem& p) { return p.verifier == VerifierKind::kCode; });
}

int run_rescore(const EvalCommandOptions& o, std::FILE* out, std::FILE* err) {
  const Task task = load_eval_task(o);
  if (task_uses_code(task)) {
    fmt::print(err, "eval: code sandbox: {}\n", sandbox_isolation().describe());
  }
  RescoreOptions r;
  r.in_path = o.rescore;
  r.out_path = o.out;
  r.verify_jobs = o.run.verify_jobs;
  r.verify = o.run.verify;
  const RescoreResult res = rescore_rollouts(task, r);
  if (res.dropped_partial_line) fmt::print(err, "eval: ignored a cut-off last line\n");
  EvalSummary s = summarize(task.name, res.rows, o.ks);
  s.wall_s = res.wall_s;
  print_summary(s, o, out, {{"rescored_from", o.rescore}, {"rewards_changed", res.changed}});
  return 0;
}

int run_generate(const EvalCommandOptions& o, const EvalBackend& backend, std::FILE* out,
                 std::FILE* err) {
  const Task task = load_eval_task(o);
  if (task_uses_code(task)) {
    fmt::print(err, "eval: code sandbox: {}\n", sandbox_isolation().describe());
  }
  OWL_CHECK(backend.open_engine, "owl eval: this build cannot load models");
  OWL_CHECK(o.run.mode == TemplateMode::kRaw || backend.render_chat,
            "owl eval: this build cannot render chat templates yet; use --template raw");
  std::unique_ptr<Engine> engine = backend.open_engine(
      {o.model, o.run.parallel, o.run.max_tokens, o.context, o.n_threads, o.kv_type});
  OWL_CHECK(engine != nullptr, "owl eval: could not open model {}", o.model);
  ChatRenderer render;
  if (o.run.mode == TemplateMode::kChat) {
    const Engine* e = engine.get();
    render = [e, &backend](const std::vector<ChatMessage>& m) {
      return backend.render_chat(*e, m);
    };
  }
  RunOptions run = o.run;
  run.out_path = o.out;
  run.progress_out = o.progress == "off" ? nullptr : err;
  run.progress_tty = o.progress == "bar" || (o.progress == "auto" && isatty(fileno(err)));
  const RunResult res = run_rollouts(*engine, render, task, run);
  if (res.dropped_partial_line) fmt::print(err, "eval: dropped a cut-off last line of {}\n", o.out);
  EvalSummary s = summarize(task.name, res.rows, o.ks);
  s.generated_rollouts = res.generated_rollouts;
  s.generated_tokens = res.generated_tokens;
  s.wall_s = res.wall_s;
  print_summary(s, o, out,
                {{"model", o.model},
                 {"resumed_rollouts", res.resumed_rollouts},
                 {"template", o.run.mode == TemplateMode::kChat ? "chat" : "raw"},
                 {"parallel", o.run.parallel},
                 {"temperature", o.run.sampling.temperature},
                 {"max_tokens", o.run.max_tokens}});
  return 0;
}

void check_options(const EvalCommandOptions& o) {
  const RunOptions& r = o.run;
  OWL_CHECK(o.limit >= 0, "--limit must not be negative");
  OWL_CHECK(r.verify_jobs >= 1 && r.verify_jobs <= 256, "--verify-jobs must be 1..256");
  OWL_CHECK(r.verify.sandbox.timeout_s > 0, "--code-timeout must be positive");
  if (o.rescore.empty()) {
    OWL_CHECK(!o.model.empty(), "owl eval: give a MODEL (or --rescore FILE)");
    OWL_CHECK(r.samples >= 1 && r.samples <= 100000, "--samples must be 1..100000");
    OWL_CHECK(r.parallel >= 1 && r.parallel <= 4096, "--parallel must be 1..4096");
    OWL_CHECK(r.max_tokens >= 1, "--max-tokens must be at least 1");
  } else {
    OWL_CHECK(o.model.empty(), "owl eval --rescore takes no MODEL");
    OWL_CHECK(o.out != o.rescore, "--out must differ from the --rescore input");
  }
}

}  // namespace

std::optional<EvalCommandOptions> parse_eval_args(int argc, char** argv, std::FILE* out) {
  EvalCommandOptions o;
  RunOptions& r = o.run;
  r.sampling.temperature = 0.6f;
  r.sampling.top_p = 0.95f;
  r.sampling.top_k = 0;
  r.sampling.min_p = 0.0f;
  if (const char* d = std::getenv("OWL_DATA_DIR")) o.data_dir = d;
  std::string ks = "1,4,8", template_mode = "chat";
  uint64_t seed = 0;
  double code_memory_mb = 1024;
  CLI::App app{"owl eval: verifiable-reward evaluation and rollouts (pass@k on checkable answers)",
               "eval"};
  app.add_option("model", o.model, "model file or folder (not needed with --rescore)");
  app.add_option("--task", o.task, "task: " + named_task_list())->required();
  app.add_option("--rescore", o.rescore, "re-verify this rollouts file (no model)");
  app.add_option("--samples", r.samples, "completions per problem")->capture_default_str();
  auto* k_opt =
      app.add_option("--k", ks, "pass@k for these k (comma separated)")->capture_default_str();
  app.add_option("--limit", o.limit, "only the first N problems (0: all)");
  app.add_option("--temp", r.sampling.temperature, "sampling temperature (0: greedy)")
      ->capture_default_str();
  app.add_option("--top-p", r.sampling.top_p, "nucleus sampling (1: off)")->capture_default_str();
  app.add_option("--top-k", r.sampling.top_k, "top-k sampling (0: off)")->capture_default_str();
  app.add_option("--min-p", r.sampling.min_p, "min-p sampling (0: off)")->capture_default_str();
  auto* seed_opt =
      app.add_option("--seed", seed, "base seed: each rollout seeded from (seed, id, sample)");
  app.add_option("--max-tokens", r.max_tokens, "longest completion")->capture_default_str();
  app.add_option("--parallel", r.parallel, "requests in flight at once")->capture_default_str();
  app.add_option("--template", template_mode, "chat (model's chat template) or raw (few-shot)")
      ->check(CLI::IsMember({"chat", "raw"}))
      ->capture_default_str();
  app.add_option("--system", r.system_prompt, "system message for --template chat");
  app.add_option("--data-dir", o.data_dir, "folder holding the data sets (default $OWL_DATA_DIR)");
  app.add_option("--out", o.out, "write one JSON line per rollout here");
  app.add_flag("--resume", r.resume, "continue --out, skipping finished problems");
  app.add_flag("--json", o.json, "print the summary as JSON");
  app.add_option("--verify-jobs", r.verify_jobs, "verifications run in parallel")
      ->capture_default_str();
  app.add_option("--code-timeout", r.verify.sandbox.timeout_s, "seconds per code test run")
      ->capture_default_str();
  app.add_option("--code-memory-mb", code_memory_mb, "address-space limit per code test run (MiB)")
      ->capture_default_str();
  app.add_option("--python", r.verify.sandbox.python, "interpreter for code tests")
      ->capture_default_str();
  app.add_option("-t,--threads", o.n_threads, "compute threads (default: the machine's cores)");
  app.add_option("-c,--ctx", o.context,
                 "positions per sequence (default: min(model, max-tokens + 3072))");
  app.add_option("--kv-type", o.kv_type,
                 "KV cache type: f32 (the reference's numbers) or f16 (half the memory)")
      ->check(CLI::IsMember({"f32", "f16"}))
      ->capture_default_str();
  app.add_option("--progress", o.progress, "auto, bar, lines or off")
      ->check(CLI::IsMember({"auto", "bar", "lines", "off"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    fmt::print(out, "{}", app.help());
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    fail("owl eval: {}", e.what());
  }
  o.ks_given = k_opt->count() > 0;
  o.ks = parse_ks(ks);
  if (!o.ks_given) {  // defaults beyond --samples would only print n/a
    std::erase_if(o.ks, [&](int k) { return k > r.samples; });
  }
  if (seed_opt->count() > 0) r.seed = seed;
  r.mode = template_mode == "raw" ? TemplateMode::kRaw : TemplateMode::kChat;
  r.verify.sandbox.memory_bytes = static_cast<int64_t>(code_memory_mb * 1024 * 1024);
  OWL_CHECK(code_memory_mb >= 16, "--code-memory-mb must be at least 16");
  check_options(o);
  return o;
}

Task load_eval_task(const EvalCommandOptions& options) {
  TaskOptions t;
  t.data_dir = options.data_dir;
  Task task = load_task(options.task, t);
  if (options.limit > 0 && static_cast<size_t>(options.limit) < task.problems.size()) {
    task.problems.resize(static_cast<size_t>(options.limit));
    task.build_index();
  }
  return task;
}

int run_eval_command(int argc, char** argv, const EvalBackend* backend, std::FILE* out,
                     std::FILE* err) {
  try {
    const auto options = parse_eval_args(argc, argv, out);
    if (!options) return 0;
    if (!options->rescore.empty()) return run_rescore(*options, out, err);
    if (backend == nullptr) fail("owl eval: only --rescore is available here (no model loading)");
    return run_generate(*options, *backend, out, err);
  } catch (const Error& e) {
    fmt::print(err, "owl eval: error: {}\n", e.what());
    return 2;
  }
}

int run_eval_rescore_command(int argc, char** argv, std::FILE* out, std::FILE* err) {
  return run_eval_command(argc, argv, nullptr, out, err);
}

}  // namespace owl::eval
