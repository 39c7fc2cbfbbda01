// The rollout loop: submission with a bound on requests in flight, engine callbacks that build
// the completion text (and apply stop strings), verification in a pool, ordered bookkeeping on
// the calling thread (the only thread that writes the file).
#include "eval/eval_runner.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>

#include "base/error.h"
#include "eval/progress.h"
#include "eval/work_pool.h"
#include "tokenizer/tokenizer.h"

namespace owl::eval {

namespace {

using Clock = std::chrono::steady_clock;

struct PromptData {
  size_t problem = 0;
  std::string text;
  std::vector<int32_t> ids;
};

// One rollout in flight. Written by the engine thread until on_finish, then by the main thread.
struct Slot {
  size_t problem = 0;
  int sample = 0;
  std::shared_ptr<const PromptData> prompt;
  std::string text;
  int32_t prev = -1;
  int32_t tokens = 0;
  bool stopped_by_string = false;
  FinishInfo info;
  uint64_t request_id = 0;
};

struct Event {
  std::shared_ptr<Slot> slot;
  bool verified = false;
  Verdict verdict;
  std::string error;  // verification threw
};

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kCancelled:
      return "cancelled";
    case FinishReason::kError:
      return "error";
  }
  return "error";
}

uint64_t mix_seed(uint64_t seed, const std::string& id, int sample) {
  uint64_t h = 1469598103934665603ull ^ seed;  // FNV-1a over the id, then the sample
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  h = (h ^ static_cast<uint64_t>(sample)) * 1099511628211ull;
  return h ^ (h >> 29);
}

// A rollout row counts as done for --resume unless generation failed.
bool row_is_done(const Rollout& r) {
  return r.finish_reason != "error" && r.finish_reason != "cancelled";
}

class Runner {
 public:
  Runner(Engine& engine, const ChatRenderer& render, const Task& task, const RunOptions& options)
      : engine_(engine), render_(render), task_(task), opt_(options) {}

  RunResult run();

 private:
  void load_resume();
  void plan_jobs();
  std::shared_ptr<const PromptData> prompt_for(size_t problem);
  bool submit_one(size_t job);
  void on_generated(const std::shared_ptr<Slot>& slot);
  void on_verified(Event& e);
  void push(Event e);
  void abort_run(const std::string& message);
  ProgressState progress_state() const;

  Engine& engine_;
  const ChatRenderer& render_;
  const Task& task_;
  const RunOptions& opt_;

  RunResult result_;
  std::unique_ptr<RolloutWriter> writer_;
  int64_t truncate_to_ = -1;
  bool needs_newline_ = false;
  std::vector<std::pair<size_t, int>> jobs_;  // (problem, sample) still to generate
  std::vector<int> done_per_problem_;
  int64_t problems_done_ = 0;
  double reward_sum_ = 0.0;
  int64_t scored_ = 0;
  std::shared_ptr<const PromptData> last_prompt_;
  std::unordered_map<Slot*, std::shared_ptr<Slot>> in_flight_;
  int verifying_ = 0;
  std::string failure_;
  Clock::time_point start_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  std::unique_ptr<WorkPool> verify_pool_;  // last member: joined first, before the queue goes
};

void Runner::load_resume() {
  namespace fs = std::filesystem;
  if (opt_.out_path.empty()) return;
  const bool exists = fs::exists(opt_.out_path) && fs::file_size(opt_.out_path) > 0;
  if (!exists) return;
  if (!opt_.resume) {
    fail("{} already holds rollouts: pass --resume to continue it, or remove it", opt_.out_path);
  }
  RolloutFile file = read_rollouts(opt_.out_path);
  truncate_to_ = file.valid_bytes;
  needs_newline_ = file.needs_newline;
  result_.dropped_partial_line = file.dropped_partial;
  // The last row per (id, sample) wins; rows of other problems stay in the file untouched.
  std::map<std::pair<std::string, int>, Rollout> kept;
  for (auto& r : file.rows) {
    if (task_.find(r.id) == nullptr || r.sample >= opt_.samples || !row_is_done(r)) continue;
    kept[{r.id, r.sample}] = std::move(r);
  }
  for (auto& [key, r] : kept) {
    const auto idx = static_cast<size_t>(task_.find(r.id) - task_.problems.data());
    ++done_per_problem_[idx];
    reward_sum_ += r.reward;
    ++scored_;
    result_.rows.push_back(std::move(r));
  }
  result_.resumed_rollouts = static_cast<int64_t>(result_.rows.size());
}

