/* Internal: sequential reading of a file that may be raw or gzip-compressed (detected from
 * its first bytes), with the byte offset kept for precise error messages. */
#ifndef CS_DATA_STREAM_H
#define CS_DATA_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

typedef struct cs__stream {
    gzFile gz;
    const char *path;      /* borrowed: the caller keeps it alive while the stream is open */
    uint64_t offset;       /* uncompressed bytes consumed so far */
    uint64_t file_size;    /* bytes on disk */
    bool compressed;
} cs__stream;

/* Open `path`; CS_ERR_NOT_FOUND if it does not exist, CS_ERR_IO otherwise. */
int cs__stream_open(cs__stream *s, const char *path);
void cs__stream_close(cs__stream *s);

/* An upper bound on the uncompressed bytes still to come: exact for raw files; for gzip,
 * the deflate format's largest expansion (1032:1) of the file. Lets callers refuse a header
 * that promises more data than the file can hold before allocating for it. */
uint64_t cs__stream_max_remaining(const cs__stream *s);

/* Read up to n bytes; *got < n only at the end of the data. CS_ERR_CORRUPT for a damaged
 * gzip stream, CS_ERR_TRUNCATED for one that stops before its trailer, CS_ERR_IO. */
int cs__stream_read(cs__stream *s, void *buf, size_t n, size_t *got);

/* Read exactly n bytes of `what`; CS_ERR_TRUNCATED (naming what, offset and sizes) if the
 * data ends first. */
int cs__stream_read_exact(cs__stream *s, void *buf, size_t n, const char *what);

/* Skip n bytes of `what` (CS_ERR_TRUNCATED if the data ends first). */
int cs__stream_skip(cs__stream *s, uint64_t n, const char *what);

/* CS_OK if the data has ended, CS_ERR_FORMAT naming `what` if bytes remain. */
int cs__stream_expect_end(cs__stream *s, const char *what);

#endif
