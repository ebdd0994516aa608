/* libFuzzer target: NumPy .npy image arrays (cs_dataset_open_npy). The input is the image file;
 * the label file is made to agree with the count its header claims (when that is small), so
 * that the reader gets past the count check to the pixels. The layout option cycles with the
 * input's length, so that stated layouts meet every shape too. */
#include <stdio.h>
#include <string.h>

#include <classsens.h>

#include "data/npy.h"
#include "fuzz_common.h"

#define MAX_LABELS 65536

/* What a consumer of a loaded data set would touch. */
static void use(cs_dataset *ds)
{
    int c = 0, h = 0, w = 0;
    if (cs_dataset_shape(&c, &h, &w, ds) != CS_OK || (c != 1 && c != 3) || h < 1 || w < 1)
        fuzz_fail("a loaded .npy data set has shape %dx%dx%d", c, h, w);
    const size_t n = cs_dataset_size(ds);
    const int k = cs_dataset_num_classes(ds);
    size_t counts[16], total = 0;
    if (k < 2 || k > 16 || cs_dataset_class_counts(counts, k, ds) != CS_OK)
        fuzz_fail("a loaded .npy data set has %d classes", k);
    for (int i = 0; i < k; i++)
        total += counts[i];
    if (total != n)
        fuzz_fail("class counts sum to %zu of %zu records", total, n);
    double mean[3], std[3];
    if (cs_dataset_channel_stats(mean, std, c, ds) != CS_OK)
        fuzz_fail("channel statistics of a loaded data set: %s", cs_last_error());
    const uint8_t *last = cs_dataset_image(ds, n - 1);
    if (!last)
        fuzz_fail("no last image");
    volatile uint8_t sink = last[(size_t)c * (size_t)h * (size_t)w - 1];
    (void)sink;
    cs_dataset_destroy(ds);
}

/* A version 1.0 .npy (128-byte header) of n int64 labels 0, 1, .., 9, 0, .. (built once per count). */
static uint8_t labels_file[128 + 8 * MAX_LABELS];

static const char *labels_for(size_t n)
{
    static const char *path;
    static size_t have = (size_t)-1;
    if (path && have == n)
        return path;
    char dict[96];
    int len = snprintf(dict, sizeof dict, "{'descr': '<i8', 'fortran_order': False, 'shape': (%zu,), }", n);
    memset(labels_file, ' ', 128);
    memcpy(labels_file, "\x93NUMPY\x01\x00\x76\x00", 10);
    memcpy(labels_file + 10, dict, (size_t)len);
    labels_file[127] = '\n';
    for (size_t i = 0; i < n; i++) {
        memset(labels_file + 128 + 8 * i, 0, 8);
        labels_file[128 + 8 * i] = (uint8_t)(i % 10);
    }
    have = n;
    return path = fuzz_memfile(1, labels_file, 128 + 8 * n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs__npy a;
    size_t n = 1;
    if (cs__npy_parse(&a, data, size, "fuzz") == CS_OK && a.ndim >= 1 && a.shape[0] >= 1 &&
        a.shape[0] <= MAX_LABELS)
        n = (size_t)a.shape[0];
    const char *labels = labels_for(n);
    cs_numpy_options o = CS_NUMPY_OPTIONS_INIT;
    o.layout = (cs_layout)(size % 4);
    cs_dataset *ds = NULL;
    cs_error_clear();
    int rc = cs_dataset_open_npy(&ds, fuzz_memfile(0, data, size), labels, &o);
    if (rc == CS_OK)
        use(ds);
    else if (ds || rc > 0 || strcmp(cs_last_error(), "no error") == 0)
        fuzz_fail("a refusal (%d) left a data set or no message", rc);
    return 0;
}
