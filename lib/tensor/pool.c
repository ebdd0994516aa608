/* Max, average and global average pooling with PyTorch's semantics (torch.nn.MaxPool2d,
 * AvgPool2d with count_include_pad=True, ceil_mode=False, and AdaptiveAvgPool2d(1)).
 *
 * Window bounds follow ATen's CPU kernels: a window starts at o * stride - pad, is clipped to
 * the input, and for max pooling the padding is never a candidate. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tensor/clones.h"
#include "tensor/kernels.h"

/* PyTorch rejects pad > k / 2 ("pad should be at most half of effective kernel size"): such a
 * window can lie wholly in the padding, where max pooling has no element to pick. Returning
 * 0 makes the caller's shape check fail the same way. */
int cs__pool_out(int in, int k, int stride, int pad)
{
    if (in <= 0 || k <= 0 || stride <= 0 || pad < 0 || pad > k / 2)
        return 0;
    const long span = (long)in + 2L * pad - k;
    if (span < 0)
        return 0;
    return (int)(span / stride + 1);
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

/* One step of a window's scan, as ATen: a strictly greater value or a NaN takes the place. */
static inline void take1(float *best, int32_t *at, float v, int32_t idx)
{
    if (v > *best || isnan(v)) {
        *best = v;
        *at = idx;
    }
}

/* The maximum of one window [h0, h1) x [w0, w1) and where it is. As ATen: start below every
 * value with the first in-bounds element as the index, take strictly greater values (ties keep
 * the first in row-major order), and let NaN win so that it propagates to the output. A window
 * of -inf thus reports -inf at its first element. */
static float window_max(int32_t *at, const float *xp, int w, int h0, int h1, int w0, int w1)
{
    float best = -INFINITY;
    int32_t best_at = (int32_t)(h0 * w + w0);
    for (int ih = h0; ih < h1; ih++)
        for (int iw = w0; iw < w1; iw++)
            take1(&best, &best_at, xp[(size_t)ih * (size_t)w + (size_t)iw], (int32_t)(ih * w + iw));
    *at = best_at;
    return best;
}

/* The common 2x2, stride-2, unpadded pool (LeNet, the custom model): each window's four values
 * compared in window_max's order and by its rules (strictly greater or NaN takes the place),
 * straight from two input rows. A last odd row or column is never in a window. */
static inline __attribute__((always_inline)) void maxpool_2x2_body(float *restrict y, int32_t *restrict argmax,
                                                                      const float *restrict x, size_t planes, int h,
                                                                      int w, int h_out, int w_out, const bool keep)
{
    const size_t in_plane = (size_t)h * (size_t)w, out_plane = (size_t)h_out * (size_t)w_out;
    for (size_t p = 0; p < planes; p++) {
        for (int oh = 0; oh < h_out; oh++) {
            const float *r0 = x + p * in_plane + (size_t)(2 * oh) * (size_t)w, *r1 = r0 + w;
            float *yr = y + p * out_plane + (size_t)oh * (size_t)w_out;
            int32_t *ar = keep ? argmax + p * out_plane + (size_t)oh * (size_t)w_out : NULL;
            const int32_t top = (int32_t)(2 * oh * w);
            for (int ow = 0; ow < w_out; ow++) {
                /* Starting from the first element is window_max's start (-inf at the first
                 * element) after its first comparison, whatever that element is; the other
                 * three are selects, not branches, which mispredicted on real data. */
                const int32_t i0 = top + 2 * ow;
                const float v[3] = { r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1] };
                const int32_t at[3] = { i0 + 1, i0 + w, i0 + w + 1 };
                float best = r0[2 * ow];
                int32_t best_at = i0;
                for (int q = 0; q < 3; q++) {
                    const int take = (v[q] > best) | (v[q] != v[q]);
                    best = take ? v[q] : best;
                    best_at = take ? at[q] : best_at;
                }
                yr[ow] = best;
                if (keep)
                    ar[ow] = best_at;
            }
        }
    }
}

CS_CLONES static void maxpool_2x2(float *restrict y, int32_t *restrict argmax, const float *restrict x, size_t planes, int h,
                        int w, int h_out, int w_out)
{
    maxpool_2x2_body(y, argmax, x, planes, h, w, h_out, w_out, true);
}

