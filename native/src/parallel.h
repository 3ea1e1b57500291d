// A minimal fork-join helper: splits [0, n) into one contiguous chunk per worker thread, on a pool of
// persistent threads (a kernel call costs a wake-up, not a thread start). Small ranges run inline.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

namespace handgrad {

// Number of workers for elementwise and row kernels (HANDGRAD_NATIVE_THREADS, else the core count).
unsigned worker_count();
void set_worker_count(unsigned n);

// Workers for one fused training step of `rows` rows: HANDGRAD_NATIVE_STEP_THREADS, else 1 for a step of at
// most kSmallStepRows rows on a machine of at most two workers, else worker_count().
constexpr std::size_t kSmallStepRows = 256;
unsigned step_worker_count(std::size_t rows);

// worker_count() is `n` for this object's lifetime (calls into the addon run on one JavaScript thread).
class ScopedWorkerCount {
 public:
  explicit ScopedWorkerCount(unsigned n) : saved_(worker_count()) { set_worker_count(n); }
  ~ScopedWorkerCount() { set_worker_count(saved_); }
  ScopedWorkerCount(const ScopedWorkerCount&) = delete;
  ScopedWorkerCount& operator=(const ScopedWorkerCount&) = delete;

 private:
  unsigned saved_;
};

// How many workers parallel_chunks uses for n items of at least min_chunk each (≥ 1).
inline std::size_t chunk_workers(std::size_t n, std::size_t min_chunk) {
  return std::max<std::size_t>(1, std::min<std::size_t>(worker_count(), min_chunk == 0 ? n : n / min_chunk));
}

// Runs task(context, w) for every w < count: w = 0 on the calling thread, the others on the persistent
// worker threads (started on first use, then parked; a call wakes count − 1 of them and returns when
// all have finished). From a worker, or while another thread's call is running, or when no thread
// could be started, the calling thread runs every w itself, in order.
void run_on_workers(std::size_t count, void (*task)(void* context, std::size_t w), void* context);

// Calls body(worker, begin, end) over disjoint chunks of [0, n), one per worker, worker <
// chunk_workers(n, min_chunk); a chunk holds at least min_chunk items. Returns the number of workers used.
template <class Body>
std::size_t parallel_chunks(std::size_t n, std::size_t min_chunk, Body body) {
  const std::size_t workers = chunk_workers(n, min_chunk);
  if (workers == 1) {
    if (n > 0) body(std::size_t{0}, std::size_t{0}, n);
    return 1;
  }
  struct Job {
    Body& body;
    std::size_t n, chunk;
  } job{body, n, (n + workers - 1) / workers};
  run_on_workers(
      workers,
      [](void* context, std::size_t w) {
        const Job& j = *static_cast<const Job*>(context);
        j.body(w, std::min(j.n, w * j.chunk), std::min(j.n, w * j.chunk + j.chunk));
      },
      &job);
  return workers;
}

// Calls body(begin, end) over disjoint chunks of [0, n).
template <class Body>
void parallel_for(std::size_t n, std::size_t min_chunk, Body body) {
  parallel_chunks(n, min_chunk, [&body](std::size_t, std::size_t begin, std::size_t end) {
    if (begin < end) body(begin, end);
  });
}

// Σ of body(begin, end) over the chunks of [0, n), each chunk's partial sum added in worker order.
template <class Body>
double parallel_sum(std::size_t n, std::size_t min_chunk, Body body) {
  std::vector<double> partial(chunk_workers(n, min_chunk), 0.0);
  parallel_chunks(n, min_chunk, [&](std::size_t worker, std::size_t begin, std::size_t end) {
    if (begin < end) partial[worker] = body(begin, end);
  });
  double total = 0.0;
  for (double p : partial) total += p;
  return total;
}

// Flush-to-zero and denormals-are-zero (MXCSR FTZ|DAZ) while it lives, then the caller's mode back:
// every kernel the addon exports runs inside one, and the worker threads run in that mode for good. A value below
// 2^-126 (fp32's smallest normal, 1.2e-38) then counts as 0, as in TensorFlow's CPU kernels. Without
// it, Adam's first moment of a weight whose gradient stays 0 (a border pixel of MNIST) decays
// geometrically into the denormal range after ~800 steps, and each operation on it costs a
// microcode assist: the Adam kernel ran 1.8× slower. JavaScript keeps IEEE denormals (mode restored).
class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals();
  ~ScopedFlushDenormals();
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  unsigned saved_ = 0;
};

// Turns FTZ|DAZ on for the calling thread for good (the persistent workers).
void flush_denormals_for_good();

// Elements per thread below which an elementwise loop is not worth splitting.
constexpr std::size_t kElementwiseGrain = 1 << 16;

// Asks the kernel to back a large, not yet touched output buffer with transparent huge pages,
// which cuts the page faults of writing a fresh 40 MB array from ~10k to ~20.
void prefer_huge_pages(void* data, std::size_t bytes);

}  // namespace handgrad
