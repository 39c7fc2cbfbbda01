// Progress bar / periodic progress lines.
#include "eval/progress.h"

#include <fmt/format.h>

#include <cmath>

namespace owl::eval {

namespace {
std::string duration_text(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto total = static_cast<int64_t>(s + 0.5);
  if (total >= 3600) return fmt::format("{}h{:02}m", total / 3600, (total / 60) % 60);
  if (total >= 60) return fmt::format("{}m{:02}s", total / 60, total % 60);
  return fmt::format("{}s", total);
}
}  // namespace

std::string progress_text(const ProgressState& s) {
  const double rate = s.elapsed_s > 0 ? s.rollouts_done / s.elapsed_s : 0.0;
  const int64_t left = s.rollouts_total - s.rollouts_done;
  const std::string eta = rate > 0 ? duration_text(left / rate) : "?";
  const std::string acc = s.scored > 0 ? fmt::format("{:.3f}", s.reward_sum / s.scored) : "-";
  return fmt::format("{}/{} problems | {:.2f} rollouts/s | acc {} | ETA {}", s.problems_done,
                     s.problems_total, rate, acc, eta);
}

Progress::Progress(std::FILE* out, bool tty, double interval_s)
    : out_(out), tty_(tty), interval_s_(interval_s) {}

void Progress::update(const ProgressState& s) {
  if (out_ == nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (drawn_ && since < (tty_ ? 0.2 : interval_s_)) return;
  last_ = now;
  drawn_ = true;
  if (tty_) {
    constexpr int kWidth = 24;
    const double frac = s.problems_total > 0 ? double(s.problems_done) / s.problems_total : 0.0;
    const int filled = static_cast<int>(frac * kWidth);
    fmt::print(out_, "\r[{}{}] {}\x1b[K", std::string(filled, '#'),
               std::string(kWidth - filled, '-'), progress_text(s));
  } else {
    fmt::print(out_, "eval: {}\n", progress_text(s));
  }
  std::fflush(out_);
}

void Progress::finish(const ProgressState& s) {
  if (out_ == nullptr) return;
  if (tty_) {
    drawn_ = false;
    update(s);
    fmt::print(out_, "\n");
  } else {
    fmt::print(out_, "eval: done: {}\n", progress_text(s));
  }
  std::fflush(out_);
}

}  // namespace owl::eval
