// RoPE tables: the per-thread memo gives exactly the table of its own configuration and position,
// however calls on different ropes, positions and threads interleave.
#include "model/blocks/rope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <thread>
#include <vector>

namespace owl {
namespace {

std::vector<float> direct(const Rope& r, int32_t pos) {
  std::vector<float> t(static_cast<size_t>(r.n_rot()));
  r.table(pos, t.data());
  return t;
}

void expect_memo_is_table(const Rope& r, int32_t pos) {
  const std::vector<float> want = direct(r, pos);
  const float* got = r.table_memo(pos);
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(got[i], want[i]) << "pos " << pos << " at " << i;
}

TEST(Rope, TableByHand) {
  RopeConfig c;
  c.theta = 10000.0f;
  const Rope r(c, 8);
  const std::vector<float> t = direct(r, 3);
  for (int i = 0; i < 4; ++i) {
    const double angle = 3.0 * std::pow(10000.0, -2.0 * i / 8);
    EXPECT_NEAR(t[2 * i], std::cos(angle), 1e-6) << i;
    EXPECT_NEAR(t[2 * i + 1], std::sin(angle), 1e-6) << i;
  }
}

TEST(Rope, MemoFollowsRopeAndPosition) {
  RopeConfig a;
  a.theta = 10000.0f;
  RopeConfig b;
  b.theta = 1000000.0f;
  b.n_rot = 32;
  const Rope ra(a, 64), rb(b, 64);
  for (int32_t pos : {0, 5, 5, 6, 1000, 6}) {
    expect_memo_is_table(ra, pos);
    expect_memo_is_table(rb, pos);
    expect_memo_is_table(ra, pos);
  }
  const Rope copy = rb;  // a copy has the same configuration, so may share the memo
  expect_memo_is_table(rb, 7);
  expect_memo_is_table(copy, 7);
}

TEST(Rope, MemoNotReusedByANewRope) {
  // A rope made where an old one was (same address, other configuration) must not see its table.
  for (int i = 0; i < 4; ++i) {
    RopeConfig c;
    c.theta = 10000.0f * static_cast<float>(i + 1);
    auto r = std::make_unique<Rope>(c, 16);
    expect_memo_is_table(*r, 9);
  }
}

TEST(Rope, MemoPerThread) {
  RopeConfig c;
  const Rope r(c, 32);
  std::thread other([&] {
    for (int32_t pos = 0; pos < 200; ++pos) expect_memo_is_table(r, pos);
  });
  for (int32_t pos = 200; pos > 0; --pos) expect_memo_is_table(r, pos);
  other.join();
}

}  // namespace
}  // namespace owl
