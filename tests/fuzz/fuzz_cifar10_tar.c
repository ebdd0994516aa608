/* libFuzzer target: the CIFAR-10 archive reader (cs_dataset_open_cifar10 on a file: a tar
 * archive, raw or gzip-compressed, with the tar reader of lib/data/tar.c underneath). The input
 * is the archive; it is opened as it is and gzip-compressed, for both splits. */
#include <classsens.h>

#include "fuzz_common.h"

static void use(cs_dataset *ds)
{
    int c = 0, h = 0, w = 0;
    if (cs_dataset_shape(&c, &h, &w, ds) != CS_OK || c != 3 || h != 32 || w != 32)
        fuzz_fail("a loaded CIFAR-10 split has shape %dx%dx%d", c, h, w);
    if (cs_dataset_num_classes(ds) != 10)
        fuzz_fail("a loaded CIFAR-10 split has %d classes", cs_dataset_num_classes(ds));
    const size_t n = cs_dataset_size(ds);
    for (int k = 0; k < 10; k++)
        if (!cs_dataset_class_name(ds, k) || !*cs_dataset_class_name(ds, k))
            fuzz_fail("class %d has no name", k);
    for (size_t i = 0; i < n; i++)
        if (cs_dataset_label(ds, i) < 0 || cs_dataset_label(ds, i) > 9)
            fuzz_fail("record %zu has label %d", i, cs_dataset_label(ds, i));
    cs_dataset_destroy(ds);
}

static void open_splits(const char *path)
{
    cs_dataset *ds = NULL;
    if (cs_dataset_open_cifar10(&ds, path, CS_SPLIT_TEST) == CS_OK)
        use(ds);
    if (cs_dataset_open_cifar10(&ds, path, CS_SPLIT_TRAIN) == CS_OK)
        use(ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    open_splits(fuzz_memfile(0, data, size));
    size_t gz_len = 0;
    const uint8_t *gz = fuzz_gzip_stored(data, size, &gz_len);
    open_splits(fuzz_memfile(0, gz, gz_len));
    return 0;
}
