#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "data/stream.h"

/* Deflate cannot expand more than 1032:1 (zlib's technical details, "Maximum Compression
 * Factor"), plus the few bytes of gzip framing. */
#define CS__DEFLATE_MAX_RATIO 1032u

/* Decompressor buffer: large enough that reading a 26 MB gzip file is not syscall-bound.
 * Fuzzing builds (CS_FUZZ) take a small one: under AddressSanitizer every 768 KiB of zlib
 * buffers is a fresh mapping per file opened (fuzzing ran at 50-90 inputs a second), and small
 * buffers put the refills at offsets that small inputs reach. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CS__STREAM_BUFFER 1024u
#else
#define CS__STREAM_BUFFER (256u * 1024u)
#endif

/* zlib's gzerror() text starts with the path it was opened with; drop that. */
static const char *gz_message(cs__stream *s, int *zerr)
{
    const char *msg = gzerror(s->gz, zerr);
    size_t len = strlen(s->path);
    if (strncmp(msg, s->path, len) == 0 && msg[len] == ':' && msg[len + 1] == ' ')
        msg += len + 2;
    return msg;
}

/* Turn the stream's zlib error into a status and message at the current offset. */
static int gz_failure(cs__stream *s)
{
    int zerr = Z_OK;
    const char *msg = gz_message(s, &zerr);
    unsigned long long at = (unsigned long long)s->offset;
    if (zerr == Z_BUF_ERROR)
        return cs__error(CS_ERR_TRUNCATED, "%s: gzip stream ends early, after %llu uncompressed bytes (%s)",
                         s->path, at, msg);
    if (zerr == Z_ERRNO)
        return cs__error(CS_ERR_IO, "%s: read error at byte %llu: %s", s->path, at, strerror(errno));
    if (zerr == Z_MEM_ERROR)
        return cs__error(CS_ERR_OUT_OF_MEMORY, "%s: zlib ran out of memory", s->path);
    return cs__error(CS_ERR_CORRUPT, "%s: corrupt gzip stream near uncompressed byte %llu: %s",
                     s->path, at, msg);
}

int cs__stream_open(cs__stream *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        return cs__error(e == ENOENT || e == ENOTDIR ? CS_ERR_NOT_FOUND : CS_ERR_IO,
                         "%s: cannot open: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode))
        return cs__error(CS_ERR_IO, "%s: is a directory, expected a file", path);
    s->file_size = (uint64_t)st.st_size;
    s->gz = gzopen(path, "rb");
    if (!s->gz) {
        int e = errno;
        return cs__error(e == ENOENT ? CS_ERR_NOT_FOUND : CS_ERR_IO, "%s: cannot open: %s",
                         path, e ? strerror(e) : "zlib could not allocate its state");
    }
    gzbuffer(s->gz, CS__STREAM_BUFFER);
    /* gzdirect() is only meaningful once zlib has looked at the first bytes. */
    unsigned char first;
    int c = gzread(s->gz, &first, 1);
    if (c == 1)
        gzungetc(first, s->gz);
    s->compressed = gzdirect(s->gz) == 0;
    if (c < 0) {
        int status = gz_failure(s);
        cs__stream_close(s);
        return status;
    }
    return CS_OK;
}

void cs__stream_close(cs__stream *s)
{
    if (s->gz)
        gzclose(s->gz);
    s->gz = NULL;
}

uint64_t cs__stream_max_remaining(const cs__stream *s)
{
    if (!s->compressed)
        return s->file_size >= s->offset ? s->file_size - s->offset : 0;
    uint64_t bound = s->file_size * CS__DEFLATE_MAX_RATIO;
    return bound >= s->offset ? bound - s->offset : 0;
}

int cs__stream_read(cs__stream *s, void *buf, size_t n, size_t *got)
{
    unsigned char *p = buf;
    size_t total = 0;
    while (total < n) {
        size_t want = n - total;
        if (want > (1u << 30))
            want = 1u << 30;
        int r = gzread(s->gz, p + total, (unsigned)want);
        if (r < 0 || (size_t)r < want) {
            int zerr = Z_OK;
            gzerror(s->gz, &zerr);
            if (r > 0)
                total += (size_t)r;
            s->offset += total;
            if (zerr != Z_OK)
                return gz_failure(s);
            *got = total;
            return CS_OK;
        }
        total += (size_t)r;
    }
    s->offset += total;
    *got = total;
    return CS_OK;
}

int cs__stream_read_exact(cs__stream *s, void *buf, size_t n, const char *what)
{
    uint64_t start = s->offset;
    size_t got = 0;
    int status = cs__stream_read(s, buf, n, &got);
    if (status != CS_OK)
        return status;
    if (got < n)
        return cs__error(CS_ERR_TRUNCATED,
                         "%s: truncated: %s needs %zu bytes from byte offset %llu, only %zu remain",
                         s->path, what, n, (unsigned long long)start, got);
    return CS_OK;
}

int cs__stream_skip(cs__stream *s, uint64_t n, const char *what)
{
    unsigned char scratch[4096];
    while (n > 0) {
        size_t chunk = n < sizeof scratch ? (size_t)n : sizeof scratch;
        int status = cs__stream_read_exact(s, scratch, chunk, what);
        if (status != CS_OK)
            return status;
        n -= chunk;
    }
    return CS_OK;
}

int cs__stream_expect_end(cs__stream *s, const char *what)
{
    unsigned char extra[64];
    uint64_t at = s->offset;
    size_t got = 0;
    int status = cs__stream_read(s, extra, sizeof extra, &got);
    if (status != CS_OK)
        return status;
    if (got > 0)
        return cs__error(CS_ERR_FORMAT, "%s: unexpected data after %s at byte offset %llu",
                         s->path, what, (unsigned long long)at);
    return CS_OK;
}
