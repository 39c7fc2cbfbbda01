// `owl eval`: the command-line front of the eval layer, for the owl CLI to dispatch to.
//   owl eval MODEL --task NAME|jsonl:PATH [--samples 8] [--k 1,4,8] [--limit N] [--temp 0.6]
//            [--max-tokens 1024] [--parallel 16] [--template chat|raw] [--data-dir DIR]
//            [--out rollouts.jsonl] [--resume] [--json] [-t N] [-c CTX] [--kv-type f32|f16] ...
//   owl eval --rescore rollouts.jsonl --task NAME|jsonl:PATH [--data-dir DIR] [--out FILE] [--json]
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eval/eval_runner.h"
#include "runtime/engine.h"

namespace owl::eval {

// What `owl eval` needs from the layers above it (model loading, chat templates).
struct EvalBackend {
  struct EngineRequest {
    std::string model_path;
    int max_parallel = 16;      // requests that will be in flight at once
    int32_t max_tokens = 1024;  // longest completion asked for
    int32_t context = 0;        // --ctx: positions per sequence (0: the backend decides)
    int n_threads = 0;          // --threads (0: the backend decides)
    std::string kv_type = "f32";  // --kv-type: f32 or f16
  };
  // Opens the model for generation. Throws owl::Error for a bad path or model.
  std::function<std::unique_ptr<Engine>(const EngineRequest&)> open_engine;
  // Renders messages with the engine's model chat template, add_generation_prompt = true.
  // Throws owl::Error when the model has no template (then --template raw is the way).
  std::function<std::string(const Engine&, const std::vector<ChatMessage>&)> render_chat;
};

struct EvalCommandOptions {
  std::string model;
  std::string task;
  std::string rescore;  // --rescore FILE: re-verify instead of generating
  std::string data_dir;
  std::string out;
  std::vector<int> ks;
  bool ks_given = false;
  int limit = 0;  // 0: all problems
  bool json = false;
  std::string progress = "auto";  // auto | bar | lines | off
  int32_t context = 0;
  int n_threads = 0;
  std::string kv_type = "f32";
  RunOptions run;
};

// Parses arguments (argv[0] is the command name, e.g. "eval"). Throws owl::Error on bad input;
// returns nullopt after printing --help.
std::optional<EvalCommandOptions> parse_eval_args(int argc, char** argv, std::FILE* out);

// Loads the task, applies --limit.
Task load_eval_task(const EvalCommandOptions& options);

// The whole command. backend may be null: then only --rescore works (no model needed).
// Prints the summary (table, or JSON with --json) to `out`, progress and errors to `err`.
// Returns 0 on success, 2 on bad input (the owl::Error message is printed).
int run_eval_command(int argc, char** argv, const EvalBackend* backend, std::FILE* out = stdout,
                     std::FILE* err = stderr);

// The model-free entry: `owl eval --rescore ...` only.
int run_eval_rescore_command(int argc, char** argv, std::FILE* out = stdout,
                             std::FILE* err = stderr);

}  // namespace owl::eval
