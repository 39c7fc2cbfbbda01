// Generation side of `owl eval`: render each problem's prompt, submit --samples requests per
// problem to the Engine with at most --parallel in flight, verify each completion in a bounded
// pool, and write one rollout line per completion as soon as it is scored.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eval/metrics.h"
#include "eval/rollout_io.h"
#include "eval/task.h"
#include "eval/verifier.h"
#include "runtime/engine.h"
#include "sampling/sampling_params.h"

namespace owl::eval {

// Renders messages with the model's chat template, ending with the assistant generation prompt.
using ChatRenderer = std::function<std::string(const std::vector<ChatMessage>& messages)>;

struct RunOptions {
  int samples = 8;
  int parallel = 16;
  int32_t max_tokens = 1024;
  SamplingParams sampling;
  std::optional<uint64_t> seed;  // per rollout seed = mix(seed, id, sample): reproducible
  TemplateMode mode = TemplateMode::kChat;
  std::string system_prompt;  // chat: prepended as a system message when non-empty
  int verify_jobs = 4;
  VerifyOptions verify;
  std::string out_path;              // empty: no rollouts file
  bool resume = false;               // continue out_path instead of refusing to overwrite it
  std::FILE* progress_out = stderr;  // nullptr: silent
  bool progress_tty = false;
  double progress_interval_s = 10.0;
};

struct RunResult {
  std::vector<Rollout> rows;  // resumed rows for this task's problems, then the new ones
  int64_t resumed_rollouts = 0;
  int64_t generated_rollouts = 0;
  int64_t generated_tokens = 0;
  double wall_s = 0.0;
  bool dropped_partial_line = false;  // --resume found a cut-off last line and dropped it
};

// Throws owl::Error for bad options, an existing out file without resume, template or sandbox
// failures (after cancelling and draining the requests in flight).
RunResult run_rollouts(Engine& engine, const ChatRenderer& render, const Task& task,
                       const RunOptions& options);

// The prompt text for a problem under the template mode (chat: rendered messages).
std::string prompt_text(const Problem& problem, TemplateMode mode, const ChatRenderer& render,
                        const std::string& system_prompt);

}  // namespace owl::eval
