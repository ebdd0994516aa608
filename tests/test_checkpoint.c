/* Checkpoints: exact round trips, atomic writes, and every way a checkpoint file can be wrong. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include <classsens.h>

#include "fixtures.h"

#define SIDE 12
/* Offsets inside an uncompressed lenet checkpoint (docs/formats.md). */
#define OFF_VERSION 8
#define OFF_ARCH 18
#define OFF_WIDTH (OFF_ARCH + 5 + 16)
#define OFF_THREADS (OFF_ARCH + 5 + 33) /* after has_norm (version 2) */
#define OFF_FIRST_DIM 87 /* conv1.weight's first dimension */

static cs_dataset *data(size_t n, uint32_t seed)
{
    size_t plane = SIDE * SIDE;
    uint8_t *px = malloc(n * plane);
    int32_t *labels = malloc(n * sizeof *labels);
    for (size_t i = 0; i < n * plane; i++)
        px[i] = cs_test_byte(seed, i);
    for (size_t i = 0; i < n; i++)
        labels[i] = (int32_t)(i % 3);
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_from_memory(&ds, px, labels, n, 1, SIDE, SIDE, 3));
    free(px);
    free(labels);
    return ds;
}

/* A lenet at width 0.5, trained for one epoch so that it carries normalisation statistics. */
static cs_model *trained(void)
{
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = 0.5;
    mo.seed = 3;
    cs_model *m = NULL;
    cs_assert_ok(cs_model_create(&m, "lenet", 1, SIDE, SIDE, 3, &mo));
    cs_dataset *ds = data(20, 1);
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.batch_size = 8;
    cs_assert_ok(cs_model_train(m, ds, &o));
    cs_dataset_destroy(ds);
    return m;
}

static char *path_of(const char *name)
{
    return cs_test_path(cs_test_dir, name);
}

/* Save a trained model as dir/name and return the path. */
static char *saved(const char *name)
{
    cs_model *m = trained();
    char *p = path_of(name);
    cs_assert_ok(cs_model_save(m, p));
    cs_model_destroy(m);
    return p;
}

