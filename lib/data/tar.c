#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/tar.h"

#define TAR_BLOCK 512u

void cs__tar_init(cs__tar *t, cs__stream *s)
{
    t->s = s;
    t->remaining = 0;
    t->padding = 0;
}

static uint64_t padding_of(uint64_t size)
{
    return (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
}

/* A numeric header field: octal digits (leading spaces allowed, ended by NUL or space), or
 * GNU's base-256 form when the first byte has its high bit set. */
static bool parse_number(const unsigned char *f, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (f[0] & 0x80) {
        if (f[0] & 0x40)
            return false; /* negative */
        v = f[0] & 0x3F;
        for (size_t i = 1; i < len; i++) {
            if (v > (UINT64_MAX >> 8))
                return false;
            v = v << 8 | f[i];
        }
        *out = v;
        return true;
    }
    size_t i = 0;
    while (i < len && f[i] == ' ')
        i++;
    bool digits = false;
    for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v > (UINT64_MAX >> 3))
            return false;
        v = v << 3 | (uint64_t)(f[i] - '0');
        digits = true;
    }
    if (i < len && f[i] != ' ' && f[i] != '\0')
        return false;
    *out = v;
    return digits;
}

static void copy_field(char *dst, size_t cap, const unsigned char *src, size_t len)
{
    size_t n = 0;
    while (n < len && src[n] && n + 1 < cap)
        n++;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Read an extension header's data (long name or pax records) into a NUL-terminated buffer. */
static int read_extension(cs__tar *t, uint64_t size, char *buf, size_t cap, uint64_t at)
{
    if (size >= cap)
        return cs__error(CS_ERR_UNSUPPORTED,
                         "%s: tar extension header at byte offset %llu is %llu bytes, at most %zu are supported",
                         t->s->path, (unsigned long long)at, (unsigned long long)size, cap - 1);
    int status = cs__stream_read_exact(t->s, buf, (size_t)size, "a tar extension header");
    if (status == CS_OK)
        status = cs__stream_skip(t->s, padding_of(size), "tar padding");
    buf[size] = '\0';
    return status;
}

/* The value of the "path" record in pax extended header data ("LEN path=VALUE\n" records). */
static bool pax_path(const char *data, size_t size, char *out, size_t cap)
{
    size_t pos = 0;
    bool found = false;
    while (pos < size) {
        char *end;
        unsigned long len = strtoul(data + pos, &end, 10);
        if (len == 0 || end == data + pos || *end != ' ' || len > size - pos)
            return found;
        const char *kv = end + 1, *rec_end = data + pos + len;
        if (rec_end > kv + 5 && strncmp(kv, "path=", 5) == 0) {
            size_t vlen = (size_t)(rec_end - (kv + 5));
            if (vlen > 0 && kv[5 + vlen - 1] == '\n')
                vlen--;
            if (vlen < cap) {
                memcpy(out, kv + 5, vlen);
                out[vlen] = '\0';
                found = true;
            }
        }
        pos += len;
    }
    return found;
}

int cs__tar_next(cs__tar *t, cs__tar_entry *e, bool *end)
{
    int status = cs__stream_skip(t->s, t->remaining + t->padding, "the rest of a tar member");
    if (status != CS_OK)
        return status;
    t->remaining = t->padding = 0;
    *end = false;
    char *long_name = malloc(CS__TAR_NAME_MAX);
    if (!long_name)
        return cs__error_oom("a tar name", CS__TAR_NAME_MAX);
    long_name[0] = '\0';

    for (;;) {
        unsigned char h[TAR_BLOCK];
        uint64_t at = t->s->offset;
        size_t got = 0;
        status = cs__stream_read(t->s, h, sizeof h, &got);
        if (status != CS_OK)
            break;
        if (got == 0) { /* some writers omit the end-of-archive blocks */
            *end = true;
            break;
        }
        if (got < sizeof h) {
            status = cs__error(CS_ERR_TRUNCATED,
                               "%s: truncated tar archive: header at byte offset %llu has %zu of 512 bytes",
                               t->s->path, (unsigned long long)at, got);
            break;
        }
        bool zero = true;
        for (size_t i = 0; i < sizeof h && zero; i++)
            zero = h[i] == 0;
        if (zero) {
            *end = true;
            break;
        }
        uint64_t stored, sum_unsigned = 0;
        int64_t sum_signed = 0;
        for (size_t i = 0; i < sizeof h; i++) {
            unsigned char b = (i >= 148 && i < 156) ? ' ' : h[i];
            sum_unsigned += b;
            sum_signed += (signed char)b;
        }
        if (!parse_number(h + 148, 8, &stored)) {
            status = cs__error(CS_ERR_FORMAT,
                               "%s: not a tar archive: header at byte offset %llu has no valid checksum field",
                               t->s->path, (unsigned long long)at);
            break;
        }
        if (stored != sum_unsigned && (int64_t)stored != sum_signed) {
            status = cs__error(CS_ERR_CORRUPT,
                               "%s: tar header at byte offset %llu fails its checksum (stored %llu, computed %llu)",
                               t->s->path, (unsigned long long)at, (unsigned long long)stored,
                               (unsigned long long)sum_unsigned);
            break;
        }
        uint64_t size;
        if (!parse_number(h + 124, 12, &size)) {
            status = cs__error(CS_ERR_FORMAT, "%s: tar header at byte offset %llu has an invalid size field",
                               t->s->path, (unsigned long long)at);
            break;
        }
        char type = (char)h[156];
        if (type == 'L' || type == 'x') {
            char *data = malloc(CS__TAR_NAME_MAX * 4);
            if (!data) {
                status = cs__error_oom("a tar extension header", CS__TAR_NAME_MAX * 4);
                break;
            }
            status = read_extension(t, size, data, CS__TAR_NAME_MAX * 4, at);
            if (status == CS_OK) {
                if (type == 'L')
                    copy_field(long_name, CS__TAR_NAME_MAX, (const unsigned char *)data, (size_t)size);
                else
                    pax_path(data, (size_t)size, long_name, CS__TAR_NAME_MAX);
            }
            free(data);
            if (status != CS_OK)
                break;
            continue;
        }
        if (type == 'g') { /* pax global header: nothing we use */
            status = cs__stream_skip(t->s, size + padding_of(size), "a pax global header");
            if (status != CS_OK)
                break;
            continue;
        }
        if (long_name[0]) {
            snprintf(e->name, sizeof e->name, "%s", long_name);
        } else {
            char name[101], prefix[156];
            copy_field(name, sizeof name, h, 100);
            copy_field(prefix, sizeof prefix, h + 345, 155);
            bool posix = memcmp(h + 257, "ustar\0", 6) == 0;
            if (posix && prefix[0])
                snprintf(e->name, sizeof e->name, "%s/%s", prefix, name);
            else
                snprintf(e->name, sizeof e->name, "%s", name);
        }
        e->size = size;
        e->regular = type == '0' || type == '\0' || type == '7';
        e->header_offset = at;
        /* Only regular files carry data (hard/sym links and directories carry none). */
        if (!e->regular && type != '5')
            size = (type == '1' || type == '2' || type == '3' || type == '4' || type == '6') ? 0 : size;
        t->remaining = size;
        t->padding = padding_of(size);
        break;
    }
    free(long_name);
    return status;
}

int cs__tar_read(cs__tar *t, void *buf, size_t n, const char *what)
{
    if ((uint64_t)n > t->remaining)
        return cs__error(CS_ERR_FORMAT, "%s: %s wants %zu bytes but the tar member has only %llu left",
                         t->s->path, what, n, (unsigned long long)t->remaining);
    int status = cs__stream_read_exact(t->s, buf, n, what);
    if (status == CS_OK)
        t->remaining -= n;
    return status;
}
