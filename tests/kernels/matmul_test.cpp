// matmul for every weight type and every ISA level this CPU has, against (a) a float64 dot of the
// dequantized weights and the activations rounded as llama.cpp rounds them, and (b) plain float
// math on the unquantized inputs, with a per-type tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "base/error.h"
#include "kernels/kernels.h"
#include "kernels/matmul_util.h"

namespace owl::kernels {
namespace {

using testing::all_matmul_types;
using testing::expected_matmul;
using testing::make_weight;
using testing::random_matrix;

std::vector<Isa> available_isas() {
  std::vector<Isa> v;
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (isa_available(i)) v.push_back(i);
  }
  return v;
}

class IsaGuard {
 public:
  explicit IsaGuard(Isa isa) : saved_(active_isa()) { set_isa(isa); }
  ~IsaGuard() { set_isa(saved_); }

 private:
  Isa saved_;
};

using Param = std::tuple<Isa, DType>;

class MatmulTest : public ::testing::TestWithParam<Param> {};

// Awkward shapes: 1 row, odd row counts, rows of one block, 1..17 tokens, long odd rows.
struct Shape {
  int64_t rows, blocks, tokens;
};
const Shape kShapes[] = {{1, 1, 1},  {3, 2, 2},  {17, 1, 5}, {33, 3, 17},
                         {16, 4, 8}, {64, 2, 3}, {5, 1, 40},
                         {7, 50, 3}, {18, 37, 1}};  // long rows: chunked float activations + tails

TEST_P(MatmulTest, MatchesFloat64OfRoundedInputs) {
  const auto [isa, type] = GetParam();
  IsaGuard guard(isa);
  ThreadPool pool(2);
  const int64_t block = std::max<int64_t>(block_elems(type) == 256 ? 256 : 32, 32);
  for (const Shape& s : kShapes) {
    const int64_t k = s.blocks * block;
    const auto wf = random_matrix(s.rows, k, 11 + static_cast<uint32_t>(s.rows));
    const testing::Weight w = make_weight(type, wf, s.rows, k);
    const int64_t ldx = k + 3, ldy = s.rows + 2;
    const auto x = random_matrix(s.tokens, ldx, 99 + static_cast<uint32_t>(k));
    const testing::Expected e = expected_matmul(w, x.data(), ldx, s.tokens);
    const PackedWeight packed = repack(w.view, pool);
    EXPECT_EQ(packed.panels != nullptr, repack_supported(type));
    for (bool use_packed : {false, true}) {
      std::vector<float> y(static_cast<size_t>(s.tokens * ldy), -7.0f);
      if (use_packed) {
        matmul(packed, x.data(), ldx, y.data(), ldy, s.tokens, pool);
      } else {
        matmul(w.view, x.data(), ldx, y.data(), ldy, s.tokens, pool);
      }
      double worst = 0;
      for (int64_t t = 0; t < s.tokens; ++t) {
        for (int64_t r = 0; r < s.rows; ++r) {
          const double err = std::fabs(y[t * ldy + r] - e.y[t * s.rows + r]);
          worst = std::max(worst, err / (e.mag[t * s.rows + r] + 1e-30));
        }
        for (int64_t r = s.rows; r < ldy; ++r) EXPECT_EQ(y[t * ldy + r], -7.0f) << "wrote past row";
      }
      // f32 accumulation of <= 32 block partial sums: a few ulps of sum |w x|.
      EXPECT_LE(worst, 3e-6) << "rows " << s.rows << " k " << k << " tokens " << s.tokens
                             << (use_packed ? " packed" : "");
    }
  }
}

// Every token count 1..17 (tile remainders of every size) on rows of one block, both paths.
TEST_P(MatmulTest, EveryTokenCount) {
  const auto [isa, type] = GetParam();
  IsaGuard guard(isa);
  ThreadPool pool(2);
  const int64_t k = block_elems(type) == 256 ? 256 : 32, rows = 19;
  const testing::Weight w = make_weight(type, random_matrix(rows, k, 21), rows, k);
  const PackedWeight packed = repack(w.view, pool);
  const auto x = random_matrix(17, k, 22);
  const testing::Expected e = expected_matmul(w, x.data(), k, 17);
  for (int64_t n = 1; n <= 17; ++n) {
    for (bool use_packed : {false, true}) {
      std::vector<float> y(static_cast<size_t>(n * rows));
      if (use_packed) {
        matmul(packed, x.data(), k, y.data(), rows, n, pool);
      } else {
        matmul(w.view, x.data(), k, y.data(), rows, n, pool);
      }
      for (int64_t i = 0; i < n * rows; ++i) {
        ASSERT_NEAR(y[i], e.y[i], 3e-6 * e.mag[i])
            << "tokens " << n << " at " << i << (use_packed ? " packed" : "");
      }
    }
  }
}

// Error of the whole quantized path (weights and activations) against float math, relative to
// |w| |x| (Cauchy-Schwarz scale), largest over rows. Bounds are 2-3x the worst seen on these
// inputs (e.g. Q4_0 0.011, Q2_K 0.038, Q8_0 0.001); they mostly reflect the weight format.
double float_tolerance(DType t) {
  switch (t) {
    case DType::kF32:
      return 1e-6;
    case DType::kF16:
      return 1e-4;
    case DType::kBF16:
      return 8e-4;
    case DType::kQ8_0:
      return 2.5e-3;
    case DType::kQ6_K:
      return 5e-3;
    case DType::kQ5_0:
    case DType::kQ5_1:
    case DType::kQ5_K:
      return 1.5e-2;
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ4_K:
    case DType::kIQ4_NL:
    case DType::kIQ4_XS:
      return 2.5e-2;
    case DType::kMXFP4:
    case DType::kQ3_K:
      return 4e-2;
    case DType::kQ2_K:
      return 8e-2;
    default:
      return 0;
  }
}

TEST_P(MatmulTest, CloseToFloatMath) {
  const auto [isa, type] = GetParam();
  IsaGuard guard(isa);
  ThreadPool pool(1);
  const int64_t rows = 24, k = 512, tokens = 3;
  const auto wf = random_matrix(rows, k, 5);
  const auto x = random_matrix(tokens, k, 6);
  const testing::Weight w = make_weight(type, wf, rows, k);
  std::vector<float> y(static_cast<size_t>(tokens * rows));
  matmul(w.view, x.data(), k, y.data(), rows, tokens, pool);
  double worst = 0;
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      double s = 0, nw = 0, nx = 0;
      for (int64_t i = 0; i < k; ++i) {
        s += static_cast<double>(wf[r * k + i]) * x[t * k + i];
        nw += static_cast<double>(wf[r * k + i]) * wf[r * k + i];
        nx += static_cast<double>(x[t * k + i]) * x[t * k + i];
      }
      worst = std::max(worst, std::fabs(y[t * rows + r] - s) / std::sqrt(nw * nx));
    }
  }
  EXPECT_LE(worst, float_tolerance(type));
  RecordProperty("worst_rel_error", std::to_string(worst));
  if (type != DType::kF32) {
    EXPECT_GT(worst, float_tolerance(type) / 100) << "tolerance far looser than needed";
  }
}

