/* libFuzzer target: safetensors files (cs_model_load_safetensors). The first input byte chooses
 * the options: bit 0 sets ignore_extra, bit 1 names the model (lenet, 1x28x28, 10 classes, width
 * 0.2: the shape of a seed) instead of reading it from the file's metadata, as for files PyTorch
 * wrote. A model that loads is checked, run forward once, saved and loaded again: the second
 * load must succeed and give the same tensors bit for bit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "fuzz_common.h"

/* Run forward on one image only when the model is small enough to keep the fuzzer fast. */
#define FORWARD_MAX_PARAMS 200000
#define FORWARD_MAX_INPUT 4096

static void same_tensors(cs_model *a, cs_model *b)
{
    const int n = cs_model_num_tensors(a);
    if (n != cs_model_num_tensors(b))
        fuzz_fail("a saved and reloaded model has %d tensors, not %d", cs_model_num_tensors(b), n);
    for (int i = 0; i < n; i++) {
        int64_t dims[8];
        const int nd = cs_model_tensor_shape(dims, 8, a, i);
        size_t count = 1;
        for (int d = 0; d < nd && d < 8; d++)
            count *= (size_t)dims[d];
        if (memcmp(cs_model_tensor_data(a, i), cs_model_tensor_data(b, i), count * sizeof(float)) != 0)
            fuzz_fail("tensor %s changed in a save and reload", cs_model_tensor_name(a, i));
    }
}

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
    if (cs_model_num_params(m) > FORWARD_MAX_PARAMS || input > FORWARD_MAX_INPUT || k > 1000)
        return;
    float *x = calloc(input, sizeof *x), *logits = calloc((size_t)k, sizeof *logits);
    if (!x || !logits)
        fuzz_fail("out of memory");
    for (size_t i = 0; i < input; i++)
        x[i] = (float)(i % 7) - 3.0f;
    if (cs_model_set_threads(m, 1) != CS_OK || cs_model_forward(logits, m, x, 1, 0) != CS_OK)
        fuzz_fail("forward of a loaded model: %s", cs_last_error());
    free(x);
    free(logits);
    char path[4096];
    snprintf(path, sizeof path, "%s/resaved.safetensors", fuzz_scratch_dir());
    if (cs_model_save_safetensors(m, path) != CS_OK)
        fuzz_fail("saving a loaded model: %s", cs_last_error());
    cs_model *again = NULL;
    if (cs_model_load_safetensors(&again, path, NULL) != CS_OK)
        fuzz_fail("reloading a saved model: %s", cs_last_error());
    same_tensors(m, again);
    cs_model_destroy(again);
    remove(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const int mode = data[0];
    const char *path = fuzz_memfile(0, data + 1, size - 1);
    cs_safetensors_options o = CS_SAFETENSORS_OPTIONS_INIT;
    o.ignore_extra = mode & 1;
    if (mode & 2) {
        o.arch = "lenet";
        o.c = 1;
        o.h = 28;
        o.w = 28;
        o.num_classes = 10;
        o.width = 0.2;
    }
    cs_model *m = NULL;
    int rc = cs_model_load_safetensors(&m, path, &o);
    if (rc == CS_OK && !m)
        fuzz_fail("a load succeeded without a model");
    if (rc != CS_OK && (m || rc >= 0 || !*cs_last_error()))
        fuzz_fail("a failed load (%d) left a model or no message", rc);
    if (m) {
        use(m);
        cs_model_destroy(m);
    }
    return 0;
}
