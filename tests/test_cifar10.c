/* CIFAR-10 loader: the extracted directory, the .tar.gz read in place (archives written by
 * these tests in the exact format, and by GNU tar when present), and malformed inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include <classsens.h>

#include "fixtures.h"

static const size_t batch_sizes[6] = { 7, 5, 6, 4, 3, 9 }; /* data_batch_1..5, test_batch */
static const char *const meta = "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
static const char *member(int b)
{
    static const char *const names[6] = { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                          "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin" };
    return names[b];
}

static uint8_t *batch_bytes(int b, size_t *len)
{
    return cs_test_cifar_batch(len, batch_sizes[b], NULL, 100u + (uint32_t)b);
}

/* dir/sub holding the six batches (and the meta file when with_meta). */
static char *write_directory(const char *sub, int with_meta)
{
    char *d = cs_test_path(cs_test_dir, sub);
    ck_assert_int_eq(mkdir(d, 0755), 0);
    for (int b = 0; b < 6; b++) {
        size_t len;
        uint8_t *buf = batch_bytes(b, &len);
        char *p = cs_test_path(d, member(b));
        cs_test_write(p, buf, len, 0);
        free(p);
        free(buf);
    }
    if (with_meta) {
        char *p = cs_test_path(d, "batches.meta.txt");
        cs_test_write(p, meta, strlen(meta), 0);
        free(p);
    }
    return d;
}

/* The release's layout: a directory entry, members in a scrambled order, extra files. Batches
 * listed in `skip` (a bitmask) are left out. */
static void build_tar(cs_test_tar *t, unsigned skip, const char *meta_text)
{
    static const int order[6] = { 2, 0, 5, 4, 1, 3 };
    cs_test_tar_add(t, "cifar-10-batches-bin/", '5', NULL, 0);
    cs_test_tar_add(t, "cifar-10-batches-bin/readme.html", '0', "<html></html>", 13);
    for (int i = 0; i < 6; i++) {
        int b = order[i];
        if (skip & (1u << b))
            continue;
        size_t len;
        uint8_t *buf = batch_bytes(b, &len);
        char name[128];
        snprintf(name, sizeof name, "cifar-10-batches-bin/%s", member(b));
        cs_test_tar_add(t, name, '0', buf, len);
        free(buf);
        if (i == 2 && meta_text)
            cs_test_tar_add(t, "cifar-10-batches-bin/batches.meta.txt", '0', meta_text, strlen(meta_text));
    }
    cs_test_tar_finish(t);
}

static char *write_archive(const char *name, unsigned skip, const char *meta_text, int gz)
{
    cs_test_tar t = { 0 };
    build_tar(&t, skip, meta_text);
    char *p = cs_test_path(cs_test_dir, name);
    cs_test_write(p, t.data, t.len, gz);
    cs_test_tar_free(&t);
    return p;
}

static void check_split(const cs_dataset *ds, cs_split split)
{
    int first = split == CS_SPLIT_TRAIN ? 0 : 5, last = split == CS_SPLIT_TRAIN ? 4 : 5;
    size_t total = 0;
    for (int b = first; b <= last; b++)
        total += batch_sizes[b];
    ck_assert_uint_eq(cs_dataset_size(ds), total);
    int c, h, w;
    cs_dataset_shape(&c, &h, &w, ds);
    ck_assert(c == 3 && h == 32 && w == 32);
    ck_assert_int_eq(cs_dataset_num_classes(ds), 10);
    size_t i = 0;
    for (int b = first; b <= last; b++)
        for (size_t r = 0; r < batch_sizes[b]; r++, i++) {
            ck_assert_int_eq(cs_dataset_label(ds, i), (int)(r % 10));
            const uint8_t *img = cs_dataset_image(ds, i);
            for (size_t j = 0; j < 3072; j += 97)
                ck_assert_uint_eq(img[j], cs_test_byte(100u + (uint32_t)b, r * 3072 + j));
            ck_assert_uint_eq(img[3071], cs_test_byte(100u + (uint32_t)b, r * 3072 + 3071));
        }
}

