/* Float batches: normalisation and seeded augmentation (random crop with zero padding,
 * horizontal flip), matching torchvision's RandomCrop -> RandomHorizontalFlip -> ToTensor ->
 * Normalize. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"
#include "data/dataset_internal.h"

/* Third counter word of augmentation draws, so they never collide with other purposes that
 * share a key. */
#define CS__PURPOSE_AUGMENT 0x41554731u /* "AUG1" */

typedef struct augment_draw {
    int dy, dx;   /* window offset in the padded image, in [0, 2p] */
    int flip;
} augment_draw;

static augment_draw draw_for(const cs_batch_options *o, uint64_t position)
{
    augment_draw d = { 0, 0, 0 };
    uint32_t key[2], r[4];
    uint32_t ctr[4] = { (uint32_t)position, (uint32_t)(position >> 32), CS__PURPOSE_AUGMENT, 0 };
    cs__philox_key(key, o->seed);
    cs__philox4x32_10(r, ctr, key);
    if (o->crop_padding > 0) {
        uint32_t choices = 2u * (uint32_t)o->crop_padding + 1u;
        d.dy = (int)cs__u32_scale(r[0], choices);
        d.dx = (int)cs__u32_scale(r[1], choices);
    }
    if (o->horizontal_flip)
        d.flip = (int)(r[2] >> 31);
    return d;
}

static int check_options(cs_batch_options *o, const cs_batch_options *given, int c, int h, int w)
{
    cs_batch_options defaults = CS_BATCH_OPTIONS_INIT;
    *o = defaults;
    if (given) {
        int status = cs__options_copy(o, sizeof *o, given,
                                      offsetof(cs_batch_options, counter) + sizeof(uint64_t),
                                      "cs_dataset_batch options");
        if (status != CS_OK)
            return status;
    }
    for (int ch = 0; ch < c; ch++) {
        if (o->mean && !isfinite(o->mean[ch]))
            return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_batch: mean[%d] is not finite", ch);
        if (o->std && !(isfinite(o->std[ch]) && o->std[ch] > 0.0f))
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "cs_dataset_batch: std[%d] is %g, expected a finite value > 0",
                             ch, (double)o->std[ch]);
    }
    int longest = h > w ? h : w;
    if (o->crop_padding < 0 || o->crop_padding > 4 * longest)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_dataset_batch: crop_padding is %d, expected 0..%d (4 x the image side)",
                         o->crop_padding, 4 * longest);
    return CS_OK;
}

int cs_batch_options_init(cs_batch_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_batch_options_init: opts is NULL");
    /* Static, so that its padding is zero too: memcmp with a zeroed macro copy is equal. */
    static const cs_batch_options defaults = CS_BATCH_OPTIONS_INIT;
    memcpy(opts, &defaults, sizeof *opts);
    return CS_OK;
}

int cs_dataset_batch(float *out, const cs_dataset *ds, const size_t *indices, size_t n,
                     const cs_batch_options *opts)
{
    if (!ds || !out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_batch: %s is NULL", !ds ? "ds" : "out");
    int status = cs__dataset_check_indices(ds, indices, n, "cs_dataset_batch");
    if (status != CS_OK)
        return status;
    const int c = ds->px->c, h = ds->px->h, w = ds->px->w;
    cs_batch_options o;
    status = check_options(&o, opts, c, h, w);
    if (status != CS_OK)
        return status;

    const size_t plane = (size_t)h * (size_t)w, image = plane * (size_t)c;
    const int p = o.crop_padding;
    const int augment = p > 0 || o.horizontal_flip;
    for (int ch = 0; ch < c; ch++) {
        /* Every byte value maps to one float: compute each once, exactly as torchvision's
         * float32 ToTensor (v / 255) followed by Normalize ((x - mean) / std). */
        float lut[256];
        const float mean = o.mean ? o.mean[ch] : 0.0f, sd = o.std ? o.std[ch] : 1.0f;
        for (int v = 0; v < 256; v++)
            lut[v] = ((float)v / 255.0f - mean) / sd;
        for (size_t j = 0; j < n; j++) {
            const uint8_t *src = cs_dataset_image(ds, indices ? indices[j] : j) + (size_t)ch * plane;
            float *dst = out + j * image + (size_t)ch * plane;
            if (!augment) {
                for (size_t q = 0; q < plane; q++)
                    dst[q] = lut[src[q]];
                continue;
            }
            augment_draw d = draw_for(&o, o.counter + j);
            for (int y = 0; y < h; y++) {
                int sy = y + d.dy - p;
                float *row = dst + (size_t)y * (size_t)w;
                if (sy < 0 || sy >= h) {
                    for (int x = 0; x < w; x++)
                        row[x] = lut[0];
                    continue;
                }
                const uint8_t *srow = src + (size_t)sy * (size_t)w;
                for (int x = 0; x < w; x++) {
                    int sx = (d.flip ? w - 1 - x : x) + d.dx - p;
                    row[x] = sx >= 0 && sx < w ? lut[srow[sx]] : lut[0];
                }
            }
        }
    }
    return CS_OK;
}
