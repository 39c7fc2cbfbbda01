// End to end on a real model: owl eval with owl's loader and batching engine on stories260K
// (llama2.c), raw prompts. At temperature 0 the completion must continue the story exactly as
// the published greedy sample does (shared/DATA.md: "Once upon a time, there was a little girl
// named Lily. She loved to play outside in the park."), which the regex verifier checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/engine_backend.h"
#include "eval/eval_command.h"

namespace owl::eval {
namespace {

namespace fs = std::filesystem;

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
  return s;
}

int run(std::vector<std::string> args, std::string* out_text, std::string* err_text = nullptr) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  const EvalBackend backend = model_eval_backend();
  std::FILE* out = std::tmpfile();
  std::FILE* err = err_text != nullptr ? std::tmpfile() : stderr;
  const int rc = run_eval_command(static_cast<int>(argv.size()), argv.data(), &backend, out, err);
  *out_text = read_all(out);
  std::fclose(out);
  if (err_text != nullptr) {
    *err_text = read_all(err);
    std::fclose(err);
  }
  return rc;
}

// A fresh folder under the test temp dir, holding story.jsonl with the given task lines.
fs::path task_dir(const std::string& name, const std::vector<std::string>& task_lines) {
  const fs::path dir = fs::path(::testing::TempDir()) / (name + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream f(dir / "story.jsonl");
  for (const std::string& line : task_lines) f << line << "\n";
  return dir;
}

const std::string kModel = std::string(OWL_SHARED_DIR) + "/models/stories260K/stories260K.bin";

TEST(EvalEndToEnd, Stories260KGreedyMatchesTheReferenceSample) {
  // Prompts that are prefixes of the greedy story; the regexes are its continuation.
  const fs::path dir = task_dir(
      "owl_eval_e2e_",
      {R"({"id": "a", "prompt": "Once upon a time", "verifier": "regex", "answer": "^, there was a little girl named Lily\\. She loved to play outside in the park\\."})",
       R"({"id": "b", "prompt": "Once upon a time, there was a little girl named Lily.", "verifier": "regex", "answer": "^ She loved to play outside in the park\\."})",
       R"({"id": "c", "prompt": "Once upon a time", "verifier": "exact", "answer": "not this"})"});
  const std::string task = (dir / "story.jsonl").string();
  const std::string out_path = (dir / "rollouts.jsonl").string();
  std::string text;
  ASSERT_EQ(run({"eval",         kModel,       "--task",     "jsonl:" + task,
                 "--template",   "raw",        "--limit",    "3",
                 "--samples",    "2",          "--temp",     "0",
                 "--max-tokens", "40",         "--parallel", "4",
                 "--threads",    "1",          "--out",      out_path,
                 "--json",       "--progress", "off"},
                &text),
            0);
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["rollouts"], 6);
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), 4.0 / 6);  // a and b right, c wrong by design
  EXPECT_GT(j["generated_tokens"].get<int64_t>(), 0);
  EXPECT_GT(j["tokens_per_s"].get<double>(), 0.0);
  std::ifstream rollouts(out_path);
  int lines = 0;
  for (std::string line; std::getline(rollouts, line); ++lines) {
    const auto r = nlohmann::json::parse(line);
    EXPECT_EQ(r["completion_tokens"].get<int>() > 0, true) << line;
    EXPECT_EQ(r["finish_reason"], "length") << line;  // the story runs past 40 tokens
    if (r["id"] != "c") {
      EXPECT_EQ(r["reward"], 1.0) << line;
    }
  }
  EXPECT_EQ(lines, 6);
  // The same file rescored without the model gives the same rewards.
  ASSERT_EQ(run({"eval", "--rescore", out_path, "--task", "jsonl:" + task, "--json"}, &text), 0);
  const auto r = nlohmann::json::parse(text);
  EXPECT_EQ(r["rewards_changed"], 0);
  EXPECT_DOUBLE_EQ(r["accuracy"].get<double>(), 4.0 / 6);
  // stories260K has no chat template: --template chat (the default) fails with a clear message.
  std::string err;
  ASSERT_EQ(run({"eval", kModel, "--task", "jsonl:" + task, "--samples", "1", "--progress", "off"},
                &text, &err),
            2);
  EXPECT_NE(err.find("no chat template; use --template raw"), std::string::npos) << err;
  fs::remove_all(dir);
}

// --ctx and --kv-type reach the engine: with 20 positions per sequence every rollout stops when
// prompt and completion fill them, and an f16 cache still continues the story greedily.
TEST(EvalEndToEnd, ContextAndKvTypeReachTheEngine) {
  const fs::path dir = task_dir(
      "owl_eval_ctx_",
      {R"({"id": "a", "prompt": "Once upon a time", "verifier": "exact", "answer": "-"})",
       R"({"id": "b", "prompt": "Once upon a time, there was a little girl named Lily.", "verifier": "exact", "answer": "-"})"});
  const std::string task = (dir / "story.jsonl").string();
  const std::string out_path = (dir / "rollouts.jsonl").string();
  std::string text;
  ASSERT_EQ(run({"eval",       kModel,       "--task",       "jsonl:" + task,
                 "--template", "raw",        "--samples",    "1",
                 "--temp",     "0",          "--max-tokens", "40",
                 "--threads",  "1",          "--ctx",        "20",
                 "--kv-type",  "f16",        "--out",        out_path,
                 "--json",     "--progress", "off"},
                &text),
            0);
  std::ifstream rollouts(out_path);
  int lines = 0;
  for (std::string line; std::getline(rollouts, line); ++lines) {
    const auto r = nlohmann::json::parse(line);
    EXPECT_EQ(r["prompt_tokens"].get<int>() + r["completion_tokens"].get<int>(), 20) << line;
    const std::string story = "Once upon a time, there was a little girl named Lily. She loved to";
    const std::string whole = r["prompt"].get<std::string>() + r["completion"].get<std::string>();
    EXPECT_EQ(story.rfind(whole, 0) == 0 || whole.rfind(story, 0) == 0, true) << line;
  }
  EXPECT_EQ(lines, 2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace owl::eval