void Runner::plan_jobs() {
  std::set<std::pair<std::string, int>> have;
  for (const auto& r : result_.rows) have.insert({r.id, r.sample});
  for (size_t p = 0; p < task_.problems.size(); ++p) {
    for (int s = 0; s < opt_.samples; ++s) {
      if (!have.count({task_.problems[p].id, s})) jobs_.emplace_back(p, s);
    }
    if (done_per_problem_[p] >= opt_.samples) ++problems_done_;
  }
}

std::shared_ptr<const PromptData> Runner::prompt_for(size_t problem) {
  if (last_prompt_ && last_prompt_->problem == problem) return last_prompt_;
  auto data = std::make_shared<PromptData>();
  data->problem = problem;
  data->text = prompt_text(task_.problems[problem], opt_.mode, render_, opt_.system_prompt);
  const Tokenizer& tok = engine_.tokenizer();
  // A rendered chat template already holds its special tokens (BOS included where the template
  // writes it), as Hugging Face's apply_chat_template(tokenize=True) encodes; raw text gets the
  // vocabulary's usual BOS and no special-token parsing.
  data->ids = opt_.mode == TemplateMode::kChat ? tok.encode(data->text, false, true)
                                               : tok.encode(data->text, true, false);
  if (data->ids.empty())
    fail("problem {}: the prompt encodes to no tokens", task_.problems[problem].id);
  last_prompt_ = data;
  return data;
}

void Runner::push(Event e) {
  {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
  }
  cv_.notify_one();
}

bool Runner::submit_one(size_t job) {
  auto slot = std::make_shared<Slot>();
  slot->problem = jobs_[job].first;
  slot->sample = jobs_[job].second;
  slot->prompt = prompt_for(slot->problem);
  slot->prev = slot->prompt->ids.back();
  const Problem& problem = task_.problems[slot->problem];
  GenerationRequest req;
  req.prompt = slot->prompt->ids;
  req.max_tokens = opt_.max_tokens;
  req.sampling = opt_.sampling;
  if (opt_.seed) {
    req.sampling.seed = mix_seed(*opt_.seed, problem.id, slot->sample);
    req.sampling.has_seed = true;
  }
  const std::vector<std::string>* stops =
      opt_.mode == TemplateMode::kRaw && !problem.stop.empty() ? &problem.stop : nullptr;
  const Tokenizer* tok = &engine_.tokenizer();
  Slot* raw = slot.get();
  req.on_token = [raw, tok, stops](const TokenEvent& ev) {
    const std::string piece = tok->piece(ev.id, raw->prev);
    raw->prev = ev.id;
    ++raw->tokens;
    raw->text += piece;
    if (stops == nullptr) return true;
    for (const std::string& s : *stops) {
      const size_t from = raw->text.size() > piece.size() + s.size()
                              ? raw->text.size() - piece.size() - s.size()
                              : 0;
      const size_t hit = raw->text.find(s, from);
      if (hit != std::string::npos) {
        raw->text.resize(hit);
        raw->stopped_by_string = true;
        return false;
      }
    }
    return true;
  };
  req.on_finish = [this, slot](const FinishInfo& info) {
    slot->info = info;
    push(Event{slot, false, {}, {}});
  };
  const uint64_t id = engine_.submit(std::move(req));
  if (id == 0) return false;  // queue full: on_finish will not be called
  raw->request_id = id;
  in_flight_.emplace(raw, std::move(slot));
  return true;
}

void Runner::on_generated(const std::shared_ptr<Slot>& slot) {
  in_flight_.erase(slot.get());
  const FinishReason reason = slot->info.reason;
  if (!failure_.empty() || reason == FinishReason::kError || reason == FinishReason::kCancelled) {
    // Not verified: the row is written (with the error) but --resume will redo it.
    Event e{slot, true, {}, {}};
    e.verdict.detail = slot->info.error.empty() ? finish_reason_name(reason) : slot->info.error;
    ++verifying_;
    on_verified(e);
    return;
  }
  ++verifying_;
  const Problem* problem = &task_.problems[slot->problem];
  verify_pool_->submit([this, slot, problem] {
    Event e{slot, true, {}, {}};
    try {
      e.verdict = verify(*problem, slot->text, opt_.verify);
    } catch (const std::exception& ex) {
      e.error = ex.what();
    }
    push(std::move(e));
  });
}

