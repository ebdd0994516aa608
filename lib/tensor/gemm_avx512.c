/* The fp32 matrix product on CPUs with AVX-512 (docs/numeric-core.md, "The fp32 GEMM").
 *
 * Debian 12's OpenBLAS (0.3.21) picks its sgemm kernel by CPU model, and on CPUs it does not
 * know (AMD's Zen 4 and Zen 5, for one) it falls back to the AVX2 "Haswell" kernel: half the
 * vector width the hardware has. Every convolution of a training step is a GEMM, so this file
 * is the library's own AVX-512 product, the same Goto blocking as the bf16 kernel beside it
 * (gemm_bf16.c): a KC x NC block of op(B) packed once per (jc, pc) into NR-column panels, an
 * MC x KC block of op(A) packed per (jc, pc, ic) into MR-row panels, and an MR x NR register
 * tile (16 zmm accumulators) that runs along KC.
 *
 * Determinism: every element of C is summed in one fixed order (k ascending within a KC
 * block, blocks in order, fused multiply-adds), which depends on the sizes only, so the same
 * operands give the same bits on every call, thread and thread count. The order differs from
 * OpenBLAS's, so results differ from it in the last bits, as they differ between OpenBLAS's
 * own kernels on different CPUs.
 *
 * Packed layouts, floats:
 *   A panel (MR rows of op(A)): [p * MR + i] = a(i, p);
 *   B panel (NR columns of op(B)): [p * NR + j] = b(p, j);
 * rows and columns past the matrix are zero. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/avx512.h"
#include "tensor/kernels.h"

static bool env_wants_blas(void)
{
    const char *v = getenv("CLASSSENS_GEMM");
    return v && strcmp(v, "blas") == 0;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <cpuid.h>
#include <immintrin.h>

#define CS_AVX512_TARGET __attribute__((target("avx512f,avx512vl,avx2,fma")))

/* ---- runtime detection ------------------------------------------------------------------- */

static bool has_avx512;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

static void detect(void)
{
    unsigned a, b, c, d;
    has_avx512 = false;
    /* FMA (1.ECX[12]), OSXSAVE (1.ECX[27]) */
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 12)) || !(c & (1u << 27)))
        return;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    /* SSE, AVX, opmask, the upper halves of zmm0-15 and zmm16-31 saved by the OS. */
    if ((lo & 0xe6u) != 0xe6u)
        return;
    /* AVX2 (7.EBX[5]), AVX512F (7.EBX[16]), AVX512VL (7.EBX[31]) */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 5)) || !(b & (1u << 16)) || !(b & (1u << 31)))
        return;
    has_avx512 = true;
}

bool cs__cpu_avx512(void)
{
    pthread_once(&detect_once, detect);
    return has_avx512;
}

bool cs__sgemm_avx512_available(void)
{
    return cs__cpu_avx512() && !env_wants_blas();
}

/* ---- blocking ---------------------------------------------------------------------------- */

#define MR 8    /* rows of the micro-tile */
#define NR 32   /* columns: two zmm */
#define KC 256  /* k per block: a B micro-panel of KC x NR floats, 32 KiB, stays in L1 */
#define MC 128  /* rows per A block: 128 KiB in L2 */
#define NC 1024 /* columns per B block: 1 MiB */

#define SCRATCH_FLOATS ((size_t)KC * NC)


/* ---- packing ----------------------------------------------------------------------------- */

/* Source rows run along the packed dimension: out[p * W + x] = src[p * ld + x] for x < cols
 * (cols <= W), zero for x in [cols, W); p = 0..kc-1. W is 8 or 32. */
static void CS_AVX512_TARGET pack_rows(float *out, int W, const float *src, size_t ld, int cols, int kc)
{
    if (W == NR) {
        const __mmask16 m0 = cs__lanes16(cols), m1 = cs__lanes16(cols - 16);
        for (int p = 0; p < kc; p++) {
            const float *s = src + (size_t)p * ld;
            _mm512_store_ps(out + (size_t)p * NR, _mm512_maskz_loadu_ps(m0, s));
            _mm512_store_ps(out + (size_t)p * NR + 16, _mm512_maskz_loadu_ps(m1, s + 16));
        }
    } else {
        const __mmask16 m = cs__lanes16(cols);
        for (int p = 0; p < kc; p++)
            _mm256_store_ps(out + (size_t)p * W, _mm512_castps512_ps256(_mm512_maskz_loadu_ps(m, src + (size_t)p * ld)));
    }
}

