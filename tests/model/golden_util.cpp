// Golden-case runner.
#include "golden_util.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "base/mapped_file.h"

namespace owl::test {
namespace {

std::vector<float> read_f32(const std::string& path) {
  const std::string bytes = read_file(path);
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

int32_t argmax(const float* x, int32_t n) { return static_cast<int32_t>(std::max_element(x, x + n) - x); }

float top_gap(const float* x, int32_t n) {
  float a = -INFINITY, b = -INFINITY;
  for (int32_t i = 0; i < n; ++i) {
    if (x[i] > a) {
      b = a;
      a = x[i];
    } else if (x[i] > b) {
      b = x[i];
    }
  }
  return a - b;
}

float row_diff(const float* a, const float* b, int32_t n) {
  float m = 0.0f;
  for (int32_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace

std::string shared_dir() { return OWL_SHARED_DIR; }

GoldenCase load_golden_case(const std::string& dir, const std::string& case_name) {
  GoldenCase c;
  c.name = dir + "/" + case_name;
  const nlohmann::json j = nlohmann::json::parse(read_file(dir + "/" + case_name + ".json"));
  c.tokens = j.at("tokens").get<std::vector<int32_t>>();
  c.n_vocab = j.at("n_vocab").get<int32_t>();
  c.greedy_next = j.at("greedy_next").get<std::vector<int32_t>>();
  c.logits = read_f32(dir + "/" + j.at("logits_file").get<std::string>());
  c.greedy_logits = read_f32(dir + "/" + j.at("greedy_logits_file").get<std::string>());
  EXPECT_EQ(c.logits.size(), c.tokens.size() * c.n_vocab);
  EXPECT_EQ(c.greedy_logits.size(), c.greedy_next.size() * c.n_vocab);
  return c;
}

GoldenResult run_golden_case(Model& model, const GoldenCase& c, int threads, DType kv_type) {
  GoldenResult r;
  const int32_t V = c.n_vocab;
  EXPECT_EQ(model.config().vocab_size, V);
  const int32_t n = static_cast<int32_t>(c.tokens.size());
  const int32_t steps = static_cast<int32_t>(c.greedy_next.size());
  ThreadPool pool(threads);
  // Prompt as one batch; every position's logits.
  KvCache cache(model.kv_shapes(), 2, n + steps + 1, kv_type);
  r.cache_bytes = cache.bytes();
  Batch batch;
  for (int32_t i = 0; i < n; ++i) batch.add(c.tokens[i], i, 0, true);
  std::vector<float> logits(static_cast<size_t>(n) * V);
  model.forward(batch, cache, logits.data(), pool);
  for (int32_t i = 0; i < n; ++i) r.row_max_diff.push_back(row_diff(&logits[i * V], &c.logits[i * V], V));
  // Greedy choice 0 comes from the last prompt row; choice k + 1 from decode row k.
  r.own_argmax.push_back(argmax(&logits[(n - 1) * V], V));
  r.ref_gap.push_back(top_gap(&c.logits[(n - 1) * V], V));
  // Teacher-forced decoding: feed greedy_next[k] at position n + k, compare with row k.
  std::vector<float> row(V);
  for (int32_t k = 0; k < steps; ++k) {
    Batch one;
    one.add(c.greedy_next[k], n + k, 0, true);
    model.forward(one, cache, row.data(), pool);
    r.row_max_diff.push_back(row_diff(row.data(), &c.greedy_logits[k * V], V));
    if (k + 1 < steps) {
      r.own_argmax.push_back(argmax(row.data(), V));
      r.ref_gap.push_back(top_gap(&c.greedy_logits[k * V], V));
    }
  }
  // Free-running greedy continuation in a second slot: our own choices from the prompt.
  Batch again;
  for (int32_t i = 0; i < n; ++i) again.add(c.tokens[i], i, 1, i == n - 1);
  model.forward(again, cache, row.data(), pool);
  int32_t next = argmax(row.data(), V);
  for (int32_t k = 0; k < steps; ++k) {
    r.free_running.push_back(next);
    Batch one;
    one.add(next, n + k, 1, true);
    model.forward(one, cache, row.data(), pool);
    next = argmax(row.data(), V);
  }
  r.max_diff = *std::max_element(r.row_max_diff.begin(), r.row_max_diff.end());
  return r;
}

}  // namespace owl::test
