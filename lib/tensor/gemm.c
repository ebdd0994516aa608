/* The one entry to BLAS: every matrix product of the numeric core goes through cs__sgemm, so
 * that swapping the BLAS, counting FLOPs or pinning threads happens in one place; and the one
 * place that chooses the kernel: the bf16 kernel of gemm_bf16.c for a thread in a bf16 pass
 * (precision.h), else the library's AVX-512 fp32 kernel (gemm_avx512.c) where the CPU has
 * AVX-512, else OpenBLAS's cblas_sgemm. */
#define _POSIX_C_SOURCE 200809L /* aligned_alloc with pthread keys */

#include <pthread.h>
#include <stdlib.h>

#include <cblas.h>

#include "tensor/kernels.h"
#include "tensor/precision.h"

void cs__sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
               int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    /* An empty C is a no-op. Returning here rather than calling BLAS matters: cblas_sgemm
     * validates ldc >= max(1, n) even when there is nothing to do, and OpenBLAS reports a
     * failed check by printing from inside the library. */
    if (m <= 0 || n <= 0)
        return;
    /* An empty inner dimension leaves C = beta * C. The same leading-dimension checks (lda or
     * ldb >= max(1, k)) would reject the natural lda = 0 of a K = 0 operand, and OpenBLAS
     * would then leave C unscaled; so scale here. beta == 0 overwrites, as BLAS specifies, so
     * that a NaN in uninitialised C does not survive. */
    if (k <= 0) {
        for (int i = 0; i < m; i++) {
            float *row = c + (size_t)i * (size_t)ldc;
            if (beta == 0.0f) {
                for (int j = 0; j < n; j++)
                    row[j] = 0.0f;
            } else if (beta != 1.0f) {
                for (int j = 0; j < n; j++)
                    row[j] *= beta;
            }
        }
        return;
    }
    /* A thread in a pass of a bf16 model (precision.h); the kernel declines only where it
     * cannot run, and fp32 computes the product then. */
    if (cs__precision_get() == CS_PRECISION_BF16 &&
        cs__sbgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        return;
    if (cs__sgemm_avx512(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        return;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* OpenBLAS's own thread control (not in cblas.h). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

static pthread_mutex_t serial_lock = PTHREAD_MUTEX_INITIALIZER;
static int serial_users;
static int serial_saved;

void cs__blas_serial_begin(void)
{
    pthread_mutex_lock(&serial_lock);
    if (serial_users++ == 0) {
        serial_saved = openblas_get_num_threads();
        if (serial_saved != 1)
            openblas_set_num_threads(1);
    }
    pthread_mutex_unlock(&serial_lock);
}

void cs__blas_serial_end(void)
{
    pthread_mutex_lock(&serial_lock);
    if (--serial_users == 0 && serial_saved != 1)
        openblas_set_num_threads(serial_saved);
    pthread_mutex_unlock(&serial_lock);
}

/* ---- the kernels' per-thread scratch ------------------------------------------------------ */

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_ok;

static void scratch_free(void *p)
{
    void **blocks = p;
    for (int k = 0; k < CS__SCRATCH_KINDS; k++)
        free(blocks[k]);
    free(blocks);
}

static void scratch_init(void)
{
    scratch_key_ok = pthread_key_create(&scratch_key, scratch_free) == 0;
}

void *cs__gemm_scratch(cs__gemm_scratch_kind kind, size_t bytes)
{
    pthread_once(&scratch_once, scratch_init);
    if (!scratch_key_ok)
        return NULL;
    void **blocks = pthread_getspecific(scratch_key);
    if (!blocks) {
        blocks = calloc(CS__SCRATCH_KINDS, sizeof *blocks);
        if (!blocks)
            return NULL;
        if (pthread_setspecific(scratch_key, blocks) != 0) {
            free(blocks);
            return NULL;
        }
    }
    if (!blocks[kind])
        blocks[kind] = aligned_alloc(64, (bytes + 63) / 64 * 64);
    return blocks[kind];
}
