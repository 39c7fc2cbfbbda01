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

TEST(MatmulSameInput, RejectsABadWeightByName) {
  ThreadPool pool(1);
  const testing::Weight w = make_weight(DType::kQ4_0, random_matrix(4, 64, 1), 4, 64);
  std::vector<float> x(64, 1.0f), y(4);
  const MatmulOutput outs[] = {{&w.view, y.data(), 2}};  // ldy < rows
  EXPECT_THROW(matmul_same_input(outs, x.data(), 64, 1, pool), Error);
}

}  // namespace
}  // namespace owl::kernels
