/* Growing text buffer, atomic file writes and whole-file reads for the writers. */
#include "buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "memory.h"
#include "numfmt.h"

static int reserve(cs__buf *b, size_t extra)
{
    if (b->failed)
        return 0;
    size_t need;
    if (!cs__add_size(&need, b->len, extra) || !cs__add_size(&need, need, 1)) {
        b->failed = 1;
        return 0;
    }
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void cs__buf_free(cs__buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void cs__buf_reset(cs__buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void cs__buf_append(cs__buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void cs__buf_puts(cs__buf *b, const char *s)
{
    cs__buf_append(b, s, strlen(s));
}

void cs__buf_putc(cs__buf *b, char c)
{
    cs__buf_append(b, &c, 1);
}

void cs__buf_vprintf(cs__buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = cs__num_vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    cs__num_vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void cs__buf_printf(cs__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs__buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void cs__buf_xml(cs__buf *b, const char *s)
{
    for (const char *p = s; *p; ++p) {
        switch (*p) {
        case '&': cs__buf_puts(b, "&amp;"); break;
        case '<': cs__buf_puts(b, "&lt;"); break;
        case '>': cs__buf_puts(b, "&gt;"); break;
        case '"': cs__buf_puts(b, "&quot;"); break;
        case '\'': cs__buf_puts(b, "&#39;"); break;
        default: cs__buf_putc(b, *p); break;
        }
    }
}

void cs__buf_double(cs__buf *b, double v)
{
    char tmp[CS__NUM_DOUBLE_CAP];
    if (v == 0.0) {
        cs__buf_puts(b, "0");
        return;
    }
    cs__buf_append(b, tmp, cs__num_format_double(tmp, sizeof tmp, v));
}

int cs__buf_status(const cs__buf *b, const char *what)
{
    if (b->failed)
        return cs__error(CS_ERR_OUT_OF_MEMORY, "out of memory while writing %s (%zu bytes so far)",
                         what, b->len);
    return CS_OK;
}

const char *cs__buf_str(const cs__buf *b)
{
    return b->data ? b->data : "";
}

/* Write n bytes to fd (the temporary file `tmp`), retrying short writes. */
static int write_all(int fd, const char *p, size_t left, const char *tmp)
{
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return cs__error(CS_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        }
        p += w;
        left -= (size_t)w;
    }
    return CS_OK;
}

/* Write a temporary file next to `path`, flush it, and publish it: by rename (replacing), or
 * with `once` by link (never replacing: *existed says whether `path` was already there). */
static int write_and_publish(const cs__buf *b, const char *path, int once, int *existed)
{
    int status = cs__buf_status(b, path);
    if (status != CS_OK)
        return status;
    size_t tmp_len = strlen(path) + 16;
    char *tmp = malloc(tmp_len);
    if (!tmp)
        return cs__error_oom("temporary file name", tmp_len);
    snprintf(tmp, tmp_len, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        status = cs__error(CS_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return status;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fchmod(fd, 0644);
    status = write_all(fd, cs__buf_str(b), b->len, tmp);
    if (status == CS_OK && fsync(fd) != 0)
        status = cs__error(CS_ERR_IO, "cannot flush %s to disk: %s", tmp, strerror(errno));
    if (close(fd) != 0 && status == CS_OK)
        status = cs__error(CS_ERR_IO, "cannot close %s: %s", tmp, strerror(errno));
    if (status == CS_OK && !once && rename(tmp, path) != 0)
        status = cs__error(CS_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (status == CS_OK && once) {
        if (link(tmp, path) != 0) {
            if (errno == EEXIST)
                *existed = 1;
            else
                status = cs__error(CS_ERR_IO, "cannot link %s to %s: %s", tmp, path, strerror(errno));
        }
        remove(tmp);
    }
    if (status != CS_OK)
        remove(tmp);
    free(tmp);
    return status;
}

int cs__buf_write_file(const cs__buf *b, const char *path)
{
    return write_and_publish(b, path, 0, NULL);
}

int cs__buf_write_file_once(const cs__buf *b, const char *path, int *existed)
{
    *existed = 0;
    return write_and_publish(b, path, 1, existed);
}

int cs__file_stream_open(cs__file_stream *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    size_t tmp_len = strlen(path) + 16;
    f->path = strdup(path);
    f->tmp = malloc(tmp_len);
    if (!f->path || !f->tmp) {
        cs__file_stream_abort(f);
        return cs__error_oom("temporary file name", tmp_len);
    }
    snprintf(f->tmp, tmp_len, "%s.tmp.XXXXXX", path);
    f->fd = mkstemp(f->tmp);
    if (f->fd < 0) {
        int status = cs__error(CS_ERR_IO, "cannot create %s: %s", f->tmp, strerror(errno));
        free(f->tmp);
        f->tmp = NULL;
        cs__file_stream_abort(f);
        return status;
    }
    fcntl(f->fd, F_SETFD, FD_CLOEXEC);
    fchmod(f->fd, 0644);
    return CS_OK;
}

#define GZ_CHUNK ((size_t)1 << 16)

int cs__file_stream_open_gzip(cs__file_stream *f, const char *path)
{
    int status = cs__file_stream_open(f, path);
    if (status != CS_OK)
        return status;
    z_stream *z = calloc(1, sizeof *z);
    f->zout = malloc(GZ_CHUNK);
    if (!z || !f->zout) {
        free(z);
        cs__file_stream_abort(f);
        return cs__error_oom("gzip stream", GZ_CHUNK);
    }
    /* windowBits 15 + 16: a gzip wrapper, whose header zlib writes with time 0 and no name. */
    if (deflateInit2(z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(z);
        cs__file_stream_abort(f);
        return cs__error(CS_ERR_OUT_OF_MEMORY, "cannot start the gzip stream of %s", path);
    }
    f->gz = z;
    return CS_OK;
}

/* Deflate `n` bytes (flush: Z_NO_FLUSH or Z_FINISH) and write what comes out. */
static int gz_put(cs__file_stream *f, const void *data, size_t n, int flush)
{
    z_stream *z = f->gz;
    const unsigned char *p = data;
    int zrc = Z_OK;
    do {
        const size_t take = n > (size_t)UINT_MAX ? (size_t)UINT_MAX : n;
        z->next_in = (unsigned char *)(uintptr_t)p;
        z->avail_in = (unsigned)take;
        p += take;
        n -= take;
        const int fl = n == 0 ? flush : Z_NO_FLUSH;
        do {
            z->next_out = f->zout;
            z->avail_out = (unsigned)GZ_CHUNK;
            zrc = deflate(z, fl);
            if (zrc == Z_STREAM_ERROR)
                return cs__error(CS_ERR_IO, "cannot compress %s: %s", f->path, z->msg ? z->msg : "deflate failed");
            int status = write_all(f->fd, (const char *)f->zout, GZ_CHUNK - z->avail_out, f->tmp);
            if (status != CS_OK)
                return status;
        } while (z->avail_out == 0 || (fl == Z_FINISH && zrc != Z_STREAM_END));
    } while (n > 0);
    return CS_OK;
}

int cs__file_stream_write(cs__file_stream *f, cs__buf *b)
{
    int status = cs__buf_status(b, f->path);
    if (status == CS_OK)
        status = f->gz ? gz_put(f, cs__buf_str(b), b->len, Z_NO_FLUSH) : write_all(f->fd, cs__buf_str(b), b->len, f->tmp);
    cs__buf_reset(b);
    return status;
}

int cs__file_stream_commit(cs__file_stream *f)
{
    int status = f->gz ? gz_put(f, "", 0, Z_FINISH) : CS_OK;
    if (status != CS_OK) {
        cs__file_stream_abort(f);
        return status;
    }
    status = fsync(f->fd) == 0 ? CS_OK : cs__error(CS_ERR_IO, "cannot flush %s to disk: %s", f->tmp, strerror(errno));
    if (close(f->fd) != 0 && status == CS_OK)
        status = cs__error(CS_ERR_IO, "cannot close %s: %s", f->tmp, strerror(errno));
    f->fd = -1;
    if (status == CS_OK && rename(f->tmp, f->path) != 0)
        status = cs__error(CS_ERR_IO, "cannot rename %s to %s: %s", f->tmp, f->path, strerror(errno));
    if (status == CS_OK) {
        free(f->tmp);
        f->tmp = NULL;
    }
    cs__file_stream_abort(f);
    return status;
}

void cs__file_stream_abort(cs__file_stream *f)
{
    if (f->gz) {
        deflateEnd(f->gz);
        free(f->gz);
    }
    free(f->zout);
    if (f->fd >= 0)
        close(f->fd);
    if (f->tmp)
        remove(f->tmp);
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

/* NAME.tmp.XXXXXX with NAME matching base and ext: the length of NAME, or 0. */
static size_t tmp_name(const char *name, const char *base, const char *ext)
{
    size_t n = strlen(name);
    if (n < 12 || memcmp(name + n - 11, ".tmp.", 5) != 0)
        return 0;
    for (size_t i = n - 6; i < n; ++i) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return 0;
    }
    size_t stem = n - 11, e = ext ? strlen(ext) : 0;
    if (base && (strlen(base) != stem || memcmp(name, base, stem) != 0))
        return 0;
    if (ext && (stem < e || memcmp(name + stem - e, ext, e) != 0))
        return 0;
    return stem;
}

int cs__remove_stale_tmp(const char *dir, const char *base, const char *ext, double min_age)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT || errno == ENOTDIR ? CS_OK
                                                   : cs__error(CS_ERR_IO, "cannot list %s: %s", dir, strerror(errno));
    int status = CS_OK;
    const time_t now = time(NULL);
    struct dirent *e;
    while (status == CS_OK && (e = readdir(d)) != NULL) {
        if (!tmp_name(e->d_name, base, ext))
            continue;
        char *path = cs__path_join(dir, e->d_name);
        if (!path) {
            status = CS_ERR_OUT_OF_MEMORY;
            break;
        }
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            (min_age <= 0.0 || difftime(now, st.st_mtime) >= min_age) && remove(path) != 0 && errno != ENOENT)
            status = cs__error(CS_ERR_IO, "cannot remove the stale temporary file %s: %s", path, strerror(errno));
        free(path);
    }
    closedir(d);
    return status;
}

int cs__read_file(char **out, size_t *len, const char *path, size_t max_bytes)
{
    *out = NULL;
    if (len)
        *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cs__error(errno == ENOENT ? CS_ERR_NOT_FOUND : CS_ERR_IO, "cannot open %s: %s", path,
                         strerror(errno));
    cs__buf b = CS__BUF_INIT;
    char chunk[65536];
    int status = CS_OK;
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, f);
        if (n > 0) {
            if (b.len + n > max_bytes) {
                status = cs__error(CS_ERR_OVERFLOW, "%s is larger than %zu bytes", path, max_bytes);
                break;
            }
            cs__buf_append(&b, chunk, n);
        }
        if (n < sizeof chunk) {
            if (ferror(f))
                status = cs__error(CS_ERR_IO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (status == CS_OK)
        status = cs__buf_status(&b, path);
    if (status == CS_OK && !b.data)
        cs__buf_append(&b, "", 0);
    if (status == CS_OK)
        status = cs__buf_status(&b, path);
    if (status != CS_OK) {
        cs__buf_free(&b);
        return status;
    }
    *out = b.data;
    if (len)
        *len = b.len;
    return CS_OK;
}

int cs__make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0)
        return CS_OK;
    int err = errno;
    struct stat st;
    if (err == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return CS_OK;
    if (err == EEXIST)
        return cs__error(CS_ERR_IO, "cannot use %s as a directory: it exists and is not a directory", path);
    return cs__error(CS_ERR_IO, "cannot create the directory %s: %s", path, strerror(err));
}

char *cs__path_join(const char *dir, const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (!p) {
        cs__error_oom("path", n);
        return NULL;
    }
    snprintf(p, n, "%s/%s", dir, rel);
    return p;
}
