/* Batch normalisation over (N, H, W) per channel, as torch.nn.BatchNorm2d (and BatchNorm1d,
 * which is the hw = 1 case).
 *
 * Precision: every per-channel reduction runs in double in a fixed order (sample by sample,
 * then along the plane, in eight interleaved running sums), so a channel's statistics do not
 * drift with N*H*W the way a float running sum does, and the result is the same on every run.
 * Per-element arithmetic is also
 * done in double and rounded once to float: converting is cheap next to the convolutions
 * around these layers, and it keeps y and dx within an ulp or two of the exact values.
 *
 * The batch mean is rounded to float before it is used, as PyTorch's CPU kernel does, and the
 * forward pass normalises with exactly the saved float mean and 1/std. Backward recomputes
 * x_hat from those saved values, so forward and backward see the same x_hat bit for bit. */
#include <math.h>
#include <stddef.h>

#include "tensor/clones.h"
#include "tensor/kernels.h"

/* ---- per-channel pieces, shared by the one-call kernels and the phases of a split batch ---- */

/* Reductions keep LANES running sums, element j of a plane going to lane j % LANES, and add
 * the lanes in order at the end: one sum would make every addition wait for the one before
 * (4 cycles each), lanes let them overlap and vectorise. The order is fixed, so the result is
 * still the same on every run. */
enum { LANES = 8 };

static double add_lanes(const double *lane)
{
    double sum = 0.0;
    for (int l = 0; l < LANES; l++)
        sum += lane[l];
    return sum;
}

/* One plane's part of the per-channel reductions, element j into lane j % LANES: the sum of
 * x, the sum of squared deviations from mean, and backward's sums of dy and dy * x_hat. Every
 * reduction below, channel by channel or in memory order, is these in sample order. */
static inline void plane_sum(double *lane, const float *xp, size_t plane)
{
    size_t j = 0;
    for (; j + LANES <= plane; j += LANES)
        for (int l = 0; l < LANES; l++)
            lane[l] += xp[j + l];
    for (int l = 0; j < plane; j++, l++)
        lane[l] += xp[j];
}

static inline void plane_ssd(double *lane, const float *xp, size_t plane, double mean)
{
    size_t j = 0;
    for (; j + LANES <= plane; j += LANES)
        for (int l = 0; l < LANES; l++) {
            const double d = (double)xp[j + l] - mean;
            lane[l] += d * d;
        }
    for (int l = 0; j < plane; j++, l++) {
        const double d = (double)xp[j] - mean;
        lane[l] += d * d;
    }
}

static inline void plane_backward_sums(double *s, double *sx, const float *dyp, const float *xp, size_t plane,
                                       double mean, double invstd)
{
    size_t j = 0;
    for (; j + LANES <= plane; j += LANES)
        for (int l = 0; l < LANES; l++) {
            const double g = dyp[j + l];
            s[l] += g;
            sx[l] += g * (((double)xp[j + l] - mean) * invstd);
        }
    for (int l = 0; j < plane; j++, l++) {
        const double g = dyp[j];
        s[l] += g;
        sx[l] += g * (((double)xp[j] - mean) * invstd);
    }
}

/* dx += k (dy - mean_dy - x_hat mean_dy_xhat) over one plane. */
static inline void plane_dx(float *dxp, const float *dyp, const float *xp, size_t plane, double mean, double invstd,
                            double k, double mean_dy, double mean_dy_xhat)
{
    for (size_t j = 0; j < plane; j++) {
        const double xhat = ((double)xp[j] - mean) * invstd;
        const double g = k * ((double)dyp[j] - mean_dy - xhat * mean_dy_xhat);
        dxp[j] = (float)((double)dxp[j] + g);
    }
}

/* y = (x - mean) * scale + shift over one plane. */
static inline void affine_plane(float *yp, const float *xp, size_t plane, double mean, double scale, double shift)
{
    for (size_t j = 0; j < plane; j++)
        yp[j] = (float)(((double)xp[j] - mean) * scale + shift);
}

CS_CLONES static double channel_sum(const float *x, int n, int c, int ch, size_t plane)
{
    double lane[LANES] = { 0 };
    for (int i = 0; i < n; i++)
        plane_sum(lane, x + ((size_t)i * (size_t)c + (size_t)ch) * plane, plane);
    return add_lanes(lane);
}

/* Two passes, not sum of squares minus square of sum: that difference cancels badly when
 * |mean| is large next to the spread, which is the usual case after a ReLU. */
CS_CLONES static double channel_ssd(const float *x, int n, int c, int ch, size_t plane, double mean)
{
    double lane[LANES] = { 0 };
    for (int i = 0; i < n; i++)
        plane_ssd(lane, x + ((size_t)i * (size_t)c + (size_t)ch) * plane, plane, mean);
    return add_lanes(lane);
}