START_TEST(directory_loads_both_splits_in_batch_order)
{
    char *d = write_directory("cifar-10-batches-bin", 1);
    cs_dataset *train = NULL, *test = NULL;
    cs_assert_ok(cs_dataset_open_cifar10(&train, d, CS_SPLIT_TRAIN));
    cs_assert_ok(cs_dataset_open_cifar10(&test, d, CS_SPLIT_TEST));
    check_split(train, CS_SPLIT_TRAIN);
    check_split(test, CS_SPLIT_TEST);
    ck_assert_str_eq(cs_dataset_class_name(train, 0), "plane");
    ck_assert_str_eq(cs_dataset_class_name(test, 9), "truck");
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    free(d);
}
END_TEST

START_TEST(without_meta_the_canonical_names_are_used)
{
    char *d = write_directory("nometa", 0);
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_open_cifar10(&ds, d, CS_SPLIT_TEST));
    ck_assert_str_eq(cs_dataset_class_name(ds, 0), "airplane");
    ck_assert_str_eq(cs_dataset_class_name(ds, 3), "cat");
    cs_dataset_destroy(ds);
    free(d);
}
END_TEST

START_TEST(tar_gz_is_read_in_place)
{
    char *p = write_archive("cifar-10-binary.tar.gz", 0, meta, 1);
    cs_dataset *train = NULL, *test = NULL;
    cs_assert_ok(cs_dataset_open_cifar10(&train, p, CS_SPLIT_TRAIN));
    cs_assert_ok(cs_dataset_open_cifar10(&test, p, CS_SPLIT_TEST));
    check_split(train, CS_SPLIT_TRAIN);
    check_split(test, CS_SPLIT_TEST);
    ck_assert_str_eq(cs_dataset_class_name(train, 1), "car");
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    free(p);
    /* An uncompressed .tar works the same way. */
    p = write_archive("plain.tar", 0, NULL, 0);
    cs_assert_ok(cs_dataset_open_cifar10(&test, p, CS_SPLIT_TEST));
    check_split(test, CS_SPLIT_TEST);
    ck_assert_str_eq(cs_dataset_class_name(test, 1), "automobile");
    cs_dataset_destroy(test);
    free(p);
}
END_TEST

START_TEST(long_member_names_are_followed)
{
    cs_test_tar t = { 0 };
    char name[300];
    memset(name, 'd', 150);
    snprintf(name + 150, sizeof name - 150, "/cifar-10-batches-bin/test_batch.bin");
    size_t len;
    uint8_t *buf = batch_bytes(5, &len);
    cs_test_tar_add(&t, name, '0', buf, len);
    cs_test_tar_finish(&t);
    free(buf);
    char *p = cs_test_path(cs_test_dir, "long.tar.gz");
    cs_test_write(p, t.data, t.len, 1);
    cs_test_tar_free(&t);
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_open_cifar10(&ds, p, CS_SPLIT_TEST));
    check_split(ds, CS_SPLIT_TEST);
    cs_dataset_destroy(ds);
    free(p);
}
END_TEST

START_TEST(gnu_tar_archives_load)
{
    /* tar is part of every Debian system (and of scripts/setup.sh): its absence is a failure
     * here, not a skip that would count as a pass. */
    ck_assert_msg(system("tar --version >/dev/null 2>&1") == 0,
                  "gnu_tar_archives_load needs the tar program (scripts/setup.sh installs it)");
    char *d = write_directory("cifar-10-batches-bin", 1);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "tar -C '%s' -czf '%s/gnu.tar.gz' cifar-10-batches-bin", cs_test_dir, cs_test_dir);
    ck_assert_int_eq(system(cmd), 0);
    char *p = cs_test_path(cs_test_dir, "gnu.tar.gz");
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_open_cifar10(&ds, p, CS_SPLIT_TRAIN));
    check_split(ds, CS_SPLIT_TRAIN);
    ck_assert_str_eq(cs_dataset_class_name(ds, 2), "bird");
    cs_dataset_destroy(ds);
    /* POSIX pax format too. */
    snprintf(cmd, sizeof cmd, "tar --format=pax -C '%s' -czf '%s/pax.tar.gz' cifar-10-batches-bin", cs_test_dir, cs_test_dir);
    ck_assert_int_eq(system(cmd), 0);
    free(p);
    p = cs_test_path(cs_test_dir, "pax.tar.gz");
    cs_assert_ok(cs_dataset_open_cifar10(&ds, p, CS_SPLIT_TEST));
    check_split(ds, CS_SPLIT_TEST);
    cs_dataset_destroy(ds);
    free(p);
    free(d);
}
END_TEST

