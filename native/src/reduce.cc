// Sums over the leading or trailing axes of a tensor seen as an outer×inner matrix,
// accumulated in double (the cpu backend accumulates in JS numbers, i.e. double).
#include <vector>

#include "kernels.h"
#include "parallel.h"

namespace handgrad {

void sum_leading(const float* x, float* out, std::size_t outer, std::size_t inner) {
  const std::size_t grain = std::max<std::size_t>(1, kElementwiseGrain / std::max<std::size_t>(1, inner));
  // One row of double accumulators per worker that will run (not per configured worker: a wide
  // x of few rows would otherwise allocate worker_count()·inner doubles), added in worker order.
  const std::size_t workers = chunk_workers(outer, grain);
  std::vector<double> acc(workers * inner, 0.0);
  parallel_chunks(outer, grain, [&](std::size_t worker, std::size_t begin, std::size_t end) {
    double* a = acc.data() + worker * inner;
    for (std::size_t r = begin; r < end; ++r) {
      const float* row = x + r * inner;
      for (std::size_t j = 0; j < inner; ++j) a[j] += row[j];
    }
  });
  for (std::size_t j = 0; j < inner; ++j) {
    double total = 0.0;
    for (std::size_t w = 0; w < workers; ++w) total += acc[w * inner + j];
    out[j] = static_cast<float>(total);
  }
}

void sum_trailing(const float* x, float* out, std::size_t outer, std::size_t inner) {
  const std::size_t grain = std::max<std::size_t>(1, kElementwiseGrain / std::max<std::size_t>(1, inner));
  parallel_for(outer, grain, [=](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) {
      const float* row = x + r * inner;
      double total = 0.0;
      for (std::size_t j = 0; j < inner; ++j) total += row[j];
      out[r] = static_cast<float>(total);
    }
  });
}

}  // namespace handgrad
