/* Batch normalisation over (N, H, W) per channel, as torch.nn.BatchNorm2d (and BatchNorm1d,
 * which is the hw = 1 case).
 *
 * Precision: every per-channel reduction runs in double in a fixed order (sample by sample,
 * then along the plane), so a channel's statistics do not drift with N*H*W the way a float
 * running sum does, and the result is the same on every run. Per-element arithmetic is also
 * done in double and rounded once to float: converting is cheap next to the convolutions
 * around these layers, and it keeps y and dx within an ulp or two of the exact values.
 *
 * The batch mean is rounded to float before it is used, as PyTorch's CPU kernel does, and the
 * forward pass normalises with exactly the saved float mean and 1/std. Backward recomputes
 * x_hat from those saved values, so forward and backward see the same x_hat bit for bit. */
#include <math.h>
#include <stddef.h>

#include "tensor/kernels.h"

void cs__bn_forward_train(float *y, float *save_mean, float *save_invstd, float *running_mean,
                          float *running_var, const float *x, const float *gamma, const float *beta,
                          int n, int c, int hw, double momentum, double eps)
{
    const size_t plane = (size_t)hw;
    const double m = (double)n * (double)hw;
    const double mom = momentum;

    for (int ch = 0; ch < c; ch++) {
        double sum = 0.0;
        for (int i = 0; i < n; i++) {
            const float *xp = x + ((size_t)i * (size_t)c + (size_t)ch) * plane;
            for (size_t j = 0; j < plane; j++)
                sum += xp[j];
        }
        const float mean_f = (float)(sum / m);
        const double mean = mean_f;

        /* Two passes, not sum of squares minus square of sum: that difference cancels badly
         * when |mean| is large next to the spread, which is the usual case after a ReLU. */
        double ssd = 0.0;
        for (int i = 0; i < n; i++) {
            const float *xp = x + ((size_t)i * (size_t)c + (size_t)ch) * plane;
            for (size_t j = 0; j < plane; j++) {
                const double d = (double)xp[j] - mean;
                ssd += d * d;
            }
        }
        const float invstd_f = (float)(1.0 / sqrt(ssd / m + (double)eps));
        save_mean[ch] = mean_f;
        save_invstd[ch] = invstd_f;

        /* PyTorch updates with the unbiased variance. With m = 1 it is 0/0 = NaN, which is
         * what ATen's kernel computes too; torch.nn refuses such a batch before it gets here
         * ("Expected more than 1 value per channel when training"), so callers must too. */
        if (running_mean != NULL)
            running_mean[ch] = (float)(mom * mean + (1.0 - mom) * (double)running_mean[ch]);
        if (running_var != NULL)
            running_var[ch] =
                (float)(mom * (ssd / (m - 1.0)) + (1.0 - mom) * (double)running_var[ch]);

        const double scale = (double)invstd_f * (double)gamma[ch];
        const double shift = beta[ch];
        for (int i = 0; i < n; i++) {
            const size_t off = ((size_t)i * (size_t)c + (size_t)ch) * plane;
            const float *xp = x + off;
            float *yp = y + off;
            for (size_t j = 0; j < plane; j++)
                yp[j] = (float)(((double)xp[j] - mean) * scale + shift);
        }
    }
}

void cs__bn_forward_eval(float *y, const float *x, const float *gamma, const float *beta,
                         const float *running_mean, const float *running_var, int n, int c, int hw,
                         double eps)
{
    const size_t plane = (size_t)hw;
    for (int ch = 0; ch < c; ch++) {
        const double mean = running_mean[ch];
        const double scale = (double)gamma[ch] / sqrt((double)running_var[ch] + (double)eps);
        const double shift = beta[ch];
        for (int i = 0; i < n; i++) {
            const size_t off = ((size_t)i * (size_t)c + (size_t)ch) * plane;
            const float *xp = x + off;
            float *yp = y + off;
            for (size_t j = 0; j < plane; j++)
                yp[j] = (float)(((double)xp[j] - mean) * scale + shift);
        }
    }
}

/* With x_hat = (x - mean) * invstd and y = gamma * x_hat + beta over m = N*H*W values:
 *   dbeta  = sum dy
 *   dgamma = sum dy * x_hat
 *   dx     = gamma * invstd * (dy - sum(dy) / m - x_hat * sum(dy * x_hat) / m)
 * which is invstd / m * (m dy gamma - sum(dy gamma) - x_hat sum(dy gamma x_hat)) with gamma
 * taken out of the sums. Each gradient is accumulated in double and rounded once. */
void cs__bn_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                     const float *save_mean, const float *save_invstd, const float *gamma, int n,
                     int c, int hw)
{
    if (dx == NULL && dgamma == NULL && dbeta == NULL)
        return;
    const size_t plane = (size_t)hw;
    const double m = (double)n * (double)hw;

    for (int ch = 0; ch < c; ch++) {
        const double mean = save_mean[ch];
        const double invstd = save_invstd[ch];
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int i = 0; i < n; i++) {
            const size_t off = ((size_t)i * (size_t)c + (size_t)ch) * plane;
            const float *xp = x + off;
            const float *dyp = dy + off;
            for (size_t j = 0; j < plane; j++) {
                const double g = dyp[j];
                sum_dy += g;
                sum_dy_xhat += g * (((double)xp[j] - mean) * invstd);
            }
        }
        if (dbeta != NULL)
            dbeta[ch] = (float)((double)dbeta[ch] + sum_dy);
        if (dgamma != NULL)
            dgamma[ch] = (float)((double)dgamma[ch] + sum_dy_xhat);
        if (dx == NULL)
            continue;

        const double k = (double)gamma[ch] * invstd;
        const double mean_dy = sum_dy / m;
        const double mean_dy_xhat = sum_dy_xhat / m;
        for (int i = 0; i < n; i++) {
            const size_t off = ((size_t)i * (size_t)c + (size_t)ch) * plane;
            const float *xp = x + off;
            const float *dyp = dy + off;
            float *dxp = dx + off;
            for (size_t j = 0; j < plane; j++) {
                const double xhat = ((double)xp[j] - mean) * invstd;
                const double g = k * ((double)dyp[j] - mean_dy - xhat * mean_dy_xhat);
                dxp[j] = (float)((double)dxp[j] + g);
            }
        }
    }
}
