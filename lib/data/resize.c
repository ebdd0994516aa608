/* Resizing planes of bytes (resize.h): each axis on its own, with integer weights over one
 * denominator per axis, so that the result is exact and the same everywhere. */
#include <stdlib.h>

#include "core/error.h"
#include "data/resize.h"

/* The taps of one axis: output o reads count[o] inputs from first[o] with integer weights
 * wt[o * taps + j], all over one denominator `den`. Shrinking (out <= in): the coverage of
 * input pixel [j, j+1) by the output span [o·in/out, (o+1)·in/out), in units of 1/out, over
 * den = in. Growing: bilinear at x = (o + 1/2)·in/out − 1/2 clamped to [0, in − 1], in units of
 * 1/(2·out), over den = 2·out. */
typedef struct axis {
    int *first, *count;
    int64_t *wt;
    int taps;
    int64_t den;
} axis;

static void axis_free(axis *a)
{
    free(a->first);
    free(a->count);
    free(a->wt);
    a->first = a->count = NULL;
    a->wt = NULL;
}

static int axis_make(axis *a, int in, int out)
{
    a->taps = out <= in ? in / out + 2 : 2;
    a->first = malloc(sizeof *a->first * (size_t)out);
    a->count = malloc(sizeof *a->count * (size_t)out);
    a->wt = calloc((size_t)out * (size_t)a->taps, sizeof *a->wt);
    if (!a->first || !a->count || !a->wt) {
        axis_free(a);
        return cs__error_oom("resizing weights", (size_t)out * (size_t)a->taps * sizeof *a->wt);
    }
    for (int o = 0; o < out; o++) {
        int64_t *w = a->wt + (size_t)o * (size_t)a->taps;
        if (out <= in) {
            a->den = in;
            int64_t lo = (int64_t)o * in, hi = (int64_t)(o + 1) * in;
            int j0 = (int)(lo / out), j1 = (int)((hi + out - 1) / out);
            a->first[o] = j0;
            a->count[o] = j1 - j0;
            for (int j = j0; j < j1; j++) {
                int64_t s = (int64_t)j * out > lo ? (int64_t)j * out : lo;
                int64_t e = (int64_t)(j + 1) * out < hi ? (int64_t)(j + 1) * out : hi;
                w[j - j0] = e - s;
            }
        } else {
            a->den = 2 * (int64_t)out;
            int64_t pos = (int64_t)(2 * o + 1) * in - out;
            if (pos < 0)
                pos = 0;
            int64_t j0 = pos / a->den, frac = pos - j0 * a->den;
            if (j0 >= in - 1) {
                j0 = in - 1;
                frac = 0;
            }
            a->first[o] = (int)j0;
            a->count[o] = frac ? 2 : 1;
            w[0] = a->den - frac;
            w[1] = frac;
        }
    }
    return CS_OK;
}

static void resize_plane(uint8_t *dst, const uint8_t *src, int iw, const axis *ax, const axis *ay, int ow, int oh,
                         int64_t *rows, int ih)
{
    /* rows: ih × ow sums of the horizontal pass, over ax->den */
    for (int y = 0; y < ih; y++)
        for (int o = 0; o < ow; o++) {
            const int64_t *w = ax->wt + (size_t)o * (size_t)ax->taps;
            const uint8_t *s = src + (size_t)y * (size_t)iw + ax->first[o];
            int64_t sum = 0;
            for (int j = 0; j < ax->count[o]; j++)
                sum += w[j] * s[j];
            rows[(size_t)y * (size_t)ow + o] = sum;
        }
    int64_t den = ax->den * ay->den;
    for (int o = 0; o < oh; o++) {
        const int64_t *w = ay->wt + (size_t)o * (size_t)ay->taps;
        for (int x = 0; x < ow; x++) {
            int64_t sum = 0;
            for (int j = 0; j < ay->count[o]; j++)
                sum += w[j] * rows[(size_t)(ay->first[o] + j) * (size_t)ow + x];
            int64_t v = (sum + den / 2) / den;
            dst[(size_t)o * (size_t)ow + x] = (uint8_t)(v > 255 ? 255 : v);
        }
    }
}

int cs__resize_planes(uint8_t *dst, int oh, int ow, const uint8_t *src, int c, int ih, int iw, const char *what)
{
    axis ax = { 0 }, ay = { 0 };
    int64_t *rows = malloc(sizeof *rows * (size_t)ih * (size_t)ow);
    int status = rows ? CS_OK : cs__error_oom(what, sizeof *rows * (size_t)ih * (size_t)ow);
    if (status == CS_OK)
        status = axis_make(&ax, iw, ow);
    if (status == CS_OK)
        status = axis_make(&ay, ih, oh);
    for (int ch = 0; status == CS_OK && ch < c; ch++)
        resize_plane(dst + (size_t)ch * (size_t)oh * (size_t)ow, src + (size_t)ch * (size_t)ih * (size_t)iw, iw, &ax,
                     &ay, ow, oh, rows, ih);
    axis_free(&ax);
    axis_free(&ay);
    free(rows);
    return status;
}
