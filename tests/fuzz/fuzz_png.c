/* libFuzzer target: the image decoder of cs_dataset_open_folder (data/image.h, cs__image_decode)
 * on PNG (libpng), the body in fuzz_image.h: the input is one PNG file, its 8-byte signature
 * supplied when it lacks one. */
#include "fuzz_image.h"

static const uint8_t signature[] = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_image(data, size, signature, sizeof signature);
}
