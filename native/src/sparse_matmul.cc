// Products whose left operand is mostly exact zeros (MNIST's pixels are ~81 % zeros, so are the
// first layer's X and Xᵀ): row i of C is Σ over the nonzeros A[i,k] of op(A), in ascending k, of
// A[i,k]·B[k,:]. Dense BLAS multiplies every zero; here the work is proportional to the nonzeros.
// A zero of A meets B[k,:] only as 0·B[k,j], which is 0 unless B[k,j] is ±Inf or NaN: the caller
// redoes the product densely when B holds one (see sparse_matmul's return value), so the result
// is the dense product's up to the order of the sums.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "kernels.h"
#include "parallel.h"
#include "sparse_rows.h"

namespace handgrad {

namespace {

// 16 floats; aligned(4) lets them load from and store to any float address.
typedef float Vec16 __attribute__((vector_size(64), aligned(4)));

// Columns of C a row keeps in registers while it runs through its nonzeros (4 vectors of 16).
constexpr std::size_t kTile = 64;
// Rows of op(A) listed at once: each 64-column tile of B (784 rows: 200 KB) is then read from L2 by
// all of them in turn instead of by one row across all tiles.
constexpr std::size_t kRowBlock = 64;
// Rows of C each thread computes at least.
constexpr std::size_t kMinRows = 16;

// c[j0, j0 + kTile) = Σ_t values[t]·b[offsets[t] + j0, … + kTile), every offset already times ldb.
HANDGRAD_VECTOR_CLONES
void accumulate_tile(const std::uint32_t* offsets, const float* values, std::size_t count, const float* b, float* c) {
  Vec16 acc0 = {}, acc1 = {}, acc2 = {}, acc3 = {};
  for (std::size_t t = 0; t < count; ++t) {
    const Vec16* row = reinterpret_cast<const Vec16*>(b + offsets[t]);
    const float value = values[t];
    acc0 += value * row[0];
    acc1 += value * row[1];
    acc2 += value * row[2];
    acc3 += value * row[3];
  }
  Vec16* out = reinterpret_cast<Vec16*>(c);
  out[0] = acc0;
  out[1] = acc1;
  out[2] = acc2;
  out[3] = acc3;
}

// The columns past the last whole tile (width < 64): c[0, width) = Σ_t values[t]·B row, as axpys.
HANDGRAD_VECTOR_CLONES
void accumulate_columns(const std::uint32_t* offsets, const float* values, std::size_t count, const float* b, float* __restrict c, std::size_t width) {
  for (std::size_t j = 0; j < width; ++j) c[j] = 0.0f;
  for (std::size_t t = 0; t < count; ++t) {
    const float* __restrict row = b + offsets[t];
    const float value = values[t];
    for (std::size_t j = 0; j < width; ++j) c[j] += value * row[j];
  }
}

std::size_t list_nonzeros_scalar(const float* x, std::size_t k, std::uint32_t n, std::uint32_t* offsets, float* values, std::size_t count) {
  for (std::size_t i = 0; i < k; ++i) {
    const float v = x[i];
    // Written every time, kept only when v ≠ 0: no branch to mispredict.
    offsets[count] = static_cast<std::uint32_t>(i) * n;
    values[count] = v;
    count += v != 0.0f;
  }
  return count;
}

#if defined(__x86_64__) && defined(__GNUC__)
// Sixteen at a time: compress the nonzero lanes to the front of a register and store all sixteen
// (a compressing store to memory is microcoded on some AVX-512 cores).
__attribute__((target("avx512f")))
std::size_t list_nonzeros_avx512(const float* x, std::size_t k, std::uint32_t n, std::uint32_t* offsets, float* values, std::size_t count) {
  __m512i offset = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(static_cast<int>(n)));
  const __m512i step = _mm512_set1_epi32(static_cast<int>(16 * n));
  std::size_t i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __mmask16 nonzero = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ);
    _mm512_storeu_ps(values + count, _mm512_maskz_compress_ps(nonzero, v));
    _mm512_storeu_si512(offsets + count, _mm512_maskz_compress_epi32(nonzero, offset));
    count += static_cast<std::size_t>(__builtin_popcount(nonzero));
    offset = _mm512_add_epi32(offset, step);
  }
  const std::size_t tail = list_nonzeros_scalar(x + i, k - i, n, offsets + count, values + count, 0);
  for (std::size_t t = 0; t < tail; ++t) offsets[count + t] += static_cast<std::uint32_t>(i) * n;
  return count + tail;
}
#endif

}  // namespace

std::size_t list_nonzeros(const float* x, std::size_t k, std::uint32_t n, std::uint32_t* offsets, float* values, std::size_t count) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool has_avx512 = __builtin_cpu_supports("avx512f");
  if (has_avx512) return list_nonzeros_avx512(x, k, n, offsets, values, count);
#endif
  return list_nonzeros_scalar(x, k, n, offsets, values, count);
}

HANDGRAD_VECTOR_CLONES
bool all_finite(const float* x, std::size_t n) {
  constexpr std::uint32_t kExponent = 0x7f800000u;
  std::uint32_t largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    largest = std::max(largest, bits & kExponent);
  }
  return largest != kExponent;
}

namespace {

// Share of exact zeros in op(A) of matrix 0, read off an evenly spaced sample of its elements.
double sampled_zero_share(const MatMulArgs& p) {
  const std::size_t total = p.m * p.k;
  constexpr std::size_t kSample = 4096;
  // An odd stride walks across rows and columns alike.
  const std::size_t stride = std::max<std::size_t>(1, total / kSample) | 1;
  std::size_t zeros = 0, seen = 0;
  for (std::size_t i = 0; i < total; i += stride, ++seen) zeros += p.a[i] == 0.0f;
  return static_cast<double>(zeros) / static_cast<double>(seen);
}

bool sparse_enabled_from_environment() {
  const char* env = std::getenv("HANDGRAD_NATIVE_SPARSE");
  return env == nullptr || std::strcmp(env, "0") != 0;
}

std::atomic<bool> g_sparse_products{sparse_enabled_from_environment()};

}  // namespace