/* The whole-tensor passes below walk the tensor in memory order, sample by sample and, within
 * a sample, CBLOCK channels at a time, carrying each channel's lanes from one sample to the
 * next: every channel gets the same additions in the same order as channel_sum and friends
 * (sample by sample, along the plane), so the results are the same bits, but the reads are
 * sequential. Channel by channel, a 4x4 plane (one cache line) was followed by the same
 * channel's plane of the next sample, C planes further on: a new page every 64 bytes. */
enum { CBLOCK = 32 };

/* sums[ch] = channel_sum of channels [c0, c0 + cb), or with mean != NULL, channel_ssd about
 * mean[ch]. */
CS_CLONES static void block_sums(double *sums, const float *x, const float *mean, int n, int c, int c0, int cb,
                                 size_t plane)
{
    double lane[CBLOCK][LANES];
    for (int b = 0; b < cb; b++)
        for (int l = 0; l < LANES; l++)
            lane[b][l] = 0.0;
    for (int i = 0; i < n; i++)
        for (int b = 0; b < cb; b++) {
            const float *xp = x + ((size_t)i * (size_t)c + (size_t)(c0 + b)) * plane;
            if (mean == NULL)
                plane_sum(lane[b], xp, plane);
            else
                plane_ssd(lane[b], xp, plane, mean[c0 + b]);
        }
    for (int b = 0; b < cb; b++)
        sums[c0 + b] = add_lanes(lane[b]);
}

static float batch_invstd(double ssd, double m, double eps)
{
    return (float)(1.0 / sqrt(ssd / m + eps));
}

/* PyTorch updates with the unbiased variance. With m = 1 it is 0/0 = NaN, which is what
 * ATen's kernel computes too; torch.nn refuses such a batch before it gets here ("Expected
 * more than 1 value per channel when training"), so callers must too. */
static void update_running(float *running_mean, float *running_var, int ch, double mean, double ssd, double m,
                           double mom)
{
    if (running_mean != NULL)
        running_mean[ch] = (float)(mom * mean + (1.0 - mom) * (double)running_mean[ch]);
    if (running_var != NULL)
        running_var[ch] = (float)(mom * (ssd / (m - 1.0)) + (1.0 - mom) * (double)running_var[ch]);
}

/* y = (x - mean) * scale + shift over channel ch. */
CS_CLONES static void affine_channel(float *y, const float *x, int n, int c, int ch, size_t plane, double mean, double scale,
                           double shift)
{
    for (int i = 0; i < n; i++) {
        const size_t off = ((size_t)i * (size_t)c + (size_t)ch) * plane;
        affine_plane(y + off, x + off, plane, mean, scale, shift);
    }
}

CS_CLONES static void normalize_channel(float *y, const float *x, int n, int c, int ch, size_t plane, double mean,
                              double invstd, float gamma, float beta)
{
    affine_channel(y, x, n, c, ch, plane, mean, invstd * (double)gamma, beta);
}

/* The sum of `parts` shards' partial sums of channel ch (stored parts x stride), in shard
 * order; with one part it is that part exactly. */
static double combine(const double *partial, int parts, size_t stride, int ch)
{
    double sum = 0.0;
    for (int p = 0; p < parts; p++)
        sum += partial[(size_t)p * stride + (size_t)ch];
    return sum;
}

void cs__bn_forward_train(float *y, float *save_mean, float *save_invstd, float *running_mean,
                          float *running_var, const float *x, const float *gamma, const float *beta,
                          int n, int c, int hw, double momentum, double eps)
{
    const size_t plane = (size_t)hw;
    const double m = (double)n * (double)hw;
    for (int ch = 0; ch < c; ch++) {
        const float mean_f = (float)(channel_sum(x, n, c, ch, plane) / m);
        const double ssd = channel_ssd(x, n, c, ch, plane, mean_f);
        const float invstd_f = batch_invstd(ssd, m, eps);
        save_mean[ch] = mean_f;
        save_invstd[ch] = invstd_f;
        update_running(running_mean, running_var, ch, mean_f, ssd, m, momentum);
        normalize_channel(y, x, n, c, ch, plane, mean_f, invstd_f, gamma[ch], beta[ch]);
    }
}

void cs__bn_partial_sums(double *sums, const float *x, int n, int c, int hw)
{
    for (int c0 = 0; c0 < c; c0 += CBLOCK)
        block_sums(sums, x, NULL, n, c, c0, c - c0 < CBLOCK ? c - c0 : CBLOCK, (size_t)hw);
}

void cs__bn_batch_mean(float *mean, const double *sums, int parts, int c, double m)
{
    for (int ch = 0; ch < c; ch++)
        mean[ch] = (float)(combine(sums, parts, (size_t)c, ch) / m);
}

