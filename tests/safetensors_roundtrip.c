/* The classsens half of the PyTorch round trip of safetensors_roundtrip.py: load a file that
 * PyTorch wrote (the architecture named on the command line, as such files carry none), compute
 * evaluation-mode logits of the given inputs on one thread, and save the model again with
 * cs_model_save_safetensors.
 *
 *   safetensors_roundtrip IN OUT INPUTS LOGITS ARCH C H W K WIDTH
 *
 * INPUTS: u32 n, then n x C x H x W little-endian float32 (already normalised).
 * LOGITS (written): n x K little-endian float32. Exit status 0, or 1 with the reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

static int fail(const char *what)
{
    fprintf(stderr, "safetensors_roundtrip: %s: %s\n", what, cs_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 11) {
        fprintf(stderr, "usage: %s IN OUT INPUTS LOGITS ARCH C H W K WIDTH\n", argv[0]);
        return 2;
    }
    cs_safetensors_options o = CS_SAFETENSORS_OPTIONS_INIT;
    o.arch = argv[5];
    o.c = atoi(argv[6]);
    o.h = atoi(argv[7]);
    o.w = atoi(argv[8]);
    o.num_classes = atoi(argv[9]);
    o.width = strtod(argv[10], NULL);
    cs_model *m = NULL;
    if (cs_model_load_safetensors(&m, argv[1], &o) != CS_OK)
        return fail(argv[1]);
    FILE *f = fopen(argv[3], "rb");
    uint8_t n4[4];
    if (!f || fread(n4, 1, 4, f) != 4) {
        fprintf(stderr, "safetensors_roundtrip: cannot read %s\n", argv[3]);
        return 1;
    }
    const int n = (int)((uint32_t)n4[0] | (uint32_t)n4[1] << 8 | (uint32_t)n4[2] << 16 | (uint32_t)n4[3] << 24);
    const size_t in = (size_t)n * (size_t)o.c * (size_t)o.h * (size_t)o.w, out = (size_t)n * (size_t)o.num_classes;
    float *x = malloc(in * sizeof *x), *y = malloc(out * sizeof *y);
    /* The test runs on little-endian hosts only (as PyTorch's .numpy().tobytes() is native). */
    if (!x || !y || fread(x, sizeof *x, in, f) != in) {
        fprintf(stderr, "safetensors_roundtrip: cannot read %zu inputs from %s\n", in, argv[3]);
        return 1;
    }
    fclose(f);
    if (cs_model_set_threads(m, 1) != CS_OK || cs_model_forward(y, m, x, n, 0) != CS_OK)
        return fail("forward");
    f = fopen(argv[4], "wb");
    if (!f || fwrite(y, sizeof *y, out, f) != out || fclose(f) != 0) {
        fprintf(stderr, "safetensors_roundtrip: cannot write %s\n", argv[4]);
        return 1;
    }
    if (cs_model_save_safetensors(m, argv[2]) != CS_OK)
        return fail(argv[2]);
    free(x);
    free(y);
    cs_model_destroy(m);
    return 0;
}
