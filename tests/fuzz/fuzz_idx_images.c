/* libFuzzer target: IDX image files (cs_dataset_open_idx), raw and gzip-compressed. The input is
 * the image file; the label file is made to agree with the count its header claims (when that
 * is small), so that the reader gets past the count check to the pixels. */
#include <classsens.h>

#include "fuzz_common.h"

#define MAX_LABELS 65536

/* What a consumer of a loaded data set would touch. */
static void use(cs_dataset *ds)
{
    int c = 0, h = 0, w = 0;
    if (cs_dataset_shape(&c, &h, &w, ds) != CS_OK || c != 1 || h < 1 || w < 1)
        fuzz_fail("a loaded IDX data set has shape %dx%dx%d", c, h, w);
    const size_t n = cs_dataset_size(ds);
    const int k = cs_dataset_num_classes(ds);
    size_t counts[256], total = 0;
    if (k < 2 || k > 256 || cs_dataset_class_counts(counts, k, ds) != CS_OK)
        fuzz_fail("a loaded IDX data set has %d classes", k);
    for (int i = 0; i < k; i++)
        total += counts[i];
    if (total != n)
        fuzz_fail("class counts sum to %zu of %zu records", total, n);
    double mean = 0.0, std = 0.0;
    if (cs_dataset_channel_stats(&mean, &std, 1, ds) != CS_OK)
        fuzz_fail("channel statistics of a loaded data set: %s", cs_last_error());
    const uint8_t *last = cs_dataset_image(ds, n - 1);
    if (!last)
        fuzz_fail("no last image");
    volatile uint8_t sink = last[(size_t)h * (size_t)w - 1];
    (void)sink;
    cs_dataset_destroy(ds);
}

static uint8_t labels_file[8 + MAX_LABELS];

/* The label file for an image header that claims n records: n labels 0, 1, .., 9, 0, ..
 * (the reader takes them before the pixels, so that they are reached). It stays as it is while
 * n does not change. */
static const char *labels_for(uint32_t n)
{
    static const char *path;
    static uint32_t have;
    if (path && have == n)
        return path;
    fuzz_put_be32(labels_file + 4, n);
    have = n;
    return path = fuzz_memfile(1, labels_file, 8 + (size_t)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (labels_file[2] == 0) {
        labels_file[2] = 0x08;
        labels_file[3] = 1;
        for (uint32_t i = 0; i < MAX_LABELS; i++)
            labels_file[8 + i] = (uint8_t)(i % 10);
    }
    uint32_t n = size >= 8 ? fuzz_get_be32(data + 4) : 1;
    if (n > MAX_LABELS)
        n = 1;
    const char *labels = labels_for(n);

    cs_dataset *ds = NULL;
    if (cs_dataset_open_idx(&ds, fuzz_memfile(0, data, size), labels) == CS_OK)
        use(ds);
    size_t gz_len = 0;
    const uint8_t *gz = fuzz_gzip_stored(data, size, &gz_len);
    if (cs_dataset_open_idx(&ds, fuzz_memfile(0, gz, gz_len), labels) == CS_OK)
        use(ds);
    return 0;
}