TEST_P(MatmulTest, ThreadCountDoesNotChangeResults) {
  const auto [isa, type] = GetParam();
  IsaGuard guard(isa);
  const int64_t rows = 67, k = 512, tokens = 6;
  const testing::Weight w = make_weight(type, random_matrix(rows, k, 3), rows, k);
  const auto x = random_matrix(tokens, k, 4);
  std::vector<float> y1(static_cast<size_t>(tokens * rows)), y2(y1.size());
  ThreadPool p1(1), p2(2);
  matmul(w.view, x.data(), k, y1.data(), rows, tokens, p1);
  matmul(w.view, x.data(), k, y2.data(), rows, tokens, p2);
  EXPECT_EQ(y1, y2);
}

INSTANTIATE_TEST_SUITE_P(All, MatmulTest,
                         ::testing::Combine(::testing::ValuesIn(available_isas()),
                                            ::testing::ValuesIn(all_matmul_types())),
                         [](const auto& info) {
                           return std::string(isa_name(std::get<0>(info.param))) + "_" +
                                  testing::type_label(std::get<1>(info.param));
                         });

TEST(Matmul, RejectsBadInput) {
  ThreadPool pool(1);
  const testing::Weight w = make_weight(DType::kQ4_0, random_matrix(4, 64, 1), 4, 64);
  std::vector<float> x(64), y(4);
  TensorView bad = w.view;
  bad.type = DType::kI32;
  EXPECT_THROW(matmul(bad, x.data(), 64, y.data(), 4, 1, pool), Error);
  EXPECT_THROW(matmul(w.view, x.data(), 32, y.data(), 4, 1, pool), Error);  // ldx < k
  bad = w.view;
  bad.nbytes = 10;
  EXPECT_THROW(matmul(bad, x.data(), 64, y.data(), 4, 1, pool), Error);
  bad = w.view;
  bad.ne[2] = 2;
  EXPECT_THROW(matmul(bad, x.data(), 64, y.data(), 4, 1, pool), Error);
  EXPECT_THROW(set_isa(static_cast<Isa>(7)), Error);
}

TEST(Matmul, GetRowMatchesDequantize) {
  const testing::Weight w = make_weight(DType::kQ5_K, random_matrix(3, 512, 2), 3, 512);
  std::vector<float> a(512), b(512);
  get_row(w.view, 2, a.data());
  dequantize_row(DType::kQ5_K, w.view.row(2), b.data(), 512);
  EXPECT_EQ(a, b);
  EXPECT_THROW(get_row(w.view, 3, a.data()), Error);
}

}  // namespace
}  // namespace owl::kernels