/* The values alone: the same selects, the positions never stored (the compiler drops them). */
CS_CLONES static void maxpool_2x2_values(float *restrict y, const float *restrict x, size_t planes, int h, int w,
                                         int h_out, int w_out)
{
    maxpool_2x2_body(y, NULL, x, planes, h, w, h_out, w_out, false);
}

/* GoogLeNet's 3x3 pools with padding 1 (stride 1 in every inception block, stride 2 between
 * the stages), separably: the maximum of each input row's three-column windows first (each
 * row once), then of the (up to) three row results of each output. Scanning a window in
 * row-major order by window_max's rule (strictly greater or NaN takes the place, from the
 * first element) gives the same value and index as scanning each row so and then the row
 * results in row order by the same rule: the result is the last NaN if there is one, else
 * the first occurrence of the maximum, and both survive the grouping. 4 selects per output
 * instead of 8, four outputs per SSE2 vector. */
enum { S3_MAX_W = 512 }; /* row buffers on the stack; wider rows take the general path */

#if defined(__SSE2__)
/* take1 for four neighbouring outputs: candidates v with indices idx. */
static inline void take4(__m128 *best, __m128i *at, __m128 v, __m128i idx)
{
    const __m128 take = _mm_or_ps(_mm_cmpgt_ps(v, *best), _mm_cmpunord_ps(v, v));
    *best = _mm_or_ps(_mm_and_ps(take, v), _mm_andnot_ps(take, *best));
    const __m128i ti = _mm_castps_si128(take);
    *at = _mm_or_si128(_mm_and_si128(ti, idx), _mm_andnot_si128(ti, *at));
}

/* x[0], x[2], x[4], x[6]. */
static inline __m128 load_even(const float *x)
{
    return _mm_shuffle_ps(_mm_loadu_ps(x), _mm_loadu_ps(x + 4), _MM_SHUFFLE(2, 0, 2, 0));
}
#endif

/* hv[j], hi[j] for the wo outputs of a row: the maximum of row `row` of plane xp over columns
 * [stride j - 1, stride j + 1] clipped to [0, w), and its index in the plane. */
static inline __attribute__((always_inline)) void row_max3(float *restrict hv, int32_t *restrict hi,
                                                              const float *restrict xp, int w, int row, int stride,
                                                              int wo, const bool keep)
{
    const float *restrict xr = xp + (size_t)row * (size_t)w;
    int j = 1;
#if defined(__SSE2__)
    const __m128i idx0 = _mm_add_epi32(_mm_set1_epi32(row * w - 1), _mm_set_epi32(3, 2, 1, 0));
    if (stride == 1) {
        for (; j + 4 < w; j += 4) {
            const __m128i idx = _mm_add_epi32(idx0, _mm_set1_epi32(j));
            __m128 best = _mm_loadu_ps(xr + j - 1);
            __m128i at = idx;
            take4(&best, &at, _mm_loadu_ps(xr + j), _mm_add_epi32(idx, _mm_set1_epi32(1)));
            take4(&best, &at, _mm_loadu_ps(xr + j + 1), _mm_add_epi32(idx, _mm_set1_epi32(2)));
            _mm_storeu_ps(hv + j, best);
            if (keep)
                _mm_storeu_si128((__m128i *)(void *)(hi + j), at);
        }
    } else if (stride == 2) {
        /* Outputs j .. j + 3 read columns 2j - 1 .. 2j + 7; load_even reads one more. */
        const __m128i two = _mm_set_epi32(6, 4, 2, 0);
        for (; 2 * j + 8 < w; j += 4) {
            const __m128i idx = _mm_add_epi32(_mm_sub_epi32(two, _mm_set_epi32(3, 2, 1, 0)),
                                              _mm_add_epi32(idx0, _mm_set1_epi32(2 * j)));
            __m128 best = load_even(xr + 2 * j - 1);
            __m128i at = idx;
            take4(&best, &at, load_even(xr + 2 * j), _mm_add_epi32(idx, _mm_set1_epi32(1)));
            take4(&best, &at, load_even(xr + 2 * j + 1), _mm_add_epi32(idx, _mm_set1_epi32(2)));
            _mm_storeu_ps(hv + j, best);
            if (keep)
                _mm_storeu_si128((__m128i *)(void *)(hi + j), at);
        }
    }
#endif
    int32_t unused;
    for (; j < wo; j++)
        hv[j] = window_max(keep ? &hi[j] : &unused, xp, w, row, row + 1, stride * j - 1, imin(stride * j + 2, w));
    hv[0] = window_max(keep ? &hi[0] : &unused, xp, w, row, row + 1, 0, imin(2, w));
}

