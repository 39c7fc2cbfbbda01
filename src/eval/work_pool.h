// A small fixed pool of threads running queued jobs (bounded parallel verification).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace owl::eval {

class WorkPool {
 public:
  explicit WorkPool(int n_threads);
  ~WorkPool();  // finishes the queued jobs, then joins
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Jobs must not throw (catch inside and report through your own channel).
  void submit(std::function<void()> job);

 private:
  void worker();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace owl::eval
