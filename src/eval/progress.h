// Progress on stderr: a redrawn bar when it is a terminal, plain periodic lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace owl::eval {

struct ProgressState {
  int64_t problems_done = 0, problems_total = 0;
  int64_t rollouts_done = 0, rollouts_total = 0;  // in this run
  int64_t scored = 0;                             // rollouts with a reward (incl. resumed)
  double reward_sum = 0.0;
  double elapsed_s = 0.0;
};

// "45/100 problems | 3.21 rollouts/s | acc 0.412 | ETA 1m23s"
std::string progress_text(const ProgressState& s);

class Progress {
 public:
  // tty: redraw one line (at most 5 times a second); else print a line every interval_s.
  Progress(std::FILE* out, bool tty, double interval_s = 10.0);
  void update(const ProgressState& s);
  void finish(const ProgressState& s);  // a final line

 private:
  std::FILE* out_;
  bool tty_;
  double interval_s_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

}  // namespace owl::eval