/* Transpose of an 8 x 8 block held in r[0..7] (row i in r[i]) into r[0..7] (column j in r[j]). */
static inline void CS_AVX512_TARGET transpose8(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

/* Source rows run along k: out[p * W + x] = src[x * ld + p] for x < rows (rows <= W), zero
 * for x in [rows, W); p = 0..kc-1. W is a multiple of 8: 8 x 8 blocks transposed in
 * registers. */
static void CS_AVX512_TARGET pack_cols(float *out, int W, const float *src, size_t ld, int rows, int kc)
{
    for (int x0 = 0; x0 < W; x0 += 8) {
        for (int k0 = 0; k0 < kc; k0 += 8) {
            const int kn = kc - k0 < 8 ? kc - k0 : 8;
            const __mmask8 mk = (__mmask8)((1u << kn) - 1u);
            __m256 r[8];
            for (int i = 0; i < 8; i++)
                r[i] = x0 + i < rows ? _mm256_maskz_loadu_ps(mk, src + (size_t)(x0 + i) * ld + k0)
                                     : _mm256_setzero_ps();
            transpose8(r);
            float *o = out + (size_t)k0 * W + x0;
            for (int j = 0; j < kn; j++)
                _mm256_store_ps(o + (size_t)j * W, r[j]);
        }
    }
}

/* ---- micro-kernel ------------------------------------------------------------------------ */

/* C tile (mr x nr of MR x NR) = alpha * A . B panel + (first ? beta * C : C); beta 0 on the
 * first block overwrites (a NaN in C does not survive). A is read where it is stored, element
 * (i, p) at a + i * rs + p * cs (rs = lda, cs = 1 for A, rs = 1, cs = lda for A^T): the MR
 * values of one p are broadcast from MR rows or from one run of MR floats, so it needs no
 * packing (at the Winograd products' 64 to 256 columns, packing A cost as much as half the
 * multiplications). Rows past mr read row 0 again and are not stored. */
static inline void CS_AVX512_TARGET micro(int kc, const float *a, size_t rs, size_t cs, int mr, const float *bp,
                                          float *c, size_t ldc, int nr, float alpha, float beta, bool first,
                                          bool wide)
{
    const float *row[MR];
    for (int i = 0; i < MR; i++)
        row[i] = a + (size_t)(i < mr ? i : 0) * rs;
    __m512 acc[MR][2];
    for (int i = 0; i < MR; i++)
        acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    if (wide)
        for (int p = 0; p < kc; p++) {
            const __m512 b0 = _mm512_load_ps(bp + (size_t)p * NR);
            const __m512 b1 = _mm512_load_ps(bp + (size_t)p * NR + 16);
            const size_t off = (size_t)p * cs;
#pragma GCC unroll 8
            for (int i = 0; i < MR; i++) {
                const __m512 ai = _mm512_set1_ps(row[i][off]);
                acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
                acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
            }
        }
    else /* nr <= 16: the panel's second half is zeros, its products are not needed */
        for (int p = 0; p < kc; p++) {
            const __m512 b0 = _mm512_load_ps(bp + (size_t)p * NR);
            const size_t off = (size_t)p * cs;
#pragma GCC unroll 8
            for (int i = 0; i < MR; i++)
                acc[i][0] = _mm512_fmadd_ps(_mm512_set1_ps(row[i][off]), b0, acc[i][0]);
        }
    const __mmask16 m0 = cs__lanes16(nr), m1 = cs__lanes16(nr - 16);
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int i = 0; i < mr; i++) {
        float *crow = c + (size_t)i * ldc;
        __m512 c0, c1;
        if (first && beta == 0.0f) {
            c0 = alpha == 1.0f ? acc[i][0] : _mm512_mul_ps(va, acc[i][0]);
            c1 = alpha == 1.0f ? acc[i][1] : _mm512_mul_ps(va, acc[i][1]);
        } else {
            c0 = _mm512_maskz_loadu_ps(m0, crow);
            c1 = _mm512_maskz_loadu_ps(m1, crow + 16);
            if (first && beta != 1.0f) {
                c0 = _mm512_mul_ps(vb, c0);
                c1 = _mm512_mul_ps(vb, c1);
            }
            c0 = _mm512_fmadd_ps(va, acc[i][0], c0);
            c1 = _mm512_fmadd_ps(va, acc[i][1], c1);
        }
        _mm512_mask_storeu_ps(crow, m0, c0);
        _mm512_mask_storeu_ps(crow + 16, m1, c1);
    }
}

