/* Fashion-MNIST: the directory lookup on small stand-ins, and (`test_fashion_mnist real`, the
 * ctest fashion_mnist_real) the real files from Debian's dataset-fashion-mnist, reported as
 * skipped (exit 77) when absent; CI installs the package. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <classsens.h>

#include "fixtures.h"

/* Where the real data is; main() runs the real_data cases only when it is there. */
static const char *fashion_dir;

START_TEST(real_training_split)
{
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_open_fashion_mnist(&ds, fashion_dir, CS_SPLIT_TRAIN));
    ck_assert_uint_eq(cs_dataset_size(ds), 60000);
    int c, h, w;
    cs_dataset_shape(&c, &h, &w, ds);
    ck_assert(c == 1 && h == 28 && w == 28);
    ck_assert_int_eq(cs_dataset_num_classes(ds), 10);
    static const int first[8] = { 9, 0, 0, 3, 0, 2, 7, 2 };
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(cs_dataset_label(ds, (size_t)i), first[i]);
    size_t counts[10];
    cs_assert_ok(cs_dataset_class_counts(counts, 10, ds));
    for (int k = 0; k < 10; k++)
        ck_assert_uint_eq(counts[k], 6000);
    static const char *const names[10] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
    for (int k = 0; k < 10; k++)
        ck_assert_str_eq(cs_dataset_class_name(ds, k), names[k]);
    double mean, sd;
    cs_assert_ok(cs_dataset_channel_stats(&mean, &sd, 1, ds));
    /* The widely quoted normalisation constants of Fashion-MNIST's training set. */
    ck_assert_double_eq_tol(mean, 0.2860, 5e-5);
    ck_assert_double_eq_tol(sd, 0.3530, 5e-5);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(real_test_split)
{
    /* NULL: the library's own lookup, which finds what cs_test_fashion_dir() found. */
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_open_fashion_mnist(&ds, NULL, CS_SPLIT_TEST));
    ck_assert_uint_eq(cs_dataset_size(ds), 10000);
    static const int first[4] = { 9, 2, 1, 1 };
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(cs_dataset_label(ds, (size_t)i), first[i]);
    size_t counts[10];
    cs_assert_ok(cs_dataset_class_counts(counts, 10, ds));
    for (int k = 0; k < 10; k++)
        ck_assert_uint_eq(counts[k], 1000);
    cs_dataset_destroy(ds);
}
END_TEST

/* Small stand-in files named like the release: n images of 28x28, labels from `labels`. */
static void write_standins(const char *prefix, uint32_t n, const uint8_t *labels, int gz)
{
    uint32_t idims[3] = { n, 28, 28 }, ldims[1] = { n };
    char name[128];
    size_t len;
    uint8_t *buf = cs_test_idx(&len, 0x08, 3, idims, NULL, 5);
    snprintf(name, sizeof name, "%s-images-idx3-ubyte%s", prefix, gz ? ".gz" : "");
    char *p = cs_test_path(cs_test_dir, name);
    cs_test_write(p, buf, len, gz);
    free(p);
    free(buf);
    buf = cs_test_idx(&len, 0x08, 1, ldims, labels, 0);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte%s", prefix, gz ? ".gz" : "");
    p = cs_test_path(cs_test_dir, name);
    cs_test_write(p, buf, len, gz);
    free(p);
    free(buf);
}

START_TEST(directory_argument_and_environment_are_honoured)
{
    uint8_t labels[4] = { 3, 1, 4, 1 };
    write_standins("train", 4, labels, 1);   /* gzip, as Debian ships them */
    write_standins("t10k", 4, labels, 0);    /* uncompressed, as some mirrors do */
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_open_fashion_mnist(&ds, cs_test_dir, CS_SPLIT_TRAIN));
    ck_assert_uint_eq(cs_dataset_size(ds), 4);
    ck_assert_str_eq(cs_dataset_class_name(ds, cs_dataset_label(ds, 0)), "Dress");
    cs_dataset_destroy(ds);
    ck_assert_int_eq(setenv(CS_FASHION_MNIST_ENV, cs_test_dir, 1), 0);
    cs_assert_ok(cs_dataset_open_fashion_mnist(&ds, NULL, CS_SPLIT_TEST));
    ck_assert_uint_eq(cs_dataset_size(ds), 4);
    ck_assert_int_eq(cs_dataset_label(ds, 2), 4);
    cs_dataset_destroy(ds);
    /* An explicit directory wins over the environment. */
    char *empty = cs_test_path(cs_test_dir, "empty");
    mkdir(empty, 0755);
    cs_assert_fails(cs_dataset_open_fashion_mnist(&ds, empty, CS_SPLIT_TEST), CS_ERR_NOT_FOUND,
                    "dataset-fashion-mnist");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "t10k-images-idx3-ubyte.gz"));
    /* An empty variable falls back to the default directory. */
    ck_assert_int_eq(setenv(CS_FASHION_MNIST_ENV, "", 1), 0);
    int rc = cs_dataset_open_fashion_mnist(&ds, NULL, CS_SPLIT_TEST);
    if (rc == CS_OK)
        ck_assert_uint_eq(cs_dataset_size(ds), 10000);
    else
        ck_assert_ptr_nonnull(strstr(cs_last_error(), CS_FASHION_MNIST_DEFAULT_DIR));
    cs_dataset_destroy(ds);
    unsetenv(CS_FASHION_MNIST_ENV);
    free(empty);
}
END_TEST

START_TEST(labels_beyond_ten_classes_are_refused)
{
    uint8_t labels[3] = { 0, 10, 1 };
    write_standins("train", 3, labels, 1);
    cs_dataset *ds = NULL;
    cs_assert_fails(cs_dataset_open_fashion_mnist(&ds, cs_test_dir, CS_SPLIT_TRAIN), CS_ERR_OUT_OF_RANGE,
                    "label 10 of record 1 (byte offset 9) is outside 0..9");
    cs_assert_fails(cs_dataset_open_fashion_mnist(&ds, cs_test_dir, (cs_split)-1), CS_ERR_INVALID_ARGUMENT, "split is -1");
    cs_assert_fails(cs_dataset_open_fashion_mnist(NULL, cs_test_dir, CS_SPLIT_TRAIN), CS_ERR_INVALID_ARGUMENT, "out");
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "real") == 0) {
        fashion_dir = cs_test_fashion_dir();
        if (!fashion_dir)
            return CS_TEST_SKIPPED;
        Suite *s = suite_create("fashion_mnist_real");
        TCase *real = tcase_create("real_data");
        tcase_set_timeout(real, 120);
        tcase_add_test(real, real_training_split);
        tcase_add_test(real, real_test_split);
        suite_add_tcase(s, real);
        return cs_test_run(s);
    }
    Suite *s = suite_create("fashion_mnist");
    TCase *tc = tcase_create("lookup");
    tcase_add_checked_fixture(tc, cs_test_dir_setup, cs_test_dir_teardown);
    tcase_add_test(tc, directory_argument_and_environment_are_honoured);
    tcase_add_test(tc, labels_beyond_ten_classes_are_refused);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
