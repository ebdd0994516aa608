/* libFuzzer target: NumPy .npz archives (cs_dataset_open_npz and cs_dataset_open_npz_split):
 * the zip reader (end records, ZIP64, central directory, local headers, stored and deflated
 * members, CRC-32) and the .npy arrays inside, class names included. */
#include <string.h>

#include <classsens.h>

#include "fuzz_common.h"

static void use(cs_dataset *ds)
{
    int c = 0, h = 0, w = 0;
    if (cs_dataset_shape(&c, &h, &w, ds) != CS_OK || (c != 1 && c != 3) || h < 1 || w < 1)
        fuzz_fail("a loaded .npz data set has shape %dx%dx%d", c, h, w);
    const size_t n = cs_dataset_size(ds);
    const int k = cs_dataset_num_classes(ds);
    if (k < 2 || k > 65536)
        fuzz_fail("a loaded .npz data set has %d classes", k);
    for (int i = 0; i < k; i++) {
        const char *name = cs_dataset_class_name(ds, i);
        if (!name || !name[0])
            fuzz_fail("class %d has no name", i);
    }
    for (size_t i = 0; i < n; i++)
        if (cs_dataset_label(ds, i) < 0 || cs_dataset_label(ds, i) >= k)
            fuzz_fail("record %zu has label %d of %d classes", i, cs_dataset_label(ds, i), k);
    const uint8_t *last = cs_dataset_image(ds, n - 1);
    if (!last)
        fuzz_fail("no last image");
    volatile uint8_t sink = last[(size_t)c * (size_t)h * (size_t)w - 1];
    (void)sink;
    cs_dataset_destroy(ds);
}

static void check(int rc, cs_dataset *ds)
{
    if (rc == CS_OK)
        use(ds);
    else if (ds || rc > 0 || strcmp(cs_last_error(), "no error") == 0)
        fuzz_fail("a refusal (%d) left a data set or no message", rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_memfile(0, data, size);
    for (int entry = 0; entry < 3; entry++) {
        cs_dataset *ds = NULL;
        cs_error_clear();
        int rc = entry == 0 ? cs_dataset_open_npz(&ds, path, NULL)
                            : cs_dataset_open_npz_split(&ds, path, entry == 1 ? CS_SPLIT_TRAIN : CS_SPLIT_TEST, NULL);
        check(rc, ds);
    }
    return 0;
}