void cs__bn_partial_ssd(double *ssd, const float *x, const float *mean, int n, int c, int hw)
{
    for (int c0 = 0; c0 < c; c0 += CBLOCK)
        block_sums(ssd, x, mean, n, c, c0, c - c0 < CBLOCK ? c - c0 : CBLOCK, (size_t)hw);
}

void cs__bn_batch_invstd(float *invstd, const double *ssd, int parts, int c, double m, double eps)
{
    for (int ch = 0; ch < c; ch++)
        invstd[ch] = batch_invstd(combine(ssd, parts, (size_t)c, ch), m, eps);
}

void cs__bn_update_running(float *running_mean, float *running_var, const float *mean, const double *ssd,
                           int parts, int c, double m, double momentum)
{
    for (int ch = 0; ch < c; ch++)
        update_running(running_mean, running_var, ch, mean[ch], combine(ssd, parts, (size_t)c, ch), m, momentum);
}

CS_CLONES static void bn_normalize_clones(float *y, const float *x, const float *mean, const float *invstd, const float *gamma,
                      const float *beta, int n, int c, int hw)
{
    const size_t plane = (size_t)hw;
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++) {
            const size_t off = ((size_t)i * (size_t)c + (size_t)ch) * plane;
            affine_plane(y + off, x + off, plane, mean[ch], (double)invstd[ch] * (double)gamma[ch], beta[ch]);
        }
}

void cs__bn_normalize(float *y, const float *x, const float *mean, const float *invstd, const float *gamma,
                      const float *beta, int n, int c, int hw)
{
    bn_normalize_clones(y, x, mean, invstd, gamma, beta, n, c, hw);
}

CS_CLONES static void bn_forward_eval_clones(float *y, const float *x, const float *gamma, const float *beta,
                         const float *running_mean, const float *running_var, int n, int c, int hw,
                         double eps)
{
    const size_t plane = (size_t)hw;
    double scale[CBLOCK];
    for (int c0 = 0; c0 < c; c0 += CBLOCK) {
        const int cb = c - c0 < CBLOCK ? c - c0 : CBLOCK;
        for (int b = 0; b < cb; b++)
            scale[b] = (double)gamma[c0 + b] / sqrt((double)running_var[c0 + b] + (double)eps);
        for (int i = 0; i < n; i++)
            for (int b = 0; b < cb; b++) {
                const size_t off = ((size_t)i * (size_t)c + (size_t)(c0 + b)) * plane;
                affine_plane(y + off, x + off, plane, running_mean[c0 + b], scale[b], beta[c0 + b]);
            }
    }
}

void cs__bn_forward_eval(float *y, const float *x, const float *gamma, const float *beta,
                         const float *running_mean, const float *running_var, int n, int c, int hw,
                         double eps)
{
    bn_forward_eval_clones(y, x, gamma, beta, running_mean, running_var, n, c, hw, eps);
}

/* With x_hat = (x - mean) * invstd and y = gamma * x_hat + beta over m = N*H*W values:
 *   dbeta  = sum dy
 *   dgamma = sum dy * x_hat
 *   dx     = gamma * invstd * (dy - sum(dy) / m - x_hat * sum(dy * x_hat) / m)
 * which is invstd / m * (m dy gamma - sum(dy gamma) - x_hat sum(dy gamma x_hat)) with gamma
 * taken out of the sums. Each gradient is accumulated in double and rounded once. */
/* sum dy and sum dy * x_hat of channel ch over n samples. */
CS_CLONES static void channel_backward_sums(double *sum_dy, double *sum_dy_xhat, const float *dy, const float *x, int n,
                                  int c, int ch, size_t plane, double mean, double invstd)
{
    double s[LANES] = { 0 }, sx[LANES] = { 0 };
    for (int i = 0; i < n; i++) {
        const size_t off = ((size_t)i * (size_t)c + (size_t)ch) * plane;
        plane_backward_sums(s, sx, dy + off, x + off, plane, mean, invstd);
    }
    *sum_dy = add_lanes(s);
    *sum_dy_xhat = add_lanes(sx);
}

CS_CLONES static void channel_dx(float *dx, const float *dy, const float *x, int n, int c, int ch, size_t plane, double mean,
                       double invstd, float gamma, double sum_dy, double sum_dy_xhat, double m)
{
    const double k = (double)gamma * invstd;
    for (int i = 0; i < n; i++) {
        const size_t off = ((size_t)i * (size_t)c + (size_t)ch) * plane;
        plane_dx(dx + off, dy + off, x + off, plane, mean, invstd, k, sum_dy / m, sum_dy_xhat / m);
    }
}

