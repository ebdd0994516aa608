/* Grouped 2-D convolution (PyTorch's Conv2d with groups), with a direct path for the
 * depthwise case.
 *
 * Groups split the input channels into `groups` consecutive blocks of C_in / G and the output
 * channels likewise; output block g sees only input block g, through the weights
 * w[g * C_out/G .. (g + 1) * C_out/G) of shape (C_out/G, C_in/G, K, K), PyTorch's layout.
 * Within one sample a group's input channels, output channels and weights are each one
 * contiguous run, so a group of one sample is an ordinary convolution of batch 1: the general
 * path runs cs__conv2d_forward/backward (conv.c, with its fast paths) sample by sample, group
 * by group, in that fixed order. groups == 1 is the plain convolution, handed over whole.
 *
 * Depthwise (groups == C_in == C_out, MobileNetV2's 3x3 layers): each channel is convolved with
 * its own K x K filter, 9 multiply-adds per output at 3x3 — far too little work per channel for
 * a GEMM, so it is a direct loop over the plane instead (no im2col). At stride 1 with "same"
 * padding (2 pad = K - 1) the planes are first copied into zero-padded ones in the workspace
 * (padded_* below), so that each tap is one loop over the whole plane; otherwise:
 *   forward  y[oh][ow]  = b + sum over (ki, kj) in row-major order of w[ki][kj] x[ih][iw]
 *   dx       dx[ih][iw] += w[ki][kj] dy[oh][ow], walking (ki, kj, oh) in order
 *   dw       dw[ki][kj] += sum over samples, rows and columns of dy[oh][ow] x[ih][iw]
 * with ih = oh * stride - pad + ki, iw = ow * stride - pad + kj. Taps that fall in the padding
 * are skipped rather than multiplied by zero. The innermost loop always runs along a row of
 * outputs (ow), over the range of ow whose input column is inside the plane (computed once per
 * kj), so it carries no bounds test and vectorises at stride 1 (and as strided loads at
 * stride 2). Every sum runs in a fixed order, so results are bit-reproducible; dW's long sums
 * (N * H_out * W_out terms) are taken plane by plane in eight float lanes and the planes added
 * in double. */
#include <stddef.h>
#include <string.h>

#include "tensor/clones.h"
#include "tensor/kernels.h"

bool cs__gconv_shape_init(cs__gconv_shape *s, int n, int c_in, int h, int w, int c_out, int k, int stride,
                          int pad, int groups)
{
    memset(s, 0, sizeof *s);
    s->groups = groups;
    if (groups <= 0 || c_in <= 0 || c_out <= 0 || c_in % groups != 0 || c_out % groups != 0)
        return false;
    if (!cs__conv_shape_init(&s->conv, n, c_in, h, w, c_out, k, k, stride, pad))
        return false;
    return cs__conv_shape_init(&s->group, 1, c_in / groups, h, w, c_out / groups, k, k, stride, pad);
}

static bool is_depthwise(const cs__gconv_shape *s)
{
    return s->groups > 1 && s->groups == s->conv.c_in && s->groups == s->conv.c_out;
}

/* Stride-1 depthwise layers run on zero-padded copies of their planes (padded_*): every tap
 * then reads one unbroken run of floats for the whole plane, not one row of w_out (7 on
 * MobileNetV2's 7x7 layers, too short to vectorise). An output plane is laid out on the padded
 * input's grid, wp = w_in + 2 pad floats a row, of which the first w_out are outputs; output
 * (oh, ow) at oh wp + ow reads tap (ki, kj) at that index + ki wp + kj of the padded input. dx
 * is the same with dy padded likewise and the filter turned around. Taps in the padding now add
 * products with zero, so a sum can come out +0 where skipping them left -0. Applies to "same"
 * convolutions (2 pad = k - 1, odd k): input and output planes are one size, so the padded x,
 * the padded dy and the output grid all fit hp x wp floats, and the padded dy shifted by pad
 * rows and columns is dy on the output grid (its columns past w_out zero), which dW reads. */
static bool padded_applies(const cs__conv_shape *s)
{
    return s->stride == 1 && s->kh == s->kw && s->kh <= 8 && 2 * s->pad == s->kh - 1;
}

static size_t round16(size_t floats)
{
    return (floats + 15) / 16 * 16;
}

/* The padded path's row length wp = w_in + 2 pad and plane of hp x wp floats (hp = h_in + 2
 * pad): the workspace holds three such planes, each a multiple of 16 floats (padded x, padded
 * dy, output grid). */
