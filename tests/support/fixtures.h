/* Test support: temporary directories and writers for the exact on-disk formats the loaders
 * read (IDX, CIFAR-10 binary batches, tar and tar.gz archives), so that tests need no
 * downloaded data. */
#ifndef CS_TEST_FIXTURES_H
#define CS_TEST_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include <classsens.h>

/* A fresh directory under $TMPDIR (or /tmp); free with cs_test_rmtree + free. */
char *cs_test_tmpdir(void);
/* Remove a directory tree made by the tests. */
void cs_test_rmtree(const char *dir);
/* A per-test temporary directory: cs_test_dir_setup/teardown as a Check checked fixture
 * create and remove cs_test_dir. */
extern char *cs_test_dir;
void cs_test_dir_setup(void);
void cs_test_dir_teardown(void);
/* dir/name in a malloc'd string. */
char *cs_test_path(const char *dir, const char *name);

/* Write bytes to path, gzip-compressed when gzip is non-zero; aborts the test on failure. */
void cs_test_write(const char *path, const void *data, size_t n, int gzip);
/* Read a whole file; aborts the test on failure. */
uint8_t *cs_test_read(const char *path, size_t *n); /* NUL-terminated beyond its n bytes */

/* Deterministic test bytes: value of byte i of stream `seed`. */
uint8_t cs_test_byte(uint32_t seed, size_t i);
/* A model of the registry's architecture arch at width and initialisation seed (the other
 * options their defaults); aborts the test on failure. */
cs_model *cs_test_model(const char *arch, int c, int h, int w, int k, double width, uint64_t seed);
/* 1x12x12 images in 3 classes that a small model learns (see fixtures.c); owned by the caller. */
cs_dataset *cs_test_bands(size_t n, uint32_t seed);

/* An IDX file in memory: magic (0, 0, type, ndims), big-endian dims, then data bytes
 * cs_test_byte(seed, i) (or `data` when non-NULL). Returns a malloc'd buffer of *len bytes. */
uint8_t *cs_test_idx(size_t *len, uint8_t type, int ndims, const uint32_t *dims,
                     const uint8_t *data, uint32_t seed);

/* A CIFAR-10 batch of n records; record r has label labels[r] (or r % 10 when labels is NULL)
 * and pixels cs_test_byte(seed, r * 3072 + j). */
uint8_t *cs_test_cifar_batch(size_t *len, size_t n, const uint8_t *labels, uint32_t seed);

/* A tar archive built in memory (ustar; names over 100 bytes use a GNU 'L' record). */
typedef struct cs_test_tar {
    uint8_t *data;
    size_t len, cap;
} cs_test_tar;
void cs_test_tar_add(cs_test_tar *t, const char *name, char type, const void *data, size_t n);
void cs_test_tar_finish(cs_test_tar *t);
void cs_test_tar_free(cs_test_tar *t);

/* Assert that `call` returns `status` and that cs_last_error() contains `needle`. */
#define cs_assert_fails(call, status, needle)                                                 \
    do {                                                                                      \
        int cs_rc_ = (call);                                                                  \
        ck_assert_msg(cs_rc_ == (status), "%s returned %s (%d), expected %s; message: %s",    \
                      #call, cs_status_str(cs_rc_), cs_rc_, cs_status_str(status),            \
                      cs_last_error());                                                       \
        ck_assert_msg(strstr(cs_last_error(), (needle)) != NULL,                              \
                      "message of %s lacks \"%s\": %s", #call, (needle), cs_last_error());    \
    } while (0)

#define cs_assert_ok(call)                                                                    \
    do {                                                                                      \
        int cs_rc_ = (call);                                                                  \
        ck_assert_msg(cs_rc_ == CS_OK, "%s failed: %s: %s", #call, cs_status_str(cs_rc_),     \
                      cs_last_error());                                                       \
    } while (0)

/* The outcome of loading damaged input must be CS_OK with a data set (destroyed here) or a
 * known negative status with a message and no data set. Returns 1 for a failure, 0 for OK. */
int cs_test_check_outcome(int rc, cs_dataset *ds);

/* Run one suite and return the process exit status. */
int cs_test_run(Suite *s);

/* ctest's SKIP_RETURN_CODE for the tests that need data this machine may not have. A Check
 * test that returns early passes, so such tests live in a suite of their own, run by its own
 * ctest (tests/CMakeLists.txt), whose main() returns this before running anything. */
#define CS_TEST_SKIPPED 77

/* Whether `locale` is installed and writes a decimal comma (the test_* LOCALE runs need one);
 * when not, prints the SKIPPED line that says how to get it. LC_ALL is "C" on return. */
int cs_test_comma_locale(const char *locale);

/* The directory of the real Fashion-MNIST (Debian's dataset-fashion-mnist) for the suites that
 * need it: $CLASSSENS_FASHION_MNIST_DIR when set and non-empty, else the package's directory,
 * as the library looks it up. NULL, after a "SKIP:" line on stderr, where its training
 * labels are not there. */
const char *cs_test_fashion_dir(void);

#endif
