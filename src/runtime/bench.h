// `owl bench`: prompt-processing and generation speed of a model, with the machine's measured
// memory bandwidth and the roofline it implies for generation (bandwidth / weight bytes per token).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace owl {

struct BenchOptions {
  int32_t n_prompt = 512;  // 0: skip the prompt test
  int32_t n_gen = 128;     // 0: skip the generation test
  int32_t threads = 2;
  int32_t reps = 5;
  uint64_t seed = 1234;    // for the random token ids
  DType kv_type = DType::kF32;
};

struct BenchTest {
  std::string name;  // "pp512", "tg128"
  int32_t n_tokens = 0;
  std::vector<double> tokens_per_s;  // one per repetition
  double median = 0, min = 0, max = 0;
  // Generation only: the median over runs of tok/s / (bandwidth / bytes_per_token), each run
  // against the mean of the bandwidth probes before and after it.
  double roofline_fraction = 0;
};

struct BenchResult {
  std::string model;
  std::string type;
  int32_t threads = 0;
  std::string kv_type;                     // "f32" or "f16"
  double bandwidth_gbs = 0;                // median of the samples
  std::vector<double> bandwidth_samples;   // one probe before the generation runs, one after each
  uint64_t bytes_per_token = 0;
  double load_s = 0;
  double peak_rss_mb = 0;
  std::vector<BenchTest> tests;
};

BenchResult run_bench(const std::string& model_path, const BenchOptions& options);
nlohmann::ordered_json bench_to_json(const BenchResult& r);
std::string bench_to_text(const BenchResult& r);

}  // namespace owl