typedef struct padded_geom {
    size_t wp, plane;
} padded_geom;

static padded_geom padded_geom_of(const cs__conv_shape *s)
{
    const size_t wp = (size_t)s->w_in + 2 * (size_t)s->pad;
    return (padded_geom){ .wp = wp, .plane = round16(((size_t)s->h_in + 2 * (size_t)s->pad) * wp) };
}

static size_t padded_floats(const cs__conv_shape *s)
{
    return 3 * padded_geom_of(s).plane;
}

/* dst's rows (rows x cols, dst_stride apart) = src's (src_stride apart). */
CS_CLONES static void copy_rows(float *restrict dst, size_t dst_stride, const float *restrict src, size_t src_stride,
                                size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++)
            dst[r * dst_stride + j] = src[r * src_stride + j];
}

/* g[j] += wv * p[j] for j < n: one tap over a whole plane. */
CS_CLONES static void tap_run(float *restrict g, const float *restrict p, float wv, size_t n)
{
    for (size_t j = 0; j < n; j++)
        g[j] += wv * p[j];
}

/* g[j] = wv * p[j] for j < n. */
CS_CLONES static void scale_run(float *restrict g, const float *restrict p, float wv, size_t n)
{
    for (size_t j = 0; j < n; j++)
        g[j] = wv * p[j];
}

/* dst's rows (rows x cols, dst_stride apart) += src's (src_stride apart). */
CS_CLONES static void add_rows(float *restrict dst, size_t dst_stride, const float *restrict src, size_t src_stride,
                               size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++)
            dst[r * dst_stride + j] += src[r * src_stride + j];
}

enum { RUN_LANES = 16 };

/* The sum of a[j] b[j] for j < n, in RUN_LANES float lanes (j mod RUN_LANES) added in double
 * in lane order. */
CS_CLONES static double dot_run(const float *restrict a, const float *restrict b, size_t n)
{
    float lane[RUN_LANES] = { 0 };
    size_t j = 0;
    for (; j + RUN_LANES <= n; j += RUN_LANES)
        for (int l = 0; l < RUN_LANES; l++)
            lane[l] += a[j + (size_t)l] * b[j + (size_t)l];
    for (int l = 0; j + (size_t)l < n; l++)
        lane[l] += a[j + (size_t)l] * b[j + (size_t)l];
    double sum = 0.0;
    for (int l = 0; l < RUN_LANES; l++)
        sum += lane[l];
    return sum;
}

/* Forward of one plane by the padded path: pad holds x in its interior (borders zero), grid
 * the outputs, h_out rows wp apart; then copied out. */
static void dw_forward_padded(float *y, const float *x, const float *f, float bias, const cs__conv_shape *s,
                              const padded_geom *p, float *pad, float *grid)
{
    const int k = s->kh;
    copy_rows(pad + (size_t)s->pad * p->wp + (size_t)s->pad, p->wp, x, (size_t)s->w_in, (size_t)s->h_in,
              (size_t)s->w_in);
    const size_t n = ((size_t)s->h_out - 1) * p->wp + (size_t)s->w_out;
    for (size_t j = 0; j < n; j++)
        grid[j] = bias;
    for (int ki = 0; ki < k; ki++)
        for (int kj = 0; kj < k; kj++)
            tap_run(grid, pad + (size_t)ki * p->wp + (size_t)kj, f[ki * k + kj], n);
    copy_rows(y, (size_t)s->w_out, grid, p->wp, (size_t)s->h_out, (size_t)s->w_out);
}

/* dW (C, 1, K, K) += and dx += of the padded path, channel by channel, sample by sample: dy
 * padded into padq once for both. dW: x padded, each tap one dot_run of dy on the output grid
 * (padq shifted by pad rows and columns) with the shifted padded x, the samples' sums added in
 * double in sample order. dx: the taps of the turned-around filter summed over the grid (the
 * first tap assigns), then added to dx. */
