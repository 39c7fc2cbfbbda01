// Vector ops at hidden sizes of real models, per ISA level (GB/s of data touched).
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"

namespace owl::kernels {
namespace {

enum class Op { kRmsNorm, kSoftmax, kSiluMul, kAdd, kDot };

void bm_op(benchmark::State& state, Isa isa, Op op, int64_t n) {
  if (!isa_available(isa)) {
    state.SkipWithError("ISA not available");
    return;
  }
  set_isa(isa);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> a(static_cast<size_t>(n)), b(a.size()), c(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = normal(rng);
    b[i] = normal(rng);
  }
  double bytes = 0;
  for (auto _ : state) {
    switch (op) {
      case Op::kRmsNorm:
        rms_norm(a.data(), b.data(), c.data(), n, 1e-6f);
        bytes = 12.0 * n;
        break;
      case Op::kSoftmax:
        c = a;
        softmax(c.data(), n);
        bytes = 8.0 * n;
        break;
      case Op::kSiluMul:
        silu_mul(a.data(), b.data(), c.data(), n);
        bytes = 12.0 * n;
        break;
      case Op::kAdd:
        add(a.data(), c.data(), n);
        bytes = 12.0 * n;
        break;
      case Op::kDot:
        benchmark::DoNotOptimize(dot(a.data(), b.data(), n));
        bytes = 8.0 * n;
        break;
    }
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GB/s"] =
      benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

int register_all() {
  const std::pair<Op, const char*> ops[] = {{Op::kRmsNorm, "rms_norm"},
                                            {Op::kSoftmax, "softmax"},
                                            {Op::kSiluMul, "silu_mul"},
                                            {Op::kAdd, "add"},
                                            {Op::kDot, "dot"}};
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    for (const auto& [op, name] : ops) {
      for (int64_t n : {int64_t{1024}, int64_t{8192}}) {
        const std::string bn =
            "vec/" + std::string(isa_name(isa)) + "/" + name + "/" + std::to_string(n);
        benchmark::RegisterBenchmark(bn.c_str(), bm_op, isa, op, n);
      }
    }
  }
  return 0;
}

const int kRegistered = register_all();

}  // namespace
}  // namespace owl::kernels
