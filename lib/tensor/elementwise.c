/* Element-wise kernels: ReLU, the residual addition, channel concatenation and inverted
 * dropout. Each one is a single pass over contiguous memory in index order, so results do not
 * depend on how a caller splits the work. Where PyTorch 1.13 has a defined answer for the odd
 * inputs (NaN, -0.0, infinities) the kernels give the same one, because the trainer relies on
 * NaN reaching the loss to detect divergence. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/rng.h"
#include "tensor/clones.h"
#include "tensor/kernels.h"

/* ---- ReLU -------------------------------------------------------------------------------- */

CS_CLONES static void relu_forward_clones(float *y /* (count) */, const float *x /* (count) */, size_t count)
{
    /* `x < 0 ? 0 : x` rather than fmaxf: like torch.relu (clamp_min) it keeps NaN and keeps
     * -0.0 as -0.0, and it reads x[i] before writing y[i], so y may alias x. */
    for (size_t i = 0; i < count; i++)
        y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void cs__relu_forward(float *y /* (count) */, const float *x /* (count) */, size_t count)
{
    relu_forward_clones(y, x, count);
}

/* a where pass is true, else b, by bit masks: a floating-point select (?:) in a loop is not
 * vectorised by GCC unless it may assume that comparisons do not trap, a mask is. */
static inline float select_float(bool pass, float a, float b)
{
    uint32_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    const uint32_t m = -(uint32_t)pass;
    const uint32_t u = (ua & m) | (ub & ~m);
    float r;
    memcpy(&r, &u, sizeof r);
    return r;
}

/* dx += dy where the output passed its gradient, as a select between the old and the new
 * value (no branch, no conditional store: the loop vectorises; dx, dy and y are distinct). */
CS_CLONES static void relu_backward_add(float *restrict dx, const float *restrict dy, const float *restrict y, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const float old = dx[i];
        dx[i] = select_float(!(y[i] <= 0.0f), old + dy[i], old);
    }
}

void cs__relu_backward(float *dx /* (count) */, const float *dy /* (count) */,
                       const float *y /* (count) */, size_t count)
{
    if (dx == NULL)
        return;
    /* The mask comes from the output so that the forward pass may overwrite its input. The
     * test is PyTorch's threshold_backward (zero where y <= 0), which equals "y > 0" except
     * that a NaN output passes its gradient on, as it does in PyTorch. */
    relu_backward_add(dx, dy, y, count);
}

/* ---- residual addition ------------------------------------------------------------------- */

CS_CLONES static void add_forward_clones(float *y /* (count) */, const float *a /* (count) */,
                     const float *b /* (count) */, size_t count)
{
    for (size_t i = 0; i < count; i++)
        y[i] = a[i] + b[i];
}

void cs__add_forward(float *y /* (count) */, const float *a /* (count) */,
                     const float *b /* (count) */, size_t count)
{
    add_forward_clones(y, a, b, count);
}

CS_CLONES static void add_backward_clones(float *da /* (count) */, float *db /* (count) */,
                      const float *dy /* (count) */, size_t count)
{
    /* Two separate passes, so that da == db (y = a + a) correctly receives 2 dy. */
    if (da != NULL)
        for (size_t i = 0; i < count; i++)
            da[i] += dy[i];
    if (db != NULL)
        for (size_t i = 0; i < count; i++)
            db[i] += dy[i];
}

void cs__add_backward(float *da /* (count) */, float *db /* (count) */,
                      const float *dy /* (count) */, size_t count)
{
    add_backward_clones(da, db, dy, count);
}

/* ---- channel concatenation --------------------------------------------------------------- */

static size_t total_channels(const int *channels, int parts)
{
    size_t c = 0;
    for (int p = 0; p < parts; p++)
        c += (size_t)channels[p];
    return c;
}

void cs__concat_forward(float *y /* (N, sum C_i, HW) */,
                        const float *const *x /* [parts] (N, C_i, HW) */, const int *channels,
                        int parts, int n, int hw)
{
    size_t plane = (size_t)hw;
    size_t c_total = total_channels(channels, parts);
    for (size_t s = 0; s < (size_t)n; s++) {
        /* Within one sample the parts are consecutive runs of C_i * HW floats. */
        float *dst = y + s * c_total * plane;
        for (int p = 0; p < parts; p++) {
            size_t run = (size_t)channels[p] * plane;
            memcpy(dst, x[p] + s * run, run * sizeof *dst);
            dst += run;
        }
    }
}

