/* libFuzzer target: IDX label files (cs_dataset_open_idx, cs_dataset_open_idx_classes), raw
 * and gzip-compressed. The input is the label file; the image file holds as many 1x2x2 images
 * as its header claims (when that is small), so that the reader gets to the labels. */
#include <string.h>

#include <classsens.h>

#include "fuzz_common.h"

#define MAX_IMAGES 65536

static void use(cs_dataset *ds, int want_k)
{
    const size_t n = cs_dataset_size(ds);
    const int k = cs_dataset_num_classes(ds);
    if (k < 2 || k > 256 || (want_k && k != want_k))
        fuzz_fail("a loaded IDX data set has %d classes (asked for %d)", k, want_k);
    const int32_t *labels = cs_dataset_labels(ds);
    size_t counts[256] = { 0 };
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= k)
            fuzz_fail("label %d of record %zu is outside 0..%d", (int)labels[i], i, k - 1);
        counts[labels[i]]++;
    }
    size_t lib[256];
    if (cs_dataset_class_counts(lib, k, ds) != CS_OK || memcmp(lib, counts, (size_t)k * sizeof *lib) != 0)
        fuzz_fail("cs_dataset_class_counts disagrees with the labels");
    cs_dataset_destroy(ds);
}

static uint8_t images_file[16 + 4 * MAX_IMAGES];

static void open_both(const char *images, const char *labels)
{
    cs_dataset *ds = NULL;
    if (cs_dataset_open_idx(&ds, images, labels) == CS_OK)
        use(ds, 0);
    if (cs_dataset_open_idx_classes(&ds, images, labels, 10) == CS_OK)
        use(ds, 10);
}

/* The image file for a label header that claims n records. The reader takes the labels before
 * the pixels, and n labels need n bytes after the 8 of the header: in `size` raw bytes, or in
 * at most 1,032 times as many (deflate's largest ratio) when the input itself is gzip. When
 * they cannot be there the pixels are never read, and the image header alone (which the reader
 * does read, for its count) behaves the same as the whole file at a 16th of the cost of
 * writing up to 256 KiB for every input. The file stays as it is while n does not change. */
static const char *images_for(uint32_t n, size_t size, int gzip_input)
{
    static const char *path;
    static uint32_t have_n;
    static size_t have_len;
    const uint64_t room = (uint64_t)size * (gzip_input ? 1032u : 1u);
    const size_t len = room >= 8 && n <= room - 8 ? 16 + 4 * (size_t)n : 16;
    if (path && have_n == n && have_len == len)
        return path;
    fuzz_put_be32(images_file + 4, n);
    have_n = n;
    have_len = len;
    return path = fuzz_memfile(1, images_file, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (images_file[3] == 0) {
        static const uint8_t head[16] = { 0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2 };
        memcpy(images_file, head, sizeof head);
        for (uint32_t i = 0; i < 4 * MAX_IMAGES; i++)
            images_file[16 + i] = (uint8_t)(i * 37u);
    }
    uint32_t n = size >= 8 ? fuzz_get_be32(data + 4) : 1;
    if (n > MAX_IMAGES)
        n = 1;
    const char *images = images_for(n, size, size >= 2 && data[0] == 0x1f && data[1] == 0x8b);

    open_both(images, fuzz_memfile(0, data, size));
    size_t gz_len = 0;
    const uint8_t *gz = fuzz_gzip_stored(data, size, &gz_len);
    open_both(images, fuzz_memfile(0, gz, gz_len));
    return 0;
}
