// Shared by the zero-skipping products (sparse_matmul.cc) and the fused step's sparse first layer
// (mlp_sparse_input.cc): the compile switch for their vector loops and the nonzero lister.
#pragma once
#include <cstddef>
#include <cstdint>

// The inner loops are compiled three times — AVX-512, AVX2 + FMA, baseline — and the loader picks the
// one the CPU runs (function multi-versioning, GCC 12 and later); elsewhere the baseline alone.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#define HANDGRAD_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HANDGRAD_VECTOR_CLONES
#endif

namespace handgrad {

// Lists the nonzeros (NaN included) of x[0, k): values and their offsets i·n, appended at
// offsets/values + count; returns the new count. Both lists need 16 entries of slack past the end.
std::size_t list_nonzeros(const float* x, std::size_t k, std::uint32_t n, std::uint32_t* offsets, float* values, std::size_t count);

// True when every one of the n values is finite: its exponent bits are not all ones.
bool all_finite(const float* x, std::size_t n);

}  // namespace handgrad