void Runner::on_verified(Event& e) {
  --verifying_;
  if (!e.error.empty()) {
    abort_run(e.error);
    return;
  }
  const Slot& slot = *e.slot;
  const Problem& problem = task_.problems[slot.problem];
  Rollout r;
  r.id = problem.id;
  r.sample = slot.sample;
  r.prompt = slot.prompt->text;
  r.completion = slot.text;
  r.extracted = e.verdict.extracted;
  r.reward = e.verdict.reward;
  r.detail = e.verdict.detail;
  r.prompt_tokens = slot.info.prompt_tokens > 0 ? slot.info.prompt_tokens
                                                : static_cast<int32_t>(slot.prompt->ids.size());
  r.completion_tokens = slot.info.completion_tokens > 0 ? slot.info.completion_tokens : slot.tokens;
  r.finish_reason = slot.stopped_by_string ? "stop" : finish_reason_name(slot.info.reason);
  if (writer_) writer_->write(r);
  ++result_.generated_rollouts;
  result_.generated_tokens += r.completion_tokens;
  if (row_is_done(r)) {
    reward_sum_ += r.reward;
    ++scored_;
    if (++done_per_problem_[slot.problem] == opt_.samples) ++problems_done_;
  }
  result_.rows.push_back(std::move(r));
}

void Runner::abort_run(const std::string& message) {
  if (!failure_.empty()) return;
  failure_ = message;
  for (const auto& [raw, slot] : in_flight_) engine_.cancel(slot->request_id);
}

ProgressState Runner::progress_state() const {
  ProgressState s;
  s.problems_done = problems_done_;
  s.problems_total = static_cast<int64_t>(task_.problems.size());
  s.rollouts_done = result_.generated_rollouts;
  s.rollouts_total = static_cast<int64_t>(jobs_.size());
  s.scored = scored_;
  s.reward_sum = reward_sum_;
  s.elapsed_s = std::chrono::duration<double>(Clock::now() - start_).count();
  return s;
}

RunResult Runner::run() {
  OWL_CHECK(opt_.samples >= 1, "--samples must be at least 1");
  OWL_CHECK(opt_.parallel >= 1, "--parallel must be at least 1");
  OWL_CHECK(opt_.max_tokens >= 1, "--max-tokens must be at least 1");
  done_per_problem_.assign(task_.problems.size(), 0);
  load_resume();
  plan_jobs();
  if (!opt_.out_path.empty()) {
    writer_ =
        std::make_unique<RolloutWriter>(opt_.out_path, true, truncate_to_ >= 0 ? truncate_to_ : 0);
    if (needs_newline_) writer_->write_raw("\n");
  }
  verify_pool_ = std::make_unique<WorkPool>(opt_.verify_jobs);
  Progress progress(opt_.progress_out, opt_.progress_tty, opt_.progress_interval_s);
  start_ = Clock::now();
  size_t next = 0;
  while ((failure_.empty() && next < jobs_.size()) || !in_flight_.empty() || verifying_ > 0) {
    bool queue_full = false;
    try {
      while (failure_.empty() && next < jobs_.size() &&
             static_cast<int>(in_flight_.size()) < opt_.parallel) {
        if (!submit_one(next)) {
          queue_full = true;
          break;
        }
        ++next;
      }
    } catch (const std::exception& e) {
      abort_run(e.what());
    }
    std::deque<Event> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(queue_full ? 20 : 200),
                   [this] { return !events_.empty(); });
      batch.swap(events_);
    }
    for (Event& e : batch) {
      try {
        if (e.verified) {
          on_verified(e);
        } else {
          on_generated(e.slot);
        }
      } catch (const std::exception& ex) {
        abort_run(ex.what());
      }
    }
    progress.update(progress_state());
  }
  result_.wall_s = std::chrono::duration<double>(Clock::now() - start_).count();
  verify_pool_.reset();
  if (!failure_.empty()) fail("eval stopped: {}", failure_);
  progress.finish(progress_state());
  return std::move(result_);
}

}  // namespace

std::string prompt_text(const Problem& problem, TemplateMode mode, const ChatRenderer& render,
                        const std::string& system_prompt) {
  if (mode == TemplateMode::kRaw) {
    if (problem.raw_prompt.empty()) {
      fail("problem {} has only chat messages; use --template chat", problem.id);
    }
    return problem.raw_prompt;
  }
  if (!render) fail("--template chat needs the model's chat template renderer");
  std::vector<ChatMessage> messages = problem.messages;
  if (!system_prompt.empty() && (messages.empty() || messages.front().role != "system")) {
    messages.insert(messages.begin(), ChatMessage{"system", system_prompt});
  }
  return render(messages);
}

RunResult run_rollouts(Engine& engine, const ChatRenderer& render, const Task& task,
                       const RunOptions& options) {
  Runner runner(engine, render, task, options);
  return runner.run();
}

}  // namespace owl::eval
