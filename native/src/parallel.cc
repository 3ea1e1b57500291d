// The persistent worker threads behind parallel_chunks. Worker i (1 ≤ i < count) is handed w = i of a
// call: the caller publishes the task, bumps worker i's generation and wakes it; the worker runs its
// share and counts itself done; a share its worker has not started when the caller is through its own
// runs on the caller. Fixed shares keep the chunking — and so every summation order — exactly what it
// would be with one thread per chunk, whichever thread runs each.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "parallel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HANDGRAD_CPU_RELAX() _mm_pause()
#define HANDGRAD_HAS_MXCSR 1
#else
#define HANDGRAD_CPU_RELAX() std::this_thread::yield()
#endif

namespace handgrad {

namespace {

// How long a parked worker, or a caller waiting for its workers, polls before it sleeps: a training
// step issues its kernels a few microseconds apart, and a futex wake-up costs about as much again.
constexpr std::chrono::microseconds kSpin{30};

template <class Ready>
bool spin_until(Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (unsigned i = 1;; ++i) {
    if (ready()) return true;
    HANDGRAD_CPU_RELAX();
    if ((i & 63) == 0 && std::chrono::steady_clock::now() > deadline) return false;
  }
}

thread_local bool t_is_worker = false;

class WorkerPool {
 public:
  // Runs the call; false when it cannot be taken (busy with another thread's call, or from a worker).
  bool run(std::size_t count, void (*task)(void*, std::size_t), void* context) {
    if (t_is_worker) return false;
    std::unique_lock<std::mutex> submit(submit_, std::try_to_lock);
    if (!submit.owns_lock()) return false;
    const std::size_t helpers = ensure_threads(count - 1);
    task_ = task;
    context_ = context;
    helpers_woken_.store(helpers, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    // Share i + 1 is worker i's unless the caller takes it first (below); the release publishes the task.
    for (std::size_t i = 0; i < helpers; ++i) slots_[i]->claimed.store(false, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (std::size_t i = 0; i < helpers; ++i) slots_[i]->generation.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    // Shares no thread took (none could be started) run here, after w = 0.
    task(context, 0);
    for (std::size_t w = helpers + 1; w < count; ++w) task(context, w);
    // A share whose worker has not started it yet (descheduled on a busy machine) runs here too: the
    // shares stay what they are, so every sum is the same whoever runs it.
    for (std::size_t i = 0; i < helpers; ++i) {
      if (!slots_[i]->claimed.exchange(true, std::memory_order_acq_rel)) {
        task(context, i + 1);
        done_.fetch_add(1, std::memory_order_acq_rel);
      }
    }
    const auto finished = [&] { return done_.load(std::memory_order_acquire) == helpers; };
    if (!spin_until(finished)) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_cv_.wait(lock, finished);
    }
    return true;
  }

 private:
  struct Slot {
    std::atomic<std::uint64_t> generation{0};
    std::atomic<bool> claimed{true};
  };

  // Starts threads up to `wanted` (as many as the system allows); returns how many there are.
  std::size_t ensure_threads(std::size_t wanted) {
    while (threads_started_ < wanted) {
      const std::size_t index = threads_started_;
      slots_.push_back(std::make_unique<Slot>());
      try {
        std::thread([this, index] { worker_loop(index); }).detach();
      } catch (...) {
        slots_.pop_back();
        return threads_started_;
      }
      ++threads_started_;
    }
    return std::min(wanted, threads_started_);
  }

  void worker_loop(std::size_t index) {
    t_is_worker = true;
    flush_denormals_for_good();
    Slot& slot = *slots_[index];
    std::uint64_t seen = 0;
    for (;;) {
      const auto called = [&] { return slot.generation.load(std::memory_order_acquire) != seen; };
      if (!spin_until(called)) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, called);
      }
      seen = slot.generation.load(std::memory_order_acquire);
      // Taken by the caller already: nothing to do (the claim reads the call's task, see run).
      if (slot.claimed.exchange(true, std::memory_order_acq_rel)) continue;
      task_(context_, index + 1);
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == helpers_woken_.load(std::memory_order_relaxed)) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_cv_.notify_one();
      }
    }
  }

  std::mutex submit_;  // one call at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_cv_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::size_t threads_started_ = 0;
  std::atomic<std::size_t> helpers_woken_{0};  // the caller waits for exactly these shares; the last to finish wakes it
  void (*task_)(void*, std::size_t) = nullptr;
  void* context_ = nullptr;
  std::atomic<std::size_t> done_{0};
};

// Never destroyed: parked detached threads must not outlive their mutex at process exit.
WorkerPool& pool() {
  static WorkerPool* instance = new WorkerPool();
  return *instance;
}

}  // namespace

#ifdef HANDGRAD_HAS_MXCSR
namespace {
constexpr unsigned kFlushDenormalBits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
}
ScopedFlushDenormals::ScopedFlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlushDenormalBits); }
ScopedFlushDenormals::~ScopedFlushDenormals() { _mm_setcsr(saved_); }
void flush_denormals_for_good() { _mm_setcsr(_mm_getcsr() | kFlushDenormalBits); }
#else
ScopedFlushDenormals::ScopedFlushDenormals() = default;
ScopedFlushDenormals::~ScopedFlushDenormals() = default;
void flush_denormals_for_good() {}
#endif

void run_on_workers(std::size_t count, void (*task)(void*, std::size_t), void* context) {
  if (count > 1 && pool().run(count, task, context)) return;
  for (std::size_t w = 0; w < count; ++w) task(context, w);
}

}  // namespace handgrad
