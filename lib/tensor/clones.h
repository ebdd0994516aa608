/* Internal: the hot loops of the numeric core compiled for three instruction sets.
 *
 * The library is built for any x86-64 (no -march), so the compiler's vectors are SSE2's four
 * floats; the element-wise kernels, the Winograd transforms and BatchNorm are memory- and
 * add-bound loops that run up to four times as wide with AVX-512. CS_CLONES on a function
 * makes GCC emit a default, an AVX2 and an AVX-512F version of it and pick one by the CPU
 * when the library is loaded (an ifunc; the functions it inlines are compiled into each
 * version).
 *
 * The versions compute the same bits: the library is compiled as ISO C (-std=c11), where GCC
 * does not contract a * b + c into a fused multiply-add (-ffp-contract=off), and without
 * -ffast-math it does not reassociate a floating-point sum, so a vectorised loop performs the
 * same roundings in the same order as the scalar one, only several lanes at a time (the
 * explicit fmaf of optim.c is exact in every version). docs/numeric-core.md says so, and the
 * tests that compare kernels with double references and PyTorch run whichever version the
 * CPU selects.
 *
 * Only GCC on x86-64 with ifunc support (glibc) gets the versions; elsewhere, and when
 * CS_NO_CLONES is defined, CS_CLONES is empty. */
#ifndef CS_TENSOR_CLONES_H
#define CS_TENSOR_CLONES_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__gnu_linux__) && \
    !defined(CS_NO_CLONES)
#define CS_CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define CS_CLONES
#endif

#endif
