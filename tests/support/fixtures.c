#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include <classsens.h>

#include "fixtures.h"

char *cs_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = cs_test_path(base && base[0] ? base : "/tmp", "classsens-test-XXXXXX");
    ck_assert_msg(mkdtemp(path) != NULL, "mkdtemp %s failed", path);
    return path;
}

char *cs_test_dir;

void cs_test_dir_setup(void)
{
    cs_test_dir = cs_test_tmpdir();
}

void cs_test_dir_teardown(void)
{
    cs_test_rmtree(cs_test_dir);
    free(cs_test_dir);
    cs_test_dir = NULL;
}

int cs_test_check_outcome(int rc, cs_dataset *ds)
{
    if (rc == CS_OK) {
        ck_assert_ptr_nonnull(ds);
        cs_dataset_destroy(ds);
        return 0;
    }
    ck_assert_int_lt(rc, 0);
    ck_assert_ptr_null(ds);
    ck_assert_str_ne(cs_status_str(rc), "CS_ERR_UNKNOWN");
    ck_assert_str_ne(cs_last_error(), "no error");
    return 1;
}

void cs_test_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = cs_test_path(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            cs_test_rmtree(p);
        else
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

char *cs_test_path(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    ck_assert_ptr_nonnull(p);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

void cs_test_write(const char *path, const void *data, size_t n, int gzip)
{
    if (gzip) {
        gzFile gz = gzopen(path, "wb6");
        ck_assert_msg(gz != NULL, "gzopen %s", path);
        ck_assert_int_eq(gzwrite(gz, data, (unsigned)n), (int)n);
        ck_assert_int_eq(gzclose(gz), Z_OK);
        return;
    }
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "fopen %s", path);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

uint8_t *cs_test_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "fopen %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    buf[len] = 0; /* text files are read as C strings too */
    *n = (size_t)len;
    return buf;
}

uint8_t cs_test_byte(uint32_t seed, size_t i)
{
    uint64_t z = (uint64_t)i * 0x9E3779B97F4A7C15ull + seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint8_t)(z >> 56);
}

uint8_t *cs_test_idx(size_t *len, uint8_t type, int ndims, const uint32_t *dims,
                     const uint8_t *data, uint32_t seed)
{
    size_t count = 1;
    for (int d = 0; d < ndims; d++)
        count *= dims[d];
    size_t header = 4 + 4 * (size_t)ndims;
    uint8_t *buf = malloc(header + count + 1);
    ck_assert_ptr_nonnull(buf);
    buf[0] = 0;
    buf[1] = 0;
    buf[2] = type;
    buf[3] = (uint8_t)ndims;
    for (int d = 0; d < ndims; d++) {
        buf[4 + 4 * d] = (uint8_t)(dims[d] >> 24);
        buf[5 + 4 * d] = (uint8_t)(dims[d] >> 16);
        buf[6 + 4 * d] = (uint8_t)(dims[d] >> 8);
        buf[7 + 4 * d] = (uint8_t)dims[d];
    }
    for (size_t i = 0; i < count; i++)
        buf[header + i] = data ? data[i] : cs_test_byte(seed, i);
    *len = header + count;
    return buf;
}

uint8_t *cs_test_cifar_batch(size_t *len, size_t n, const uint8_t *labels, uint32_t seed)
{
    uint8_t *buf = malloc(n * 3073 + 1);
    ck_assert_ptr_nonnull(buf);
    for (size_t r = 0; r < n; r++) {
        buf[r * 3073] = labels ? labels[r] : (uint8_t)(r % 10);
        for (size_t j = 0; j < 3072; j++)
            buf[r * 3073 + 1 + j] = cs_test_byte(seed, r * 3072 + j);
    }
    *len = n * 3073;
    return buf;
}

static void tar_reserve(cs_test_tar *t, size_t extra)
{
    if (t->len + extra <= t->cap)
        return;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + extra)
        cap *= 2;
    t->data = realloc(t->data, cap);
    ck_assert_ptr_nonnull(t->data);
    t->cap = cap;
}

