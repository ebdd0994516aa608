/* IDX loader: raw and gzip files, and every way such a file can be wrong. */
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "fixtures.h"

/* Write an image file of n x h x w and a label file of n labels (label i = labels[i] or
 * i % 10) as dir/img and dir/lab, gzip-compressed when gz. */
static void write_pair(const char *img, const char *lab, uint32_t n, uint32_t h, uint32_t w,
                       const uint8_t *labels, int gz)
{
    uint32_t idims[3] = { n, h, w }, ldims[1] = { n };
    size_t len;
    uint8_t *buf = cs_test_idx(&len, 0x08, 3, idims, NULL, 11);
    char *p = cs_test_path(cs_test_dir, img);
    cs_test_write(p, buf, len, gz);
    free(p);
    free(buf);
    uint8_t *gen = malloc(n ? n : 1);
    for (uint32_t i = 0; i < n; i++)
        gen[i] = labels ? labels[i] : (uint8_t)(i % 10);
    buf = cs_test_idx(&len, 0x08, 1, ldims, gen, 0);
    p = cs_test_path(cs_test_dir, lab);
    cs_test_write(p, buf, len, gz);
    free(p);
    free(buf);
    free(gen);
}

static int open_pair(cs_dataset **ds, const char *img, const char *lab, int k)
{
    char *ip = cs_test_path(cs_test_dir, img), *lp = cs_test_path(cs_test_dir, lab);
    int rc = k ? cs_dataset_open_idx_classes(ds, ip, lp, k) : cs_dataset_open_idx(ds, ip, lp);
    free(ip);
    free(lp);
    return rc;
}

static void check_contents(const cs_dataset *ds, uint32_t n, uint32_t h, uint32_t w)
{
    int c, hh, ww;
    cs_dataset_shape(&c, &hh, &ww, ds);
    ck_assert_int_eq(c, 1);
    ck_assert_int_eq(hh, (int)h);
    ck_assert_int_eq(ww, (int)w);
    ck_assert_uint_eq(cs_dataset_size(ds), n);
    for (uint32_t i = 0; i < n; i++) {
        ck_assert_int_eq(cs_dataset_label(ds, i), (int)(i % 10));
        for (uint32_t q = 0; q < h * w; q++)
            ck_assert_uint_eq(cs_dataset_image(ds, i)[q], cs_test_byte(11, (size_t)i * h * w + q));
    }
}

