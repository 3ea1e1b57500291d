// A minimal fork-join helper: splits [0, n) into one contiguous chunk per worker thread.
// Small ranges run inline, so tiny tensors pay no thread start-up cost.
#pragma once
#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace handgrad {

// Number of workers for elementwise and row kernels (HANDGRAD_NATIVE_THREADS, else the core count).
unsigned worker_count();
void set_worker_count(unsigned n);

// How many workers parallel_chunks uses for n items of at least min_chunk each (≥ 1).
inline std::size_t chunk_workers(std::size_t n, std::size_t min_chunk) {
  return std::max<std::size_t>(1, std::min<std::size_t>(worker_count(), min_chunk == 0 ? n : n / min_chunk));
}

// Calls body(worker, begin, end) over disjoint chunks of [0, n), one per worker, worker <
// chunk_workers(n, min_chunk); a chunk holds at least min_chunk items. Returns the number of workers used.
template <class Body>
std::size_t parallel_chunks(std::size_t n, std::size_t min_chunk, Body body) {
  const std::size_t workers = chunk_workers(n, min_chunk);
  if (workers == 1) {
    if (n > 0) body(std::size_t{0}, std::size_t{0}, n);
    return 1;
  }
  const std::size_t chunk = (n + workers - 1) / workers;
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  const auto begin_of = [&](std::size_t w) { return std::min(n, w * chunk); };
  const auto end_of = [&](std::size_t w) { return std::min(n, w * chunk + chunk); };
  std::size_t w = 1;
  try {
    for (; w < workers; ++w) {
      const std::size_t begin = begin_of(w);
      const std::size_t end = end_of(w);
      threads.emplace_back([=] { body(w, begin, end); });
    }
  } catch (...) {
    // No thread could be started (std::system_error, e.g. a process thread limit): the calling
    // thread runs the remaining chunks itself, and the started threads are still joined below
    // (a joinable std::thread destroyed by the unwinding would call std::terminate).
    for (; w < workers; ++w) {
      body(w, begin_of(w), end_of(w));
    }
  }
  body(0, 0, std::min(n, chunk));
  for (auto& t : threads) t.join();
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

// Elements per thread below which an elementwise loop is not worth splitting.
constexpr std::size_t kElementwiseGrain = 1 << 16;

// Asks the kernel to back a large, not yet touched output buffer with transparent huge pages,
// which cuts the page faults of writing a fresh 40 MB array from ~10k to ~20.
void prefer_huge_pages(void* data, std::size_t bytes);

}  // namespace handgrad
