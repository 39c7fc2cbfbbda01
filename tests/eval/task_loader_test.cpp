// User JSONL tasks and rollout files: good files load, bad ones give errors naming file, line
// and field.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "eval/rollout_io.h"
#include "eval/task.h"
#include "eval/verifier.h"

namespace owl::eval {
namespace {

std::string write_tmp(const std::string& name, const std::string& text) {
  const std::string p = ::testing::TempDir() + "owl_task_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(UserTask, LoadsEveryVerifier) {
  const std::string path = write_tmp(
      "good.jsonl",
      R"({"id": 1, "prompt": "2+2?", "answer": 4, "verifier": "math"})"
      "\n\n"
      R"({"id": "g", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "3*3?"}], "answer": "Work.\n#### 9", "verifier": "gsm8k"})"
      "\n"
      R"({"id": "c", "prompt": "Write add.", "verifier": "code", "tests": ["assert add(1, 2) == 3"], "entry_point": "add"})"
      "\n"
      R"({"id": "e", "prompt": "Say yes.", "answer": " yes ", "verifier": "exact"})"
      "\n"
      R"x({"id": "r", "prompt": "Name a colour.", "answer": "colou?r is (\\w+)", "verifier": "regex"})x"
      "\n");
  const Task t = load_task("jsonl:" + path, {});
  ASSERT_EQ(t.problems.size(), 5u);
  EXPECT_EQ(t.find("1")->answer, "4");
  EXPECT_EQ(t.find("1")->raw_prompt, "2+2?");
  EXPECT_EQ(t.find("g")->answer, "9");
  EXPECT_EQ(t.find("g")->messages.size(), 2u);
  EXPECT_TRUE(t.find("g")->raw_prompt.empty());
  EXPECT_EQ(t.find("c")->code.test, "assert add(1, 2) == 3\n");
  VerifyOptions o;
  EXPECT_EQ(verify(*t.find("1"), "so \\boxed{4}", o).reward, 1.0);
  EXPECT_EQ(verify(*t.find("g"), "#### 9", o).reward, 1.0);
  EXPECT_EQ(verify(*t.find("c"), "```python\ndef add(a, b):\n    return a + b\n```", o).reward,
            1.0);
  EXPECT_EQ(verify(*t.find("e"), "yes\n", o).reward, 1.0);
  EXPECT_EQ(verify(*t.find("e"), "yes!", o).reward, 0.0);
  const Verdict re = verify(*t.find("r"), "My favourite color is blue.", o);
  EXPECT_EQ(re.reward, 1.0);
  EXPECT_EQ(re.extracted, "blue");
  EXPECT_EQ(verify(*t.find("r"), "no colours here", o).reward, 0.0);
  std::filesystem::remove(path);
}

TEST(UserTask, BadFilesNameFileLineAndField) {
  struct Case {
    std::string text, expected;
  };
  const std::vector<Case> cases = {
      {"{\"id\": 1, \"prompt\": \"x\", \"answer\": 1}\n", ":1: missing field 'verifier'"},
      {"\n{\"id\": 1, \"prompt\": \"x\", \"answer\": 1, \"verifier\": \"maths\"}\n",
       ":2: field 'verifier' is 'maths'"},
      {"{\"prompt\": \"x\", \"answer\": 1, \"verifier\": \"math\"}\n", ":1: missing field 'id'"},
      {"{\"id\": 1, \"answer\": 1, \"verifier\": \"math\"}\n", ":1: needs field 'prompt' or"},
      {"{\"id\": 1, \"prompt\": \"x\", \"verifier\": \"math\"}\n", ":1: missing field 'answer'"},
      {"{\"id\": 1, \"prompt\": 5, \"answer\": 1, \"verifier\": \"math\"}\n",
       ":1: field 'prompt' must be a string"},
      {"{\"id\": 1, \"prompt\": \"x\", \"verifier\": \"code\"}\n", ":1: missing field 'tests'"},
      {"{\"id\": 1, \"prompt\": \"x\", \"verifier\": \"code\", \"tests\": [1]}\n",
       ":1: field 'tests' must be a list of strings"},
      {"{\"id\": 1, \"prompt\": \"x\", \"answer\": \"(\", \"verifier\": \"regex\"}\n",
       ":1: field 'answer' is not a valid regex"},
      {"{\"id\": 1, \"prompt\": \"x\", \"answer\": \"abc\", \"verifier\": \"gsm8k\"}\n",
       ":1: field 'answer' must be a number"},
      {"{\"id\": 1, \"messages\": [{\"role\": \"user\"}], \"answer\": 1, \"verifier\": \"math\"}\n",
       ":1: field 'messages' must hold objects"},
      {"{\"id\": 1, \"prompt\": \"x\", \"answer\": 1, \"verifier\": \"math\"\n",
       ":1: not valid JSON"},
      {"[1, 2]\n", ":1: expected a JSON object"},
      {"{\"id\": 1, \"prompt\": \"x\", \"answer\": 1, \"verifier\": \"math\"}\n"
       "{\"id\": 1, \"prompt\": \"y\", \"answer\": 2, \"verifier\": \"math\"}\n",
       "id '1' appears more than once"},
      {"", "no problems"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = write_tmp("bad" + std::to_string(i) + ".jsonl", cases[i].text);
    const std::string msg = error_of([&] { load_task("jsonl:" + path, {}); });
    EXPECT_NE(msg.find(cases[i].expected), std::string::npos) << "case " << i << ": " << msg;
    if (cases[i].expected.starts_with(":")) {
      EXPECT_NE(msg.find(path), std::string::npos) << msg;
    }
    std::filesystem::remove(path);
  }
  EXPECT_NE(
      error_of([] { load_task("jsonl:/nonexistent/x.jsonl", {}); }).find("/nonexistent/x.jsonl"),
      std::string::npos);
  EXPECT_NE(error_of([] { load_task("gsm8k", {}); }).find("needs --data-dir"), std::string::npos);
  TaskOptions o;
  o.data_dir = "/nonexistent";
  EXPECT_NE(error_of([&] { load_task("math500", o); }).find("math500/test.jsonl not found"),
            std::string::npos);
  EXPECT_NE(error_of([] { load_task("wat", {}); }).find("unknown task 'wat'"), std::string::npos);
}

TEST(RolloutFile, PartialLastLineIsToleratedOthersAreNot) {
  const std::string good = "{\"id\": \"a\", \"sample\": 0, \"completion\": \"x\"}\n";
  const std::string p1 = write_tmp("r1.jsonl", good + good.substr(0, 20));
  const RolloutFile f = read_rollouts(p1);
  EXPECT_EQ(f.rows.size(), 1u);
  EXPECT_TRUE(f.dropped_partial);
  EXPECT_EQ(f.valid_bytes, static_cast<int64_t>(good.size()));
  const std::string p2 = write_tmp("r2.jsonl", good.substr(0, 20) + "\n" + good);
  EXPECT_NE(error_of([&] { read_rollouts(p2); }).find(":1: not valid JSON"), std::string::npos);
  const std::string p3 = write_tmp("r3.jsonl", "{\"id\": \"a\", \"completion\": \"x\"}\n");
  EXPECT_NE(error_of([&] { read_rollouts(p3); }).find(":1: missing field 'sample'"),
            std::string::npos);
  const std::string p4 = write_tmp("r4.jsonl", good + good.substr(0, good.size() - 1));
  const RolloutFile g = read_rollouts(p4);
  EXPECT_EQ(g.rows.size(), 2u);  // a whole object without its '\n' still counts
  EXPECT_TRUE(g.needs_newline);
  for (const auto& p : {p1, p2, p3, p4}) std::filesystem::remove(p);
}

TEST(RolloutFile, LineFormatRoundTrips) {
  Rollout r;
  r.id = "HumanEval/3";
  r.sample = 2;
  r.prompt = "p\n\"q\"";
  r.completion = "bad utf8 \xff end";
  r.extracted = "e";
  r.reward = 1;
  r.prompt_tokens = 5;
  r.completion_tokens = 7;
  r.finish_reason = "length";
  const std::string line = rollout_json_line(r);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(line.rfind("{\"id\": \"HumanEval/3\", \"sample\": 2, \"prompt\": ", 0), 0u);
  const std::string p = write_tmp("rt.jsonl", line);
  const RolloutFile f = read_rollouts(p);
  ASSERT_EQ(f.rows.size(), 1u);
  EXPECT_EQ(f.rows[0].prompt, r.prompt);
  EXPECT_EQ(f.rows[0].completion, "bad utf8 \xEF\xBF\xBD end");
  EXPECT_EQ(f.rows[0].completion_tokens, 7);
  EXPECT_EQ(f.rows[0].finish_reason, "length");
  std::filesystem::remove(p);
}

}  // namespace
}  // namespace owl::eval
