/* The bf16 matrix product of the mixed-precision mode (precision.h): operands rounded to bf16
 * while they are packed, products summed in fp32 by AVX512_BF16's VDPBF16PS, which multiplies
 * pairs of bf16 along k and adds both products into an fp32 lane. Debian's OpenBLAS has no
 * bf16 GEMM, so this is ours: Goto's blocking (a KC x NC block of B packed once per (jc, pc),
 * an MC x KC block of A per (jc, pc, ic), both rounded to bf16 as they are packed) around an
 * MR x NR register-blocked micro-kernel. The file is compiled for any x86-64 (no -march): the
 * AVX-512 code carries target attributes and runs only after the runtime check; elsewhere it
 * is a stub that reports no support.
 *
 * Packed layouts, in 32-bit units each holding a k-pair (bf16 of k = 2p in the low half, 2p+1
 * in the high half, VDPBF16PS's order):
 *   A panel (MR rows of op(A)): unit [p * MR + i] = (a(i, 2p), a(i, 2p+1));
 *   B panel (NR columns of op(B)): unit [p * NR + j] = (b(2p, j), b(2p+1, j)).
 * Rows and columns past the matrix and the partner of an odd k's last element are zero. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tensor/avx512.h"
#include "tensor/kernels.h"
#include "tensor/precision.h"

static _Thread_local cs_precision current_precision = CS_PRECISION_FP32;

cs_precision cs__precision_set(cs_precision p)
{
    const cs_precision before = current_precision;
    current_precision = p;
    return before;
}

cs_precision cs__precision_get(void)
{
    return current_precision;
}

float cs__bf16_round(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7f800000u) == 0x7f800000u) {
        if (u & 0x007fffffu)
            u |= 0x00400000u; /* NaN: quiet, truncated */
    } else if ((u & 0x7f800000u) == 0) {
        u &= 0x80000000u;     /* zero or subnormal: signed zero, as the instruction does */
    } else {
        u += 0x7fffu + ((u >> 16) & 1u);
    }
    u &= 0xffff0000u;
    memcpy(&x, &u, sizeof x);
    return x;
}

static bool env_disables_bf16(void)
{
    const char *v = getenv("CLASSSENS_NO_BF16");
    return v && v[0] && strcmp(v, "0") != 0;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <cpuid.h>
#include <immintrin.h>

#define CS_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/* ---- runtime detection ------------------------------------------------------------------- */

static const char *missing_feature; /* NULL: supported */
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

static void detect(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) {
        missing_feature = "OSXSAVE";
        return;
    }
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    /* SSE, AVX, opmask, the upper halves of zmm0-15 and zmm16-31 saved by the OS. */
    if ((lo & 0xe6u) != 0xe6u) {
        missing_feature = "operating-system support of the AVX-512 registers (XCR0)";
        return;
    }
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        missing_feature = "AVX512F";
        return;
    }
    if (!(b & (1u << 16))) {
        missing_feature = "AVX512F";
        return;
    }
    if (!(b & (1u << 30))) {
        missing_feature = "AVX512BW";
        return;
    }
    if (!(b & (1u << 31))) {
        missing_feature = "AVX512VL";
        return;
    }
    if (a < 1 || !__get_cpuid_count(7, 1, &a, &b, &c, &d) || !(a & (1u << 5))) {
        missing_feature = "AVX512_BF16";
        return;
    }
    missing_feature = NULL;
}

bool cs__bf16_hardware(void)
{
    pthread_once(&detect_once, detect);
    return missing_feature == NULL;
}

int cs__bf16_check(const char *who)
{
    if (env_disables_bf16())
        return cs__error(CS_ERR_UNSUPPORTED, "%s: bf16 needs AVX512_BF16, which CLASSSENS_NO_BF16 declares missing",
                         who);
    if (!cs__bf16_hardware())
        return cs__error(CS_ERR_UNSUPPORTED, "%s: bf16 needs AVX512_BF16 (VDPBF16PS) with AVX512F, BW and VL; this "
                         "CPU or system lacks %s", who, missing_feature);
    return CS_OK;
}

/* ---- blocking ---------------------------------------------------------------------------- */

#define MR 8     /* rows of the micro-tile */
#define NR 32    /* columns: two zmm of fp32 */
#define KC 256   /* k per block (even): a B micro-panel of KC/2 x NR units, 16 KiB, stays in L1 */
#define MC 192   /* rows per A block: 96 KiB of units in L2 */
#define NC 2048  /* columns per B block: 1 MiB of units */

#define SCRATCH_UNITS ((size_t)MC * (KC / 2) + (size_t)(KC / 2) * NC)


/* ---- packing ----------------------------------------------------------------------------- */

/* 16 units from two rows of floats (k = 2p at r0, 2p+1 at r1, NULL for zeros), w <= 16 of
 * them valid. */