static void dw_backward_padded(float *dx, float *dw, const float *dy, const float *x, const float *w,
                               const cs__conv_shape *s, const padded_geom *p, float *pad, float *padq, float *grid)
{
    const int k = s->kh, taps = k * k;
    const size_t wp = p->wp, edge = (size_t)s->pad;
    const size_t x_plane = (size_t)s->h_in * (size_t)s->w_in, y_plane = (size_t)s->h_out * (size_t)s->w_out;
    const size_t n = ((size_t)s->h_out - 1) * wp + (size_t)s->w_out; /* h_out = h_in, w_out = w_in */
    const float *on_grid = padq + edge * (wp + 1);
    for (int c = 0; c < s->c_out; c++) {
        const float *f = w + (size_t)c * (size_t)taps;
        double acc[64];
        for (int t = 0; t < taps; t++)
            acc[t] = 0.0;
        for (int smp = 0; smp < s->n; smp++) {
            const size_t plane = (size_t)smp * (size_t)s->c_out + (size_t)c;
            copy_rows(padq + edge * wp + edge, wp, dy + plane * y_plane, (size_t)s->w_out, (size_t)s->h_out,
                      (size_t)s->w_out);
            if (dw) {
                copy_rows(pad + edge * wp + edge, wp, x + plane * x_plane, (size_t)s->w_in, (size_t)s->h_in,
                          (size_t)s->w_in);
                for (int ki = 0; ki < k; ki++)
                    for (int kj = 0; kj < k; kj++)
                        acc[ki * k + kj] += dot_run(on_grid, pad + (size_t)ki * wp + (size_t)kj, n);
            }
            if (dx) {
                for (int ki = 0; ki < k; ki++)
                    for (int kj = 0; kj < k; kj++) {
                        const float *q = padq + (size_t)(k - 1 - ki) * wp + (size_t)(k - 1 - kj);
                        if (ki == 0 && kj == 0)
                            scale_run(grid, q, f[0], n);
                        else
                            tap_run(grid, q, f[ki * k + kj], n);
                    }
                add_rows(dx + plane * x_plane, (size_t)s->w_in, grid, wp, (size_t)s->h_in, (size_t)s->w_in);
            }
        }
        if (dw)
            for (int t = 0; t < taps; t++)
                dw[(size_t)c * (size_t)taps + (size_t)t] += (float)acc[t];
    }
}

size_t cs__gconv_workspace(const cs__gconv_shape *s)
{
    if (s->groups == 1)
        return cs__conv_workspace(&s->conv);
    if (is_depthwise(s))
        return padded_applies(&s->conv) ? padded_floats(&s->conv) : 0;
    return cs__conv_workspace(&s->group);
}

/* The outputs o in [0, out) whose input position o * stride - pad + k lies in [0, in), as
 * [*lo, *hi) with *lo <= *hi. */
static void inside(int *lo, int *hi, int out, int in, int k, int stride, int pad)
{
    const int first = pad - k; /* o * stride >= pad - k */
    int a = first <= 0 ? 0 : (first + stride - 1) / stride;
    const int last = in - 1 + pad - k; /* o * stride <= in - 1 + pad - k */
    int b = last < 0 ? 0 : last / stride + 1;
    if (a > out)
        a = out;
    if (b > out)
        b = out;
    if (b < a)
        b = a;
    *lo = a;
    *hi = b;
}

/* ---- depthwise ---------------------------------------------------------------------------- */

/* One channel of one sample: y (H_out, W_out) from x (H, W) and its filter f (K, K). Tap by
 * tap over the whole output plane (a few KiB, in L1), so that each tap's valid rows and
 * columns are worked out once; every output still receives bias, then the taps in row-major
 * (ki, kj) order. */
CS_CLONES static void dw_forward_plane(float *restrict y, const float *restrict x, const float *restrict f, float bias,
                             const cs__conv_shape *s)
{
    const int k = s->kh, st = s->stride, pad = s->pad, wi = s->w_in, wo = s->w_out;
    const size_t plane = (size_t)s->h_out * (size_t)wo;
    for (size_t j = 0; j < plane; j++)
        y[j] = bias;
    for (int ki = 0; ki < k; ki++) {
        int oh_lo, oh_hi;
        inside(&oh_lo, &oh_hi, s->h_out, s->h_in, ki, st, pad);
        for (int kj = 0; kj < k; kj++) {
            const float wv = f[ki * k + kj];
            const int off = kj - pad;
            int lo, hi;
            inside(&lo, &hi, wo, wi, kj, st, pad);
            for (int oh = oh_lo; oh < oh_hi; oh++) {
                float *restrict yr = y + (size_t)oh * (size_t)wo;
                const float *restrict xr = x + (size_t)(oh * st - pad + ki) * (size_t)wi;
                if (st == 1)
                    for (int ow = lo; ow < hi; ow++)
                        yr[ow] += wv * xr[ow + off];
                else
                    for (int ow = lo; ow < hi; ow++)
                        yr[ow] += wv * xr[ow * st + off];
            }
        }
    }
}