bool sparse_products_enabled() { return g_sparse_products.load(std::memory_order_relaxed); }
void set_sparse_products(bool enabled) { g_sparse_products.store(enabled, std::memory_order_relaxed); }

bool sparse_matmul_shape_fits(const MatMulArgs& p) {
  // B read row by row (not transposed); the product large enough to be threaded at all; the
  // offsets into B (k·n) fit 32 bits.
  const std::size_t large = std::size_t{1} << 20, offset_limit = std::size_t{1} << 32;
  // Each row of C runs through a 64-column tile of B (k rows), which must stay in L2: k ≤ 1024 (256 KB).
  // Xᵀ·G of a full batch (k = 10000) misses it and ran 2× slower than dense BLAS.
  const std::size_t max_k = 1024;
  // Threads split each matrix's rows (the batch runs in turn): a batch of short matrices stays on BLAS,
  // which splits it by matrices.
  const bool rows_to_split = p.batch == 1 || p.m >= kMinRows * worker_count();
  return !p.transpose_b && p.n >= 16 && p.k <= max_k && rows_to_split && p.m * p.n * p.k >= large && p.k * p.n < offset_limit;
}

bool sparse_matmul_pays(const MatMulArgs& p) { return sparse_matmul_shape_fits(p) && sampled_zero_share(p) >= kSparseMinZeroShare; }

namespace {

using Epilogue = void (*)(const MatMulArgs&, std::size_t row_begin, std::size_t row_end);

// The nonzeros of some rows of a matrix, row after row, each value with an offset (its column
// times a row length); a row's run is [starts[i], starts[i + 1]).
struct NonzeroRows {
  std::vector<std::uint32_t> offsets;
  std::vector<float> values;
  std::vector<std::size_t> starts;

  // Lists rows [first, first + rows) of op(A) (k columns each), offsets column·n.
  void list(const MatMulArgs& p, const float* a, std::size_t first, std::size_t rows) {
    starts.assign(1, 0);
    std::size_t count = 0;
    const auto n = static_cast<std::uint32_t>(p.n);
    for (std::size_t i = 0; i < rows; ++i) {
      // list_nonzeros writes up to k + 16 entries past count.
      if (offsets.size() < count + p.k + 16) {
        offsets.resize(std::max(2 * offsets.size(), count + p.k + 16));
        values.resize(offsets.size());
      }
      const std::size_t r = first + i;
      if (!p.transpose_a) {
        count = list_nonzeros(a + r * p.k, p.k, n, offsets.data(), values.data(), count);
      } else {
        // Row r of Aᵀ is column r of A (k×m), read with stride m.
        for (std::size_t k = 0; k < p.k; ++k) {
          const float v = a[k * p.m + r];
          offsets[count] = static_cast<std::uint32_t>(k) * n;
          values[count] = v;
          count += v != 0.0f;
        }
      }
      starts.push_back(count);
    }
  }
  std::size_t size(std::size_t i) const { return starts[i + 1] - starts[i]; }
};

// C = op(A)·B for rows [begin, end) of C, listing kRowBlock rows of op(A) at a time: each 64-column
// tile of B is then read from L2 by all of them in turn.
void sparse_rows(const MatMulArgs& p, const float* a, const float* bm, float* c, std::size_t batch_row, Epilogue epilogue, std::size_t begin,
                 std::size_t end) {
  // Each thread keeps its lists from call to call: no allocation, no zero-filling on a training step.
  thread_local NonzeroRows rows;
  for (std::size_t r0 = begin; r0 < end; r0 += kRowBlock) {
    const std::size_t count = std::min(kRowBlock, end - r0);
    rows.list(p, a, r0, count);
    std::size_t j = 0;
    for (; j + kTile <= p.n; j += kTile) {
      for (std::size_t i = 0; i < count; ++i) {
        accumulate_tile(&rows.offsets[rows.starts[i]], &rows.values[rows.starts[i]], rows.size(i), bm + j, c + (r0 + i) * p.n + j);
      }
    }
    if (j < p.n) {
      for (std::size_t i = 0; i < count; ++i) {
        accumulate_columns(&rows.offsets[rows.starts[i]], &rows.values[rows.starts[i]], rows.size(i), bm + j, c + (r0 + i) * p.n + j, p.n - j);
      }
    }
    if (epilogue != nullptr) epilogue(p, batch_row + r0, batch_row + r0 + count);
  }
}

}  // namespace

bool sparse_matmul(const MatMulArgs& p, Epilogue epilogue) {
  for (std::size_t b = 0; b < p.batch; ++b) {
    const float* a = p.a + b * p.stride_a;
    const float* bm = p.b + b * p.stride_b;
    float* c = p.c + b * p.m * p.n;
    const std::size_t b_len = p.k * p.n;
    const std::size_t workers = chunk_workers(p.m, kMinRows);
    std::vector<char> finite_share(workers, 1);
    parallel_chunks(p.m, kMinRows, [&](std::size_t w, std::size_t begin, std::size_t end) {
      // Each worker also checks its share of B for ±Inf and NaN.
      finite_share[w] = all_finite(bm + b_len * w / workers, b_len * (w + 1) / workers - b_len * w / workers);
      sparse_rows(p, a, bm, c, b * p.m, epilogue, begin, end);
    });
    for (char share : finite_share) {
      if (share == 0) return false;
    }
  }
  return true;
}

}  // namespace handgrad