START_TEST(missing_batches_and_members_are_named)
{
    cs_dataset *ds = (cs_dataset *)&ds;
    char *missing = cs_test_path(cs_test_dir, "absent");
    cs_assert_fails(cs_dataset_open_cifar10(&ds, missing, CS_SPLIT_TRAIN), CS_ERR_NOT_FOUND, "does not exist");
    ck_assert_ptr_null(ds);
    free(missing);
    char *d = write_directory("partial", 1);
    char *b3 = cs_test_path(d, "data_batch_3.bin");
    unlink(b3);
    free(b3);
    cs_assert_fails(cs_dataset_open_cifar10(&ds, d, CS_SPLIT_TRAIN), CS_ERR_NOT_FOUND, "data_batch_3.bin");
    cs_assert_ok(cs_dataset_open_cifar10(&ds, d, CS_SPLIT_TEST)); /* the test split is complete */
    cs_dataset_destroy(ds);
    free(d);
    char *p = write_archive("no-test.tar.gz", 1u << 5, meta, 1);
    cs_assert_fails(cs_dataset_open_cifar10(&ds, p, CS_SPLIT_TEST), CS_ERR_NOT_FOUND,
                    "the archive has no member named test_batch.bin");
    cs_assert_ok(cs_dataset_open_cifar10(&ds, p, CS_SPLIT_TRAIN));
    cs_dataset_destroy(ds);
    free(p);
    cs_assert_fails(cs_dataset_open_cifar10(&ds, NULL, CS_SPLIT_TRAIN), CS_ERR_INVALID_ARGUMENT, "path");
    cs_assert_fails(cs_dataset_open_cifar10(&ds, cs_test_dir, (cs_split)7), CS_ERR_INVALID_ARGUMENT, "split is 7");
}
END_TEST

START_TEST(bad_records_are_refused_with_offsets)
{
    char *d = write_directory("bad", 1);
    cs_dataset *ds = NULL;
    /* A test batch one byte short of whole records. */
    size_t len;
    uint8_t *buf = batch_bytes(5, &len);
    char *p = cs_test_path(d, "test_batch.bin");
    cs_test_write(p, buf, len - 1, 0);
    cs_assert_fails(cs_dataset_open_cifar10(&ds, d, CS_SPLIT_TEST), CS_ERR_TRUNCATED,
                    "test_batch.bin is 27656 bytes, not a whole number of 3073-byte records (8 records and 3072 bytes)");
    /* A label of 10 in record 4. */
    buf[4 * 3073] = 10;
    cs_test_write(p, buf, len, 0);
    cs_assert_fails(cs_dataset_open_cifar10(&ds, d, CS_SPLIT_TEST), CS_ERR_OUT_OF_RANGE,
                    "test_batch.bin record 4 (byte offset 12292) has label 10, expected 0..9");
    cs_test_write(p, buf, 0, 0);
    cs_assert_fails(cs_dataset_open_cifar10(&ds, d, CS_SPLIT_TEST), CS_ERR_FORMAT, "is 0 bytes");
    free(buf);
    free(p);
    /* A meta file with nine names. */
    p = cs_test_path(d, "batches.meta.txt");
    cs_test_write(p, "a\nb\nc\nd\ne\nf\ng\nh\ni\n", 18, 0);
    cs_assert_fails(cs_dataset_open_cifar10(&ds, d, CS_SPLIT_TRAIN), CS_ERR_FORMAT, "lists 9 class names, expected 10");
    free(p);
    free(d);
}
END_TEST

