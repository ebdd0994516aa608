/* libFuzzer target: the CIFAR-10 directory reader (cs_dataset_open_cifar10 on the extracted
 * cifar-10-batches-bin). The input is up to seven files split at FUZZ_SEPARATOR, in this order:
 * test_batch.bin, data_batch_1.bin .. data_batch_5.bin, batches.meta.txt; a missing part is a
 * missing file. Each file may be raw or gzip-compressed, as the reader allows. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <classsens.h>

#include "fuzz_common.h"

static const char *const names[] = {
    "test_batch.bin", "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
    "data_batch_4.bin", "data_batch_5.bin", "batches.meta.txt",
};
#define N_NAMES (int)(sizeof names / sizeof names[0])

static void use(cs_dataset *ds)
{
    int c = 0, h = 0, w = 0;
    if (cs_dataset_shape(&c, &h, &w, ds) != CS_OK || c != 3 || h != 32 || w != 32)
        fuzz_fail("a loaded CIFAR-10 split has shape %dx%dx%d", c, h, w);
    const size_t n = cs_dataset_size(ds);
    size_t counts[10], total = 0;
    if (cs_dataset_class_counts(counts, 10, ds) != CS_OK)
        fuzz_fail("class counts: %s", cs_last_error());
    for (int k = 0; k < 10; k++)
        total += counts[k];
    if (total != n)
        fuzz_fail("class counts sum to %zu of %zu records", total, n);
    cs_dataset_destroy(ds);
}

/* Make dir/names[i] hold exactly data[0..n), or not exist when data is NULL. The files stay
 * open between inputs and are overwritten (fuzz_overwrite): the same files as writing each
 * anew, without the open and close of seven files per input. */
static void put_file(const char *dir, int i, const uint8_t *data, size_t n)
{
    static int fds[N_NAMES] = { -1, -1, -1, -1, -1, -1, -1 };
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (!data) {
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
            if (unlink(path) != 0)
                fuzz_fail("unlink %s: %s", path, strerror(errno));
        }
        return;
    }
    if (fds[i] < 0) {
        fds[i] = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fds[i] < 0)
            fuzz_fail("open %s: %s", path, strerror(errno));
    }
    fuzz_overwrite(fds[i], data, n, path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *start[FUZZ_MAX_PARTS];
    size_t len[FUZZ_MAX_PARTS];
    int parts = fuzz_split(data, size, start, len);
    const char *dir = fuzz_scratch_dir();
    for (int i = 0; i < N_NAMES; i++)
        put_file(dir, i, i < parts ? start[i] : NULL, i < parts ? len[i] : 0);
    cs_dataset *ds = NULL;
    if (cs_dataset_open_cifar10(&ds, dir, CS_SPLIT_TEST) == CS_OK)
        use(ds);
    if (cs_dataset_open_cifar10(&ds, dir, CS_SPLIT_TRAIN) == CS_OK)
        use(ds);
    return 0;
}
