// Scores over rollouts: accuracy, unbiased pass@k, lengths and speeds, as a table or JSON.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eval/rollout_io.h"

namespace owl::eval {

// Unbiased pass@k estimate for one problem with n samples of which c are correct (Chen et al.
// 2021): 1 - C(n-c, k) / C(n, k), computed as 1 - prod_{i=n-c+1..n} (1 - k/i) so no binomial
// coefficient is ever formed. Requires 0 <= c <= n and 1 <= k <= n.
double pass_at_k(int n, int c, int k);

struct EvalSummary {
  std::string task;
  int64_t problems = 0;
  int64_t rollouts = 0;
  int min_samples = 0, max_samples = 0;  // per problem
  double accuracy = 0.0;                 // mean reward over rollouts
  // k -> mean pass@k over problems; nullopt when some problem has fewer than k samples.
  std::map<int, std::optional<double>> pass_at_k;
  double mean_completion_tokens = 0.0;
  std::map<std::string, int64_t> finish_reasons;
  // Generation in this run (zero for --rescore and for rows taken over by --resume).
  int64_t generated_rollouts = 0;
  int64_t generated_tokens = 0;
  double wall_s = 0.0;
  double tokens_per_s() const { return wall_s > 0 ? generated_tokens / wall_s : 0.0; }
  double rollouts_per_s() const { return wall_s > 0 ? generated_rollouts / wall_s : 0.0; }
};

// Groups rows by id (a repeated (id, sample) keeps its last row); a reward > 0.5 counts correct.
EvalSummary summarize(const std::string& task, const std::vector<Rollout>& rows,
                      const std::vector<int>& ks);

std::string format_summary_table(const EvalSummary& s);
nlohmann::json summary_json(const EvalSummary& s);

}  // namespace owl::eval
