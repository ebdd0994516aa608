/* Internal: what the library's AVX-512 code shares (gemm_avx512.c, gemm_bf16.c, winograd_f4.c),
 * for x86-64 with GCC or clang; that code carries its own target attributes and runs after the
 * runtime check (cs__cpu_avx512, kernels.h). */
#ifndef CS_TENSOR_AVX512_H
#define CS_TENSOR_AVX512_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* The mask of lanes [0, w) of a 16-lane vector: all of them from 16 on, none at 0 or below. */
static inline __mmask16 cs__lanes16(int w)
{
    return w >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (w > 0 ? w : 0)) - 1u);
}
#endif

#endif