/* dx (H, W) += the transposed convolution of dy (H_out, W_out) with f, tap by tap in (ki, kj)
 * order, rows in order within a tap. */
CS_CLONES static void dw_backward_data_plane(float *restrict dx, const float *restrict dy, const float *restrict f,
                                   const cs__conv_shape *s)
{
    const int k = s->kh, st = s->stride, pad = s->pad, wi = s->w_in, wo = s->w_out;
    for (int ki = 0; ki < k; ki++) {
        int oh_lo, oh_hi;
        inside(&oh_lo, &oh_hi, s->h_out, s->h_in, ki, st, pad);
        for (int kj = 0; kj < k; kj++) {
            const float wv = f[ki * k + kj];
            const int off = kj - pad;
            int lo, hi;
            inside(&lo, &hi, wo, wi, kj, st, pad);
            for (int oh = oh_lo; oh < oh_hi; oh++) {
                const float *restrict dyr = dy + (size_t)oh * (size_t)wo;
                float *restrict dxr = dx + (size_t)(oh * st - pad + ki) * (size_t)wi;
                if (st == 1)
                    for (int ow = lo; ow < hi; ow++)
                        dxr[ow + off] += wv * dyr[ow];
                else
                    for (int ow = lo; ow < hi; ow++)
                        dxr[ow * st + off] += wv * dyr[ow];
            }
        }
    }
}

enum { LANES = 8 };

/* lane[l] += a[ow] b[ow * st + off] for ow in [lo, hi), ow = l mod LANES from lo on, the
 * tail beyond the last whole group of LANES in lane 0. */
CS_CLONES static void row_dot(float *restrict lane, const float *restrict a, const float *restrict b, int lo, int hi, int st,
                    int off)
{
    int ow = lo;
    if (st == 1) {
        for (; ow + LANES <= hi; ow += LANES)
            for (int l = 0; l < LANES; l++)
                lane[l] += a[ow + l] * b[ow + l + off];
    } else {
        for (; ow + LANES <= hi; ow += LANES)
            for (int l = 0; l < LANES; l++)
                lane[l] += a[ow + l] * b[(ow + l) * st + off];
    }
    for (; ow < hi; ow++)
        lane[0] += a[ow] * b[ow * st + off];
}

/* dw (C, 1, K, K) += the depthwise weight gradient, channel by channel, tap by tap: each
 * sample's plane summed row by row into LANES float lanes, the lanes added in double in lane
 * order, the samples' sums added in double in sample order. */
CS_CLONES static void dw_backward_weights(float *dw, const float *dy, const float *x, const cs__conv_shape *s)
{
    const int k = s->kh, st = s->stride, pad = s->pad;
    const size_t x_plane = (size_t)s->h_in * (size_t)s->w_in, y_plane = (size_t)s->h_out * (size_t)s->w_out;
    for (int c = 0; c < s->c_out; c++) {
        for (int ki = 0; ki < k; ki++) {
            int oh_lo, oh_hi;
            inside(&oh_lo, &oh_hi, s->h_out, s->h_in, ki, st, pad);
            for (int kj = 0; kj < k; kj++) {
                int ow_lo, ow_hi;
                inside(&ow_lo, &ow_hi, s->w_out, s->w_in, kj, st, pad);
                double acc = 0.0;
                for (int n = 0; n < s->n; n++) {
                    const size_t plane = (size_t)n * (size_t)s->c_out + (size_t)c;
                    const float *dyp = dy + plane * y_plane, *xp = x + plane * x_plane;
                    float lane[LANES] = { 0 };
                    for (int oh = oh_lo; oh < oh_hi; oh++) {
                        const int ih = oh * st - pad + ki;
                        row_dot(lane, dyp + (size_t)oh * (size_t)s->w_out, xp + (size_t)ih * (size_t)s->w_in, ow_lo,
                                ow_hi, st, kj - pad);
                    }
                    double sum = 0.0;
                    for (int l = 0; l < LANES; l++)
                        sum += lane[l];
                    acc += sum;
                }
                dw[((size_t)c * (size_t)k + (size_t)ki) * (size_t)k + (size_t)kj] += (float)acc;
            }
        }
    }
}

/* ---- entry points --------------------------------------------------------------------------- */

