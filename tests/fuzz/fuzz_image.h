/* The body of the image-decoder fuzz targets (fuzz_png.c, fuzz_jpeg.c): the input is one file
 * of the format, its start (signature) supplied when it lacks one, so that every input reaches
 * the decoder. A decoded image must have a sane shape and readable pixels; a refusal must leave
 * no pixels and carry a message. */
#ifndef CS_FUZZ_IMAGE_H
#define CS_FUZZ_IMAGE_H

#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "data/image.h"
#include "fuzz_common.h"

static int fuzz_image(const uint8_t *data, size_t size, const uint8_t *signature, size_t signature_size)
{
    uint8_t *copy = NULL;
    if (size < signature_size || memcmp(data, signature, signature_size) != 0) {
        copy = malloc(size + signature_size);
        if (!copy)
            return 0;
        memcpy(copy, signature, signature_size);
        if (size)
            memcpy(copy + signature_size, data, size);
        data = copy;
        size += signature_size;
    }
    cs__image img;
    cs_error_clear();
    int rc = cs__image_decode(&img, data, size, "fuzz");
    if (rc == CS_OK) {
        if (!img.px || img.w < 1 || img.h < 1 || img.w > CS__IMAGE_MAX_SIDE || img.h > CS__IMAGE_MAX_SIDE ||
            img.c < 1 || img.c > 4 || (size_t)img.w * (size_t)img.h > CS__IMAGE_MAX_PIXELS)
            fuzz_fail("a decoded image of %d x %d x %d", img.w, img.h, img.c);
        volatile uint8_t sink = img.px[(size_t)img.w * (size_t)img.h * (size_t)img.c - 1];
        (void)sink;
        free(img.px);
    } else if (img.px || rc > 0 || strcmp(cs_last_error(), "no error") == 0) {
        fuzz_fail("a refusal (%d) left pixels or no message", rc);
    }
    free(copy);
    return 0;
}

#endif
