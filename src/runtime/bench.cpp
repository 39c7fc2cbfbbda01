// Benchmark runner: warm-up, then repetitions of a prompt batch and of token-by-token generation
// from position 0 on random ids (as llama-bench does), reported as medians with min/max.
#include "runtime/bench.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <random>

#include <fmt/format.h>

#include "base/error.h"
#include "base/thread_pool.h"
#include "formats/gguf.h"
#include "kernels/bandwidth.h"
#include "kernels/kernels.h"
#include "model/loader.h"
#include "runtime/batch_engine.h"

namespace owl {
namespace {

constexpr int32_t kMaxBatch = 512;  // prompt tokens per forward pass (llama-bench's n_ubatch)

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

// Resident set size now (/proc/self/statm), 0 where unavailable.
double current_rss_mb() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// "Q4_K_M" from general.file_type when the file says, else the type holding most weight bytes.
std::string model_type_name(const Model& model) {
  static const std::map<int64_t, const char*> kFileTypes = {
      {0, "F32"},     {1, "F16"},     {2, "Q4_0"},    {3, "Q4_1"},   {7, "Q8_0"},   {8, "Q5_0"},
      {9, "Q5_1"},    {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"},
      {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"}, {18, "Q6_K"},  {25, "IQ4_NL"}, {30, "IQ4_XS"},
      {32, "BF16"},   {38, "MXFP4_MOE"}};
  if (detect_model_format(model.path()) == ModelFormat::kGguf) {
    auto file = gguf::File::open(model.path());
    if (auto ft = file->get_int("general.file_type")) {
      auto it = kFileTypes.find(*ft);
      if (it != kFileTypes.end()) return it->second;
    }
  }
  std::map<std::string, size_t> bytes;
  if (const WeightSource* src = model.source()) {
    for (const auto& [name, t] : src->tensors()) bytes[std::string(dtype_name(t.type))] += t.nbytes;
  }
  std::string best = "?";
  size_t most = 0;
  for (const auto& [type, b] : bytes) {
    if (b > most) {
      most = b;
      best = type;
    }
  }
  return best;
}

void summarise(BenchTest& t) {
  t.min = *std::min_element(t.tokens_per_s.begin(), t.tokens_per_s.end());
  t.max = *std::max_element(t.tokens_per_s.begin(), t.tokens_per_s.end());
  t.median = median_of(t.tokens_per_s);
}

double time_prompt(Model& model, KvCache& cache, const std::vector<int32_t>& ids, ThreadPool& pool,
                   std::vector<float>& logits) {
  const double t0 = monotonic_seconds();
  for (size_t start = 0; start < ids.size(); start += kMaxBatch) {
    Batch b;
    const size_t end = std::min(ids.size(), start + kMaxBatch);
    for (size_t i = start; i < end; ++i) b.add(ids[i], static_cast<int32_t>(i), 0, i + 1 == ids.size());
    model.forward(b, cache, logits.data(), pool);
  }
  return monotonic_seconds() - t0;
}

double time_generation(Model& model, KvCache& cache, const std::vector<int32_t>& ids, ThreadPool& pool,
                       std::vector<float>& logits) {
  const double t0 = monotonic_seconds();
  for (size_t i = 0; i < ids.size(); ++i) {
    Batch b;
    b.add(ids[i], static_cast<int32_t>(i), 0, true);
    model.forward(b, cache, logits.data(), pool);
  }
  return monotonic_seconds() - t0;
}

}  // namespace

BenchResult run_bench(const std::string& path, const BenchOptions& o) {
  if (o.threads < 1 || o.reps < 1 || o.n_prompt < 0 || o.n_gen < 0) fail("bench: -t and -r must be >= 1, -p and -n >= 0");
  BenchResult r;
  r.model = path;
  r.threads = o.threads;
  const double t0 = monotonic_seconds();
  auto model = load_model(path);
  r.load_s = monotonic_seconds() - t0;
  r.type = model_type_name(*model);
  r.bytes_per_token = model->weight_bytes_per_token();
  ThreadPool pool(o.threads);

  const int32_t vocab = model->config().vocab_size;
  std::mt19937_64 rng(o.seed);
  auto random_ids = [&](int32_t n) {
    std::vector<int32_t> ids(static_cast<size_t>(n));
    for (auto& id : ids) id = static_cast<int32_t>(rng() % static_cast<uint64_t>(vocab));
    return ids;
  };
  KvCache cache(model->kv_shapes(), 1, std::max(o.n_prompt, o.n_gen) + 1, o.kv_type);
  r.kv_type = std::string(dtype_name(o.kv_type));
  std::vector<float> logits(static_cast<size_t>(vocab));
  if (o.n_prompt > 0) {
    BenchTest t;
    t.name = fmt::format("pp{}", o.n_prompt);
    t.n_tokens = o.n_prompt;
    time_prompt(*model, cache, random_ids(o.n_prompt), pool, logits);  // warm-up
    for (int i = 0; i < o.reps; ++i) {
      t.tokens_per_s.push_back(o.n_prompt / time_prompt(*model, cache, random_ids(o.n_prompt), pool, logits));
    }
    summarise(t);
    r.tests.push_back(t);
  }
  // The bandwidth is probed before the generation runs and after each of them, so the roofline
  // pairs the generation speed with the bandwidth the machine had at the same time (the host's
  // bandwidth drifts). The probe's buffer is left out of the peak RSS: the high-water mark is
  // read before it exists, and the resident size after it is gone covers what the runs touched
  // since (the KV cache only grows).
  const double rss_before_probe = peak_rss_mb();
  auto probe = std::make_unique<kernels::BandwidthProbe>(pool);
  if (o.n_gen > 0) {
    BenchTest t;
    t.name = fmt::format("tg{}", o.n_gen);
    t.n_tokens = o.n_gen;
    time_generation(*model, cache, random_ids(std::min(o.n_gen, 16)), pool, logits);  // warm-up
    r.bandwidth_samples.push_back(probe->measure());
    for (int i = 0; i < o.reps; ++i) {
      t.tokens_per_s.push_back(o.n_gen / time_generation(*model, cache, random_ids(o.n_gen), pool, logits));
      r.bandwidth_samples.push_back(probe->measure());
    }
    summarise(t);
    r.tests.push_back(t);
  } else {
    r.bandwidth_samples.push_back(probe->measure());
  }
  probe.reset();
  r.peak_rss_mb = std::max(rss_before_probe, current_rss_mb());
  r.bandwidth_gbs = median_of(r.bandwidth_samples);
  // Each generation run against the mean of the probes just before and just after it; the
  // median of those fractions.
  const double bytes = static_cast<double>(std::max<uint64_t>(1, r.bytes_per_token));
  for (BenchTest& t : r.tests) {
    if (t.name.rfind("tg", 0) != 0) continue;
    std::vector<double> fractions;
    for (size_t i = 0; i < t.tokens_per_s.size(); ++i) {
      const double gbs = 0.5 * (r.bandwidth_samples[i] + r.bandwidth_samples[i + 1]);
      fractions.push_back(t.tokens_per_s[i] * bytes / (gbs * 1e9));
    }
    t.roofline_fraction = median_of(fractions);
  }
  return r;
}

nlohmann::ordered_json bench_to_json(const BenchResult& r) {
  nlohmann::ordered_json j;
  j["model"] = r.model;
  j["type"] = r.type;
  j["threads"] = r.threads;
  j["kv_type"] = r.kv_type;
  j["bandwidth_gbs"] = r.bandwidth_gbs;
  j["bandwidth_samples"] = r.bandwidth_samples;
  j["bytes_per_token"] = r.bytes_per_token;
  j["load_s"] = r.load_s;
  j["peak_rss_mb"] = r.peak_rss_mb;
  j["tests"] = nlohmann::ordered_json::array();
  for (const BenchTest& t : r.tests) {
    nlohmann::ordered_json e;
    e["name"] = t.name;
    e["n_tokens"] = t.n_tokens;
    e["tokens_per_s"] = t.median;
    e["min"] = t.min;
    e["max"] = t.max;
    e["samples"] = t.tokens_per_s;
    if (t.name.rfind("tg", 0) == 0) e["roofline_fraction"] = t.roofline_fraction;
    j["tests"].push_back(e);
  }
  return j;
}

std::string bench_to_text(const BenchResult& r) {
  std::string s;
  s += fmt::format("model        {}\n", r.model);
  s += fmt::format("type         {}\n", r.type);
  s += fmt::format("threads      {}\n", r.threads);
  s += fmt::format("KV cache     {}\n", r.kv_type);
  s += fmt::format("load         {:.2f} s\n", r.load_s);
  s += fmt::format("peak RSS     {:.0f} MiB\n", r.peak_rss_mb);
  const std::string probes = r.bandwidth_samples.size() > 1
                                 ? fmt::format("median of {} probes around the generation runs", r.bandwidth_samples.size())
                                 : "one probe";
  s += fmt::format("bandwidth    {:.1f} GB/s (all threads; {})\n", r.bandwidth_gbs, probes);
  s += fmt::format("weights/tok  {:.1f} MB read per generated token\n", r.bytes_per_token / 1e6);
  s += fmt::format("{:<8} {:>12} {:>10} {:>10} {:>10}\n", "test", "tok/s", "min", "max", "roofline");
  for (const BenchTest& t : r.tests) {
    const std::string roof = t.name.rfind("tg", 0) == 0 ? fmt::format("{:.0f}%", 100 * t.roofline_fraction) : "";
    s += fmt::format("{:<8} {:>12.2f} {:>10.2f} {:>10.2f} {:>10}\n", t.name, t.median, t.min, t.max, roof);
  }
  return s;
}

}  // namespace owl
