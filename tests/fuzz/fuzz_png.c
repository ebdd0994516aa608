/* libFuzzer target: the image decoder of cs_dataset_open_folder (data/image.h, cs__image_decode)
 * on PNG (libpng): the input is one PNG file, its 8-byte signature supplied when it lacks one, so
 * that every input reaches libpng. A decoded image must have a sane shape and readable pixels; a
 * refusal must leave no pixels and carry a message. */
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "data/image.h"
#include "fuzz_common.h"

static const uint8_t signature[] = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = NULL;
    if (size < sizeof signature || memcmp(data, signature, sizeof signature) != 0) {
        copy = malloc(size + sizeof signature);
        if (!copy)
            return 0;
        memcpy(copy, signature, sizeof signature);
        if (size)
            memcpy(copy + sizeof signature, data, size);
        data = copy;
        size += sizeof signature;
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
