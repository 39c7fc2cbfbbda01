// Server metrics in the Prometheus text exposition format: request counts by endpoint and
// status, token counts, in-flight requests, engine queue depth and speed, and histograms of
// time to first token and request duration.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "runtime/engine.h"

namespace owl::server {

class Metrics {
 public:
  void request_done(const std::string& endpoint, int status, double seconds);
  void tokens(int64_t prompt, int64_t completion);
  void first_token(double seconds);
  void inflight_add(int delta);
  int inflight() const;
  // Prometheus text; `engine` adds the engine's own gauges.
  std::string render(const EngineStats& engine) const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  struct Histogram {
    std::array<int64_t, kBuckets.size()> counts{};
    int64_t total = 0;
    double sum = 0;
    void add(double v);
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  int64_t prompt_tokens_ = 0;
  int64_t completion_tokens_ = 0;
  int inflight_ = 0;
  Histogram ttft_;
  Histogram duration_;
};

}  // namespace owl::server
