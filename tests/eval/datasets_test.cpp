// The real data sets in ../shared/datasets load, and their own reference answers and solutions
// pass our verifiers: every HumanEval canonical_solution and every MBPP code (full and
// sanitized) passes its tests in the sandbox (this proves the harness), every math reference
// verifies against itself and perturbed wrong answers fail.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "eval/task.h"
#include "eval/verifier.h"
#include "eval/work_pool.h"

namespace owl::eval {
namespace {

const std::string kData = std::string(OWL_SHARED_DIR) + "/datasets";

Task load(const std::string& name, bool all = false) {
  TaskOptions o;
  o.data_dir = kData;
  o.all_splits = all;
  return load_task(name, o);
}

TEST(Datasets, LoadWithExpectedCounts) {
  EXPECT_EQ(load("gsm8k").problems.size(), 1319u);
  EXPECT_EQ(load("math500").problems.size(), 500u);
  EXPECT_EQ(load("aime24").problems.size(), 30u);
  EXPECT_EQ(load("aime25").problems.size(), 30u);
  EXPECT_EQ(load("humaneval").problems.size(), 164u);
  EXPECT_EQ(load("mbpp").problems.size(), 500u);  // test split 11-510
  EXPECT_EQ(load("mbpp", true).problems.size(), 974u);
  EXPECT_EQ(load("mbpp-sanitized").problems.size(), 257u);
  EXPECT_EQ(load("mbpp-sanitized", true).problems.size(), 427u);
}

TEST(Datasets, FieldsAndPrompts) {
  const Task gsm = load("gsm8k");
  EXPECT_EQ(gsm.problems[0].answer, "18");  // Janet's ducks
  EXPECT_NE(gsm.problems[0].messages[0].content.find("\\boxed{}"), std::string::npos);
  // Raw few-shot prompt: training examples without calculator annotations, then the question.
  EXPECT_EQ(gsm.problems[0].raw_prompt.find("<<"), std::string::npos);
  EXPECT_EQ(gsm.problems[0].raw_prompt.substr(gsm.problems[0].raw_prompt.size() - 8), "\nAnswer:");
  const Task aime24 = load("aime24");
  ASSERT_NE(aime24.find("60"), nullptr);
  EXPECT_EQ(aime24.find("60")->answer, "204");
  EXPECT_EQ(load("aime25").find("0")->answer, "70");
  const Task math = load("math500");
  ASSERT_NE(math.find("test/precalculus/807.json"), nullptr);
  EXPECT_EQ(math.find("test/precalculus/807.json")->answer, "\\left( 3, \\frac{\\pi}{2} \\right)");
  const Task he = load("humaneval");
  EXPECT_EQ(he.find("HumanEval/0")->code.entry_point, "has_close_elements");
  const Task mbpp = load("mbpp");
  const Problem* m11 = mbpp.find("11");
  ASSERT_NE(m11, nullptr);
  EXPECT_EQ(m11->code.entry_point, "remove_Occ");
  EXPECT_NE(m11->raw_prompt.find("[BEGIN]"), std::string::npos);
  EXPECT_EQ(m11->raw_prompt.substr(m11->raw_prompt.size() - 8), "[BEGIN]\n");
}

// Runs every problem's reference solution through the code verifier, 4 at a time.
void expect_references_pass(const Task& task) {
  VerifyOptions options;
  // Generous: some references are slow (MBPP 123 takes ~2 s of CPU) and the machine is shared;
  // what this test proves is that every reference passes.
  options.sandbox.timeout_s = 60.0;
  std::mutex mu;
  std::vector<std::string> failures;
  {
    WorkPool pool(4);
    for (const Problem& p : task.problems) {
      pool.submit([&, pp = &p] {
        const Verdict v = verify(*pp, pp->reference_solution, options);
        if (v.reward != 1.0) {
          std::lock_guard lock(mu);
          failures.push_back(pp->id + ": " + v.detail);
        }
      });
    }
  }
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << task.problems.size()
                                << " failed, first: " << failures.front();
}

TEST(Datasets, HumanEvalCanonicalSolutionsPass) { expect_references_pass(load("humaneval")); }
TEST(Datasets, MbppReferenceCodePasses) { expect_references_pass(load("mbpp", true)); }
TEST(Datasets, MbppSanitizedReferenceCodePasses) {
  expect_references_pass(load("mbpp-sanitized", true));
}

TEST(Datasets, BrokenSolutionsFail) {
  // The harness is not vacuous: a wrong body fails every HumanEval check.
  const Task he = load("humaneval");
  VerifyOptions options;
  std::atomic<int> passed{0};
  {
    WorkPool pool(4);
    for (size_t i = 0; i < he.problems.size(); i += 8) {
      pool.submit([&, p = &he.problems[i]] {
        if (verify(*p, "    return None\n", options).reward != 0.0) ++passed;
      });
    }
  }
  EXPECT_EQ(passed.load(), 0);
}

// Wrong answers: the first and the last digit bumped (5 -> 6, 9 -> 0), or for answers without
// digits, "+1" appended and "2" prepended. Changing a digit keeps units and "x=" prefixes intact,
// which the PRM800K normalisation would strip (so "2x=5" equals "x=5" there by design).
std::vector<std::string> wrong_answers(const std::string& answer) {
  const size_t first = answer.find_first_of("0123456789");
  if (first == std::string::npos) return {answer + "+1", "2" + answer};
  auto bump = [&](size_t i) {
    std::string w = answer;
    w[i] = static_cast<char>(w[i] == '9' ? '0' : w[i] + 1);
    return w;
  };
  return {bump(first), bump(answer.find_last_of("0123456789"))};
}

void expect_math_references_verify(const Task& task) {
  VerifyOptions options;
  int checked = 0;
  for (const Problem& p : task.problems) {
    const std::string good = "Some reasoning.\nThe final answer is $\\boxed{" + p.answer + "}$.";
    EXPECT_EQ(verify(p, good, options).reward, 1.0) << p.id << ": " << p.answer;
    EXPECT_EQ(verify(p, "Final Answer: " + p.answer, options).reward, 1.0)
        << p.id << ": " << p.answer;
    for (const std::string& wrong : wrong_answers(p.answer)) {
      EXPECT_EQ(verify(p, "\\boxed{" + wrong + "}", options).reward, 0.0)
          << p.id << ": " << p.answer << " accepted " << wrong;
    }
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(task.problems.size()));
}

TEST(Datasets, Math500ReferencesVerify) { expect_math_references_verify(load("math500")); }
TEST(Datasets, AimeReferencesVerify) {
  expect_math_references_verify(load("aime24"));
  expect_math_references_verify(load("aime25"));
  // Zero-padded and plain forms are the same AIME answer.
  const Task aime24 = load("aime24");
  const Problem* p = nullptr;
  for (const auto& q : aime24.problems) {
    if (q.answer == "025") p = &q;
  }
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(verify(*p, "\\boxed{25}", {}).reward, 1.0);
  EXPECT_EQ(verify(*p, "\\boxed{25.0}", {}).reward, 1.0);
  EXPECT_EQ(verify(*p, "\\boxed{250}", {}).reward, 0.0);
}

TEST(Datasets, Gsm8kReferencesVerify) {
  const Task task = load("gsm8k");
  for (const Problem& p : task.problems) {
    EXPECT_EQ(verify(p, "Reasoning...\n#### " + p.answer, {}).reward, 1.0) << p.id;
    EXPECT_EQ(verify(p, "So the answer is $\\boxed{" + p.answer + "}$.", {}).reward, 1.0) << p.id;
    const long v = std::stol(p.answer);
    EXPECT_EQ(verify(p, "#### " + std::to_string(v + 1), {}).reward, 0.0) << p.id;
    EXPECT_EQ(verify(p, "The answer is " + std::to_string(v * 10 + 3) + ".", {}).reward, 0.0)
        << p.id;
  }
}

}  // namespace
}  // namespace owl::eval
