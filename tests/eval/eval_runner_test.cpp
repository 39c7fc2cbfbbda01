// Tests the rollout pipeline against a fake Engine: bookkeeping, bounded parallelism, stop
// strings, the rollouts file, --resume after a killed run, --rescore, and error handling.
#include "eval/eval_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "eval/eval_command.h"
#include "eval/fake_engine.h"  // tests/eval/fake_engine.h
#include "eval/rescore.h"

namespace owl::eval {
namespace {

namespace fs = std::filesystem;
using testing::FakeEngine;
using testing::SubmittedRequest;

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("owl_eval_runner_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  // n problems "Q<i>" with exact answers "A<i>".
  std::string exact_task(int n) {
    std::string text;
    for (int i = 0; i < n; ++i) {
      text += nlohmann::json{{"id", "p" + std::to_string(i)},
                             {"prompt", "Q" + std::to_string(i)},
                             {"answer", "A" + std::to_string(i)},
                             {"verifier", "exact"}}
                  .dump() +
              "\n";
    }
    return write("task.jsonl", text);
  }
  static RunOptions quiet(int samples, int parallel) {
    RunOptions o;
    o.samples = samples;
    o.parallel = parallel;
    o.progress_out = nullptr;
    o.verify_jobs = 2;
    return o;
  }
  static std::vector<std::string> lines(const std::string& path) {
    std::ifstream f(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(f, l);) out.push_back(l);
    return out;
  }
  // The problem index in a rendered prompt "...Q<i>...".
  static int problem_of(const std::string& prompt) {
    return std::stoi(prompt.substr(prompt.find('Q') + 1));
  }
  fs::path dir_;
};

TEST_F(RunnerTest, CountsRewardsAndBoundsParallelism) {
  const Task task = load_task("jsonl:" + exact_task(4), {});
  const int correct[4] = {0, 1, 2, 4};
  std::mutex mu;
  std::map<int, int> asked;
  FakeEngine engine([&](const SubmittedRequest& r) {
    std::lock_guard lock(mu);
    const int p = problem_of(r.prompt);
    return asked[p]++ < correct[p] ? "A" + std::to_string(p) : std::string("wrong");
  });
  RunOptions o = quiet(4, 3);
  o.out_path = (dir_ / "out.jsonl").string();
  const RunResult res = run_rollouts(engine, testing::fake_render, task, o);
  ASSERT_EQ(res.rows.size(), 16u);
  EXPECT_EQ(res.generated_rollouts, 16);
  EXPECT_LE(engine.max_in_flight(), 3u);
  EXPECT_EQ(engine.max_in_flight(), 3u);
  std::map<std::string, int> c;
  for (const auto& r : res.rows) {
    c[r.id] += r.reward > 0.5;
    EXPECT_EQ(r.prompt, testing::fake_render({{"user", "Q" + r.id.substr(1)}}));
    EXPECT_EQ(r.completion_tokens, static_cast<int32_t>(r.completion.size()));
    EXPECT_EQ(r.prompt_tokens, static_cast<int32_t>(r.prompt.size()));
    EXPECT_EQ(r.finish_reason, "stop");
  }
  EXPECT_EQ(c["p0"], 0);
  EXPECT_EQ(c["p1"], 1);
  EXPECT_EQ(c["p2"], 2);
  EXPECT_EQ(c["p3"], 4);
  const EvalSummary s = summarize(task.name, res.rows, {1, 4});
  EXPECT_DOUBLE_EQ(s.accuracy, 7.0 / 16);
  EXPECT_DOUBLE_EQ(*s.pass_at_k.at(1), 7.0 / 16);
  EXPECT_DOUBLE_EQ(*s.pass_at_k.at(4), 3.0 / 4);
  // The file holds the same 16 rows with every field.
  const auto file = lines(o.out_path);
  ASSERT_EQ(file.size(), 16u);
  for (const auto& l : file) {
    const auto j = nlohmann::json::parse(l);
    for (const char* key : {"id", "sample", "prompt", "completion", "extracted", "reward",
                            "prompt_tokens", "completion_tokens", "finish_reason"}) {
      EXPECT_TRUE(j.contains(key)) << key << " in " << l;
    }
  }
}

TEST_F(RunnerTest, RawStopStringsAndLengthLimit) {
  const std::string path = write(
      "raw.jsonl",
      R"({"id": "a", "prompt": "Question: 6*7?\nAnswer:", "answer": "42", "verifier": "exact", "stop": ["\n\n"]})"
      "\n"
      R"({"id": "b", "prompt": "Count:", "answer": "1 2 3", "verifier": "exact"})"
      "\n");
  const Task task = load_task("jsonl:" + path, {});
  FakeEngine engine([](const SubmittedRequest& r) {
    return r.prompt.find("6*7") != std::string::npos ? std::string(" 42\n\nQuestion: more")
                                                     : std::string("1 2 3 4 5 6 7 8 9");
  });
  RunOptions o = quiet(1, 2);
  o.mode = TemplateMode::kRaw;
  o.max_tokens = 5;
  const RunResult res = run_rollouts(engine, nullptr, task, o);
  ASSERT_EQ(res.rows.size(), 2u);
  for (const auto& r : res.rows) {
    if (r.id == "a") {
      EXPECT_EQ(r.completion, " 42");
      EXPECT_EQ(r.finish_reason, "stop");
      EXPECT_EQ(r.reward, 1.0);
      EXPECT_EQ(r.prompt, "Question: 6*7?\nAnswer:");
    } else {
      EXPECT_EQ(r.completion, "1 2 3");
      EXPECT_EQ(r.finish_reason, "length");
      EXPECT_EQ(r.completion_tokens, 5);
    }
  }
  // Raw prompts get BOS (the byte tokenizer's add_bos), chat prompts do not.
  EXPECT_EQ(res.rows[0].prompt_tokens, static_cast<int32_t>(res.rows[0].prompt.size()) + 1);
}

TEST_F(RunnerTest, FullEngineQueueIsRetried) {
  const Task task = load_task("jsonl:" + exact_task(3), {});
  FakeEngine engine([](const SubmittedRequest&) { return std::string("A0"); }, /*capacity=*/2);
  const RunResult res = run_rollouts(engine, testing::fake_render, task, quiet(3, 8));
  EXPECT_EQ(res.rows.size(), 9u);
  EXPECT_GT(engine.rejected(), 0);
  EXPECT_LE(engine.max_in_flight(), 2u);
}

TEST_F(RunnerTest, SeedsArePerRolloutAndReproducible) {
  const Task task = load_task("jsonl:" + exact_task(2), {});
  auto seeds_of = [&] {
    FakeEngine engine([](const SubmittedRequest&) { return std::string("x"); });
    RunOptions o = quiet(3, 4);
    o.seed = 1234;
    run_rollouts(engine, testing::fake_render, task, o);
    std::multiset<uint64_t> seeds;
    for (const auto& r : engine.submitted()) {
      EXPECT_TRUE(r.has_seed);
      seeds.insert(r.seed);
    }
    return seeds;
  };
  const auto a = seeds_of();
  EXPECT_EQ(std::set<uint64_t>(a.begin(), a.end()).size(), 6u);
  EXPECT_EQ(a, seeds_of());
}

// Correct exactly when the rollout's seed is even: deterministic per (id, sample) across runs.
std::string seeded_answer(const SubmittedRequest& r) {
  const int p = std::stoi(r.prompt.substr(r.prompt.find('Q') + 1));
  return r.seed % 2 == 0 ? "A" + std::to_string(p) : std::string("nope");
}

TEST_F(RunnerTest, ResumeAfterKilledRunRedoesOnlyMissingRollouts) {
  const Task task = load_task("jsonl:" + exact_task(6), {});
  RunOptions o = quiet(4, 4);
  o.seed = 7;
  o.out_path = (dir_ / "full.jsonl").string();
  FakeEngine first(seeded_answer);
  const RunResult full = run_rollouts(first, testing::fake_render, task, o);
  ASSERT_EQ(full.rows.size(), 24u);
  std::map<std::pair<std::string, int>, double> reward;
  for (const auto& r : full.rows) reward[{r.id, r.sample}] = r.reward;

  // A run killed half way: the first 10 lines, then half of the 11th.
  const auto all = lines(o.out_path);
  std::string cut;
  std::set<std::pair<std::string, int>> kept;
  for (size_t i = 0; i < 10; ++i) {
    cut += all[i] + "\n";
    const auto j = nlohmann::json::parse(all[i]);
    kept.insert({j["id"].get<std::string>(), j["sample"].get<int>()});
  }
  cut += all[10].substr(0, all[10].size() / 2);
  o.out_path = write("killed.jsonl", cut);
  // Problems with all 4 samples among the kept lines must not be asked again.
  std::map<std::string, int> kept_per_problem;
  for (const auto& k : kept) ++kept_per_problem[k.first];

  o.resume = true;
  FakeEngine second(seeded_answer);
  const RunResult res = run_rollouts(second, testing::fake_render, task, o);
  EXPECT_TRUE(res.dropped_partial_line);
  EXPECT_EQ(res.resumed_rollouts, 10);
  EXPECT_EQ(res.generated_rollouts, 14);
  EXPECT_EQ(second.submitted().size(), 14u);
  for (const auto& r : second.submitted()) {
    const std::string id = "p" + std::to_string(problem_of(r.prompt));
    EXPECT_LT(kept_per_problem[id], 4) << id << " was finished but asked again";
  }
  // The file is whole again: 24 parseable lines, each (id, sample) once, same rewards.
  const auto after = lines(o.out_path);
  ASSERT_EQ(after.size(), 24u);
  std::set<std::pair<std::string, int>> seen;
  for (const auto& l : after) {
    const auto j = nlohmann::json::parse(l);
    const std::pair<std::string, int> key{j["id"].get<std::string>(), j["sample"].get<int>()};
    EXPECT_TRUE(seen.insert(key).second) << "duplicate " << l;
    EXPECT_EQ(j["reward"].get<double>(), reward[key]);
  }
  // Resuming a finished file generates nothing.
  FakeEngine third(seeded_answer);
  const RunResult again = run_rollouts(third, testing::fake_render, task, o);
  EXPECT_EQ(again.generated_rollouts, 0);
  EXPECT_EQ(third.submitted().size(), 0u);
  EXPECT_EQ(lines(o.out_path).size(), 24u);
}

TEST_F(RunnerTest, ExistingOutputNeedsResume) {
  const Task task = load_task("jsonl:" + exact_task(1), {});
  FakeEngine engine([](const SubmittedRequest&) { return std::string("A0"); });
  RunOptions o = quiet(1, 1);
  o.out_path = write("existing.jsonl", "{\"id\": \"p0\", \"sample\": 0, \"completion\": \"A0\"}\n");
  EXPECT_THROW(run_rollouts(engine, testing::fake_render, task, o), Error);
  EXPECT_EQ(engine.submitted().size(), 0u);
}

TEST_F(RunnerTest, RescoreReproducesRewards) {
  const Task task = load_task("jsonl:" + exact_task(5), {});
  RunOptions o = quiet(3, 4);
  o.seed = 99;
  o.out_path = (dir_ / "run.jsonl").string();
  FakeEngine engine(seeded_answer);
  const RunResult run = run_rollouts(engine, testing::fake_render, task, o);
  RescoreOptions r;
  r.in_path = o.out_path;
  r.out_path = (dir_ / "rescored.jsonl").string();
  const RescoreResult res = rescore_rollouts(task, r);
  EXPECT_EQ(res.changed, 0);
  ASSERT_EQ(res.rows.size(), run.rows.size());
  EXPECT_EQ(lines(r.out_path), lines(o.out_path));
  // Only id, sample and completion are needed; a wrong stored reward is corrected.
  r.in_path = write("minimal.jsonl",
                    "{\"id\": \"p1\", \"sample\": 0, \"completion\": \"A1\", \"reward\": 0}\n"
                    "{\"id\": \"p2\", \"sample\": 0, \"completion\": \" A3 \"}");
  r.out_path.clear();
  const RescoreResult minimal = rescore_rollouts(task, r);
  ASSERT_EQ(minimal.rows.size(), 2u);
  EXPECT_EQ(minimal.rows[0].reward, 1.0);
  EXPECT_EQ(minimal.rows[1].reward, 0.0);
  EXPECT_EQ(minimal.changed, 1);
  r.in_path = write("unknown.jsonl", "{\"id\": \"zz\", \"sample\": 0, \"completion\": \"x\"}\n");
  try {
    rescore_rollouts(task, r);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown.jsonl:1: id 'zz'"), std::string::npos)
        << e.what();
  }
}

TEST_F(RunnerTest, TemplateFailureStopsCleanly) {
  const Task task = load_task("jsonl:" + exact_task(4), {});
  FakeEngine engine([](const SubmittedRequest&) { return std::string("A0 and more text"); });
  RunOptions o = quiet(2, 2);
  o.out_path = (dir_ / "fail.jsonl").string();
  ChatRenderer render = [](const std::vector<ChatMessage>& m) {
    if (m.back().content == "Q2") fail("template error: no such variable");
    return testing::fake_render(m);
  };
  try {
    run_rollouts(engine, render, task, o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("template error"), std::string::npos) << e.what();
  }
  // Every request that was submitted finished; what was done is in the file.
  EXPECT_EQ(lines(o.out_path).size(), engine.submitted().size());
}

TEST_F(RunnerTest, CommandPrintsJsonAndRescores) {
  const std::string task_path = exact_task(3);
  testing::FakeEngine* opened = nullptr;
  EvalBackend backend;
  backend.open_engine = [&](const EvalBackend::EngineRequest& req) -> std::unique_ptr<Engine> {
    EXPECT_EQ(req.model_path, "fake.gguf");
    EXPECT_EQ(req.max_parallel, 2);
    EXPECT_EQ(req.n_threads, 1);
    EXPECT_EQ(req.context, 512);
    EXPECT_EQ(req.kv_type, "f16");
    auto e = std::make_unique<FakeEngine>(
        [](const SubmittedRequest& r) { return "A" + std::to_string(problem_of(r.prompt)); });
    opened = e.get();
    return e;
  };
  backend.render_chat = [](const Engine&, const std::vector<ChatMessage>& m) {
    return testing::fake_render(m);
  };
  const std::string out_path = (dir_ / "cmd.jsonl").string();
  const std::string spec = "jsonl:" + task_path;
  std::vector<std::string> args = {
      "eval", "fake.gguf", "--task", spec,    "--samples", "2",         "--parallel",
      "2",    "--k",       "1,2",    "--out", out_path,    "--json",    "--progress",
      "off",  "-t",        "1",      "--ctx", "512",       "--kv-type", "f16"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::FILE* out = std::tmpfile();
  ASSERT_EQ(run_eval_command(static_cast<int>(argv.size()), argv.data(), &backend, out, stderr), 0);
  ASSERT_NE(opened, nullptr);
  auto read_all = [](std::FILE* f) {
    std::rewind(f);
    std::string s;
    for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
    return s;
  };
  const auto j = nlohmann::json::parse(read_all(out));
  std::fclose(out);
  EXPECT_EQ(j["rollouts"], 6);
  EXPECT_EQ(j["accuracy"], 1.0);
  EXPECT_EQ(j["pass_at_k"]["2"], 1.0);
  EXPECT_EQ(j["generated_rollouts"], 6);
  EXPECT_EQ(j["model"], "fake.gguf");

  std::vector<std::string> rargs = {"eval", "--rescore", out_path, "--task", spec, "--json"};
  std::vector<char*> rargv;
  for (auto& a : rargs) rargv.push_back(a.data());
  std::FILE* rout = std::tmpfile();
  ASSERT_EQ(run_eval_rescore_command(static_cast<int>(rargv.size()), rargv.data(), rout, stderr),
            0);
  const auto rj = nlohmann::json::parse(read_all(rout));
  std::fclose(rout);
  EXPECT_EQ(rj["rollouts"], 6);
  EXPECT_EQ(rj["accuracy"], 1.0);
  EXPECT_EQ(rj["rewards_changed"], 0);

  // Bad input: exit code 2 with a message, no crash.
  std::vector<std::string> bad = {"eval", "fake.gguf", "--task", "nosuchtask"};
  std::vector<char*> bargv;
  for (auto& a : bad) bargv.push_back(a.data());
  std::FILE* err = std::tmpfile();
  EXPECT_EQ(run_eval_command(static_cast<int>(bargv.size()), bargv.data(), &backend, stdout, err),
            2);
  EXPECT_NE(read_all(err).find("unknown task 'nosuchtask'"), std::string::npos);
  std::fclose(err);
}

}  // namespace
}  // namespace owl::eval