START_TEST(raw_files_load)
{
    write_pair("img", "lab", 23, 4, 3, NULL, 0);
    cs_dataset *ds = NULL;
    cs_assert_ok(open_pair(&ds, "img", "lab", 0));
    check_contents(ds, 23, 4, 3);
    ck_assert_int_eq(cs_dataset_num_classes(ds), 10); /* inferred: largest label + 1 */
    ck_assert_str_eq(cs_dataset_class_name(ds, 7), "7");
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(gzip_is_detected_from_content_not_name)
{
    write_pair("img.bin", "lab.idx", 31, 5, 2, NULL, 1);   /* gzip without .gz names */
    cs_dataset *ds = NULL;
    cs_assert_ok(open_pair(&ds, "img.bin", "lab.idx", 0));
    check_contents(ds, 31, 5, 2);
    cs_dataset_destroy(ds);
    write_pair("img.gz", "lab.gz", 9, 2, 2, NULL, 0);      /* raw with .gz names */
    cs_assert_ok(open_pair(&ds, "img.gz", "lab.gz", 0));
    check_contents(ds, 9, 2, 2);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(fixed_class_count_is_enforced)
{
    uint8_t labels[5] = { 0, 1, 2, 7, 1 };
    write_pair("img", "lab", 5, 2, 2, labels, 0);
    cs_dataset *ds = (cs_dataset *)&ds;
    cs_assert_fails(open_pair(&ds, "img", "lab", 5), CS_ERR_OUT_OF_RANGE,
                    "label 7 of record 3 (byte offset 11) is outside 0..4");
    ck_assert_ptr_null(ds);
    cs_assert_ok(open_pair(&ds, "img", "lab", 12));
    ck_assert_int_eq(cs_dataset_num_classes(ds), 12);
    cs_dataset_destroy(ds);
    cs_assert_fails(open_pair(&ds, "img", "lab", 1), CS_ERR_INVALID_ARGUMENT, "num_classes is 1");
    cs_assert_fails(open_pair(&ds, "img", "lab", 300), CS_ERR_INVALID_ARGUMENT, "2..256");
}
END_TEST

START_TEST(single_class_files_get_two_classes)
{
    uint8_t labels[3] = { 0, 0, 0 };
    write_pair("img", "lab", 3, 2, 2, labels, 0);
    cs_dataset *ds = NULL;
    cs_assert_ok(open_pair(&ds, "img", "lab", 0));
    ck_assert_int_eq(cs_dataset_num_classes(ds), 2);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(missing_files_are_named)
{
    write_pair("img", "lab", 3, 2, 2, NULL, 0);
    cs_dataset *ds = NULL;
    cs_assert_fails(open_pair(&ds, "nope", "lab", 0), CS_ERR_NOT_FOUND, "nope: cannot open");
    cs_assert_fails(open_pair(&ds, "img", "nolabels", 0), CS_ERR_NOT_FOUND, "nolabels");
    cs_assert_fails(open_pair(&ds, ".", "lab", 0), CS_ERR_IO, "is a directory");
    cs_assert_fails(cs_dataset_open_idx(&ds, NULL, "x"), CS_ERR_INVALID_ARGUMENT, "images_path");
    cs_assert_fails(cs_dataset_open_idx(NULL, "x", "y"), CS_ERR_INVALID_ARGUMENT, "out");
}
END_TEST

static void write_raw(const char *name, const uint8_t *data, size_t n)
{
    char *p = cs_test_path(cs_test_dir, name);
    cs_test_write(p, data, n, 0);
    free(p);
}

START_TEST(wrong_magic_type_and_dimensions_are_refused)
{
    write_pair("img", "lab", 3, 2, 2, NULL, 0);
    cs_dataset *ds = NULL;
    write_raw("text", (const uint8_t *)"hello world, not idx", 20);
    cs_assert_fails(open_pair(&ds, "text", "lab", 0), CS_ERR_FORMAT, "magic number is 0x68656c6c");
    /* The two files swapped: a label file has 1 dimension, not 3. */
    cs_assert_fails(open_pair(&ds, "lab", "img", 0), CS_ERR_FORMAT, "1 dimensions (byte offset 3), expected 3");
    uint32_t dims[3] = { 3, 2, 2 };
    size_t len;
    uint8_t *f = cs_test_idx(&len, 0x0D, 3, dims, NULL, 1); /* float32 elements */
    write_raw("floats", f, len);
    free(f);
    cs_assert_fails(open_pair(&ds, "floats", "lab", 0), CS_ERR_UNSUPPORTED, "0x0d (float32)");
    f = cs_test_idx(&len, 0x08, 4, (uint32_t[4]){ 3, 1, 2, 2 }, NULL, 1);
    write_raw("four", f, len);
    free(f);
    cs_assert_fails(open_pair(&ds, "four", "lab", 0), CS_ERR_FORMAT, "4 dimensions");
}
END_TEST

START_TEST(truncated_files_are_refused_with_offsets)
{
    write_pair("img", "lab", 10, 4, 4, NULL, 0);
    size_t len;
    char *p = cs_test_path(cs_test_dir, "img");
    uint8_t *buf = cs_test_read(p, &len);
    free(p);
    cs_dataset *ds = NULL;
    write_raw("cut", buf, len - 5);
    cs_assert_fails(open_pair(&ds, "cut", "lab", 0), CS_ERR_TRUNCATED,
                    "header promises 160 bytes of pixels from byte offset 16, the file has 155");
    write_raw("header-only", buf, 10);
    cs_assert_fails(open_pair(&ds, "header-only", "lab", 0), CS_ERR_TRUNCATED,
                    "needs 12 bytes from byte offset 4, only 6 remain");
    write_raw("empty", buf, 0);
    cs_assert_fails(open_pair(&ds, "empty", "lab", 0), CS_ERR_TRUNCATED, "IDX magic number");
    /* Trailing bytes mean the header and the data disagree: refuse. */
    uint8_t *longer = malloc(len + 3);
    memcpy(longer, buf, len);
    memset(longer + len, 0, 3);
    write_raw("long", longer, len + 3);
    cs_assert_fails(open_pair(&ds, "long", "lab", 0), CS_ERR_FORMAT, "unexpected data after pixels at byte offset 176");
    free(longer);
    free(buf);
}
END_TEST

START_TEST(lying_headers_do_not_allocate)
{
    /* 4,000,000,000 images of 2^28 x 2^28 overflow 64 bits: refused before any allocation. */
    uint8_t hdr[16] = { 0, 0, 8, 3, 0xEE, 0x6B, 0x28, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0 };
    write_raw("huge", hdr, sizeof hdr);
    write_pair("img", "lab", 3, 2, 2, NULL, 0);
    uint8_t lab_hdr[8] = { 0, 0, 8, 1, 0xEE, 0x6B, 0x28, 0 };
    write_raw("huge-lab", lab_hdr, sizeof lab_hdr);
    cs_dataset *ds = NULL;
    cs_assert_fails(open_pair(&ds, "huge", "huge-lab", 0), CS_ERR_OVERFLOW, "overflow");
    /* 1,000,000 images of 28 x 28 promised by a 16-byte file: refused from the file size. */
    uint8_t mid[16] = { 0, 0, 8, 3, 0, 0x0F, 0x42, 0x40, 0, 0, 0, 28, 0, 0, 0, 28 };
    uint8_t mid_lab[8] = { 0, 0, 8, 1, 0, 0x0F, 0x42, 0x40 };
    write_raw("mid", mid, sizeof mid);
    write_raw("mid-lab", mid_lab, sizeof mid_lab);
    cs_assert_fails(open_pair(&ds, "mid", "mid-lab", 0), CS_ERR_TRUNCATED, "header promises 1000000 bytes of labels");
    /* Also through gzip: a 30-byte gzip file cannot hold 784 MB. */
    char *p = cs_test_path(cs_test_dir, "mid.gz");
    cs_test_write(p, mid, sizeof mid, 1);
    free(p);
    p = cs_test_path(cs_test_dir, "mid-lab.gz");
    uint8_t *labels = calloc(1000000 + 8, 1);
    memcpy(labels, mid_lab, 8);
    cs_test_write(p, labels, 1000000 + 8, 1);
    free(labels);
    free(p);
    cs_assert_fails(open_pair(&ds, "mid.gz", "mid-lab.gz", 0), CS_ERR_TRUNCATED, "gzip file can hold at most");
    /* Zero images is not a data set. */
    write_pair("zero", "zero-lab", 0, 2, 2, NULL, 0);
    cs_assert_fails(open_pair(&ds, "zero", "zero-lab", 0), CS_ERR_FORMAT, "no images");
}
END_TEST

START_TEST(count_mismatch_is_refused)
{
    write_pair("img", "lab", 10, 2, 2, NULL, 0);
    write_pair("img9", "lab9", 9, 2, 2, NULL, 0);
    cs_dataset *ds = NULL;
    cs_assert_fails(open_pair(&ds, "img", "lab9", 0), CS_ERR_SIZE_MISMATCH, "holds 10 images but");
}
END_TEST

START_TEST(damaged_gzip_streams_are_refused)
{
    write_pair("img.gz", "lab.gz", 50, 8, 8, NULL, 1);
    size_t len;
    char *p = cs_test_path(cs_test_dir, "img.gz");
    uint8_t *gz = cs_test_read(p, &len);
    free(p);
    cs_dataset *ds = NULL;
    /* Cut in the middle of the deflate data. */
    write_raw("cut.gz", gz, len / 2);
    cs_assert_fails(open_pair(&ds, "cut.gz", "lab.gz", 0), CS_ERR_TRUNCATED, "cut.gz");
    /* Flip the stored CRC-32 (the trailer's first 4 bytes). */
    gz[len - 8] ^= 0xFF;
    write_raw("crc.gz", gz, len);
    cs_assert_fails(open_pair(&ds, "crc.gz", "lab.gz", 0), CS_ERR_CORRUPT, "incorrect data check");
    gz[len - 8] ^= 0xFF;
    /* Garbage inside the compressed data. */
    for (size_t i = 20; i < 60; i++)
        gz[i] = 0xFF;
    write_raw("garbage.gz", gz, len);
    int rc = open_pair(&ds, "garbage.gz", "lab.gz", 0);
    ck_assert_msg(rc == CS_ERR_CORRUPT, "got %s: %s", cs_status_str(rc), cs_last_error());
    ck_assert_ptr_null(strstr(cs_last_error(), "(null)"));
    free(gz);
}
END_TEST

/* Random damage (byte flips, cuts) to raw and gzip files: every outcome is CS_OK or a
 * negative status with a message, never a crash or a leak (ASan + UBSan check the rest). */
START_TEST(random_damage_never_crashes)
{
    write_pair("img", "lab", 20, 6, 6, NULL, 0);
    write_pair("img.gz", "lab.gz", 20, 6, 6, NULL, 1);
    static const char *const names[2] = { "img", "img.gz" };
    int failures_seen = 0;
    for (int f = 0; f < 2; f++) {
        size_t len;
        char *p = cs_test_path(cs_test_dir, names[f]);
        uint8_t *orig = cs_test_read(p, &len);
        free(p);
        uint8_t *buf = malloc(len);
        for (uint32_t trial = 0; trial < 150; trial++) {
            memcpy(buf, orig, len);
            size_t cut = len;
            uint8_t r = cs_test_byte(trial, 0);
            if (r < 64)
                cut = cs_test_byte(trial, 1) * len / 256;
            int flips = 1 + cs_test_byte(trial, 2) % 4;
            for (int k = 0; k < flips; k++)
                buf[(cs_test_byte(trial, 3 + (size_t)k) * 256u + cs_test_byte(trial, 10 + (size_t)k)) % len] ^=
                    (uint8_t)(1u << (cs_test_byte(trial, 20 + (size_t)k) % 8));
            write_raw("damaged", buf, cut);
            cs_dataset *ds = NULL;
            cs_error_clear();
            int rc = open_pair(&ds, "damaged", f ? "lab.gz" : "lab", 0);
            failures_seen += cs_test_check_outcome(rc, ds);
        }
        free(buf);
        free(orig);
    }
    ck_assert_int_gt(failures_seen, 100);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("idx");
    TCase *tc = tcase_create("idx");
    tcase_add_checked_fixture(tc, cs_test_dir_setup, cs_test_dir_teardown);
    tcase_add_test(tc, raw_files_load);
    tcase_add_test(tc, gzip_is_detected_from_content_not_name);
    tcase_add_test(tc, fixed_class_count_is_enforced);
    tcase_add_test(tc, single_class_files_get_two_classes);
    tcase_add_test(tc, missing_files_are_named);
    tcase_add_test(tc, wrong_magic_type_and_dimensions_are_refused);
    tcase_add_test(tc, truncated_files_are_refused_with_offsets);
    tcase_add_test(tc, lying_headers_do_not_allocate);
    tcase_add_test(tc, count_mismatch_is_refused);
    tcase_add_test(tc, damaged_gzip_streams_are_refused);
    tcase_add_test(tc, random_damage_never_crashes);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
