// C = op(A)·op(B) in float32, row-major, in the structure of GotoBLAS and BLIS (Goto & van de Geijn,
// "Anatomy of high-performance matrix multiplication", 2008). For each block of kc values of k:
// the op(A) rows [ic, ic + mc) are packed into panels of MR rows (for every p, the MR values
// op(A)[i, p] side by side), the op(B) columns [jc, jc + nc) into panels of NR columns (for every p,
// NR values), and a micro-kernel holds one MR×NR tile of C in registers while it runs down kc:
//   tile[i][j] = Σ_{p < kc} A_panel[p·MR + i] · B_panel[p·NR + j]      (in ascending p)
// then stores the tile (first block of k) or adds it to C (later blocks). The A panel being used (MR·kc
// floats) stays in L1, the packed B block (kc·nc) in L2, the packed A block (mc·kc) in L2/L3.
// Panels are zero-padded to whole tiles; the padding only meets rows and columns that are not
// stored, so 0·Inf never reaches C through it, while every real 0·Inf or 0·NaN does (no zero is skipped).
#include "sgemm.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HANDGRAD_X86_KERNELS 1
#endif

// The portable kernel's a·b + c becomes one FMA where the CPU has one (arm64): GCC fuses across
// statements in C++ (-ffp-contract=fast), Clang within an expression (-ffp-contract=on).
#if defined(__clang__)
#define HANDGRAD_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define HANDGRAD_UNROLL _Pragma("GCC unroll 16")
#else
#define HANDGRAD_UNROLL
#endif

