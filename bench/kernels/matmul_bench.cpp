// matmul at real model shapes for every weight type and ISA level: GB/s of weights streamed
// (generation, 1 token) and GFLOP/s (prompt, many tokens). Also the memory-bandwidth probe.
// Example: kernels_bench --benchmark_filter='matmul/avx512/q4_0/.*'
#include <benchmark/benchmark.h>

#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/bandwidth.h"
#include "kernels/kernels.h"
#include "tensor/quant.h"

namespace owl::kernels {
namespace {

ThreadPool& pool(int n) {
  static std::map<int, std::unique_ptr<ThreadPool>> pools;
  auto& p = pools[n];
  if (!p) p = std::make_unique<ThreadPool>(n);
  return *p;
}

struct Weights {
  std::vector<uint8_t> bytes;
  TensorView view;
};

// Random weights of the given type, quantized once and cached per (type, k, m).
const Weights& weights(DType type, int64_t k, int64_t m) {
  static std::map<std::tuple<int, int64_t, int64_t>, std::unique_ptr<Weights>> cache;
  auto& w = cache[{static_cast<int>(type), k, m}];
  if (w) return *w;
  w = std::make_unique<Weights>();
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> row(static_cast<size_t>(k));
  const size_t rb = row_bytes(type, k);
  w->bytes.resize(rb * static_cast<size_t>(m));
  for (int64_t r = 0; r < m; ++r) {
    for (float& v : row) v = normal(rng);
    quantize_row(type, row.data(), w->bytes.data() + rb * static_cast<size_t>(r), k);
  }
  w->view.name = "bench";
  w->view.type = type;
  w->view.n_dims = 2;
  w->view.ne = {k, m, 1, 1};
  w->view.data = w->bytes.data();
  w->view.nbytes = w->bytes.size();
  return *w;
}

void bm_matmul(benchmark::State& state, Isa isa, DType type, int64_t k, int64_t m, int64_t n_tokens,
               int threads, bool packed) {
  if (!isa_available(isa)) {
    state.SkipWithError("ISA not available");
    return;
  }
  set_isa(isa);
  const Weights& w = weights(type, k, m);
  std::vector<float> x(static_cast<size_t>(k * n_tokens)), y(static_cast<size_t>(m * n_tokens));
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : x) v = normal(rng);
  ThreadPool& p = pool(threads);
  const PackedWeight pw = packed ? repack(w.view, p) : PackedWeight{w.view, nullptr, 0};
  for (auto _ : state) {
    matmul(pw, x.data(), k, y.data(), m, n_tokens, p);
    benchmark::DoNotOptimize(y.data());
  }
  const double bytes = static_cast<double>(w.bytes.size());
  state.counters["GB/s"] =
      benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(k * m * n_tokens) / 1e9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

// One token against a weight far larger than the last-level cache (rows replicated from a
// quantized 4096-row matrix to ~512 MB): generation's DRAM-bound matvec, to compare with the
// bandwidth probe below.
void bm_stream(benchmark::State& state, Isa isa, DType type, int threads, bool packed) {
  if (!isa_available(isa)) {
    state.SkipWithError("ISA not available");
    return;
  }
  set_isa(isa);
  constexpr int64_t k = 2048, base_rows = 4096;
  const Weights& src = weights(type, k, base_rows);
  const size_t rb = row_bytes(type, k);
  const int64_t m = (int64_t{512} << 20) / static_cast<int64_t>(rb) / base_rows * base_rows;
  // One ~512 MB buffer at a time (the last type benchmarked).
  static int big_type = -1;
  static std::vector<uint8_t> bytes;
  if (big_type != static_cast<int>(type)) {
    big_type = static_cast<int>(type);
    bytes.assign(rb * static_cast<size_t>(m), 0);
    for (int64_t r = 0; r < m; r += base_rows) {
      std::memcpy(bytes.data() + rb * static_cast<size_t>(r), src.bytes.data(), src.bytes.size());
    }
  }
  TensorView v = src.view;
  v.ne = {k, m, 1, 1};
  v.data = bytes.data();
  v.nbytes = bytes.size();
  ThreadPool& p = pool(threads);
  const PackedWeight pw = packed ? repack(v, p) : PackedWeight{v, nullptr, 0};
  std::vector<float> x(k, 0.5f), y(static_cast<size_t>(m));
  for (auto _ : state) {
    matmul(pw, x.data(), k, y.data(), m, 1, p);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(bytes.size()) / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

// One token through a chain of distinct weights of one layer's size (1024 x 2048, about 1 MiB
// in 4-bit types), ~512 MB in all: generation's matmuls one after another, each starting cold.
// Against stream/ above, the difference is what a dispatch costs beyond its bytes (conversion,
// hand-off, stream start-up, the threads finishing apart).
void bm_chain(benchmark::State& state, DType type, int threads) {
  if (!isa_available(Isa::kAvx512)) {
    state.SkipWithError("ISA not available");
    return;
  }
  set_isa(Isa::kAvx512);
  constexpr int64_t k = 1024, m = 2048;
  const Weights& src = weights(type, k, m);
  ThreadPool& p = pool(threads);
  const int64_t n = (int64_t{512} << 20) / static_cast<int64_t>(src.bytes.size());
  static int chain_type = -1;
  static std::vector<PackedWeight> chain;
  if (chain_type != static_cast<int>(type)) {
    chain_type = static_cast<int>(type);
    chain.clear();
    for (int64_t i = 0; i < n; ++i) chain.push_back(repack(src.view, p));
  }
  std::vector<float> x(k, 0.5f), y(m);
  for (auto _ : state) {
    for (const PackedWeight& w : chain) matmul(w, x.data(), k, y.data(), m, 1, p);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GB/s"] =
      benchmark::Counter(static_cast<double>(src.bytes.size() * chain.size()) / 1e9,
                         benchmark::Counter::kIsIterationInvariantRate);
}

void bm_bandwidth(benchmark::State& state, int threads) {
  double gbs = 0;
  for (auto _ : state) gbs = measure_bandwidth_gbs(pool(threads), size_t{512} << 20);
  state.counters["GB/s"] = gbs;
}

const DType kTypes[] = {DType::kF32,  DType::kF16,    DType::kBF16,   DType::kQ8_0,
                        DType::kQ4_0, DType::kQ4_1,   DType::kQ5_0,   DType::kQ5_1,
                        DType::kQ2_K, DType::kQ3_K,   DType::kQ4_K,   DType::kQ5_K,
                        DType::kQ6_K, DType::kIQ4_NL, DType::kIQ4_XS, DType::kMXFP4};

struct Shape {
  const char* name;
  int64_t k, m;
};
// Qwen3-0.6B (hidden 1024, ffn 3072, vocab 151936) and Llama-3.2-1B (hidden 2048, ffn 8192).
const Shape kShapes[] = {{"qwen3_ffn_up", 1024, 3072},
                         {"qwen3_ffn_down", 3072, 1024},
                         {"qwen3_vocab", 1024, 151936},
                         {"llama1b_ffn_up", 2048, 8192},
                         {"llama1b_ffn_down", 8192, 2048}};

int register_all() {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    for (DType type : kTypes) {
      for (const Shape& s : kShapes) {
        for (int64_t nt : {int64_t{1}, int64_t{128}}) {
          if (isa == Isa::kScalar && nt > 1) continue;  // far too slow to be useful
          for (int th : {1, 2}) {
            for (bool packed : {false, true}) {
              if (packed && !repack_supported(type)) continue;
              const std::string name = std::string(packed ? "matmul_packed/" : "matmul/") +
                                       std::string(isa_name(isa)) + "/" +
                                       std::string(dtype_name(type)) + "/" + s.name + "/t" +
                                       std::to_string(nt) + "/th" + std::to_string(th);
              benchmark::RegisterBenchmark(name.c_str(), bm_matmul, isa, type, s.k, s.m, nt, th,
                                           packed)
                  ->UseRealTime()
                  ->Unit(benchmark::kMicrosecond);
            }
          }
        }
      }
    }
  }
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    for (DType type : kTypes) {
      for (int th : {1, 2}) {
        for (bool packed : {false, true}) {
          if (packed && !repack_supported(type)) continue;
          const std::string name = std::string("stream/") + (packed ? "packed/" : "mmap/") +
                                   std::string(isa_name(isa)) + "/" +
                                   std::string(dtype_name(type)) + "/th" + std::to_string(th);
          benchmark::RegisterBenchmark(name.c_str(), bm_stream, isa, type, th, packed)
              ->UseRealTime()
              ->Unit(benchmark::kMillisecond);
        }
      }
    }
  }
  for (DType type : {DType::kQ4_0, DType::kQ4_K, DType::kQ6_K, DType::kQ8_0}) {
    for (int th : {1, 2}) {
      const std::string name =
          "chain/avx512/" + std::string(dtype_name(type)) + "/th" + std::to_string(th);
      benchmark::RegisterBenchmark(name.c_str(), bm_chain, type, th)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
  for (int th : {1, 2}) {
    benchmark::RegisterBenchmark(("bandwidth/th" + std::to_string(th)).c_str(), bm_bandwidth, th)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  return 0;
}

const int kRegistered = register_all();

}  // namespace
}  // namespace owl::kernels
