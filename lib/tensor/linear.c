/* Fully connected layer, torch.nn.Linear: y = x w^T + b with w stored (OUT, IN).
 *
 * Both passes are GEMMs through cs__sgemm. The bias goes in the way PyTorch's addmm does it:
 * y is first filled with b and the product is added with beta = 1. Empty shapes need no
 * guard here: cs__sgemm treats an empty product as a no-op. */
#include <stddef.h>
#include <string.h>

#include "tensor/kernels.h"

void cs__linear_forward(float *y, const float *x, const float *w, const float *b, int n, int in,
                        int out)
{
    const size_t cols = (size_t)out;
    for (int i = 0; i < n; i++) {
        float *yr = y + (size_t)i * cols;
        if (b != NULL)
            memcpy(yr, b, cols * sizeof *yr);
        else
            for (size_t j = 0; j < cols; j++)
                yr[j] = 0.0f;
    }
    cs__sgemm(false, true, n, out, in, 1.0f, x, in, w, in, 1.0f, y, out);
}

void cs__linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, int n, int in, int out)
{
    /* beta = 1 makes both products accumulate, as the contract asks. */
    if (dx != NULL) /* dx (N, IN) += dy (N, OUT) w (OUT, IN) */
        cs__sgemm(false, false, n, in, out, 1.0f, dy, out, w, in, 1.0f, dx, in);
    if (dw != NULL) /* dw (OUT, IN) += dy^T (OUT, N) x (N, IN) */
        cs__sgemm(true, false, out, in, n, 1.0f, dy, out, x, in, 1.0f, dw, in);
    if (db != NULL) {
        /* Column sums in double, sample by sample: one rounding per bias and a fixed order.
         * Columns go in blocks so that dy is read row by row without a scratch buffer. */
        enum { BLOCK = 64 };
        double acc[BLOCK];
        for (int j0 = 0; j0 < out; j0 += BLOCK) {
            const int nb = out - j0 < BLOCK ? out - j0 : BLOCK;
            for (int j = 0; j < nb; j++)
                acc[j] = db[j0 + j];
            for (int i = 0; i < n; i++) {
                const float *row = dy + (size_t)i * (size_t)out + (size_t)j0;
                for (int j = 0; j < nb; j++)
                    acc[j] += row[j];
            }
            for (int j = 0; j < nb; j++)
                db[j0 + j] = (float)acc[j];
        }
    }
}