void cs__concat_backward(float *const *dx /* [parts] (N, C_i, HW) */,
                         const float *dy /* (N, sum C_i, HW) */, const int *channels, int parts,
                         int n, int hw)
{
    if (dx == NULL)
        return;
    size_t plane = (size_t)hw;
    size_t c_total = total_channels(channels, parts);
    for (size_t s = 0; s < (size_t)n; s++) {
        const float *src = dy + s * c_total * plane;
        for (int p = 0; p < parts; p++) {
            size_t run = (size_t)channels[p] * plane;
            if (dx[p] != NULL) {
                float *dst = dx[p] + s * run;
                for (size_t i = 0; i < run; i++)
                    dst[i] += src[i];
            }
            src += run;
        }
    }
}

CS_CLONES static void relu_backward_inplace_clones(float *restrict d /* (count) */, const float *restrict y /* (count) */, size_t count)
{
    /* 0 + d as in the accumulating form (dx starts at +0), so that -0 becomes +0 there too and
     * both forms give the same bits. Both values are computed and one selected, without a
     * branch, so that the loop vectorises (d and y are distinct buffers). */
    for (size_t i = 0; i < count; i++)
        d[i] = select_float(!(y[i] <= 0.0f), 0.0f + d[i], 0.0f);
}

void cs__relu_backward_inplace(float *restrict d /* (count) */, const float *restrict y /* (count) */, size_t count)
{
    relu_backward_inplace_clones(d, y, count);
}

/* ---- ReLU6 ------------------------------------------------------------------------------- */

CS_CLONES static void relu6_forward_clones(float *y /* (count) */, const float *x /* (count) */, size_t count)
{
    /* clamp(x, 0, 6) as ATen computes it (min(max(x, 0), 6) with NaN kept): x < 0 gives 0 and
     * x > 6 gives 6, anything else (NaN, -0.0, the values in between) passes unchanged. Both
     * tests read x[i] before y[i] is written, so y may alias x; selects by masks, so the loop
     * vectorises. */
    for (size_t i = 0; i < count; i++) {
        const float v = x[i];
        const float low = select_float(v < 0.0f, 0.0f, v);
        y[i] = select_float(v > 6.0f, 6.0f, low);
    }
}

void cs__relu6_forward(float *y /* (count) */, const float *x /* (count) */, size_t count)
{
    relu6_forward_clones(y, x, count);
}

/* Whether ReLU6's output y passes its gradient: 0 < y < 6, which on y = clamp(x, 0, 6) is
 * PyTorch's 0 < x < 6 (hardtanh_backward: nothing at x == 0 or x == 6). A NaN passes nothing,
 * as in the vectorised body of PyTorch 1.13's kernel ((x > 0) & (x < 6) & dy); its scalar
 * loop, which takes the last count % 16 elements, writes (x <= 0 || x >= 6) ? 0 : dy and
 * passes a NaN's gradient there: PyTorch disagrees with itself, and the kernel here follows
 * the rule that holds for all but a few trailing elements. */
static inline bool relu6_passes(float y)
{
    return (y > 0.0f) & (y < 6.0f); /* no short circuit: no branch, so the loops vectorise */
}

CS_CLONES static void relu6_backward_clones(float *restrict dx /* (count) */, const float *restrict dy /* (count) */,
                        const float *restrict y /* (count) */, size_t count)
{
    if (dx == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        const float old = dx[i];
        dx[i] = select_float(relu6_passes(y[i]), old + dy[i], old);
    }
}

void cs__relu6_backward(float *restrict dx /* (count) */, const float *restrict dy /* (count) */,
                        const float *restrict y /* (count) */, size_t count)
{
    relu6_backward_clones(dx, dy, y, count);
}

