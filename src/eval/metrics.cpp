// pass@k and the end-of-run summary.
#include "eval/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "base/error.h"

namespace owl::eval {

double pass_at_k(int n, int c, int k) {
  OWL_CHECK(n >= 1 && c >= 0 && c <= n && k >= 1 && k <= n,
            "pass@k: need 0 <= c <= n, 1 <= k <= n");
  if (n - c < k) return 1.0;
  double fail_all = 1.0;  // C(n-c, k) / C(n, k)
  for (int i = n - c + 1; i <= n; ++i) fail_all *= 1.0 - static_cast<double>(k) / i;
  return 1.0 - fail_all;
}

EvalSummary summarize(const std::string& task, const std::vector<Rollout>& rows,
                      const std::vector<int>& ks) {
  EvalSummary s;
  s.task = task;
  // id -> sample -> row index (the last row for a sample wins).
  std::vector<std::string> order;
  std::unordered_map<std::string, std::map<int, size_t>> by_id;
  for (size_t i = 0; i < rows.size(); ++i) {
    auto [it, inserted] = by_id.try_emplace(rows[i].id);
    if (inserted) order.push_back(rows[i].id);
    it->second[rows[i].sample] = i;
  }
  double reward_sum = 0.0, tokens_sum = 0.0;
  std::vector<std::pair<int, int>> nc;  // per problem (n, c)
  for (const auto& id : order) {
    const auto& samples = by_id[id];
    int n = 0, c = 0;
    for (const auto& [sample, idx] : samples) {
      const Rollout& r = rows[idx];
      ++n;
      c += r.reward > 0.5 ? 1 : 0;
      reward_sum += r.reward;
      tokens_sum += r.completion_tokens;
      ++s.finish_reasons[r.finish_reason.empty() ? "unknown" : r.finish_reason];
    }
    s.rollouts += n;
    nc.emplace_back(n, c);
  }
  s.problems = static_cast<int64_t>(nc.size());
  if (!nc.empty()) {
    s.min_samples = s.max_samples = nc.front().first;
    for (const auto& [n, c] : nc) {
      s.min_samples = std::min(s.min_samples, n);
      s.max_samples = std::max(s.max_samples, n);
    }
  }
  if (s.rollouts > 0) {
    s.accuracy = reward_sum / static_cast<double>(s.rollouts);
    s.mean_completion_tokens = tokens_sum / static_cast<double>(s.rollouts);
  }
  for (int k : ks) {
    if (k < 1 || nc.empty() || s.min_samples < k) {
      s.pass_at_k[k] = std::nullopt;
      continue;
    }
    double sum = 0.0;
    for (const auto& [n, c] : nc) sum += pass_at_k(n, c, k);
    s.pass_at_k[k] = sum / static_cast<double>(nc.size());
  }
  return s;
}

std::string format_summary_table(const EvalSummary& s) {
  std::string samples = s.min_samples == s.max_samples
                            ? std::to_string(s.min_samples)
                            : fmt::format("{}-{}", s.min_samples, s.max_samples);
  std::string out;
  auto row = [&](const std::string& name, const std::string& value) {
    out += fmt::format("{:<22} {}\n", name, value);
  };
  row("task", s.task);
  row("problems", fmt::format("{} x {} samples = {} rollouts", s.problems, samples, s.rollouts));
  row("accuracy", fmt::format("{:.4f}", s.accuracy));
  for (const auto& [k, v] : s.pass_at_k) {
    row(fmt::format("pass@{}", k), v ? fmt::format("{:.4f}", *v) : "n/a (fewer than k samples)");
  }
  row("mean response length", fmt::format("{:.1f} tokens", s.mean_completion_tokens));
  std::string reasons;
  for (const auto& [name, count] : s.finish_reasons) {
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", name, count);
  }
  row("finish reasons", reasons.empty() ? "-" : reasons);
  row("generated", fmt::format("{} rollouts, {} tokens", s.generated_rollouts, s.generated_tokens));
  row("tokens/s", fmt::format("{:.1f}", s.tokens_per_s()));
  row("rollouts/s", fmt::format("{:.2f}", s.rollouts_per_s()));
  row("wall time", fmt::format("{:.2f} s", s.wall_s));
  return out;
}

nlohmann::json summary_json(const EvalSummary& s) {
  nlohmann::json pass = nlohmann::json::object();
  for (const auto& [k, v] : s.pass_at_k) {
    pass[std::to_string(k)] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  }
  return {
      {"task", s.task},
      {"problems", s.problems},
      {"rollouts", s.rollouts},
      {"samples_min", s.min_samples},
      {"samples_max", s.max_samples},
      {"accuracy", s.accuracy},
      {"pass_at_k", pass},
      {"mean_completion_tokens", s.mean_completion_tokens},
      {"finish_reasons", s.finish_reasons},
      {"generated_rollouts", s.generated_rollouts},
      {"generated_tokens", s.generated_tokens},
      {"tokens_per_s", s.tokens_per_s()},
      {"rollouts_per_s", s.rollouts_per_s()},
      {"wall_time_s", s.wall_s},
  };
}

}  // namespace owl::eval
