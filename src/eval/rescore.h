// `owl eval --rescore`: re-verify the completions of an existing rollouts file against a task,
// with no model (only id, sample and completion are read; the reference comes from the task).
#pragma once

#include <string>
#include <vector>

#include "eval/rollout_io.h"
#include "eval/task.h"
#include "eval/verifier.h"

namespace owl::eval {

struct RescoreOptions {
  std::string in_path;
  std::string out_path;  // empty: no output file
  int verify_jobs = 4;
  VerifyOptions verify;
};

struct RescoreResult {
  std::vector<Rollout> rows;  // in file order, with extracted/reward/detail replaced
  int64_t changed = 0;        // rows whose reward differs from the file's
  bool dropped_partial_line = false;
  double wall_s = 0.0;
};

// Throws owl::Error naming the file and line of a row whose id is not in the task.
RescoreResult rescore_rollouts(const Task& task, const RescoreOptions& options);

}  // namespace owl::eval