/* One output row from the row results of its (one to three) input rows, in row order. */
static inline __attribute__((always_inline)) void col_max3(float *restrict yr, int32_t *restrict ar,
                                                              const float *const rv[3], const int32_t *const ri[3],
                                                              int rows, int wo, const bool keep)
{
    int j = 0;
#if defined(__SSE2__)
    for (; j + 4 <= wo; j += 4) {
        __m128 best = _mm_loadu_ps(rv[0] + j);
        __m128i at = keep ? _mm_loadu_si128((const __m128i *)(const void *)(ri[0] + j)) : _mm_setzero_si128();
        for (int r = 1; r < rows; r++)
            take4(&best, &at, _mm_loadu_ps(rv[r] + j),
                  keep ? _mm_loadu_si128((const __m128i *)(const void *)(ri[r] + j)) : _mm_setzero_si128());
        _mm_storeu_ps(yr + j, best);
        if (keep)
            _mm_storeu_si128((__m128i *)(void *)(ar + j), at);
    }
#endif
    for (; j < wo; j++) {
        float best = rv[0][j];
        int32_t at = keep ? ri[0][j] : 0;
        for (int r = 1; r < rows; r++)
            take1(&best, &at, rv[r][j], keep ? ri[r][j] : 0);
        yr[j] = best;
        if (keep)
            ar[j] = at;
    }
}

/* Stride 1 or 2: the rows of consecutive outputs' windows overlap or touch, so three row
 * buffers (row r in slot r % 3) hold every row an output needs. */
static inline __attribute__((always_inline)) void maxpool_3x3_p1_body(float *restrict y, int32_t *restrict argmax,
                                                                         const float *restrict x, size_t planes, int h,
                                                                         int w, int stride, int ho, int wo,
                                                                         const bool keep)
{
    float hv[3][S3_MAX_W];
    int32_t hi[3][S3_MAX_W];
    const size_t in_plane = (size_t)h * (size_t)w, out_plane = (size_t)ho * (size_t)wo;
    for (size_t p = 0; p < planes; p++) {
        const float *xp = x + p * in_plane;
        int next = 0; /* the first row not yet in the buffers */
        for (int oh = 0; oh < ho; oh++) {
            const int r0 = imax(stride * oh - 1, 0), r1 = imin(stride * oh + 1, h - 1);
            for (; next <= r1; next++)
                row_max3(hv[next % 3], hi[next % 3], xp, w, next, stride, wo, keep);
            const float *rv[3];
            const int32_t *ri[3];
            for (int r = r0; r <= r1; r++) {
                rv[r - r0] = hv[r % 3];
                ri[r - r0] = hi[r % 3];
            }
            col_max3(y + p * out_plane + (size_t)oh * (size_t)wo,
                     keep ? argmax + p * out_plane + (size_t)oh * (size_t)wo : NULL, rv, ri, r1 - r0 + 1, wo, keep);
        }
    }
}

CS_CLONES static void maxpool_3x3_p1(float *restrict y, int32_t *restrict argmax, const float *restrict x, size_t planes,
                           int h, int w, int stride, int ho, int wo)
{
    maxpool_3x3_p1_body(y, argmax, x, planes, h, w, stride, ho, wo, true);
}

/* The values alone (a pool recomputed in backward, evaluation): the same selects on the
 * values; the index vectors, never stored, are dropped by the compiler. */
CS_CLONES static void maxpool_3x3_p1_values(float *restrict y, const float *restrict x, size_t planes, int h, int w,
                                            int stride, int ho, int wo)
{
    maxpool_3x3_p1_body(y, NULL, x, planes, h, w, stride, ho, wo, false);
}

