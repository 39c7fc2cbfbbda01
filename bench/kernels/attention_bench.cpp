// attention at Qwen3-0.6B's shape (16 query heads, 8 KV heads, head_dim 128): a causal prefill
// of n tokens from position 0, and one decode token over a cache of n (GFLOP/s of the QK and PV
// products over the visible pairs). Decode also over the engine's cache as it is laid out:
// head-major ([head][position][dim]), f32 or f16 ("hm", "hm_f16").
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"

namespace owl::kernels {
namespace {

void bm_attention(benchmark::State& state, Isa isa, int n_tokens, int n_kv, int threads,
                  bool head_major, bool f16) {
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
  std::vector<uint16_t> k16(k.size()), v16(v.size());
  if (f16) {
    to_f16(k.data(), k16.data(), static_cast<int64_t>(k.size()));
    to_f16(v.data(), v16.data(), static_cast<int64_t>(v.size()));
  }
  std::vector<int32_t> pos(static_cast<size_t>(n_tokens));
  for (int t = 0; t < n_tokens; ++t) pos[t] = n_kv - n_tokens + t;
  AttentionArgs a;
  a.q = q.data();
  a.q_stride = kHeads * kDim;
  a.k = f16 ? static_cast<const void*>(k16.data()) : k.data();
  a.v = f16 ? static_cast<const void*>(v16.data()) : v.data();
  a.kv_type = f16 ? DType::kF16 : DType::kF32;
  a.k_stride = a.v_stride = head_major ? kDim : kKvHeads * kDim;
  if (head_major) a.k_head_stride = a.v_head_stride = static_cast<int64_t>(n_kv) * kDim;
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
                                   512, th, false, false)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("attention/decode512/" + s).c_str(), bm_attention, isa, 1, 512,
                                   th, false, false)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("attention/decode4096/" + s).c_str(), bm_attention, isa, 1,
                                   4096, th, false, false)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      for (int n : {512, 4096}) {
        for (bool f16 : {false, true}) {
          const std::string name = "attention/decode" + std::to_string(n) + (f16 ? "_hm_f16/" : "_hm/") + s;
          benchmark::RegisterBenchmark(name.c_str(), bm_attention, isa, 1, n, th, true, f16)
              ->UseRealTime()
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
  return 0;
}

const int kRegistered = register_all();

}  // namespace
}  // namespace owl::kernels