/* Gzip files in the directory: a batch larger than the reader's first buffer (64 KiB), which
 * grows while it reads, and a meta file that is refused at 4,096 bytes as a raw one is (a
 * compressed one of that size overran the reader's copy before). */
START_TEST(gzip_files_in_a_directory)
{
    char *d = cs_test_path(cs_test_dir, "gz");
    ck_assert_int_eq(mkdir(d, 0755), 0);
    size_t len;
    uint8_t *buf = cs_test_cifar_batch(&len, 50, NULL, 7u);
    ck_assert_uint_gt(len, 2 * 64 * 1024);
    char *p = cs_test_path(d, "test_batch.bin");
    cs_test_write(p, buf, len, 1);
    free(p);
    p = cs_test_path(d, "batches.meta.txt");
    cs_test_write(p, meta, strlen(meta), 1);
    cs_dataset *ds = NULL;
    ck_assert_int_eq(cs_dataset_open_cifar10(&ds, d, CS_SPLIT_TEST), CS_OK);
    ck_assert_uint_eq(cs_dataset_size(ds), 50);
    ck_assert_str_eq(cs_dataset_class_name(ds, 1), "car");
    for (size_t i = 0; i < 50; i++)
        ck_assert_int_eq(cs_dataset_label(ds, i), buf[i * 3073]);
    cs_dataset_destroy(ds);
    char big[4096];
    memset(big, '\n', sizeof big);
    memcpy(big, meta, strlen(meta));
    for (size_t n = sizeof big - 1; n <= sizeof big; n++) {
        for (int gz = 0; gz <= 1; gz++) {
            cs_test_write(p, big, n, gz);
            if (n < sizeof big) {
                ck_assert_int_eq(cs_dataset_open_cifar10(&ds, d, CS_SPLIT_TEST), CS_OK);
                cs_dataset_destroy(ds);
            } else {
                cs_assert_fails(cs_dataset_open_cifar10(&ds, d, CS_SPLIT_TEST), CS_ERR_FORMAT,
                                "larger than the 4096 bytes expected of it");
            }
        }
    }
    free(p);
    free(buf);
    free(d);
}
END_TEST

START_TEST(damaged_archives_are_refused)
{
    cs_test_tar t = { 0 };
    build_tar(&t, 0, meta);
    cs_dataset *ds = NULL;
    char *p = cs_test_path(cs_test_dir, "damaged.tar");
    /* A flipped bit in the third header (its checksum no longer matches). */
    size_t second_header = 512 + 512 + 512; /* dir entry, readme header + 1 data block */
    t.data[second_header + 10] ^= 0x01;
    cs_test_write(p, t.data, t.len, 0);
    cs_assert_fails(cs_dataset_open_cifar10(&ds, p, CS_SPLIT_TRAIN), CS_ERR_CORRUPT, "fails its checksum");
    t.data[second_header + 10] ^= 0x01;
    /* Cut inside the data of a member. */
    cs_test_write(p, t.data, second_header + 512 + 1000, 1);
    cs_assert_fails(cs_dataset_open_cifar10(&ds, p, CS_SPLIT_TRAIN), CS_ERR_TRUNCATED, "truncated");
    /* Not an archive at all. */
    cs_test_write(p, "this is plain text and not a tar archive", 40, 0);
    cs_assert_fails(cs_dataset_open_cifar10(&ds, p, CS_SPLIT_TRAIN), CS_ERR_TRUNCATED, "header at byte offset 0 has 40 of 512 bytes");
    uint8_t junk[1024];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = cs_test_byte(9, i) | 1;
    cs_test_write(p, junk, sizeof junk, 0);
    int rc = cs_dataset_open_cifar10(&ds, p, CS_SPLIT_TRAIN);
    ck_assert_msg(rc == CS_ERR_FORMAT || rc == CS_ERR_CORRUPT, "%s: %s", cs_status_str(rc), cs_last_error());
    free(p);
    /* A corrupt gzip stream around a valid tar. */
    p = cs_test_path(cs_test_dir, "corrupt.tar.gz");
    cs_test_write(p, t.data, t.len, 1);
    size_t len;
    uint8_t *gz = cs_test_read(p, &len);
    for (size_t i = len / 3; i < len / 3 + 64; i++)
        gz[i] ^= 0x5A;
    cs_test_write(p, gz, len, 0);
    rc = cs_dataset_open_cifar10(&ds, p, CS_SPLIT_TRAIN);
    ck_assert_msg(rc == CS_ERR_CORRUPT, "%s: %s", cs_status_str(rc), cs_last_error());
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "corrupt gzip stream"));
    free(gz);
    free(p);
    cs_test_tar_free(&t);
}
END_TEST