static inline __attribute__((always_inline)) void maxpool_any(float *y, int32_t *argmax, const float *x, int n, int c,
                                                                int h, int w, int k, int stride, int pad,
                                                                const bool keep)
{
    const int h_out = cs__pool_out(h, k, stride, pad);
    const int w_out = cs__pool_out(w, k, stride, pad);
    const size_t in_plane = (size_t)h * (size_t)w;
    const size_t out_plane = (size_t)h_out * (size_t)w_out;
    const size_t planes = (size_t)n * (size_t)c;

    /* Output columns whose window lies inside the row: [ow_lo, ow_hi). */
    int ow_lo = (pad + stride - 1) / stride;
    int ow_hi = w + pad - k >= 0 ? (w + pad - k) / stride + 1 : 0;
    if (ow_hi > w_out)
        ow_hi = w_out;
    if (ow_lo > ow_hi)
        ow_lo = ow_hi;

    if (k == 2 && stride == 2 && pad == 0) {
        if (keep)
            maxpool_2x2(y, argmax, x, planes, h, w, h_out, w_out);
        else
            maxpool_2x2_values(y, x, planes, h, w, h_out, w_out);
        return;
    }
    if (k == 3 && pad == 1 && (stride == 1 || stride == 2) && w <= S3_MAX_W) {
        if (keep)
            maxpool_3x3_p1(y, argmax, x, planes, h, w, stride, h_out, w_out);
        else
            maxpool_3x3_p1_values(y, x, planes, h, w, stride, h_out, w_out);
        return;
    }
    int32_t unused;
    for (size_t p = 0; p < planes; p++) {
        const float *xp = x + p * in_plane;
        float *yp = y + p * out_plane;
        int32_t *ap = keep ? argmax + p * out_plane : NULL;
        for (int oh = 0; oh < h_out; oh++) {
            const int h0 = imax(oh * stride - pad, 0);
            const int h1 = imin(oh * stride - pad + k, h);
            float *restrict yr = yp + (size_t)oh * (size_t)w_out;
            int32_t *restrict ar = keep ? ap + (size_t)oh * (size_t)w_out : NULL;
            for (int ow = 0; ow < w_out; ow++) {
                if (ow == ow_lo && ow_lo < ow_hi) {
                    ow = ow_hi - 1;
                    continue;
                }
                yr[ow] = window_max(keep ? &ar[ow] : &unused, xp, w, h0, h1, imax(ow * stride - pad, 0),
                                    imin(ow * stride - pad + k, w));
            }
            /* Interior columns, window element by window element across the row: the same
             * visiting order and comparisons as window_max, without branches, so that the
             * compiler vectorises it. */
            if (ow_lo < ow_hi) {
                for (int ow = ow_lo; ow < ow_hi; ow++) {
                    yr[ow] = -INFINITY;
                    if (keep)
                        ar[ow] = (int32_t)(h0 * w + ow * stride - pad);
                }
                for (int ih = h0; ih < h1; ih++)
                    for (int dw = 0; dw < k; dw++) {
                        const float *restrict xr = xp + (size_t)ih * (size_t)w + (size_t)(dw - pad);
                        const int32_t base = (int32_t)(ih * w + dw - pad);
                        for (int ow = ow_lo; ow < ow_hi; ow++) {
                            const float v = xr[(size_t)ow * (size_t)stride];
                            const int take = (v > yr[ow]) | (v != v);
                            yr[ow] = take ? v : yr[ow];
                            if (keep)
                                ar[ow] = take ? base + ow * stride : ar[ow];
                        }
                    }
            }
        }
    }
}

void cs__maxpool_forward(float *y, int32_t *argmax, const float *x, int n, int c, int h, int w,
                         int k, int stride, int pad)
{
    if (argmax)
        maxpool_any(y, argmax, x, n, c, h, w, k, stride, pad, true);
    else
        maxpool_any(y, NULL, x, n, c, h, w, k, stride, pad, false);
}

/* Overlapping windows (stride < k) can route several outputs to one input; they are added in
 * output order, so the sum is the same on every run. */
void cs__maxpool_backward(float *dx, const float *dy, const int32_t *argmax, int n, int c, int h,
                          int w, int h_out, int w_out)
{
    if (dx == NULL)
        return;
    const size_t in_plane = (size_t)h * (size_t)w;
    const size_t out_plane = (size_t)h_out * (size_t)w_out;
    const size_t planes = (size_t)n * (size_t)c;
    for (size_t p = 0; p < planes; p++) {
        float *dxp = dx + p * in_plane;
        const float *dyp = dy + p * out_plane;
        const int32_t *ap = argmax + p * out_plane;
        for (size_t o = 0; o < out_plane; o++)
            dxp[ap[o]] += dyp[o];
    }
}

int cs__maxpool_code_bytes(int w, int k)
{
    const long long most = (long long)(k - 1) * ((long long)w + 1);
    return most <= UINT8_MAX ? 1 : most <= UINT16_MAX ? 2 : 4;
}