/* The uncompressed bytes of a (gzip) file. */
static uint8_t *inflate_file(const char *path, size_t *len)
{
    gzFile gz = gzopen(path, "rb");
    ck_assert_ptr_nonnull(gz);
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    int got;
    while ((got = gzread(gz, buf + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    ck_assert_int_eq(got, 0);
    gzclose(gz);
    *len = n;
    return buf;
}

/* Recompute the trailing CRC-32 after a deliberate edit. */
static void fix_crc(uint8_t *buf, size_t len)
{
    uint32_t crc = (uint32_t)crc32(0L, buf, (uInt)(len - 4));
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
}

/* The first occurrence of a string in a buffer. */
static uint8_t *find(uint8_t *buf, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, s, n) == 0)
            return buf + i;
    ck_abort_msg("%s not found", s);
    return NULL;
}

static int load(cs_model **m, const char *name)
{
    char *p = path_of(name);
    int rc = cs_model_load(m, p);
    free(p);
    return rc;
}

static void write_file(const char *name, const void *buf, size_t len, int gzip)
{
    char *p = path_of(name);
    cs_test_write(p, buf, len, gzip);
    free(p);
}

static size_t tensor_count(cs_model *m, int i)
{
    int64_t dims[4];
    int nd = cs_model_tensor_shape(dims, 4, m, i);
    size_t count = 1;
    for (int d = 0; d < nd; d++)
        count *= (size_t)dims[d];
    return count;
}

static void assert_same_model(cs_model *a, cs_model *b)
{
    ck_assert_str_eq(cs_model_arch(a), cs_model_arch(b));
    ck_assert_int_eq(cs_model_num_tensors(a), cs_model_num_tensors(b));
    for (int i = 0; i < cs_model_num_tensors(a); i++) {
        ck_assert_str_eq(cs_model_tensor_name(a, i), cs_model_tensor_name(b, i));
        ck_assert_uint_eq(tensor_count(a, i), tensor_count(b, i));
        ck_assert(memcmp(cs_model_tensor_data(a, i), cs_model_tensor_data(b, i), tensor_count(a, i) * 4) == 0);
    }
    cs_dataset *ds = data(40, 9);
    int32_t pa[40], pb[40];
    cs_assert_ok(cs_model_predict(pa, a, ds));
    cs_assert_ok(cs_model_predict(pb, b, ds));
    ck_assert(memcmp(pa, pb, sizeof pa) == 0);
    cs_dataset_destroy(ds);
}

/* Everything a program needs to call a loaded model comes back from its getters: what the
 * model was created with (architecture, input shape, K, width) and the normalisation training
 * stored; a checkpoint of an untrained model says explicitly that it stores none. */
START_TEST(getters_describe_a_loaded_model)
{
    cs_model *m = trained(), *back = NULL;
    char *p = path_of("getters.ckpt");
    cs_assert_ok(cs_model_save(m, p));
    cs_assert_ok(cs_model_load(&back, p));
    ck_assert_str_eq(cs_model_arch(back), "lenet");
    ck_assert_int_eq(cs_model_num_classes(back), 3);
    int c = 0, h = 0, w = 0;
    cs_assert_ok(cs_model_input_shape(&c, &h, &w, back));
    ck_assert_int_eq(c, 1);
    ck_assert_int_eq(h, SIDE);
    ck_assert_int_eq(w, SIDE);
    double width = 0.0;
    cs_assert_ok(cs_model_width(&width, back));
    ck_assert_double_eq(width, 0.5);
    /* The statistics of the training set, as cs_dataset_channel_stats computes them. */
    cs_dataset *ds = data(20, 1);
    double mean_d, std_d;
    cs_assert_ok(cs_dataset_channel_stats(&mean_d, &std_d, 1, ds));
    cs_dataset_destroy(ds);
    float mean = -1.0f, std = -1.0f;
    ck_assert_int_eq(cs_model_normalization(&mean, &std, 1, back), 1);
    ck_assert_float_eq(mean, (float)mean_d);
    ck_assert_float_eq(std, (float)std_d);
    float mean_m = -1.0f, std_m = -1.0f;
    ck_assert_int_eq(cs_model_normalization(&mean_m, &std_m, 1, m), 1);
    ck_assert_float_eq(mean, mean_m);
    ck_assert_float_eq(std, std_m);
    cs_model_destroy(back);
    cs_model_destroy(m);

    /* An untrained model at another shape: no normalisation, and the checkpoint says so. */
    cs_model *fresh = NULL;
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = 0.0625;
    cs_assert_ok(cs_model_create(&fresh, "resnet18", 3, 16, 20, 7, &mo));
    cs_assert_ok(cs_model_save(fresh, p));
    cs_assert_ok(cs_model_load(&back, p));
    ck_assert_int_eq(cs_model_num_classes(back), 7);
    cs_assert_ok(cs_model_input_shape(&c, &h, &w, back));
    ck_assert_int_eq(c, 3);
    ck_assert_int_eq(h, 16);
    ck_assert_int_eq(w, 20);
    cs_assert_ok(cs_model_width(&width, back));
    ck_assert_double_eq(width, 0.0625);
    float means[3] = { -1, -1, -1 }, stds[3] = { -1, -1, -1 };
    ck_assert_int_eq(cs_model_normalization(means, stds, 3, back), 0);
    for (int ch = 0; ch < 3; ch++) {
        ck_assert_float_eq(means[ch], 0.0f);
        ck_assert_float_eq(stds[ch], 1.0f);
    }
    ck_assert_int_eq(cs_model_normalization(NULL, NULL, 3, back), 0);
    cs_model_destroy(back);
    cs_model_destroy(fresh);
    free(p);
}
END_TEST

START_TEST(round_trip_is_exact)
{
    cs_model *m = trained(), *back = NULL;
    char *p = path_of("m.ckpt");
    cs_assert_ok(cs_model_save(m, p));
    cs_assert_ok(cs_model_load(&back, p));
    assert_same_model(m, back);
    cs_model_destroy(back);
    /* An untrained model (no normalisation) and another architecture with BN buffers. */
    cs_model *fresh = NULL;
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = 0.0625;
    cs_assert_ok(cs_model_create(&fresh, "resnet18", 1, SIDE, SIDE, 3, &mo));
    cs_assert_ok(cs_model_save(fresh, p));
    cs_assert_ok(cs_model_load(&back, p));
    assert_same_model(fresh, back);
    cs_model_destroy(back);
    cs_model_destroy(fresh);
    /* The uncompressed bytes are accepted too. */
    size_t len;
    cs_assert_ok(cs_model_save(m, p));
    uint8_t *raw = inflate_file(p, &len);
    ck_assert(memcmp(raw, "CSCKPT01", 8) == 0);
    write_file("raw.ckpt", raw, len, 0);
    cs_assert_ok(load(&back, "raw.ckpt"));
    assert_same_model(m, back);
    cs_model_destroy(back);
    free(raw);
    free(p);
    cs_model_destroy(m);
}
END_TEST

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

START_TEST(writes_are_atomic_and_leave_no_temporary_file)
{
    cs_model *m = trained();
    char *p = path_of("m.ckpt");
    write_file("m.ckpt", "old", 3, 0);
    cs_assert_ok(cs_model_save(m, p));
    ck_assert_int_eq(entries(cs_test_dir), 1);
    cs_model *back = NULL;
    cs_assert_ok(cs_model_load(&back, p));
    cs_model_destroy(back);
    /* Failures name the path and leave nothing behind. */
    char *missing_dir = path_of("no/such/dir.ckpt");
    cs_assert_fails(cs_model_save(m, missing_dir), CS_ERR_IO, "no/such/dir.ckpt.tmp.");
    char *sub = path_of("sub");
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    cs_assert_fails(cs_model_save(m, sub), CS_ERR_IO, "cannot rename");
    ck_assert_int_eq(entries(cs_test_dir), 2);
    ck_assert_int_eq(entries(sub), 0);
    cs_assert_fails(cs_model_save(NULL, p), CS_ERR_INVALID_ARGUMENT, "model");
    cs_assert_fails(cs_model_save(m, NULL), CS_ERR_INVALID_ARGUMENT, "path");
    cs_assert_fails(cs_model_save(m, ""), CS_ERR_INVALID_ARGUMENT, "empty");
    free(sub);
    free(missing_dir);
    free(p);
    cs_model_destroy(m);
}
END_TEST

START_TEST(missing_foreign_and_wrong_magic_files_are_refused)
{
    static char sentinel;
    cs_model *m = (cs_model *)(void *)&sentinel; /* must be reset to NULL on failure */
    cs_assert_fails(load(&m, "absent.ckpt"), CS_ERR_NOT_FOUND, "absent.ckpt");
    ck_assert_ptr_null(m);
    const char text[] = "this is a text file, not a model\n";
    write_file("text", text, sizeof text - 1, 0);
    cs_assert_fails(load(&m, "text"), CS_ERR_FORMAT, "not a libclasssens checkpoint");
    write_file("text.gz", text, sizeof text - 1, 1);
    cs_assert_fails(load(&m, "text.gz"), CS_ERR_FORMAT, "not a libclasssens checkpoint");
    write_file("magic", "CSCKPT02\1\0\0\0", 12, 1);
    cs_assert_fails(load(&m, "magic"), CS_ERR_FORMAT, "not a libclasssens checkpoint");
    write_file("empty", "", 0, 0);
    cs_assert_fails(load(&m, "empty"), CS_ERR_TRUNCATED, "empty");
    ck_assert_ptr_null(m);
    cs_assert_fails(cs_model_load(NULL, "x"), CS_ERR_INVALID_ARGUMENT, "out");
    cs_assert_fails(cs_model_load(&m, NULL), CS_ERR_INVALID_ARGUMENT, "path");
    /* A directory is not a file. */
    cs_assert_fails(cs_model_load(&m, cs_test_dir), CS_ERR_IO, "directory");
}
END_TEST

/* Version 2 records the saved model's thread count; a loaded model runs with this machine's
 * default and tells the recorded count. A version-1 file (the same bytes without that field)
 * still loads, recording none; a count over 64 is refused. */
START_TEST(thread_count_is_recorded_and_version_1_still_loads)
{
    cs_model *m = trained();
    cs_assert_ok(cs_model_set_threads(m, 3));
    char *p = path_of("t.ckpt");
    cs_assert_ok(cs_model_save(m, p));
    ck_assert_int_eq(cs_model_saved_threads(m), -1);
    ck_assert_int_eq(cs_model_saved_threads(NULL), -1);
    cs_model *back = NULL;
    cs_assert_ok(cs_model_load(&back, p));
    ck_assert_int_eq(cs_model_saved_threads(back), 3);
    cs_model *fresh = NULL;
    cs_assert_ok(cs_model_create(&fresh, "lenet", 1, SIDE, SIDE, 3, NULL));
    ck_assert_int_eq(cs_model_threads(back), cs_model_threads(fresh));
    cs_model_destroy(fresh);
    assert_same_model(m, back);
    cs_model_destroy(back);
    size_t len;
    uint8_t *raw = inflate_file(p, &len);
    ck_assert_int_eq(raw[OFF_VERSION], 2);
    ck_assert_int_eq(raw[OFF_THREADS], 3);
    /* Version 1: no threads field, a header 4 bytes shorter. */
    uint8_t *v1 = malloc(len - 4);
    memcpy(v1, raw, OFF_THREADS);
    memcpy(v1 + OFF_THREADS, raw + OFF_THREADS + 4, len - OFF_THREADS - 4);
    v1[OFF_VERSION] = 1;
    v1[12] = (uint8_t)(v1[12] - 4); /* header length, u32 at byte 12 (< 256 here) */
    fix_crc(v1, len - 4);
    write_file("v1.ckpt", v1, len - 4, 1);
    cs_assert_ok(load(&back, "v1.ckpt"));
    ck_assert_int_eq(cs_model_saved_threads(back), -1);
    assert_same_model(m, back);
    cs_model_destroy(back);
    raw[OFF_THREADS] = 65;
    fix_crc(raw, len);
    write_file("t65", raw, len, 1);
    cs_assert_fails(load(&back, "t65"), CS_ERR_FORMAT, "the thread count is 65");
    ck_assert_ptr_null(back);
    free(v1);
    free(raw);
    free(p);
    cs_model_destroy(m);
}
END_TEST

START_TEST(unknown_version_is_named)
{
    char *p = saved("m.ckpt");
    size_t len;
    uint8_t *raw = inflate_file(p, &len);
    raw[OFF_VERSION] = 3;
    write_file("v3", raw, len, 1);
    cs_model *m = NULL;
    cs_assert_fails(load(&m, "v3"), CS_ERR_FORMAT, "version 3, this library reads versions 1 to 2");
    ck_assert_ptr_null(m);
    free(raw);
    free(p);
}
END_TEST

START_TEST(truncated_files_are_refused)
{
    char *p = saved("m.ckpt");
    size_t len, zlen;
    uint8_t *raw = inflate_file(p, &len), *z = cs_test_read(p, &zlen);
    const size_t raw_cuts[] = { 3, 8, 10, 14, 30, 60, len / 2, len - 5, len - 1 };
    cs_model *m = NULL;
    for (size_t i = 0; i < sizeof raw_cuts / sizeof *raw_cuts; i++) {
        write_file("cut", raw, raw_cuts[i], 0);
        cs_assert_fails(load(&m, "cut"), CS_ERR_TRUNCATED, "truncated");
        ck_assert_ptr_null(m);
    }
    const size_t gz_cuts[] = { 30, zlen / 3, zlen / 2, zlen - 9, zlen - 1 };
    for (size_t i = 0; i < sizeof gz_cuts / sizeof *gz_cuts; i++) {
        write_file("cut.gz", z, gz_cuts[i], 0);
        cs_assert_fails(load(&m, "cut.gz"), CS_ERR_TRUNCATED, "cut.gz");
        ck_assert_ptr_null(m);
    }
    /* A tensor larger than the rest of the file can hold is refused before any allocation:
     * conv1.weight of (2^24, 1, 5, 5), with the element count to match. */
    raw[OFF_FIRST_DIM + 3] = 1;
    raw[OFF_FIRST_DIM] = 0;
    uint64_t count = (1u << 24) * 25ull;
    for (int i = 0; i < 8; i++)
        raw[OFF_FIRST_DIM + 16 + i] = (uint8_t)(count >> (8 * i));
    write_file("huge", raw, len, 0);
    cs_assert_fails(load(&m, "huge"), CS_ERR_TRUNCATED, "conv1.weight needs 1677721600 bytes");
    /* A header length that disagrees with the header's contents. */
    raw[14] = 0xFF;
    write_file("long", raw, len, 0);
    cs_assert_fails(load(&m, "long"), CS_ERR_FORMAT, "the header says it has");
    free(raw);
    free(z);
    free(p);
}
END_TEST

START_TEST(checksum_mismatch_is_corrupt)
{
    char *p = saved("m.ckpt");
    size_t len;
    uint8_t *raw = inflate_file(p, &len);
    raw[len - 40] ^= 0x10; /* inside the last tensor's data */
    write_file("flip", raw, len, 1);
    cs_model *m = NULL;
    cs_assert_fails(load(&m, "flip"), CS_ERR_CORRUPT, "CRC-32 mismatch: the file stores 0x");
    ck_assert_ptr_null(m);
    raw[len - 40] ^= 0x10;
    raw[len - 1] ^= 0x01; /* the CRC itself */
    write_file("flip", raw, len, 0);
    cs_assert_fails(load(&m, "flip"), CS_ERR_CORRUPT, "CRC-32");
    /* Trailing bytes after the CRC. */
    raw[len - 1] ^= 0x01;
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, raw, len);
    longer[len] = 0;
    write_file("tail", longer, len + 1, 1);
    cs_assert_fails(load(&m, "tail"), CS_ERR_FORMAT, "after the CRC-32");
    free(longer);
    free(raw);
    free(p);
}
END_TEST