namespace handgrad {

namespace {

// c (MR×NR, row stride ldc) = tile, or c += tile when accumulate; tile as in the header comment, with
// op(A)[i, p] read at a[i·a_row + p·a_step]: a packed panel (a_row = 1, a_step = MR, the kernel's
// kPacked instances) or op(A) where it lies (a row of A: a_row = lda, a_step = 1; of Aᵀ: 1, lda).
using MicroKernel = void (*)(std::size_t kc, const float* a, std::size_t a_row, std::size_t a_step, const float* b, float* c, std::size_t ldc,
                             bool accumulate);

// The portable kernel: 4-float vectors (SSE on x86-64, NEON on arm64), MR×NR accumulators.
typedef float Vec4 __attribute__((vector_size(16)));

template <std::size_t MR, std::size_t NR, bool kPacked>
void generic_kernel(std::size_t kc, const float* __restrict a, std::size_t a_row, std::size_t a_step, const float* __restrict b, float* c,
                    std::size_t ldc, bool accumulate) {
  const std::size_t row_stride = kPacked ? 1 : a_row, step = kPacked ? MR : a_step;
  constexpr std::size_t kVecs = NR / 4;
  Vec4 acc[MR][kVecs];
  HANDGRAD_UNROLL for (std::size_t i = 0; i < MR; ++i) {
    HANDGRAD_UNROLL for (std::size_t v = 0; v < kVecs; ++v) acc[i][v] = Vec4{0.0f, 0.0f, 0.0f, 0.0f};
  }
  for (std::size_t p = 0; p < kc; ++p) {
    Vec4 row[kVecs];
    HANDGRAD_UNROLL for (std::size_t v = 0; v < kVecs; ++v) row[v] = reinterpret_cast<const Vec4*>(b)[v];
    HANDGRAD_UNROLL for (std::size_t i = 0; i < MR; ++i) {
      const float value = a[i * row_stride];
      HANDGRAD_UNROLL for (std::size_t v = 0; v < kVecs; ++v) acc[i][v] = acc[i][v] + value * row[v];
    }
    a += step;
    b += NR;
  }
  HANDGRAD_UNROLL for (std::size_t i = 0; i < MR; ++i) {
    HANDGRAD_UNROLL for (std::size_t v = 0; v < kVecs; ++v) {
      Vec4 out = acc[i][v];
      float* dst = c + i * ldc + 4 * v;
      if (accumulate) {
        Vec4 old;
        std::memcpy(&old, dst, sizeof old);
        out = old + out;
      }
      std::memcpy(dst, &out, sizeof out);
    }
  }
}

#ifdef HANDGRAD_X86_KERNELS
// MR×(16·V): MR·V zmm accumulators; per p, V loads of B and MR broadcasts of A feed MR·V FMAs.
// 8×32 in general (16 accumulators); 16×16 for products at most 16 columns wide (n = 10: the output
// layer), where a 32-column tile would compute 3.2 columns for every one it stores.
template <std::size_t MR, std::size_t V, bool kPacked>
__attribute__((target("avx512f"))) void avx512_kernel(std::size_t kc, const float* a, std::size_t a_row, std::size_t a_step, const float* b, float* c,
                                                      std::size_t ldc, bool accumulate) {
  const std::size_t row_stride = kPacked ? 1 : a_row, step = kPacked ? MR : a_step;
  __m512 acc[MR][V];
  HANDGRAD_UNROLL for (std::size_t i = 0; i < MR; ++i) {
    HANDGRAD_UNROLL for (std::size_t v = 0; v < V; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  for (std::size_t p = 0; p < kc; ++p) {
    __m512 row[V];
    HANDGRAD_UNROLL for (std::size_t v = 0; v < V; ++v) row[v] = _mm512_load_ps(b + 16 * v);
    HANDGRAD_UNROLL for (std::size_t i = 0; i < MR; ++i) {
      const __m512 value = _mm512_set1_ps(a[i * row_stride]);
      HANDGRAD_UNROLL for (std::size_t v = 0; v < V; ++v) acc[i][v] = _mm512_fmadd_ps(value, row[v], acc[i][v]);
    }
    a += step;
    b += 16 * V;
  }
  HANDGRAD_UNROLL for (std::size_t i = 0; i < MR; ++i) {
    HANDGRAD_UNROLL for (std::size_t v = 0; v < V; ++v) {
      float* dst = c + i * ldc + 16 * v;
      if (accumulate) acc[i][v] = _mm512_add_ps(_mm512_loadu_ps(dst), acc[i][v]);
      _mm512_storeu_ps(dst, acc[i][v]);
    }
  }
}

// 6×16: 12 ymm accumulators; per p two loads of B and six broadcasts of A feed 12 FMAs.
template <bool kPacked>
__attribute__((target("avx2,fma"))) void avx2_kernel(std::size_t kc, const float* a, std::size_t a_row, std::size_t a_step, const float* b, float* c,
                                                    std::size_t ldc, bool accumulate) {
  constexpr std::size_t MR = 6;
  const std::size_t row_stride = kPacked ? 1 : a_row, step = kPacked ? MR : a_step;
  __m256 acc[MR][2];
  HANDGRAD_UNROLL for (std::size_t i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (std::size_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    HANDGRAD_UNROLL for (std::size_t i = 0; i < MR; ++i) {
      const __m256 value = _mm256_broadcast_ss(a + i * row_stride);
      acc[i][0] = _mm256_fmadd_ps(value, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(value, b1, acc[i][1]);
    }
    a += step;
    b += 16;
  }
  HANDGRAD_UNROLL for (std::size_t i = 0; i < MR; ++i) {
    float* dst = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm256_add_ps(_mm256_loadu_ps(dst), acc[i][0]);
      acc[i][1] = _mm256_add_ps(_mm256_loadu_ps(dst + 8), acc[i][1]);
    }
    _mm256_storeu_ps(dst, acc[i][0]);
    _mm256_storeu_ps(dst + 8, acc[i][1]);
  }
}
#endif

// A kernel and its blocking: MR×NR tile; kc the most values of k per block (the A panel, MR·kc floats,
// stays in L1; the same kc for every kernel of an instruction set, so that the blocks of k, and every
// sum, do not depend on n); nc the most columns of the packed B block (kc·nc floats, kept in L2); mc
// the most rows of the packed A block. `packed` reads packed A panels, `direct` op(A) where it lies.
struct Blocking {
  std::size_t mr, nr, kc, mc, nc;
  MicroKernel packed, direct;
};

Blocking blocking_of(SgemmKernel kernel, std::size_t n) {
  switch (kernel) {
#ifdef HANDGRAD_X86_KERNELS
    case SgemmKernel::Avx512:
      if (n <= 16) return {16, 16, 256, 512, 256, avx512_kernel<16, 1, true>, avx512_kernel<16, 1, false>};
      return {8, 32, 256, 512, 256, avx512_kernel<8, 2, true>, avx512_kernel<8, 2, false>};
    case SgemmKernel::Avx2: return {6, 16, 256, 510, 256, avx2_kernel<true>, avx2_kernel<false>};
#else
    case SgemmKernel::Avx512:
    case SgemmKernel::Avx2:
#endif
    case SgemmKernel::Generic: break;
  }
  return {4, 16, 256, 512, 256, generic_kernel<4, 16, true>, generic_kernel<4, 16, false>};
}

// Floats aligned to 64 bytes, grown on demand, kept by each thread from call to call.
class AlignedFloats {
 public:
  float* reserve(std::size_t count) {
    if (count > capacity_) {
      const std::size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
      data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      if (!data_) throw std::bad_alloc();
      capacity_ = bytes / sizeof(float);
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float[], Free> data_;
  std::size_t capacity_ = 0;
};

std::size_t round_up(std::size_t x, std::size_t multiple) { return (x + multiple - 1) / multiple * multiple; }

// op(A) rows [i0, i0 + rows) × k [p0, p0 + kc) into panels of mr rows (zero rows past the end).
void pack_a(bool transpose, const float* a, std::size_t lda, std::size_t i0, std::size_t rows, std::size_t p0, std::size_t kc, std::size_t mr,
            float* __restrict out) {
  for (std::size_t t = 0; t < rows; t += mr) {
    const std::size_t height = std::min(mr, rows - t);
    float* __restrict panel = out + t * kc;
    if (!transpose) {
      for (std::size_t i = 0; i < height; ++i) {
        const float* __restrict src = a + (i0 + t + i) * lda + p0;
        for (std::size_t p = 0; p < kc; ++p) panel[p * mr + i] = src[p];
      }
    } else {
      // op(A)[i, p] = A[p, i]: mr consecutive values of A's row p.
      for (std::size_t p = 0; p < kc; ++p) {
        const float* __restrict src = a + (p0 + p) * lda + i0 + t;
        for (std::size_t i = 0; i < height; ++i) panel[p * mr + i] = src[i];
      }
    }
    if (height < mr) {
      for (std::size_t p = 0; p < kc; ++p) {
        for (std::size_t i = height; i < mr; ++i) panel[p * mr + i] = 0.0f;
      }
    }
  }
}

// op(B) k [p0, p0 + kc) × columns [j0, j0 + cols) into panels of nr columns (zero columns past the end).
void pack_b(bool transpose, const float* b, std::size_t ldb, std::size_t p0, std::size_t kc, std::size_t j0, std::size_t cols, std::size_t nr,
            float* __restrict out) {
  for (std::size_t u = 0; u < cols; u += nr) {
    const std::size_t width = std::min(nr, cols - u);
    float* __restrict panel = out + u * kc;
    if (!transpose) {
      for (std::size_t p = 0; p < kc; ++p) {
        const float* __restrict src = b + (p0 + p) * ldb + j0 + u;
        float* __restrict dst = panel + p * nr;
        for (std::size_t j = 0; j < width; ++j) dst[j] = src[j];
        for (std::size_t j = width; j < nr; ++j) dst[j] = 0.0f;
      }
    } else {
      // op(B)[p, j] = B[j, p]: B's row j read along p.
      for (std::size_t j = 0; j < width; ++j) {
        const float* __restrict src = b + (j0 + u + j) * ldb + p0;
        for (std::size_t p = 0; p < kc; ++p) panel[p * nr + j] = src[p];
      }
      if (width < nr) {
        for (std::size_t p = 0; p < kc; ++p) {
          for (std::size_t j = width; j < nr; ++j) panel[p * nr + j] = 0.0f;
        }
      }
    }
  }
}

struct Buffers {
  AlignedFloats a, b, tile;
};

}  // namespace

const char* sgemm_kernel_name(SgemmKernel kernel) {
  switch (kernel) {
    case SgemmKernel::Avx512: return "avx512";
    case SgemmKernel::Avx2: return "avx2";
    case SgemmKernel::Generic: break;
  }
  return "generic";
}

bool sgemm_kernel_available(SgemmKernel kernel) {
  switch (kernel) {
#ifdef HANDGRAD_X86_KERNELS
    case SgemmKernel::Avx512: return __builtin_cpu_supports("avx512f");
    case SgemmKernel::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    case SgemmKernel::Avx512:
    case SgemmKernel::Avx2: return false;
#endif
    case SgemmKernel::Generic: break;
  }
  return true;
}

SgemmKernel best_sgemm_kernel() {
  static const SgemmKernel best = [] {
    for (SgemmKernel kernel : {SgemmKernel::Avx512, SgemmKernel::Avx2}) {
      if (sgemm_kernel_available(kernel)) return kernel;
    }
    return SgemmKernel::Generic;
  }();
  return best;
}

void sgemm(SgemmKernel kernel, bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
           const float* b, std::size_t ldb, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (std::size_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    return;
  }
  const Blocking s = blocking_of(kernel, n);
  // Blocks of k of equal size (at most s.kc): they depend on k alone, so does every sum's order.
  const std::size_t k_blocks = (k + s.kc - 1) / s.kc;
  const std::size_t kc_max = (k + k_blocks - 1) / k_blocks;
  const std::size_t mc_max = std::min(s.mc, round_up(m, s.mr));
  const std::size_t nc_max = std::min(s.nc, round_up(n, s.nr));
  thread_local Buffers buffers;
  float* packed_a = buffers.a.reserve(round_up(mc_max, s.mr) * kc_max);
  float* packed_b = buffers.b.reserve(round_up(nc_max, s.nr) * kc_max);
  float* tile = buffers.tile.reserve(s.mr * s.nr);

  // When C is one panel of columns wide, each A panel serves one tile: whole tiles read op(A) where it
  // lies instead of a packed copy (packing would cost as much as the product).
  const bool direct_a = n <= s.nr;
  for (std::size_t ic = 0; ic < m; ic += s.mc) {
    const std::size_t rows = std::min(s.mc, m - ic);
    for (std::size_t pc = 0; pc < k; pc += kc_max) {
      const std::size_t kc = std::min(kc_max, k - pc);
      const bool accumulate = pc > 0;
      if (!direct_a) pack_a(transpose_a, a, lda, ic, rows, pc, kc, s.mr, packed_a);
      for (std::size_t jc = 0; jc < n; jc += s.nc) {
        const std::size_t cols = std::min(s.nc, n - jc);
        pack_b(transpose_b, b, ldb, pc, kc, jc, cols, s.nr, packed_b);
        for (std::size_t ir = 0; ir < rows; ir += s.mr) {
          const std::size_t height = std::min(s.mr, rows - ir);
          MicroKernel kernel = s.packed;
          const float* a_panel = packed_a + ir * kc;
          std::size_t a_row = 1, a_step = s.mr;
          if (direct_a && height == s.mr) {
            kernel = s.direct;
            a_panel = transpose_a ? a + pc * lda + ic + ir : a + (ic + ir) * lda + pc;
            a_row = transpose_a ? 1 : lda;
            a_step = transpose_a ? lda : 1;
          } else if (direct_a) {
            // The last rows, fewer than MR: packed with zero rows, so that no read passes op(A)'s end.
            pack_a(transpose_a, a, lda, ic + ir, height, pc, kc, s.mr, packed_a);
            a_panel = packed_a;
          }
          float* c_row = c + (ic + ir) * ldc + jc;
          for (std::size_t jr = 0; jr < cols; jr += s.nr) {
            const std::size_t width = std::min(s.nr, cols - jr);
            const float* b_panel = packed_b + jr * kc;
            if (height == s.mr && width == s.nr) {
              kernel(kc, a_panel, a_row, a_step, b_panel, c_row + jr, ldc, accumulate);
              continue;
            }
            // A partial tile: the whole tile into the scratch tile, then its stored part into C, as
            // the kernel does (old + tile) so that the sums are the same as in a whole tile.
            kernel(kc, a_panel, a_row, a_step, b_panel, tile, s.nr, false);
            for (std::size_t i = 0; i < height; ++i) {
              float* dst = c_row + i * ldc + jr;
              const float* src = tile + i * s.nr;
              if (accumulate) {
                for (std::size_t j = 0; j < width; ++j) dst[j] = dst[j] + src[j];
              } else {
                for (std::size_t j = 0; j < width; ++j) dst[j] = src[j];
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace handgrad