/* The offset of output (oh, ow)'s window's first position: negative or past a row's end where
 * the window overhangs the padding (the distances stay non-negative: padding is never
 * selected). */
static long long window_origin(int oh, int ow, int w, int stride, int pad)
{
    return ((long long)oh * stride - pad) * w + ((long long)ow * stride - pad);
}

void cs__maxpool_pack(void *codes, int bytes, const int32_t *argmax, size_t planes, int w, int h_out, int w_out,
                      int stride, int pad)
{
    const size_t out_plane = (size_t)h_out * (size_t)w_out;
    if (bytes == 4) {
        memcpy(codes, argmax, planes * out_plane * sizeof *argmax);
        return;
    }
    for (size_t p = 0; p < planes; p++) {
        const int32_t *ap = argmax + p * out_plane;
        uint8_t *c8 = (uint8_t *)codes + p * out_plane;
        uint16_t *c16 = (uint16_t *)codes + p * out_plane;
        for (int oh = 0; oh < h_out; oh++) {
            const int32_t *row = ap + (size_t)oh * (size_t)w_out;
            const int32_t first = (int32_t)window_origin(oh, 0, w, stride, pad);
            if (bytes == 1) {
                uint8_t *out = c8 + (size_t)oh * (size_t)w_out;
                for (int ow = 0; ow < w_out; ow++)
                    out[ow] = (uint8_t)(row[ow] - first - ow * stride);
            } else {
                uint16_t *out = c16 + (size_t)oh * (size_t)w_out;
                for (int ow = 0; ow < w_out; ow++)
                    out[ow] = (uint16_t)(row[ow] - first - ow * stride);
            }
        }
    }
}

void cs__maxpool_backward_packed(float *dx, const float *dy, const void *codes, int bytes, int n, int c, int h,
                                 int w, int h_out, int w_out, int stride, int pad)
{
    if (dx == NULL)
        return;
    if (bytes == 4) {
        cs__maxpool_backward(dx, dy, codes, n, c, h, w, h_out, w_out);
        return;
    }
    const size_t in_plane = (size_t)h * (size_t)w;
    const size_t out_plane = (size_t)h_out * (size_t)w_out;
    const size_t planes = (size_t)n * (size_t)c;
    for (size_t p = 0; p < planes; p++) {
        float *dxp = dx + p * in_plane;
        const float *dyp = dy + p * out_plane;
        for (int oh = 0; oh < h_out; oh++) {
            const size_t o = (size_t)oh * (size_t)w_out;
            const long long first = window_origin(oh, 0, w, stride, pad);
            if (bytes == 1) {
                const uint8_t *code = (const uint8_t *)codes + p * out_plane + o;
                for (int ow = 0; ow < w_out; ow++)
                    dxp[first + (long long)ow * stride + code[ow]] += dyp[o + (size_t)ow];
            } else {
                const uint16_t *code = (const uint16_t *)codes + p * out_plane + o;
                for (int ow = 0; ow < w_out; ow++)
                    dxp[first + (long long)ow * stride + code[ow]] += dyp[o + (size_t)ow];
            }
        }
    }
}

/* The divisor counts padded positions but not the part of a window past input + pad, as
 * ATen's pool_size; with ceil_mode=False no window reaches that far, so it is k * k. */
static int avg_divisor(int o, int k, int stride, int pad, int in)
{
    const int start = o * stride - pad;
    return imin(start + k, in + pad) - start;
}

void cs__avgpool_forward(float *y, const float *x, int n, int c, int h, int w, int k, int stride,
                         int pad)
{
    const int h_out = cs__pool_out(h, k, stride, pad);
    const int w_out = cs__pool_out(w, k, stride, pad);
    const size_t in_plane = (size_t)h * (size_t)w;
    const size_t out_plane = (size_t)h_out * (size_t)w_out;
    const size_t planes = (size_t)n * (size_t)c;

    for (size_t p = 0; p < planes; p++) {
        const float *xp = x + p * in_plane;
        float *yp = y + p * out_plane;
        for (int oh = 0; oh < h_out; oh++) {
            const int h0 = imax(oh * stride - pad, 0);
            const int h1 = imin(oh * stride - pad + k, h);
            const int dh = avg_divisor(oh, k, stride, pad, h);
            for (int ow = 0; ow < w_out; ow++) {
                const int w0 = imax(ow * stride - pad, 0);
                const int w1 = imin(ow * stride - pad + k, w);
                const int dw = avg_divisor(ow, k, stride, pad, w);
                double sum = 0.0;
                for (int ih = h0; ih < h1; ih++)
                    for (int iw = w0; iw < w1; iw++)
                        sum += xp[(size_t)ih * (size_t)w + (size_t)iw];
                yp[(size_t)oh * (size_t)w_out + (size_t)ow] = (float)(sum / ((double)dh * dw));
            }
        }
    }
}