START_TEST(damaged_gzip_is_corrupt)
{
    char *p = saved("m.ckpt");
    size_t zlen;
    uint8_t *z = cs_test_read(p, &zlen);
    z[zlen - 6] ^= 0x40; /* gzip's own CRC of the uncompressed data */
    write_file("bad.gz", z, zlen, 0);
    cs_model *m = NULL;
    cs_assert_fails(load(&m, "bad.gz"), CS_ERR_CORRUPT, "corrupt gzip stream");
    ck_assert_ptr_null(m);
    free(z);
    free(p);
}
END_TEST

START_TEST(hand_crafted_mismatches_are_named)
{
    char *p = saved("m.ckpt");
    size_t len;
    uint8_t *raw = inflate_file(p, &len);
    cs_model *m = NULL;
    /* Width 0.5 -> 1: lenet rebuilt at width 1 has 6 conv1 filters, the file 3. */
    uint8_t *edit = malloc(len);
    memcpy(edit, raw, len);
    double one = 1.0;
    uint64_t bits;
    memcpy(&bits, &one, sizeof bits);
    for (int i = 0; i < 8; i++)
        edit[OFF_WIDTH + i] = (uint8_t)(bits >> (8 * i));
    fix_crc(edit, len);
    write_file("wide", edit, len, 1);
    cs_assert_fails(load(&m, "wide"), CS_ERR_SIZE_MISMATCH, "conv1.weight has shape (3, 1, 5, 5) in the "
                    "checkpoint but (6, 1, 5, 5)");
    ck_assert_ptr_null(m);
    /* Width 1000 describes a lenet of about 5e10 parameters: refused from the layout
     * alone, before anything of that size is allocated (ASan would abort on the attempt). */
    memcpy(edit, raw, len);
    double huge = 1000.0;
    memcpy(&bits, &huge, sizeof bits);
    for (int i = 0; i < 8; i++)
        edit[OFF_WIDTH + i] = (uint8_t)(bits >> (8 * i));
    fix_crc(edit, len);
    write_file("huge", edit, len, 1);
    cs_assert_fails(load(&m, "huge"), CS_ERR_SIZE_MISMATCH, "conv1.weight has shape (3, 1, 5, 5) in the "
                    "checkpoint but (6000, 1, 5, 5)");
    ck_assert_ptr_null(m);
    /* A renamed tensor. */
    memcpy(edit, raw, len);
    uint8_t *name = find(edit, len, "fc1.bias");
    name[2] = '9';
    fix_crc(edit, len);
    write_file("renamed", edit, len, 1);
    cs_assert_fails(load(&m, "renamed"), CS_ERR_SIZE_MISMATCH, "fc9.bias in the checkpoint but fc1.bias");
    /* An architecture this library does not know. */
    memcpy(edit, raw, len);
    edit[OFF_ARCH + 3] = 'o';
    fix_crc(edit, len);
    write_file("lenot", edit, len, 1);
    cs_assert_fails(load(&m, "lenot"), CS_ERR_FORMAT, "cannot build");
    /* A 20x20 input leaves 3x3 planes before fc1 instead of 1x1. */
    memcpy(edit, raw, len);
    edit[OFF_ARCH + 5 + 4] = 20;
    edit[OFF_ARCH + 5 + 8] = 20;
    fix_crc(edit, len);
    write_file("bigger", edit, len, 1);
    cs_assert_fails(load(&m, "bigger"), CS_ERR_SIZE_MISMATCH, "fc1.weight");
    ck_assert_ptr_null(m);
    free(edit);
    free(raw);
    free(p);
}
END_TEST

