// Re-verification of a rollouts file in a bounded pool, written back in file order.
#include "eval/rescore.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

#include "base/error.h"
#include "eval/work_pool.h"

namespace owl::eval {

RescoreResult rescore_rollouts(const Task& task, const RescoreOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RolloutFile file = read_rollouts(options.in_path);
  RescoreResult result;
  result.dropped_partial_line = file.dropped_partial;
  std::vector<const Problem*> problems;
  for (const Rollout& r : file.rows) {
    const Problem* p = task.find(r.id);
    if (p == nullptr) {
      fail("{}:{}: id '{}' is not a problem of task {}", options.in_path, r.line, r.id, task.name);
    }
    problems.push_back(p);
  }
  std::unique_ptr<RolloutWriter> writer;
  if (!options.out_path.empty()) writer = std::make_unique<RolloutWriter>(options.out_path, false);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<Verdict>> verdicts(file.rows.size());
  std::string error;
  {
    WorkPool pool(options.verify_jobs);
    for (size_t i = 0; i < file.rows.size(); ++i) {
      pool.submit([&, i] {
        Verdict v;
        std::string err;
        try {
          v = verify(*problems[i], file.rows[i].completion, options.verify);
        } catch (const std::exception& e) {
          err = e.what();
        }
        std::lock_guard lock(mu);
        if (!err.empty() && error.empty()) error = err;
        verdicts[i] = std::move(v);
        cv.notify_one();
      });
    }
    // Write in file order as results arrive, so a crash keeps everything before it.
    for (size_t i = 0; i < file.rows.size(); ++i) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return verdicts[i].has_value(); });
        if (!error.empty()) break;
      }
      Rollout& r = file.rows[i];
      const Verdict& v = *verdicts[i];
      if (v.reward != r.reward) ++result.changed;
      r.reward = v.reward;
      r.extracted = v.extracted;
      r.detail = v.detail;
      if (writer) writer->write(r);
    }
  }
  if (!error.empty()) fail("rescore stopped: {}", error);
  result.rows = std::move(file.rows);
  result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace owl::eval