void cs__gconv2d_forward(float *y, const float *x, const float *w, const float *b, const cs__gconv_shape *s,
                         float *work)
{
    const cs__conv_shape *cs = &s->conv;
    if (s->groups == 1) {
        cs__conv2d_forward(y, x, w, b, cs, work);
        return;
    }
    const size_t x_plane = (size_t)cs->h_in * (size_t)cs->w_in, y_plane = (size_t)cs->h_out * (size_t)cs->w_out;
    if (is_depthwise(s)) {
        const size_t kk = (size_t)cs->kh * (size_t)cs->kw;
        if (padded_applies(cs)) {
            const padded_geom p = padded_geom_of(cs);
            float *pad = work, *grid = work + p.plane; /* grid: every float read is written first */
            memset(pad, 0, p.plane * sizeof *pad);
            for (size_t q = 0; q < (size_t)cs->n * (size_t)cs->c_out; q++)
                dw_forward_padded(y + q * y_plane, x + q * x_plane, w + q % (size_t)cs->c_out * kk,
                                  b ? b[q % (size_t)cs->c_out] : 0.0f, cs, &p, pad, grid);
            return;
        }
        for (int n = 0; n < cs->n; n++)
            for (int c = 0; c < cs->c_out; c++) {
                const size_t p = (size_t)n * (size_t)cs->c_out + (size_t)c;
                dw_forward_plane(y + p * y_plane, x + p * x_plane, w + (size_t)c * kk, b ? b[c] : 0.0f, cs);
            }
        return;
    }
    const cs__conv_shape *g = &s->group;
    const size_t x_group = (size_t)g->c_in * x_plane, y_group = (size_t)g->c_out * y_plane;
    const size_t w_group = (size_t)g->c_out * (size_t)g->c_in * (size_t)g->kh * (size_t)g->kw;
    for (int n = 0; n < cs->n; n++)
        for (int i = 0; i < s->groups; i++) {
            const size_t at = (size_t)n * (size_t)s->groups + (size_t)i;
            cs__conv2d_forward(y + at * y_group, x + at * x_group, w + (size_t)i * w_group,
                               b ? b + (size_t)i * (size_t)g->c_out : NULL, g, work);
        }
}

void cs__gconv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                          const cs__gconv_shape *s, float *work)
{
    const cs__conv_shape *cs = &s->conv;
    if (s->groups == 1) {
        cs__conv2d_backward(dx, dw, db, dy, x, w, cs, work);
        return;
    }
    const size_t x_plane = (size_t)cs->h_in * (size_t)cs->w_in, y_plane = (size_t)cs->h_out * (size_t)cs->w_out;
    if (is_depthwise(s)) {
        if (db)
            cs__conv_bias_backward(db, dy, cs);
        const size_t kk = (size_t)cs->kh * (size_t)cs->kw;
        if (padded_applies(cs)) {
            const padded_geom p = padded_geom_of(cs);
            float *pad = work, *padq = pad + p.plane, *grid = padq + p.plane;
            memset(pad, 0, 2 * p.plane * sizeof *pad); /* pad and padq */
            if (dw || dx)
                dw_backward_padded(dx, dw, dy, x, w, cs, &p, pad, padq, grid);
            return;
        }
        if (dw)
            dw_backward_weights(dw, dy, x, cs);
        if (dx) {
            for (int n = 0; n < cs->n; n++)
                for (int c = 0; c < cs->c_out; c++) {
                    const size_t p = (size_t)n * (size_t)cs->c_out + (size_t)c;
                    dw_backward_data_plane(dx + p * x_plane, dy + p * y_plane, w + (size_t)c * kk, cs);
                }
        }
        return;
    }
    if (!dx && !dw && !db)
        return;
    const cs__conv_shape *g = &s->group;
    const size_t x_group = (size_t)g->c_in * x_plane, y_group = (size_t)g->c_out * y_plane;
    const size_t w_group = (size_t)g->c_out * (size_t)g->c_in * (size_t)g->kh * (size_t)g->kw;
    for (int n = 0; n < cs->n; n++)
        for (int i = 0; i < s->groups; i++) {
            const size_t at = (size_t)n * (size_t)s->groups + (size_t)i;
            cs__conv2d_backward(dx ? dx + at * x_group : NULL, dw ? dw + (size_t)i * w_group : NULL,
                                db ? db + (size_t)i * (size_t)g->c_out : NULL, dy + at * y_group,
                                x + at * x_group, w + (size_t)i * w_group, g, work);
        }
}
