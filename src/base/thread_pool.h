// A fixed pool of worker threads with low-latency wake-up (spin, then futex wait).
// One pool is owned by the engine and passed explicitly; no OpenMP in library code.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace owl {

class ThreadPool {
 public:
  // n_threads counts the calling thread: a pool of 1 runs everything inline.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Runs fn(thread_index) once on each of the size() threads (the caller is index 0), then
  // returns when all are done. Not reentrant: fn must not call run() on the same pool.
  template <typename F>
  void run(F&& fn) {
    if (n_threads_ == 1) {
      fn(0);
      return;
    }
    using Fn = std::remove_reference_t<F>;
    dispatch([](void* ctx, int t) { (*static_cast<Fn*>(ctx))(t); }, const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Splits [0, n) into size() contiguous ranges of near-equal length and calls
  // fn(begin, end, thread_index) for each non-empty one. A single item runs on the calling
  // thread (a hand-off to a worker would only add its wake-up latency: one token's norm, RoPE
  // or activation during generation).
  template <typename F>
  void parallel_for(int64_t n, F&& fn) {
    if (n <= 1) {
      if (n == 1) fn(int64_t{0}, int64_t{1}, 0);
      return;
    }
    const int nt = n_threads_;
    run([&](int t) {
      const int64_t begin = n * t / nt;
      const int64_t end = n * (t + 1) / nt;
      if (begin < end) fn(begin, end, t);
    });
  }

 private:
  using Task = void (*)(void*, int);
  void dispatch(Task task, void* ctx);
  void worker(int index);

  int n_threads_;
  std::vector<std::thread> threads_;
  Task task_ = nullptr;
  void* ctx_ = nullptr;
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};

// Number of threads to use when the user does not say: the physical cores we may run on.
int default_thread_count();

}  // namespace owl
