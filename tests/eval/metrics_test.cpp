// pass@k arithmetic: hand-computed cases, and a fixed rollouts file whose pass@k values are
// computed independently by Python's exact math.comb.
#include "eval/metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "eval/rollout_io.h"

namespace owl::eval {
namespace {

std::string run_python(const std::string& code) {
  const std::string path = ::testing::TempDir() + "owl_passk_" + std::to_string(getpid()) + ".py";
  std::ofstream(path) << code;
  FILE* p = popen(("/usr/bin/python3 -I -S " + path).c_str(), "r");
  EXPECT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) {
    EXPECT_EQ(pclose(p), 0);
  }
  std::remove(path.c_str());
  return out;
}

TEST(PassAtK, HandComputed) {
  EXPECT_DOUBLE_EQ(pass_at_k(1, 0, 1), 0.0);
  EXPECT_DOUBLE_EQ(pass_at_k(1, 1, 1), 1.0);
  EXPECT_DOUBLE_EQ(pass_at_k(2, 1, 1), 0.5);
  EXPECT_DOUBLE_EQ(pass_at_k(4, 1, 2), 0.5);     // 1 - C(3,2)/C(4,2) = 1 - 3/6
  EXPECT_NEAR(pass_at_k(5, 2, 3), 0.9, 1e-15);   // 1 - C(3,3)/C(5,3) = 1 - 1/10
  EXPECT_NEAR(pass_at_k(10, 3, 1), 0.3, 1e-15);  // pass@1 is c/n
  EXPECT_DOUBLE_EQ(pass_at_k(10, 8, 3), 1.0);    // n - c < k
  EXPECT_DOUBLE_EQ(pass_at_k(10, 0, 10), 0.0);
  EXPECT_THROW(pass_at_k(4, 5, 1), Error);
  EXPECT_THROW(pass_at_k(4, 1, 5), Error);
}

TEST(PassAtK, MatchesExactCombinatoricsOverAGrid) {
  // Python prints 1 - comb(n-c,k)/comb(n,k) with exact integers, for every n, c, k in the grid.
  const std::string out = run_python(
      "from math import comb\n"
      "for n in (1, 2, 3, 5, 8, 16, 64, 200, 1000):\n"
      "    for c in sorted({0, 1, 2, n // 3, n // 2, n - 1, n} - {-1}):\n"
      "        for k in sorted({1, 2, 4, 8, 10, 100, n} & set(range(1, n + 1))):\n"
      "            if 0 <= c <= n:\n"
      "                print(n, c, k, repr(1 - comb(n - c, k) / comb(n, k)))\n");
  std::istringstream in(out);
  int n, c, k, count = 0;
  double expected;
  while (in >> n >> c >> k >> expected) {
    EXPECT_NEAR(pass_at_k(n, c, k), expected, 1e-12) << n << " " << c << " " << k;
    ++count;
  }
  EXPECT_GT(count, 150);
}

TEST(PassAtK, FixedRolloutFile) {
  // 6 problems with (n, correct) below; rewards laid out in a scrambled sample order.
  const std::vector<std::pair<int, int>> nc = {{8, 0}, {8, 1}, {8, 3}, {8, 7}, {8, 8}, {8, 4}};
  const std::string path =
      ::testing::TempDir() + "owl_passk_" + std::to_string(getpid()) + ".jsonl";
  {
    RolloutWriter w(path, false);
    for (size_t p = 0; p < nc.size(); ++p) {
      for (int s = 0; s < nc[p].first; ++s) {
        Rollout r;
        r.id = "prob-" + std::to_string(p);
        r.sample = (s * 5) % nc[p].first;  // every sample once, out of order
        r.completion = "x";
        r.reward = ((s * 3) % nc[p].first) < nc[p].second ? 1.0 : 0.0;
        r.completion_tokens = 10 + s;
        r.finish_reason = s == 0 ? "length" : "stop";
        w.write(r);
      }
    }
  }
  const RolloutFile file = read_rollouts(path);
  std::remove(path.c_str());
  ASSERT_EQ(file.rows.size(), 48u);
  const EvalSummary s = summarize("fixed", file.rows, {1, 2, 4, 8, 16});
  std::string cases = "[";
  for (const auto& [n, c] : nc) cases += "(" + std::to_string(n) + "," + std::to_string(c) + "),";
  cases += "]";
  const std::string out = run_python(
      "from math import comb\n"
      "cases = " +
      cases +
      "\n"
      "for k in (1, 2, 4, 8):\n"
      "    print(k, repr(sum(1 - comb(n - c, k) / comb(n, k) for n, c in cases) / len(cases)))\n");
  std::istringstream in(out);
  int k, count = 0;
  double expected;
  while (in >> k >> expected) {
    ASSERT_TRUE(s.pass_at_k.at(k).has_value());
    EXPECT_NEAR(*s.pass_at_k.at(k), expected, 1e-12) << "pass@" << k;
    ++count;
  }
  EXPECT_EQ(count, 4);
  EXPECT_FALSE(s.pass_at_k.at(16).has_value());  // more than the 8 samples
  EXPECT_EQ(s.problems, 6);
  EXPECT_EQ(s.rollouts, 48);
  EXPECT_DOUBLE_EQ(s.accuracy, 23.0 / 48);
  EXPECT_DOUBLE_EQ(s.mean_completion_tokens, 13.5);
  EXPECT_EQ(s.finish_reasons.at("length"), 6);
  EXPECT_EQ(s.finish_reasons.at("stop"), 42);
  const std::string table = format_summary_table(s);
  EXPECT_NE(table.find("pass@16"), std::string::npos);
  EXPECT_NE(table.find("n/a"), std::string::npos);
  EXPECT_EQ(summary_json(s)["pass_at_k"]["16"], nullptr);
}

TEST(PassAtK, RepeatedSampleKeepsTheLastRow) {
  std::vector<Rollout> rows(3);
  rows[0].id = rows[1].id = rows[2].id = "a";
  rows[0].sample = 0;
  rows[0].reward = 1;
  rows[1].sample = 1;
  rows[2].sample = 0;  // redone: replaces the first row
  const EvalSummary s = summarize("t", rows, {1});
  EXPECT_EQ(s.rollouts, 2);
  EXPECT_DOUBLE_EQ(*s.pass_at_k.at(1), 0.0);
}

}  // namespace
}  // namespace owl::eval
