// Prometheus rendering of the server counters.
#include "server/metrics.h"

#include <fmt/format.h>

namespace owl::server {

void Metrics::Histogram::add(double v) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (v <= kBuckets[i]) ++counts[i];
  }
  ++total;
  sum += v;
}

void Metrics::request_done(const std::string& endpoint, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{endpoint, status}];
  duration_.add(seconds);
}

void Metrics::tokens(int64_t prompt, int64_t completion) {
  std::lock_guard lock(mutex_);
  prompt_tokens_ += prompt;
  completion_tokens_ += completion;
}

void Metrics::first_token(double seconds) {
  std::lock_guard lock(mutex_);
  ttft_.add(seconds);
}

void Metrics::inflight_add(int delta) {
  std::lock_guard lock(mutex_);
  inflight_ += delta;
}

int Metrics::inflight() const {
  std::lock_guard lock(mutex_);
  return inflight_;
}

std::string Metrics::render(const EngineStats& engine) const {
  std::lock_guard lock(mutex_);
  std::string out;
  out +=
      "# HELP owl_requests_total HTTP requests by endpoint and status.\n# TYPE owl_requests_total "
      "counter\n";
  for (const auto& [key, n] : requests_) {
    out += fmt::format("owl_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", key.first,
                       key.second, n);
  }
  out +=
      "# HELP owl_prompt_tokens_total Prompt tokens processed.\n# TYPE owl_prompt_tokens_total "
      "counter\n";
  out += fmt::format("owl_prompt_tokens_total {}\n", prompt_tokens_);
  out +=
      "# HELP owl_generated_tokens_total Tokens generated.\n# TYPE owl_generated_tokens_total "
      "counter\n";
  out += fmt::format("owl_generated_tokens_total {}\n", completion_tokens_);
  out +=
      "# HELP owl_requests_inflight Generation requests being served.\n# TYPE "
      "owl_requests_inflight gauge\n";
  out += fmt::format("owl_requests_inflight {}\n", inflight_);
  out +=
      "# HELP owl_engine_requests_active Sequences in the running batch.\n# TYPE "
      "owl_engine_requests_active gauge\n";
  out += fmt::format("owl_engine_requests_active {}\n", engine.requests_active);
  out +=
      "# HELP owl_engine_queue_depth Requests waiting for a batch slot.\n# TYPE "
      "owl_engine_queue_depth gauge\n";
  out += fmt::format("owl_engine_queue_depth {}\n", engine.requests_queued);
  out +=
      "# HELP owl_engine_tokens_per_second Recent aggregate decode speed.\n# TYPE "
      "owl_engine_tokens_per_second gauge\n";
  out += fmt::format("owl_engine_tokens_per_second {}\n", engine.generation_tokens_per_s);
  auto histogram = [&out](const char* name, const char* help, const Histogram& h) {
    out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, kBuckets[i], h.counts[i]);
    }
    out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, h.total, name,
                       h.sum, name, h.total);
  };
  histogram("owl_time_to_first_token_seconds", "Time from request to the first generated token.",
            ttft_);
  histogram("owl_request_duration_seconds", "Time to serve a request.", duration_);
  return out;
}

}  // namespace owl::server
