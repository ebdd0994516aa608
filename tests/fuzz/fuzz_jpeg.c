/* libFuzzer target: the image decoder of cs_dataset_open_folder (data/image.h, cs__image_decode)
 * on JPEG (libjpeg-turbo), the body in fuzz_image.h: the input is one JPEG file, its FF D8 FF
 * start supplied when it lacks one. */
#include "fuzz_image.h"

static const uint8_t signature[] = { 0xFF, 0xD8, 0xFF };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_image(data, size, signature, sizeof signature);
}