static inline __m512i CS_BF16_TARGET pair_rows(const float *r0, const float *r1, int w)
{
    const __mmask16 mk = cs__lanes16(w);
    const __m512 x0 = _mm512_maskz_loadu_ps(mk, r0);
    const __m512 x1 = r1 ? _mm512_maskz_loadu_ps(mk, r1) : _mm512_setzero_ps();
    /* bf16 of x0 in words 0..15, of x1 in 16..31; interleave to (x0[j], x1[j]) per unit. */
    const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);
    const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                                         21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(idx, both);
}

/* Units from rows of the stored matrix that run along the packed dimension: unit [p * W + x] =
 * (row(2p), row(2p+1)) of rows src + r * ld, r = 0..rows-1 (rows <= W, the rest zero), pairs
 * p = 0..kp-1 (2 kp >= kc; past kc zero). */
static void CS_BF16_TARGET pack_strided(uint32_t *out, int W, const float *src, size_t ld, int rows, int kc)
{
    const int kp = (kc + 1) / 2;
    for (int p = 0; p < kp; p++) {
        const float *r0 = src + (size_t)(2 * p) * ld;
        const float *r1 = 2 * p + 1 < kc ? r0 + ld : NULL;
        for (int x = 0; x < W; x += 16)
            _mm512_mask_storeu_epi32(out + (size_t)p * W + x, cs__lanes16(W - x),
                                     pair_rows(r0 + x, r1 ? r1 + x : NULL, rows - x));
    }
}

/* Units from rows of the stored matrix that run along k: row x (x = 0..rows-1, at src + x * ld)
 * holds k = 0..kc-1 contiguously, so its pairs are adjacent. Eight rows at a time, 32 k (16
 * pairs) per step: each row's 16 units in a register, the 8 x 16 block transposed in registers
 * to 16 groups of 8 units, each stored at out + p * W + x0. Rows rows..W-1 are zero (W is a
 * multiple of 8). */
static void CS_BF16_TARGET pack_contiguous(uint32_t *out, int W, const float *src, size_t ld, int rows, int kc)
{
    const int kp = (kc + 1) / 2;
    for (int x0 = 0; x0 < W; x0 += 8) {
        for (int k0 = 0; k0 < kc; k0 += 32) {
            const __mmask16 mlo = cs__lanes16(kc - k0), mhi = cs__lanes16(kc - k0 - 16);
            __m512i r[8];
            for (int i = 0; i < 8; i++) {
                if (x0 + i < rows) {
                    const float *row = src + (size_t)(x0 + i) * ld + k0;
                    r[i] = (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(mhi, row + 16),
                                                        _mm512_maskz_loadu_ps(mlo, row));
                } else {
                    r[i] = _mm512_setzero_si512();
                }
            }
            /* 128-bit lane L of u[j] holds rows 0..3 of pair 4L + j, of u[j + 4] rows 4..7. */
            __m512i t[8], u[8];
            for (int i = 0; i < 8; i += 2) {
                t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
                t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
            }
            for (int h = 0; h < 8; h += 4) {
                u[h / 4 * 4 + 0] = _mm512_unpacklo_epi64(t[h], t[h + 2]);
                u[h / 4 * 4 + 1] = _mm512_unpackhi_epi64(t[h], t[h + 2]);
                u[h / 4 * 4 + 2] = _mm512_unpacklo_epi64(t[h + 1], t[h + 3]);
                u[h / 4 * 4 + 3] = _mm512_unpackhi_epi64(t[h + 1], t[h + 3]);
            }
            const int np = kp - k0 / 2 < 16 ? kp - k0 / 2 : 16;
            uint32_t *o = out + (size_t)(k0 / 2) * W + x0;
            for (int j = 0; j < 4; j++) {
                /* [u_j.0, u_j+4.0, u_j.1, u_j+4.1] and the same for lanes 2 and 3: pairs j, 4 + j,
                 * 8 + j, 12 + j as 256-bit halves. */
                const __m512i a = _mm512_shuffle_i32x4(u[j], u[j + 4], _MM_SHUFFLE(1, 0, 1, 0));
                const __m512i b = _mm512_shuffle_i32x4(u[j], u[j + 4], _MM_SHUFFLE(3, 2, 3, 2));
                const __m512i oa = _mm512_shuffle_i32x4(a, a, _MM_SHUFFLE(3, 1, 2, 0));
                const __m512i ob = _mm512_shuffle_i32x4(b, b, _MM_SHUFFLE(3, 1, 2, 0));
                if (j < np)
                    _mm256_storeu_si256((__m256i *)(o + (size_t)j * W), _mm512_castsi512_si256(oa));
                if (4 + j < np)
                    _mm256_storeu_si256((__m256i *)(o + (size_t)(4 + j) * W), _mm512_extracti64x4_epi64(oa, 1));
                if (8 + j < np)
                    _mm256_storeu_si256((__m256i *)(o + (size_t)(8 + j) * W), _mm512_castsi512_si256(ob));
                if (12 + j < np)
                    _mm256_storeu_si256((__m256i *)(o + (size_t)(12 + j) * W), _mm512_extracti64x4_epi64(ob, 1));
            }
        }
    }
}