CS_CLONES static void relu6_backward_inplace_clones(float *restrict d /* (count) */, const float *restrict y /* (count) */,
                                size_t count)
{
    /* 0 + d as cs__relu_backward_inplace: the same bits as the accumulating form into zeros. */
    for (size_t i = 0; i < count; i++)
        d[i] = select_float(relu6_passes(y[i]), 0.0f + d[i], 0.0f);
}

void cs__relu6_backward_inplace(float *restrict d /* (count) */, const float *restrict y /* (count) */,
                                size_t count)
{
    relu6_backward_inplace_clones(d, y, count);
}

/* ---- inverted dropout -------------------------------------------------------------------- */

/* Counter word 2 of every dropout block. cs__rng streams put their stream id in words 2-3, so
 * a fixed tag here keeps dropout's numbers apart from stream 0 of a generator that happens to
 * share the seed. */
#define CS__DROPOUT_TAG 0x44524F50u /* "DROP" */

/* The keep threshold on a uniform 32-bit word: element kept iff word >= threshold, i.e. with
 * probability 1 - round(p 2^32) / 2^32, within 2^-33 of 1 - p. p outside [0, 1) breaks the
 * contract; it is clamped here only so that the conversion below stays defined. */
static uint32_t keep_threshold(double p)
{
    if (!(p > 0.0))
        return 0;
    double t = p * 4294967296.0 + 0.5;
    return t >= 4294967295.0 ? UINT32_MAX : (uint32_t)t;
}

/* The factor PyTorch's CPU dropout multiplies by: it draws a 0/1 noise tensor, divides it by
 * the Python float 1 - p (rounded to float by the kernel) and multiplies the input by the
 * noise. Multiplying dropped elements by 0 (not storing 0) is what lets NaN and infinity
 * through, as there. p is a double, as PyTorch's is: from a float p the factor would differ
 * (1 / (1 - 0.9f) = 9.999998, where PyTorch has 10). */
static float keep_scale(double p)
{
    return 1.0f / (float)(1.0 - p);
}

void cs__dropout_forward(float *y /* (count) */, uint8_t *mask /* (count) */,
                         const float *x /* (count) */, size_t count, double p, uint64_t seed,
                         uint64_t counter)
{
    uint32_t key[2];
    cs__philox_key(key, seed);
    uint32_t threshold = keep_threshold(p);
    float scale = keep_scale(p);
    /* Element i uses global index g = counter + i (mod 2^64): word g % 4 of the Philox block
     * whose counter is (g / 4 as two words, TAG, 0). Its decision is therefore a function of
     * (seed, counter + i) alone, whatever count and counter are, so a tensor may be processed
     * in pieces, by any number of threads, with identical masks; consecutive calls need
     * counters at least `count` apart to draw fresh numbers. An unaligned start simply begins
     * in the middle of a block. */
    size_t i = 0;
    while (i < count) {
        uint64_t g = counter + (uint64_t)i;
        uint64_t block = g >> 2;
        const uint32_t ctr[4] = { (uint32_t)block, (uint32_t)(block >> 32), CS__DROPOUT_TAG, 0u };
        uint32_t word[4];
        cs__philox4x32_10(word, ctr, key);
        for (unsigned lane = (unsigned)(g & 3u); lane < 4u && i < count; lane++, i++) {
            uint8_t keep = word[lane] >= threshold;
            mask[i] = keep;
            y[i] = x[i] * (keep ? scale : 0.0f);
        }
    }
}

void cs__dropout_backward(float *dx /* (count) */, const float *dy /* (count) */,
                          const uint8_t *mask /* (count) */, size_t count, double p)
{
    if (dx == NULL)
        return;
    /* The gradient of x * noise: dy times the same noise value, 1/(1-p) or 0. */
    float scale = keep_scale(p);
    for (size_t i = 0; i < count; i++)
        dx[i] += dy[i] * (mask[i] ? scale : 0.0f);
}

void cs__dropout_backward_inplace(float *d /* (count) */, const uint8_t *mask /* (count) */, size_t count,
                                  double p)
{
    float scale = keep_scale(p);
    for (size_t i = 0; i < count; i++)
        d[i] = 0.0f + d[i] * (mask[i] ? scale : 0.0f);
}
