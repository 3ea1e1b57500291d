// Batched 2-D transpose in 32×32 tiles, so that both the reads and the writes stay in cache lines.
#include "kernels.h"
#include "parallel.h"

namespace handgrad {

void transpose(const float* x, float* out, std::size_t batch, std::size_t rows, std::size_t cols) {
  constexpr std::size_t kTile = 32;
  prefer_huge_pages(out, batch * rows * cols * sizeof(float));
  const std::size_t row_tiles = (rows + kTile - 1) / kTile;
  const std::size_t grain = std::max<std::size_t>(1, kElementwiseGrain / std::max<std::size_t>(1, kTile * cols));
  parallel_for(batch * row_tiles, grain, [=](std::size_t begin, std::size_t end) {
    for (std::size_t t = begin; t < end; ++t) {
      const std::size_t b = t / row_tiles;
      const std::size_t i0 = (t % row_tiles) * kTile;
      const std::size_t i1 = std::min(rows, i0 + kTile);
      const float* src = x + b * rows * cols;
      float* dst = out + b * rows * cols;
      for (std::size_t j0 = 0; j0 < cols; j0 += kTile) {
        const std::size_t j1 = std::min(cols, j0 + kTile);
        for (std::size_t i = i0; i < i1; ++i) {
          for (std::size_t j = j0; j < j1; ++j) dst[j * rows + i] = src[i * cols + j];
        }
      }
    }
  });
}

}  // namespace handgrad
