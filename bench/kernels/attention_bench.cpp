// attention at Qwen3-0.6B's shape (16 query heads, 8 KV heads, head_dim 128): a causal prefill
// of n tokens from position 0, and one decode token over a cache of n (GFLOP/s of the QK and PV
// products over the visible pairs).
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"

namespace owl::kernels {
namespace {

void bm_attention(benchmark::State& state, Isa isa, int n_tokens, int n_kv, int threads) {
  if (!isa_available(isa)) {
    state.SkipWithError("ISA not available");
    return;
  }
  set_isa(isa);
  constexpr int kHeads = 16, kKvHeads = 8, kDim = 128;
  std::mt19937 rng(4);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> q(static_cast<size_t>(n_tokens) * kHeads * kDim), out(q.size());
  std::vector<float> k(static_cast<size_t>(n_kv) * kKvHeads * kDim), v(k.size());
  for (float& x : q) x = nd(rng);
  for (float& x : k) x = nd(rng);
  for (float& x : v) x = nd(rng);
  std::vector<int32_t> pos(static_cast<size_t>(n_tokens));
  for (int t = 0; t < n_tokens; ++t) pos[t] = n_kv - n_tokens + t;
  AttentionArgs a;
  a.q = q.data();
  a.q_stride = kHeads * kDim;
  a.k = k.data();
  a.v = v.data();
  a.k_stride = a.v_stride = kKvHeads * kDim;
  a.n_kv = n_kv;
  a.pos = pos.data();
  a.out = out.data();
  a.out_stride = kHeads * kDim;
  a.n_tokens = n_tokens;
  a.n_heads = kHeads;
  a.n_kv_heads = kKvHeads;
  a.head_dim = a.head_dim_v = kDim;
  a.scale = 0.088f;
  ThreadPool pool(threads);
  for (auto _ : state) {
    attention(a, pool);
    benchmark::DoNotOptimize(out.data());
  }
  double pairs = 0;
  for (int t = 0; t < n_tokens; ++t) pairs += pos[t] + 1;
  state.counters["GFLOP/s"] = benchmark::Counter(pairs * kHeads * kDim * 4 / 1e9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

int register_all() {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    for (int th : {1, 2}) {
      const std::string s = std::string(isa_name(isa)) + "/th" + std::to_string(th);
      benchmark::RegisterBenchmark(("attention/prefill512/" + s).c_str(), bm_attention, isa, 512,
                                   512, th)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("attention/decode512/" + s).c_str(), bm_attention, isa, 1, 512,
                                   th)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("attention/decode4096/" + s).c_str(), bm_attention, isa, 1,
                                   4096, th)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return 0;
}

const int kRegistered = register_all();

}  // namespace
}  // namespace owl::kernels