/* Random damage to a tar.gz and a plain tar: CS_OK or a negative status with a message for
 * every variant, never a crash or a leak. */
START_TEST(random_damage_never_crashes)
{
    cs_test_tar t = { 0 };
    build_tar(&t, 0, meta);
    char *gzp = cs_test_path(cs_test_dir, "good.tar.gz");
    cs_test_write(gzp, t.data, t.len, 1);
    size_t gzlen;
    uint8_t *gz = cs_test_read(gzp, &gzlen);
    free(gzp);
    char *p = cs_test_path(cs_test_dir, "damaged");
    int failures_seen = 0;
    for (int f = 0; f < 2; f++) {
        const uint8_t *orig = f ? gz : t.data;
        size_t len = f ? gzlen : t.len;
        uint8_t *buf = malloc(len);
        for (uint32_t trial = 0; trial < 60; trial++) {
            memcpy(buf, orig, len);
            size_t cut = len;
            if (cs_test_byte(trial, 0) < 64)
                cut = (size_t)cs_test_byte(trial, 1) * len / 256;
            /* Aim the flips at the headers of the plain tar, where they matter most. */
            for (int k = 0; k < 3; k++) {
                size_t at = ((size_t)cs_test_byte(trial, 3 + (size_t)k) << 16 |
                             (size_t)cs_test_byte(trial, 6 + (size_t)k) << 8 | cs_test_byte(trial, 9 + (size_t)k)) % len;
                if (!f && (trial & 1))
                    at = at / 512 * 512 + (at % 512) % 160;
                buf[at] ^= (uint8_t)(1u << (cs_test_byte(trial, 12 + (size_t)k) % 8));
            }
            cs_test_write(p, buf, cut, 0);
            cs_dataset *ds = NULL;
            cs_error_clear();
            int rc = cs_dataset_open_cifar10(&ds, p, (trial % 3) ? CS_SPLIT_TRAIN : CS_SPLIT_TEST);
            failures_seen += cs_test_check_outcome(rc, ds);
        }
        free(buf);
    }
    ck_assert_int_gt(failures_seen, 30);
    free(p);
    free(gz);
    cs_test_tar_free(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cifar10");
    TCase *tc = tcase_create("cifar10");
    tcase_add_checked_fixture(tc, cs_test_dir_setup, cs_test_dir_teardown);
    tcase_add_test(tc, directory_loads_both_splits_in_batch_order);
    tcase_add_test(tc, without_meta_the_canonical_names_are_used);
    tcase_add_test(tc, tar_gz_is_read_in_place);
    tcase_add_test(tc, long_member_names_are_followed);
    tcase_add_test(tc, gnu_tar_archives_load);
    tcase_add_test(tc, missing_batches_and_members_are_named);
    tcase_add_test(tc, bad_records_are_refused_with_offsets);
    tcase_add_test(tc, gzip_files_in_a_directory);
    tcase_add_test(tc, damaged_archives_are_refused);
    tcase_add_test(tc, random_damage_never_crashes);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
