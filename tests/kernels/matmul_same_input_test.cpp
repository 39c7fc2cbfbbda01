// matmul_same_input against matmul() on each weight, bit for bit: mixed types (layouts shared
// or not), a weight without panels, token counts across token-block boundaries, every level.
#include <gtest/gtest.h>

#include <vector>

#include "base/error.h"

#include "kernels/kernels.h"
#include "kernels/matmul_util.h"

namespace owl::kernels {
namespace {

using testing::make_weight;
using testing::random_matrix;

TEST(MatmulSameInput, EqualsOneMatmulPerWeight) {
  const int64_t k = 512;
  struct Spec {
    DType type;
    int64_t rows;
    bool packed;
  };
  // Q4_K twice (one activation layout for both), Q6_K (Q8_K in groups of 16: its own layout),
  // F16, Q8_0 left unpacked (goes through matmul()), and a 1-row weight.
  const Spec specs[] = {{DType::kQ4_K, 48, true}, {DType::kQ6_K, 19, true}, {DType::kQ4_K, 33, true},
                        {DType::kF16, 40, true},  {DType::kQ8_0, 21, false}, {DType::kQ5_0, 1, true}};
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!isa_available(isa)) continue;
    const Isa saved = active_isa();
    set_isa(isa);
    for (int threads : {1, 2}) {
      ThreadPool pool(threads);
      std::vector<testing::Weight> ws;
      uint32_t seed = 40;
      for (const Spec& s : specs) ws.push_back(make_weight(s.type, random_matrix(s.rows, k, seed++), s.rows, k));
      std::vector<TensorView> views;
      for (size_t i = 0; i < ws.size(); ++i) {
        views.push_back(ws[i].view);
        if (specs[i].packed) repack_in_place(views.back(), pool);
      }
      const auto x = random_matrix(13, k, 7);
      for (int64_t n : {1, 2, 5, 12, 13}) {
        std::vector<std::vector<float>> got(views.size()), want(views.size());
        std::vector<MatmulOutput> outs;
        for (size_t i = 0; i < views.size(); ++i) {
          const int64_t m = views[i].ne[1];
          got[i].assign(static_cast<size_t>(n * m), -1.0f);
          want[i].resize(static_cast<size_t>(n * m));
          matmul(views[i], x.data(), k, want[i].data(), m, n, pool);
          outs.push_back({&views[i], got[i].data(), m});
        }
        matmul_same_input(outs, x.data(), k, n, pool);
        for (size_t i = 0; i < views.size(); ++i) {
          for (size_t j = 0; j < got[i].size(); ++j) {
            ASSERT_EQ(got[i][j], want[i][j]) << isa_name(isa) << " threads " << threads << " tokens " << n
                                             << " weight " << i << " (" << dtype_name(specs[i].type)
                                             << ") at " << j;
          }
        }
      }
    }
    set_isa(saved);
  }
}

// Weights of about 1.4 MB split into many work units (kernels/dispatch.cpp: 64 KiB each, owned
// runs, stealing from the back): every thread count gives the single-thread result, so every
// panel is computed, once, whichever thread takes it. Three threads on two cores make stealing
// likely.
TEST(MatmulSameInput, ManyUnitsOnAnyThreadCount) {
  const int64_t k = 1024;
  const DType types[] = {DType::kQ4_K, DType::kQ6_K, DType::kF16};
  const int64_t rows[] = {512, 640, 300};
  ThreadPool one(1);
  std::vector<testing::Weight> ws;
  std::vector<TensorView> views;
  for (int i = 0; i < 3; ++i) {
    ws.push_back(make_weight(types[i], random_matrix(rows[i], k, 60 + i), rows[i], k));
  }
  for (int i = 0; i < 3; ++i) {
    views.push_back(ws[i].view);
    repack_in_place(views.back(), one);
  }
  const auto x = random_matrix(5, k, 9);
  for (int64_t n : {1, 5}) {
    std::vector<std::vector<float>> want(3);
    for (int i = 0; i < 3; ++i) {
      want[i].resize(static_cast<size_t>(n * rows[i]));
      matmul(views[i], x.data(), k, want[i].data(), rows[i], n, one);
    }
    for (int threads : {1, 2, 3}) {
      ThreadPool pool(threads);
      for (int rep = 0; rep < 3; ++rep) {
        std::vector<std::vector<float>> got(3);
        std::vector<MatmulOutput> outs;
        for (int i = 0; i < 3; ++i) {
          got[i].assign(want[i].size(), -1.0f);
          outs.push_back({&views[i], got[i].data(), rows[i]});
        }
        matmul_same_input(outs, x.data(), k, n, pool);
        for (int i = 0; i < 3; ++i) {
          ASSERT_EQ(got[i], want[i]) << "threads " << threads << " tokens " << n << " weight " << i;
        }
      }
    }
  }
}

TEST(MatmulSameInput, RejectsABadWeightByName) {
  ThreadPool pool(1);
  const testing::Weight w = make_weight(DType::kQ4_0, random_matrix(4, 64, 1), 4, 64);
  std::vector<float> x(64, 1.0f), y(4);
  const MatmulOutput outs[] = {{&w.view, y.data(), 2}};  // ldy < rows
  EXPECT_THROW(matmul_same_input(outs, x.data(), 64, 1, pool), Error);
}

}  // namespace
}  // namespace owl::kernels