static void tar_header(cs_test_tar *t, const char *name, char type, size_t size)
{
    tar_reserve(t, 512);
    uint8_t *h = t->data + t->len;
    memset(h, 0, 512);
    strncpy((char *)h, name, 100);
    memcpy(h + 100, "0000644", 7);
    memcpy(h + 108, "0001750", 7);
    memcpy(h + 116, "0001750", 7);
    snprintf((char *)h + 124, 12, "%011lo", (unsigned long)size);
    memcpy(h + 136, "14000000000", 11);
    memset(h + 148, ' ', 8);
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar\0" "00", 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    t->len += 512;
}

static void tar_data(cs_test_tar *t, const void *data, size_t n)
{
    size_t padded = (n + 511) / 512 * 512;
    tar_reserve(t, padded);
    if (n)
        memcpy(t->data + t->len, data, n);
    memset(t->data + t->len + n, 0, padded - n);
    t->len += padded;
}

void cs_test_tar_add(cs_test_tar *t, const char *name, char type, const void *data, size_t n)
{
    if (strlen(name) >= 100) {
        tar_header(t, "././@LongLink", 'L', strlen(name) + 1);
        tar_data(t, name, strlen(name) + 1);
    }
    tar_header(t, name, type, type == '5' ? 0 : n);
    if (type != '5')
        tar_data(t, data, n);
}

void cs_test_tar_finish(cs_test_tar *t)
{
    tar_reserve(t, 1024);
    memset(t->data + t->len, 0, 1024);
    t->len += 1024;
}

void cs_test_tar_free(cs_test_tar *t)
{
    free(t->data);
    t->data = NULL;
    t->len = t->cap = 0;
}

int cs_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

const char *cs_test_fashion_dir(void)
{
    const char *dir = getenv(CS_FASHION_MNIST_ENV);
    if (!dir || !*dir)
        dir = CS_FASHION_MNIST_DEFAULT_DIR;
    static const char *const names[] = { "train-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte" };
    /* Called from main(), before any test: no ck_assert (cs_test_path) here. */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4096];
        struct stat st;
        int n = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0)
            return dir;
    }
    fprintf(stderr, "SKIP: Fashion-MNIST not found in %s (apt-get install dataset-fashion-mnist, "
                    "or set %s)\n", dir, CS_FASHION_MNIST_ENV);
    return NULL;
}

/* Learnable data for study tests: n images of 1x12x12 in 3 classes (record i has class i % 3),
 * class c lighting up its band of rows, plus noise from cs_test_byte(seed, ...); classes named
 * "top", "middle, wide" and "bottom \"low\"" (a comma and quotes, for the report writers). */
cs_dataset *cs_test_bands(size_t n, uint32_t seed)
{
    enum { SIDE = 12, K = 3 };
    const size_t plane = SIDE * SIDE;
    uint8_t *px = malloc(n * plane);
    int32_t *labels = malloc(n * sizeof *labels);
    ck_assert_ptr_nonnull(px);
    ck_assert_ptr_nonnull(labels);
    for (size_t i = 0; i < n; i++) {
        labels[i] = (int32_t)(i % K);
        for (size_t j = 0; j < plane; j++) {
            int lit = (int)(j / SIDE) / 4 == labels[i];
            px[i * plane + j] = (uint8_t)((lit ? 150 : 20) + cs_test_byte(seed, i * plane + j) % 90);
        }
    }
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_from_memory(&ds, px, labels, n, 1, SIDE, SIDE, K));
    free(px);
    free(labels);
    const char *names[K] = { "top", "middle, wide", "bottom \"low\"" };
    cs_assert_ok(cs_dataset_set_class_names(ds, names, K));
    return ds;
}

int cs_test_comma_locale(const char *locale)
{
    const int usable = setlocale(LC_ALL, locale) && strcmp(localeconv()->decimal_point, ",") == 0;
    setlocale(LC_ALL, "C");
    if (!usable)
        printf("SKIPPED: the locale %s (with a decimal comma) is not installed; scripts/setup.sh generates "
               "de_DE.UTF-8\n", locale);
    return usable;
}

cs_model *cs_test_model(const char *arch, int c, int h, int w, int k, double width, uint64_t seed)
{
    cs_model_options o = CS_MODEL_OPTIONS_INIT;
    o.width = width;
    o.seed = seed;
    cs_model *m = NULL;
    const int status = cs_model_create(&m, arch, c, h, w, k, &o);
    ck_assert_msg(status == CS_OK, "cs_model_create(%s): %s: %s", arch, cs_status_str(status), cs_last_error());
    ck_assert_ptr_nonnull(m);
    return m;
}