void cs__avgpool_backward(float *dx, const float *dy, int n, int c, int h, int w, int k, int stride,
                          int pad)
{
    if (dx == NULL)
        return;
    const int h_out = cs__pool_out(h, k, stride, pad);
    const int w_out = cs__pool_out(w, k, stride, pad);
    const size_t in_plane = (size_t)h * (size_t)w;
    const size_t out_plane = (size_t)h_out * (size_t)w_out;
    const size_t planes = (size_t)n * (size_t)c;

    for (size_t p = 0; p < planes; p++) {
        float *dxp = dx + p * in_plane;
        const float *dyp = dy + p * out_plane;
        for (int oh = 0; oh < h_out; oh++) {
            const int h0 = imax(oh * stride - pad, 0);
            const int h1 = imin(oh * stride - pad + k, h);
            const int dh = avg_divisor(oh, k, stride, pad, h);
            for (int ow = 0; ow < w_out; ow++) {
                const int w0 = imax(ow * stride - pad, 0);
                const int w1 = imin(ow * stride - pad + k, w);
                const int dw = avg_divisor(ow, k, stride, pad, w);
                /* The share of each input, as ATen computes it: one quotient per output. */
                const float share = dyp[(size_t)oh * (size_t)w_out + (size_t)ow] / (float)(dh * dw);
                for (int ih = h0; ih < h1; ih++)
                    for (int iw = w0; iw < w1; iw++)
                        dxp[(size_t)ih * (size_t)w + (size_t)iw] += share;
            }
        }
    }
}

void cs__global_avgpool_forward(float *y, const float *x, int n, int c, int hw)
{
    const size_t plane = (size_t)hw;
    const size_t planes = (size_t)n * (size_t)c;
    for (size_t p = 0; p < planes; p++) {
        const float *xp = x + p * plane;
        double sum = 0.0;
        for (size_t j = 0; j < plane; j++)
            sum += xp[j];
        y[p] = (float)(sum / (double)hw);
    }
}

void cs__global_avgpool_backward(float *dx, const float *dy, int n, int c, int hw)
{
    if (dx == NULL)
        return;
    const size_t plane = (size_t)hw;
    const size_t planes = (size_t)n * (size_t)c;
    for (size_t p = 0; p < planes; p++) {
        const float share = dy[p] / (float)hw;
        float *dxp = dx + p * plane;
        for (size_t j = 0; j < plane; j++)
            dxp[j] += share;
    }
}

/* ---- global max pooling ------------------------------------------------------------------ */

void cs__global_maxpool_forward(float *y /* (N, C) */, int32_t *argmax /* (N, C) */,
                                const float *x /* (N, C, HW) */, int n, int c, int hw)
{
    /* window_max's scan over the whole plane, as ATen's adaptive max pool (the same rule as
     * its max pool: start at -inf with the first offset, strictly greater or NaN takes it). */
    const size_t plane = (size_t)hw;
    const size_t planes = (size_t)n * (size_t)c;
    for (size_t p = 0; p < planes; p++) {
        const float *xp = x + p * plane;
        float best = -INFINITY;
        int32_t at = 0;
        for (size_t j = 0; j < plane; j++)
            take1(&best, &at, xp[j], (int32_t)j);
        y[p] = best;
        argmax[p] = at;
    }
}

void cs__global_maxpool_backward(float *dx /* (N, C, HW) */, const float *dy /* (N, C) */,
                                 const int32_t *argmax /* (N, C) */, int n, int c, int hw)
{
    if (dx == NULL)
        return;
    const size_t plane = (size_t)hw;
    const size_t planes = (size_t)n * (size_t)c;
    for (size_t p = 0; p < planes; p++)
        dx[p * plane + (size_t)argmax[p]] += dy[p];
}
