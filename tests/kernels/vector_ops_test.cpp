// Vector ops at every ISA level against float64 formulas, on awkward lengths (tails of every size).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.h"

namespace owl::kernels {
namespace {

std::vector<Isa> available_isas() {
  std::vector<Isa> v;
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (isa_available(i)) v.push_back(i);
  }
  return v;
}

std::vector<float> randn(int64_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = d(rng);
  return v;
}

const int64_t kLengths[] = {1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 1024, 1031};

class VectorOps : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    saved_ = active_isa();
    set_isa(GetParam());
  }
  void TearDown() override { set_isa(saved_); }
  Isa saved_ = Isa::kScalar;
};

double gelu64(double x) {
  return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * x * (1.0 + 0.044715 * x * x)));
}

TEST_P(VectorOps, RmsNorm) {
  for (int64_t n : kLengths) {
    const auto x = randn(n, 1, 3.0f), w = randn(n, 2);
    std::vector<float> y(x.size()), y_alias = x;
    rms_norm(x.data(), w.data(), y.data(), n, 1e-6f);
    rms_norm(y_alias.data(), w.data(), y_alias.data(), n, 1e-6f);
    double ss = 0;
    for (float v : x) ss += static_cast<double>(v) * v;
    const double scale = 1.0 / std::sqrt(ss / n + 1e-6);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(y[i], x[i] * scale * w[i], 2e-6 * std::fabs(x[i] * scale * w[i]) + 1e-7) << n;
      ASSERT_EQ(y[i], y_alias[i]);
    }
    rms_norm(x.data(), nullptr, y.data(), n, 1e-6f);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_NEAR(y[i], x[i] * scale, 2e-6 * std::fabs(x[i] * scale) + 1e-7);
  }
}

TEST_P(VectorOps, LayerNorm) {
  for (int64_t n : kLengths) {
    if (n < 2) continue;
    auto x = randn(n, 3, 2.0f);
    for (float& v : x) v += 5.0f;  // a non-zero mean
    const auto w = randn(n, 4), b = randn(n, 5);
    std::vector<float> y(x.size());
    layer_norm(x.data(), w.data(), b.data(), y.data(), n, 1e-5f);
    double mean = 0, var = 0;
    for (float v : x) mean += v;
    mean /= n;
    for (float v : x) var += (v - mean) * (v - mean);
    var /= n;
    const double inv = 1.0 / std::sqrt(var + 1e-5);
    for (int64_t i = 0; i < n; ++i) {
      const double e = (x[i] - mean) * inv * w[i] + b[i];
      ASSERT_NEAR(y[i], e, 1e-5 * (std::fabs((x[i] - mean) * inv * w[i]) + std::fabs(b[i])) + 1e-6);
    }
  }
}

TEST_P(VectorOps, Softmax) {
  for (int64_t n : kLengths) {
    auto x = randn(n, 6, 4.0f);
    x[0] = -INFINITY;  // masked entries are -inf
    std::vector<double> e(x.size());
    double mx = -INFINITY, sum = 0;
    for (float v : x) mx = std::max(mx, static_cast<double>(v));
    for (int64_t i = 0; i < n; ++i) sum += e[i] = std::exp(x[i] - mx);
    if (n == 1) continue;  // a lone -inf has no distribution
    softmax(x.data(), n);
    for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(x[i], e[i] / sum, 2e-6 * e[i] / sum + 1e-9) << n;
  }
}

TEST_P(VectorOps, GatedActivations) {
  for (int64_t n : kLengths) {
    auto g = randn(n, 7, 4.0f);
    g[0] = -90.0f;  // exp overflow territory
    if (n > 1) g[1] = 12.0f;
    const auto u = randn(n, 8);
    std::vector<float> o(g.size()), o2(g.size()), o3(g.size());
    silu_mul(g.data(), u.data(), o.data(), n);
    gelu_mul(g.data(), u.data(), o2.data(), n);
    gelu_mul_fp16_table(g.data(), u.data(), o3.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double s = g[i] / (1.0 + std::exp(-static_cast<double>(g[i]))) * u[i];
      ASSERT_NEAR(o[i], s, 4e-6 * std::fabs(s) + 1e-30) << i;
      const double ge = gelu64(g[i]) * u[i];
      // 1 + tanh(...) cancels for negative inputs: an absolute error of a few ulps of |g u|.
      ASSERT_NEAR(o2[i], ge, 4e-6 * std::fabs(ge) + 3e-7 * std::fabs(g[i] * u[i])) << i;
      // f16 input and output: ~2^-11 relative on the input and the result.
      ASSERT_NEAR(o3[i], ge, 3e-3 * std::fabs(ge) + 1e-4) << i;
    }
  }
}

TEST_P(VectorOps, AddDotAxpy) {
  for (int64_t n : kLengths) {
    const auto a = randn(n, 9), b = randn(n, 10);
    std::vector<float> y = b;
    add(a.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(y[i], a[i] + b[i]);
    double d = 0, mag = 0;
    for (int64_t i = 0; i < n; ++i) {
      d += static_cast<double>(a[i]) * b[i];
      mag += std::fabs(static_cast<double>(a[i]) * b[i]);
    }
    EXPECT_NEAR(dot(a.data(), b.data(), n), d, 2e-6 * mag);
    y = b;
    axpy(0.37f, a.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(y[i], b[i] + 0.37 * a[i], 2e-7 * (std::fabs(b[i]) + std::fabs(0.37 * a[i])));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, VectorOps, ::testing::ValuesIn(available_isas()),
                         [](const auto& info) { return std::string(isa_name(info.param)); });

}  // namespace
}  // namespace owl::kernels