/* The two layouts of A as separate functions, so that each inlines the kernel with its
 * strides' constant one, and in each a kernel for a whole panel and one for a panel of at most
 * 16 columns (a product of 16 or 48 columns ends in one, as F(4x4)'s chunks did before they
 * became whole panels, winograd.c: computing its zero half cost as much as a whole panel).
 * Either gives every element of C the same sums. */
static void CS_AVX512_TARGET micro_rows(int kc, const float *a, size_t lda, int mr, const float *bp, float *c,
                                        size_t ldc, int nr, float alpha, float beta, bool first)
{
    if (nr > 16)
        micro(kc, a, lda, 1, mr, bp, c, ldc, nr, alpha, beta, first, true);
    else
        micro(kc, a, lda, 1, mr, bp, c, ldc, nr, alpha, beta, first, false);
}

static void CS_AVX512_TARGET micro_cols(int kc, const float *a, size_t lda, int mr, const float *bp, float *c,
                                        size_t ldc, int nr, float alpha, float beta, bool first)
{
    if (nr > 16)
        micro(kc, a, 1, lda, mr, bp, c, ldc, nr, alpha, beta, first, true);
    else
        micro(kc, a, 1, lda, mr, bp, c, ldc, nr, alpha, beta, first, false);
}

/* ---- driver ------------------------------------------------------------------------------ */

bool cs__sgemm_avx512(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc)
{
    if (!cs__sgemm_avx512_available())
        return false;
    float *pb = cs__gemm_scratch(CS__SCRATCH_FP32, SCRATCH_FLOATS * sizeof(float));
    if (!pb)
        return false;
    const size_t sa = (size_t)lda, sb = (size_t)ldb, sc = (size_t)ldc;
    for (int jc = 0; jc < n; jc += NC) {
        const int nc = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < k; pc += KC) {
            const int kc = k - pc < KC ? k - pc : KC;
            for (int jr = 0; jr < nc; jr += NR) {
                const int nr = nc - jr < NR ? nc - jr : NR;
                float *panel = pb + (size_t)(jr / NR) * kc * NR;
                if (trans_b) /* stored N x K: column j of op(B) is row j, along k */
                    pack_cols(panel, NR, b + (size_t)(jc + jr) * sb + pc, sb, nr, kc);
                else
                    pack_rows(panel, NR, b + (size_t)pc * sb + jc + jr, sb, nr, kc);
            }
            /* An MC x KC block of A stays in L2 while every B panel passes it. */
            for (int ic = 0; ic < m; ic += MC) {
                const int mc = m - ic < MC ? m - ic : MC;
                for (int jr = 0; jr < nc; jr += NR) {
                    const int nr = nc - jr < NR ? nc - jr : NR;
                    const float *bpanel = pb + (size_t)(jr / NR) * kc * NR;
                    for (int ir = 0; ir < mc; ir += MR) {
                        const int mr = mc - ir < MR ? mc - ir : MR;
                        float *ct = c + (size_t)(ic + ir) * sc + jc + jr;
                        if (trans_a) /* stored K x M */
                            micro_cols(kc, a + (size_t)pc * sa + ic + ir, sa, mr, bpanel, ct, sc, nr, alpha, beta,
                                       pc == 0);
                        else
                            micro_rows(kc, a + (size_t)(ic + ir) * sa + pc, sa, mr, bpanel, ct, sc, nr, alpha, beta,
                                       pc == 0);
                    }
                }
            }
        }
    }
    return true;
}

#else /* not x86-64: OpenBLAS computes every product */

bool cs__cpu_avx512(void)
{
    return false;
}

bool cs__sgemm_avx512_available(void)
{
    (void)env_wants_blas;
    return false;
}

bool cs__sgemm_avx512(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc)
{
    (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)alpha, (void)a, (void)lda, (void)b, (void)ldb;
    (void)beta, (void)c, (void)ldc;
    return false;
}

#endif