START_TEST(random_damage_never_crashes)
{
    char *p = saved("m.ckpt");
    size_t lens[2];
    uint8_t *orig[2];
    orig[0] = inflate_file(p, &lens[0]);
    orig[1] = cs_test_read(p, &lens[1]);
    int failures_seen = 0;
    for (int f = 0; f < 2; f++) {
        size_t len = lens[f];
        uint8_t *buf = malloc(len);
        for (uint32_t trial = 0; trial < 150; trial++) {
            memcpy(buf, orig[f], len);
            size_t cut = len;
            if (cs_test_byte(trial, 0) < 64)
                cut = cs_test_byte(trial, 1) * len / 256;
            int flips = 1 + cs_test_byte(trial, 2) % 4;
            for (int k = 0; k < flips; k++) {
                /* Half the flips land in the first 64 bytes, where the sizes are. */
                size_t span = cs_test_byte(trial, 30 + (size_t)k) < 128 ? 64 : len;
                size_t at = (cs_test_byte(trial, 3 + (size_t)k) * 256u + cs_test_byte(trial, 10 + (size_t)k)) % span;
                buf[at] ^= (uint8_t)(1u << (cs_test_byte(trial, 20 + (size_t)k) % 8));
            }
            write_file("damaged", buf, cut, 0);
            cs_model *m = NULL;
            cs_error_clear();
            int rc = load(&m, "damaged");
            if (rc == CS_OK) {
                ck_assert_ptr_nonnull(m);
                cs_model_destroy(m);
                continue;
            }
            ck_assert_int_lt(rc, 0);
            ck_assert_ptr_null(m);
            ck_assert_str_ne(cs_status_str(rc), "CS_ERR_UNKNOWN");
            ck_assert_str_ne(cs_last_error(), "no error");
            failures_seen++;
        }
        free(buf);
    }
    ck_assert_int_gt(failures_seen, 250);
    free(orig[0]);
    free(orig[1]);
    free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("checkpoint");
    tcase_add_checked_fixture(tc, cs_test_dir_setup, cs_test_dir_teardown);
    tcase_add_test(tc, round_trip_is_exact);
    tcase_add_test(tc, getters_describe_a_loaded_model);
    tcase_add_test(tc, writes_are_atomic_and_leave_no_temporary_file);
    tcase_add_test(tc, missing_foreign_and_wrong_magic_files_are_refused);
    tcase_add_test(tc, unknown_version_is_named);
    tcase_add_test(tc, thread_count_is_recorded_and_version_1_still_loads);
    tcase_add_test(tc, truncated_files_are_refused);
    tcase_add_test(tc, checksum_mismatch_is_corrupt);
    tcase_add_test(tc, damaged_gzip_is_corrupt);
    tcase_add_test(tc, hand_crafted_mismatches_are_named);
    tcase_add_test(tc, random_damage_never_crashes);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