/* ---- micro-kernel ------------------------------------------------------------------------ */

/* C tile (mr x nr of MR x NR) = alpha * A panel . B panel + (first ? beta * C : C), beta 0
 * on the first block overwriting. */
static void CS_BF16_TARGET micro(int kp, const uint32_t *ap, const uint32_t *bp, float *c, size_t ldc, int mr,
                                 int nr, float alpha, float beta, bool first)
{
    __m512 acc[MR][2];
    for (int i = 0; i < MR; i++)
        acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (int p = 0; p < kp; p++) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512(bp + (size_t)p * NR);
        const __m512bh b1 = (__m512bh)_mm512_load_si512(bp + (size_t)p * NR + 16);
        const uint32_t *a = ap + (size_t)p * MR;
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) {
            const __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[i]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
        }
    }
    const __mmask16 m0 = cs__lanes16(nr), m1 = cs__lanes16(nr - 16);
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        __m512 c0, c1;
        if (first && beta == 0.0f) {
            c0 = _mm512_mul_ps(va, acc[i][0]);
            c1 = _mm512_mul_ps(va, acc[i][1]);
        } else {
            c0 = _mm512_maskz_loadu_ps(m0, row);
            c1 = _mm512_maskz_loadu_ps(m1, row + 16);
            if (first && beta != 1.0f) {
                c0 = _mm512_mul_ps(vb, c0);
                c1 = _mm512_mul_ps(vb, c1);
            }
            c0 = _mm512_fmadd_ps(va, acc[i][0], c0);
            c1 = _mm512_fmadd_ps(va, acc[i][1], c1);
        }
        _mm512_mask_storeu_ps(row, m0, c0);
        _mm512_mask_storeu_ps(row + 16, m1, c1);
    }
}

/* ---- driver ------------------------------------------------------------------------------ */

bool cs__sbgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc)
{
    if (!cs__bf16_hardware())
        return false;
    uint32_t *scratch = cs__gemm_scratch(CS__SCRATCH_BF16, SCRATCH_UNITS * sizeof(uint32_t));
    if (!scratch)
        return false;
    uint32_t *pa = scratch, *pb = scratch + (size_t)MC * (KC / 2);
    const size_t sa = (size_t)lda, sb = (size_t)ldb, sc = (size_t)ldc;
    for (int jc = 0; jc < n; jc += NC) {
        const int nc = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < k; pc += KC) {
            const int kc = k - pc < KC ? k - pc : KC;
            const int kp = (kc + 1) / 2;
            for (int jr = 0; jr < nc; jr += NR) {
                const int nr = nc - jr < NR ? nc - jr : NR;
                uint32_t *panel = pb + (size_t)(jr / NR) * kp * NR;
                if (trans_b) /* stored N x K: column j of op(B) is row j, along k */
                    pack_contiguous(panel, NR, b + (size_t)(jc + jr) * sb + pc, sb, nr, kc);
                else
                    pack_strided(panel, NR, b + (size_t)pc * sb + jc + jr, sb, nr, kc);
            }
            for (int ic = 0; ic < m; ic += MC) {
                const int mc = m - ic < MC ? m - ic : MC;
                for (int ir = 0; ir < mc; ir += MR) {
                    const int mr = mc - ir < MR ? mc - ir : MR;
                    uint32_t *panel = pa + (size_t)(ir / MR) * kp * MR;
                    if (trans_a) /* stored K x M */
                        pack_strided(panel, MR, a + (size_t)pc * sa + ic + ir, sa, mr, kc);
                    else
                        pack_contiguous(panel, MR, a + (size_t)(ic + ir) * sa + pc, sa, mr, kc);
                }
                for (int jr = 0; jr < nc; jr += NR) {
                    const int nr = nc - jr < NR ? nc - jr : NR;
                    const uint32_t *bpanel = pb + (size_t)(jr / NR) * kp * NR;
                    for (int ir = 0; ir < mc; ir += MR) {
                        const int mr = mc - ir < MR ? mc - ir : MR;
                        micro(kp, pa + (size_t)(ir / MR) * kp * MR, bpanel, c + (size_t)(ic + ir) * sc + jc + jr, sc,
                              mr, nr, alpha, beta, pc == 0);
                    }
                }
            }
        }
    }
    return true;
}

#else /* not x86-64: never selected */

bool cs__bf16_hardware(void)
{
    return false;
}

int cs__bf16_check(const char *who)
{
    if (env_disables_bf16())
        return cs__error(CS_ERR_UNSUPPORTED, "%s: bf16 needs AVX512_BF16, which CLASSSENS_NO_BF16 declares missing",
                         who);
    return cs__error(CS_ERR_UNSUPPORTED, "%s: bf16 needs AVX512_BF16 (VDPBF16PS), an x86-64 feature this build "
                     "does not target", who);
}

bool cs__sbgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc)
{
    (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)alpha, (void)a, (void)lda, (void)b, (void)ldb;
    (void)beta, (void)c, (void)ldc;
    return false;
}

#endif