static void accumulate_params(float *dgamma, float *dbeta, int ch, double sum_dy, double sum_dy_xhat)
{
    if (dbeta != NULL)
        dbeta[ch] = (float)((double)dbeta[ch] + sum_dy);
    if (dgamma != NULL)
        dgamma[ch] = (float)((double)dgamma[ch] + sum_dy_xhat);
}

void cs__bn_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                     const float *save_mean, const float *save_invstd, const float *gamma, int n,
                     int c, int hw)
{
    if (dx == NULL && dgamma == NULL && dbeta == NULL)
        return;
    const size_t plane = (size_t)hw;
    const double m = (double)n * (double)hw;
    for (int ch = 0; ch < c; ch++) {
        double sum_dy, sum_dy_xhat;
        channel_backward_sums(&sum_dy, &sum_dy_xhat, dy, x, n, c, ch, plane, save_mean[ch], save_invstd[ch]);
        accumulate_params(dgamma, dbeta, ch, sum_dy, sum_dy_xhat);
        if (dx != NULL)
            channel_dx(dx, dy, x, n, c, ch, plane, save_mean[ch], save_invstd[ch], gamma[ch], sum_dy, sum_dy_xhat, m);
    }
}

/* channel_backward_sums of channels [c0, c0 + cb) in memory order (see block_sums). */
CS_CLONES static void block_backward_sums(double *sum_dy, double *sum_dy_xhat, const float *dy, const float *x, int n,
                                          int c, int c0, int cb, size_t plane, const float *mean,
                                          const float *invstd)
{
    double s[CBLOCK][LANES], sx[CBLOCK][LANES];
    for (int b = 0; b < cb; b++)
        for (int l = 0; l < LANES; l++)
            s[b][l] = sx[b][l] = 0.0;
    for (int i = 0; i < n; i++)
        for (int b = 0; b < cb; b++) {
            const size_t off = ((size_t)i * (size_t)c + (size_t)(c0 + b)) * plane;
            plane_backward_sums(s[b], sx[b], dy + off, x + off, plane, mean[c0 + b], invstd[c0 + b]);
        }
    for (int b = 0; b < cb; b++) {
        sum_dy[c0 + b] = add_lanes(s[b]);
        sum_dy_xhat[c0 + b] = add_lanes(sx[b]);
    }
}

void cs__bn_backward_partial(double *sums, const float *dy, const float *x, const float *save_mean,
                             const float *save_invstd, int n, int c, int hw)
{
    for (int c0 = 0; c0 < c; c0 += CBLOCK)
        block_backward_sums(sums, sums + c, dy, x, n, c, c0, c - c0 < CBLOCK ? c - c0 : CBLOCK, (size_t)hw,
                            save_mean, save_invstd);
}

void cs__bn_backward_params(float *dgamma, float *dbeta, const double *sums, int parts, int c)
{
    for (int ch = 0; ch < c; ch++)
        accumulate_params(dgamma, dbeta, ch, combine(sums, parts, 2 * (size_t)c, ch),
                          combine(sums, parts, 2 * (size_t)c, c + ch));
}

CS_CLONES static void bn_backward_input_clones(float *dx, const float *dy, const float *x, const float *save_mean,
                           const float *save_invstd, const float *gamma, const double *sums, int parts, int n,
                           int c, int hw, double m)
{
    /* channel_dx's arithmetic, in memory order: per channel k = gamma invstd and the two means,
     * then every element on its own */
    const size_t plane = (size_t)hw;
    double k[CBLOCK], mean_dy[CBLOCK], mean_dy_xhat[CBLOCK];
    for (int c0 = 0; c0 < c; c0 += CBLOCK) {
        const int cb = c - c0 < CBLOCK ? c - c0 : CBLOCK;
        for (int b = 0; b < cb; b++) {
            const int ch = c0 + b;
            k[b] = (double)gamma[ch] * (double)save_invstd[ch];
            mean_dy[b] = combine(sums, parts, 2 * (size_t)c, ch) / m;
            mean_dy_xhat[b] = combine(sums, parts, 2 * (size_t)c, c + ch) / m;
        }
        for (int i = 0; i < n; i++)
            for (int b = 0; b < cb; b++) {
                const size_t off = ((size_t)i * (size_t)c + (size_t)(c0 + b)) * plane;
                plane_dx(dx + off, dy + off, x + off, plane, save_mean[c0 + b], save_invstd[c0 + b], k[b], mean_dy[b],
                         mean_dy_xhat[b]);
            }
    }
}

void cs__bn_backward_input(float *dx, const float *dy, const float *x, const float *save_mean,
                           const float *save_invstd, const float *gamma, const double *sums, int parts, int n,
                           int c, int hw, double m)
{
    bn_backward_input_clones(dx, dy, x, save_mean, save_invstd, gamma, sums, parts, n, c, hw, m);
}
