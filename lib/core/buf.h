/* Internal: a growing text buffer for writers (JSON, CSV, SVG, HTML).
 *
 * Errors are sticky: after a failed allocation every append is a no-op and
 * cs__buf_status() reports CS_ERR_OUT_OF_MEMORY, so writers append freely and check once. */
#ifndef CS_CORE_BUF_H
#define CS_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

typedef struct cs__buf {
    char *data;     /* NUL-terminated while len < cap; NULL before the first append */
    size_t len;
    size_t cap;
    int failed;     /* an allocation failed; the content is incomplete */
} cs__buf;

#define CS__BUF_INIT { NULL, 0, 0, 0 }

void cs__buf_free(cs__buf *b);
void cs__buf_reset(cs__buf *b);                 /* len = 0, keeps the storage and the error */
void cs__buf_append(cs__buf *b, const char *s, size_t n);
void cs__buf_puts(cs__buf *b, const char *s);
void cs__buf_putc(cs__buf *b, char c);
/* printf-style appends in C notation ('.' decimal point) whatever LC_NUMERIC says
 * (cs__num_vsnprintf). */
void cs__buf_printf(cs__buf *b, const char *fmt, ...) CS__PRINTF(2, 3);
void cs__buf_vprintf(cs__buf *b, const char *fmt, va_list ap);
/* Text escaped for XML/HTML element content and attribute values (& < > " '). */
void cs__buf_xml(cs__buf *b, const char *s);
/* cs__num_format_double (the shortest "%.{15,16,17}g" form that reads back bit-exactly, in C
 * notation), but 0 for -0; callers decide how non-finite values are written. */
void cs__buf_double(cs__buf *b, double v);
/* CS_OK, or CS_ERR_OUT_OF_MEMORY (with the thread's last error set) after a failed append. */
int cs__buf_status(const cs__buf *b, const char *what);
/* Text = data, or "" when nothing was appended. */
const char *cs__buf_str(const cs__buf *b);

/* Write the buffer to `path` atomically: a temporary file in the same directory, fsync,
 * rename. CS_OK or CS_ERR_IO naming the path and the OS error. */
int cs__buf_write_file(const cs__buf *b, const char *path);
/* The same, but never replacing an existing file (published by link): *existed is 1, and
 * nothing is written, when `path` is already there. For files several processes may create at
 * once, of which the first must win. */
int cs__buf_write_file_once(const cs__buf *b, const char *path, int *existed);

/* A file too large to hold in memory, written atomically like cs__buf_write_file: open creates
 * the temporary file next to `path`; write appends a buffer's bytes and empties it (so that a
 * writer reuses one buffer); commit flushes, closes and renames; abort (also after a failed
 * open or commit, and safe to repeat) removes the temporary file. CS_OK or CS_ERR_IO naming
 * the file and the OS error. */
typedef struct cs__file_stream {
    char *path, *tmp;
    int fd;
    void *gz;        /* the deflate state of a gzip stream (cs__file_stream_open_gzip), else NULL */
    unsigned char *zout;
} cs__file_stream;
int cs__file_stream_open(cs__file_stream *f, const char *path);
/* The same, writing the bytes gzip-compressed (RFC 1952, level 6, header without a name or a
 * time, so the same bytes give the same file); commit ends the stream. */
int cs__file_stream_open_gzip(cs__file_stream *f, const char *path);
int cs__file_stream_write(cs__file_stream *f, cs__buf *b);
int cs__file_stream_commit(cs__file_stream *f);
void cs__file_stream_abort(cs__file_stream *f);

/* Remove the temporary files that interrupted writes of cs__buf_write_file left in `dir`:
 * regular files named NAME.tmp.XXXXXX (six characters of mkstemp's alphabet) where NAME is `base`
 * (NULL: any) and ends with `ext` (NULL: any); with min_age > 0 only those not modified for
 * min_age seconds (another process may be writing a younger one). A missing `dir` is fine.
 * CS_OK, or CS_ERR_IO naming the file that could not be removed. */
int cs__remove_stale_tmp(const char *dir, const char *base, const char *ext, double min_age);

/* Create a directory (one level) unless a directory of that name exists. CS_OK, or CS_ERR_IO
 * naming the path and why (also when a file of that name is in the way). */
int cs__make_dir(const char *path);

/* "dir/rel" in a malloc'd string; NULL (with the out-of-memory error set) on failure. */
char *cs__path_join(const char *dir, const char *rel);

/* Read a whole file (up to max_bytes) into a NUL-terminated malloc'd block. CS_OK;
 * CS_ERR_NOT_FOUND, CS_ERR_IO, CS_ERR_OVERFLOW (larger than max_bytes), CS_ERR_OUT_OF_MEMORY,
 * each with a message naming the path. */
int cs__read_file(char **out, size_t *len, const char *path, size_t max_bytes);

#endif
