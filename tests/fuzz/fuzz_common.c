/* Helpers of the fuzz targets (fuzz_common.h). Linux only: memfd_create gives files that never
 * touch a disk, reachable by the path the library's readers take. */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#define SLOTS 8

/* The sanitizers' own report channel: it reaches libFuzzer's log even when the target's stderr
 * is closed (-close_fd_mask, which fuzz_cli_args runs with). */
void __sanitizer_report_error_summary(const char *error_summary) __attribute__((weak));

void fuzz_fail(const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(msg, sizeof msg, "fuzz property failed: ");
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", msg);
    if (__sanitizer_report_error_summary)
        __sanitizer_report_error_summary(msg);
    abort();
}

uint32_t fuzz_get_be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void fuzz_put_be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static void write_all(int fd, const void *data, size_t n, const char *what)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            fuzz_fail("cannot write %s: %s", what, strerror(errno));
        p += w;
        n -= (size_t)w;
    }
}

void fuzz_overwrite(int fd, const void *data, size_t n, const char *what)
{
    const char *p = data;
    for (size_t done = 0; done < n;) {
        ssize_t w = pwrite(fd, p + done, n - done, (off_t)done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            fuzz_fail("cannot write %s: %s", what, strerror(errno));
        done += (size_t)w;
    }
    if (ftruncate(fd, (off_t)n) != 0)
        fuzz_fail("cannot resize %s: %s", what, strerror(errno));
}

const char *fuzz_memfile(int slot, const void *data, size_t n)
{
    static int fds[SLOTS] = { -1, -1, -1, -1, -1, -1, -1, -1 };
    static char paths[SLOTS][64];
    if (slot < 0 || slot >= SLOTS)
        fuzz_fail("memfile slot %d", slot);
    if (fds[slot] < 0) {
        fds[slot] = memfd_create("cs-fuzz", MFD_CLOEXEC);
        if (fds[slot] < 0)
            fuzz_fail("memfd_create: %s", strerror(errno));
        snprintf(paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
    }
    /* Readers open the path, so the offset of this descriptor does not matter. */
    fuzz_overwrite(fds[slot], data, n, "a memfile");
    return paths[slot];
}

static char scratch[512];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 ? 0 : 0; /* best effort: go on with the rest */
}

/* The scratch directory goes when the fuzzer ends normally (-max_total_time, -runs); after a
 * finding it stays, with the files of the input that found it. */
static void remove_scratch(void)
{
    if (scratch[0])
        nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_scratch_dir(void)
{
    char *dir = scratch;
    if (dir[0])
        return dir;
    struct stat st;
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : getenv("TMPDIR");
    snprintf(dir, sizeof scratch, "%s/cs-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir))
        fuzz_fail("mkdtemp %s: %s", dir, strerror(errno));
    atexit(remove_scratch);
    return dir;
}

void fuzz_write_file(const char *dir, const char *name, const void *data, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n == (size_t)-1) {
        if (unlink(path) != 0 && errno != ENOENT)
            fuzz_fail("unlink %s: %s", path, strerror(errno));
        return;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        fuzz_fail("open %s: %s", path, strerror(errno));
    write_all(fd, data, n, path);
    close(fd);
}

int fuzz_split(const uint8_t *data, size_t size, const uint8_t **start, size_t *len)
{
    const size_t sep = sizeof FUZZ_SEPARATOR - 1;
    int n = 0;
    size_t from = 0;
    while (n < FUZZ_MAX_PARTS - 1) {
        const uint8_t *hit = size - from >= sep ? memmem(data + from, size - from, FUZZ_SEPARATOR, sep) : NULL;
        if (!hit)
            break;
        start[n] = data + from;
        len[n] = (size_t)(hit - (data + from));
        n++;
        from = (size_t)(hit - data) + sep;
    }
    start[n] = data + from;
    len[n] = size - from;
    return n + 1;
}

uint8_t *fuzz_gzip(const uint8_t *data, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 2, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&z, (uLong)n) + 32;
    uint8_t *out = malloc(cap);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

const uint8_t *fuzz_gzip_stored(const uint8_t *data, size_t n, size_t *out_len)
{
    static uint8_t *out;
    static size_t cap;
    const size_t block = 65535, blocks = n ? (n + block - 1) / block : 1;
    const size_t need = 10 + 5 * blocks + n + 8;
    if (need > cap) {
        uint8_t *grown = realloc(out, need);
        if (!grown)
            fuzz_fail("out of memory");
        out = grown;
        cap = need;
    }
    /* Header: magic, deflate, no flags, no time, no extra flags, OS "Unix". */
    static const uint8_t head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
    memcpy(out, head, sizeof head);
    size_t at = sizeof head;
    for (size_t b = 0, from = 0; b < blocks; b++) {
        const size_t len = n - from < block ? n - from : block;
        out[at++] = b + 1 == blocks; /* BFINAL, BTYPE 00 (stored) */
        out[at++] = (uint8_t)len;
        out[at++] = (uint8_t)(len >> 8);
        out[at++] = (uint8_t)~len;
        out[at++] = (uint8_t)(~len >> 8);
        if (len)
            memcpy(out + at, data + from, len);
        at += len;
        from += len;
    }
    const uint32_t crc = (uint32_t)crc32_z(crc32_z(0L, Z_NULL, 0), data, n), size = (uint32_t)n;
    for (int i = 0; i < 4; i++)
        out[at++] = (uint8_t)(crc >> (8 * i));
    for (int i = 0; i < 4; i++)
        out[at++] = (uint8_t)(size >> (8 * i));
    *out_len = at;
    return out;
}

char *fuzz_strndup(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        fuzz_fail("out of memory");
    memcpy(s, data, n);
    s[n] = '\0';
    return s;
}
