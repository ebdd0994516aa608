/* libFuzzer target: checkpoints (cs_model_load). The first input byte chooses how the rest is
 * written: bit 0 appends the CRC-32 of the rest (so that mutations get past the checksum to the
 * header, layout and tensor checks behind it), bit 1 gzip-compresses the file (as
 * cs_model_save writes it; the reader takes both). A model that loads is run forward once. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <classsens.h>

#include "fuzz_common.h"

/* Run forward on one image only when the model is small enough to keep the fuzzer fast. */
#define FORWARD_MAX_PARAMS 200000
#define FORWARD_MAX_INPUT 4096

static void use(cs_model *m)
{
    int c = 0, h = 0, w = 0;
    if (cs_model_input_shape(&c, &h, &w, m) != CS_OK || c < 1 || h < 1 || w < 1)
        fuzz_fail("a loaded model has input %dx%dx%d", c, h, w);
    const int k = cs_model_num_classes(m);
    if (k < 2)
        fuzz_fail("a loaded model has %d classes", k);
    const int tensors = cs_model_num_tensors(m);
    for (int i = 0; i < tensors; i++) {
        int64_t dims[8];
        if (!cs_model_tensor_name(m, i) || cs_model_tensor_shape(dims, 8, m, i) < 1)
            fuzz_fail("tensor %d of a loaded model has no name or shape", i);
    }
    const size_t input = (size_t)c * (size_t)h * (size_t)w;
    if (cs_model_num_params(m) <= FORWARD_MAX_PARAMS && input <= FORWARD_MAX_INPUT && k <= 1000) {
        float *x = calloc(input, sizeof *x), *logits = calloc((size_t)k, sizeof *logits);
        if (!x || !logits)
            fuzz_fail("out of memory");
        for (size_t i = 0; i < input; i++)
            x[i] = (float)(i % 7) - 3.0f;
        if (cs_model_set_threads(m, 1) != CS_OK || cs_model_forward(logits, m, x, 1, 0) != CS_OK)
            fuzz_fail("forward of a loaded model: %s", cs_last_error());
        free(x);
        free(logits);
    }
    cs_model_destroy(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const int mode = data[0];
    data++;
    size--;
    /* One buffer for all inputs: a fresh 64 KiB block per input costs ASan new shadow pages. */
    static uint8_t *file;
    static size_t cap;
    if (size + 4 > cap) {
        uint8_t *grown = realloc(file, size + 4);
        if (!grown)
            fuzz_fail("out of memory");
        file = grown;
        cap = size + 4;
    }
    if (size)
        memcpy(file, data, size);
    size_t len = size;
    if (mode & 1) {
        uint32_t crc = (uint32_t)crc32_z(crc32_z(0L, Z_NULL, 0), data, size);
        for (int i = 0; i < 4; i++)
            file[len++] = (uint8_t)(crc >> (8 * i));
    }
    const char *path;
    if (mode & 2) {
        size_t gz_len = 0;
        const uint8_t *gz = fuzz_gzip_stored(file, len, &gz_len);
        path = fuzz_memfile(0, gz, gz_len);
    } else {
        path = fuzz_memfile(0, file, len);
    }
    cs_model *m = NULL;
    if (cs_model_load(&m, path) == CS_OK)
        use(m);
    return 0;
}
