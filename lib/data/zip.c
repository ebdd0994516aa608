/* Zip archives (PKWARE APPNOTE 6.3): found from the end-of-central-directory record at the
 * end of the file (with the ZIP64 record that it points to when a count, size or offset does
 * not fit in its 16 or 32 bits), then the central directory, whose sizes are trusted over the
 * local headers' (Python's zipfile writes 0xFFFFFFFF there under force_zip64, and data
 * descriptors leave them 0). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/error.h"
#include "core/memory.h"
#include "data/zip.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u
#define END_SIZE 22u
#define END64_SIZE 56u
#define LOCATOR64_SIZE 20u
#define CENTRAL_SIZE 46u
#define LOCAL_SIZE 30u
#define EXTRA_ZIP64 0x0001u
#define METHOD_STORED 0u
#define METHOD_DEFLATE 8u
#define FLAG_ENCRYPTED 0x0001u
#define FLAG_STRONG_ENCRYPTION 0x0040u
/* Deflate expands at most 1032:1 (zlib's "Maximum Compression Factor"), plus a little. */
#define DEFLATE_MAX_RATIO 1032u
/* Longest member name quoted in a message. */
#define NAME_QUOTE 200

static uint16_t le16(const uint8_t *b) { return (uint16_t)(b[0] | b[1] << 8); }
static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static uint64_t le64(const uint8_t *b) { return le32(b) | (uint64_t)le32(b + 4) << 32; }

static int name_quote_len(const cs__zip_member *m)
{
    return m->name_len > NAME_QUOTE ? NAME_QUOTE : (int)m->name_len;
}

/* The ZIP64 extended information of a central directory entry: the 64-bit values of exactly
 * those fields whose 32-bit (16-bit for the disk) slot holds all ones, in a fixed order. */
static int zip64_extra(const cs__zip *z, cs__zip_member *m, const uint8_t *extra, size_t n,
                       bool want_size, bool want_comp, bool want_offset)
{
    size_t at = 0;
    while (at + 4 <= n) {
        uint16_t id = le16(extra + at), len = le16(extra + at + 2);
        if (len > n - at - 4)
            break;
        if (id == EXTRA_ZIP64) {
            const uint8_t *f = extra + at + 4;
            size_t need = 8u * ((size_t)want_size + want_comp + want_offset);
            if (len < need)
                return cs__error(CS_ERR_FORMAT, "%s: the ZIP64 field of the central directory entry at "
                                 "byte offset %llu has %u bytes, its 0xFFFFFFFF slots need %zu",
                                 z->path, (unsigned long long)m->entry_offset, len, need);
            if (want_size) {
                m->size = le64(f);
                f += 8;
            }
            if (want_comp) {
                m->compressed = le64(f);
                f += 8;
            }
            if (want_offset)
                m->local_offset = le64(f);
            return CS_OK;
        }
        at += 4u + len;
    }
    return cs__error(CS_ERR_FORMAT, "%s: the central directory entry at byte offset %llu marks a size "
                     "or offset as ZIP64 (0xFFFFFFFF) but has no ZIP64 extra field",
                     z->path, (unsigned long long)m->entry_offset);
}

/* Find the end-of-central-directory record (the last one: a comment may hold the signature). */
static int find_end(const cs__zip *z, size_t *pos)
{
    if (z->len < END_SIZE)
        return cs__error(CS_ERR_FORMAT, "%s: not a zip archive: %zu bytes, shorter than an "
                         "end-of-central-directory record (22)", z->path, z->len);
    size_t lowest = z->len - END_SIZE > 0xFFFFu ? z->len - END_SIZE - 0xFFFFu : 0;
    for (size_t p = z->len - END_SIZE + 1; p-- > lowest;)
        if (le32(z->data + p) == SIG_END && p + END_SIZE + le16(z->data + p + 20) == z->len) {
            *pos = p;
            return CS_OK;
        }
    return cs__error(CS_ERR_FORMAT, "%s: not a zip archive (an .npz is one): no end-of-central-directory "
                     "record in its last %zu bytes", z->path, z->len - lowest);
}

int cs__zip_open(cs__zip *z, const uint8_t *data, size_t len, const char *path)
{
    memset(z, 0, sizeof *z);
    z->data = data;
    z->len = len;
    z->path = path;
    size_t end = 0;
    int status = find_end(z, &end);
    if (status != CS_OK)
        return status;
    const uint8_t *e = data + end;
    uint64_t disk = le16(e + 4), cd_disk = le16(e + 6), on_disk = le16(e + 8), entries = le16(e + 10);
    uint64_t cd_size = le32(e + 12), cd_offset = le32(e + 16);
    if (entries == 0xFFFFu || on_disk == 0xFFFFu || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) {
        if (end < LOCATOR64_SIZE || le32(e - LOCATOR64_SIZE) != SIG_LOCATOR64)
            return cs__error(CS_ERR_FORMAT, "%s: the end-of-central-directory record at byte offset %zu "
                             "defers to ZIP64, but no ZIP64 locator precedes it", path, end);
        uint64_t at = le64(e - LOCATOR64_SIZE + 8);
        if (at > end - LOCATOR64_SIZE || end - LOCATOR64_SIZE - at < END64_SIZE || le32(data + at) != SIG_END64)
            return cs__error(CS_ERR_FORMAT, "%s: the ZIP64 locator at byte offset %zu points to byte offset "
                             "%llu, where there is no ZIP64 end-of-central-directory record",
                             path, end - LOCATOR64_SIZE, (unsigned long long)at);
        const uint8_t *e64 = data + at;
        disk = le32(e64 + 16);
        cd_disk = le32(e64 + 20);
        on_disk = le64(e64 + 24);
        entries = le64(e64 + 32);
        cd_size = le64(e64 + 40);
        cd_offset = le64(e64 + 48);
    }
    if (disk != 0 || cd_disk != 0 || on_disk != entries)
        return cs__error(CS_ERR_UNSUPPORTED, "%s: a multi-volume zip archive (disk %llu); only single "
                         "files are read", path, (unsigned long long)disk);
    if (cd_offset > end || cd_size > end - cd_offset)
        return cs__error(CS_ERR_TRUNCATED, "%s: the central directory (%llu bytes at byte offset %llu) "
                         "lies beyond the %zu bytes before its end record",
                         path, (unsigned long long)cd_size, (unsigned long long)cd_offset, end);
    if (entries > cd_size / CENTRAL_SIZE)
        return cs__error(CS_ERR_FORMAT, "%s: the central directory claims %llu entries in %llu bytes "
                         "(each needs at least %u)", path, (unsigned long long)entries,
                         (unsigned long long)cd_size, CENTRAL_SIZE);
    z->members = calloc(entries ? (size_t)entries : 1, sizeof *z->members);
    if (!z->members)
        return cs__error_oom("zip central directory", (size_t)entries * sizeof *z->members);
    const uint64_t cd_end = cd_offset + cd_size;
    uint64_t at = cd_offset;
    for (uint64_t i = 0; i < entries; i++) {
        cs__zip_member *m = &z->members[z->count];
        m->entry_offset = at;
        if (cd_end - at < CENTRAL_SIZE || le32(data + at) != SIG_CENTRAL) {
            status = cs__error(CS_ERR_FORMAT, "%s: central directory entry %llu at byte offset %llu: %s",
                               path, (unsigned long long)i, (unsigned long long)at,
                               cd_end - at < CENTRAL_SIZE ? "the directory ends inside it"
                                                          : "no central header signature (PK\\1\\2)");
            goto fail;
        }
        const uint8_t *c = data + at;
        m->flags = le16(c + 8);
        m->method = le16(c + 10);
        m->crc = le32(c + 16);
        m->compressed = le32(c + 20);
        m->size = le32(c + 24);
        size_t name_len = le16(c + 28), extra_len = le16(c + 30), comment_len = le16(c + 32);
        m->local_offset = le32(c + 42);
        if (cd_end - at - CENTRAL_SIZE < name_len + extra_len + comment_len) {
            status = cs__error(CS_ERR_FORMAT, "%s: central directory entry %llu at byte offset %llu: its "
                               "name, extra field and comment run past the directory's end",
                               path, (unsigned long long)i, (unsigned long long)at);
            goto fail;
        }
        m->name = (const char *)c + CENTRAL_SIZE;
        m->name_len = name_len;
        bool want_size = m->size == 0xFFFFFFFFu, want_comp = m->compressed == 0xFFFFFFFFu,
             want_offset = m->local_offset == 0xFFFFFFFFu;
        if (want_size || want_comp || want_offset) {
            status = zip64_extra(z, m, c + CENTRAL_SIZE + name_len, extra_len, want_size, want_comp, want_offset);
            if (status != CS_OK)
                goto fail;
        }
        for (size_t j = 0; j < z->count; j++)
            if (z->members[j].name_len == name_len && memcmp(z->members[j].name, m->name, name_len) == 0) {
                status = cs__error(CS_ERR_FORMAT, "%s: two members are named '%.*s' (central directory "
                                   "entries at byte offsets %llu and %llu)", path, name_quote_len(m),
                                   m->name, (unsigned long long)z->members[j].entry_offset,
                                   (unsigned long long)at);
                goto fail;
            }
        z->count++;
        at += CENTRAL_SIZE + name_len + extra_len + comment_len;
    }
    return CS_OK;
fail:
    cs__zip_close(z);
    return status;
}

void cs__zip_close(cs__zip *z)
{
    free(z->members);
    z->members = NULL;
    z->count = 0;
}

const cs__zip_member *cs__zip_find(const cs__zip *z, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < z->count; i++)
        if (z->members[i].name_len == len && memcmp(z->members[i].name, name, len) == 0)
            return &z->members[i];
    return NULL;
}

int cs__zip_not_found(const cs__zip *z, const char *name)
{
    char list[512];
    size_t n = 0;
    list[0] = '\0';
    for (size_t i = 0; i < z->count && n + 1 < sizeof list; i++) {
        const cs__zip_member *m = &z->members[i];
        int w = snprintf(list + n, sizeof list - n, "%s%.*s", i ? ", " : "", name_quote_len(m), m->name);
        if (w < 0 || (size_t)w >= sizeof list - n) {
            snprintf(list + (sizeof list - 5), 5, " ...");
            break;
        }
        n += (size_t)w;
    }
    return cs__error(CS_ERR_NOT_FOUND, "%s: the archive has no member %s; it holds %s%s", z->path, name,
                     z->count ? "" : "no members", list);
}

static int inflate_member(const cs__zip *z, const cs__zip_member *m, const uint8_t *src, uint8_t *dst)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
        return cs__error(CS_ERR_OUT_OF_MEMORY, "%s: zlib could not set up an inflater", z->path);
    /* Fed in pieces below 4 GiB: avail_in and avail_out are 32-bit. */
    uint64_t in_left = m->compressed, out_left = m->size;
    const uint64_t chunk = 1u << 30;
    zs.next_in = (Bytef *)(uintptr_t)src;
    zs.next_out = dst;
    int ret = Z_OK;
    while (ret == Z_OK) {
        if (zs.avail_in == 0 && in_left > 0) {
            zs.avail_in = (uInt)(in_left < chunk ? in_left : chunk);
            in_left -= zs.avail_in;
        }
        if (zs.avail_out == 0 && out_left > 0) {
            zs.avail_out = (uInt)(out_left < chunk ? out_left : chunk);
            out_left -= zs.avail_out;
        }
        ret = inflate(&zs, Z_NO_FLUSH);
        if (ret == Z_BUF_ERROR && ((zs.avail_in == 0 && in_left > 0) || (zs.avail_out == 0 && out_left > 0)))
            ret = Z_OK;
    }
    uint64_t produced = (uint64_t)zs.total_out;
    const char *msg = zs.msg ? zs.msg : "";
    int status = CS_OK;
    if (ret == Z_MEM_ERROR)
        status = cs__error(CS_ERR_OUT_OF_MEMORY, "%s: zlib ran out of memory inflating %.*s", z->path,
                           name_quote_len(m), m->name);
    else if (ret == Z_STREAM_END && produced == m->size && zs.avail_in == 0 && in_left == 0)
        status = CS_OK;
    else if (ret == Z_STREAM_END)
        status = cs__error(CS_ERR_CORRUPT, "%s: member %.*s inflates to %llu bytes from %llu compressed, "
                           "the central directory says %llu from %llu", z->path, name_quote_len(m), m->name,
                           (unsigned long long)produced, (unsigned long long)zs.total_in,
                           (unsigned long long)m->size, (unsigned long long)m->compressed);
    else if (ret == Z_BUF_ERROR && zs.avail_out == 0 && out_left == 0)
        status = cs__error(CS_ERR_CORRUPT, "%s: member %.*s inflates to more than the %llu bytes the "
                           "central directory says", z->path, name_quote_len(m), m->name,
                           (unsigned long long)m->size);
    else if (ret == Z_BUF_ERROR)
        status = cs__error(CS_ERR_CORRUPT, "%s: member %.*s: the deflate stream ends early, after %llu of "
                           "%llu bytes", z->path, name_quote_len(m), m->name,
                           (unsigned long long)produced, (unsigned long long)m->size);
    else
        status = cs__error(CS_ERR_CORRUPT, "%s: member %.*s: corrupt deflate data near uncompressed byte "
                           "%llu: %s", z->path, name_quote_len(m), m->name, (unsigned long long)produced, msg);
    inflateEnd(&zs);
    return status;
}

int cs__zip_extract(const cs__zip *z, const cs__zip_member *m, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const int nl = name_quote_len(m);
    if (m->flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION))
        return cs__error(CS_ERR_UNSUPPORTED, "%s: member %.*s is encrypted", z->path, nl, m->name);
    if (m->method != METHOD_STORED && m->method != METHOD_DEFLATE)
        return cs__error(CS_ERR_UNSUPPORTED, "%s: member %.*s uses compression method %u; only 0 (stored, "
                         "np.savez) and 8 (deflate, np.savez_compressed) are read", z->path, nl, m->name,
                         m->method);
    if (m->local_offset > z->len || z->len - m->local_offset < LOCAL_SIZE)
        return cs__error(CS_ERR_TRUNCATED, "%s: member %.*s: its local header at byte offset %llu lies "
                         "beyond the %zu-byte archive", z->path, nl, m->name,
                         (unsigned long long)m->local_offset, z->len);
    const uint8_t *h = z->data + m->local_offset;
    if (le32(h) != SIG_LOCAL)
        return cs__error(CS_ERR_FORMAT, "%s: member %.*s: no local header signature (PK\\3\\4) at byte "
                         "offset %llu", z->path, nl, m->name, (unsigned long long)m->local_offset);
    size_t name_len = le16(h + 26), extra_len = le16(h + 28);
    uint64_t data_at = m->local_offset + LOCAL_SIZE + name_len + extra_len;
    if (data_at > z->len)
        return cs__error(CS_ERR_TRUNCATED, "%s: member %.*s: its local header at byte offset %llu runs "
                         "past the end of the archive", z->path, nl, m->name, (unsigned long long)m->local_offset);
    if (name_len != m->name_len || memcmp(h + LOCAL_SIZE, m->name, name_len) != 0)
        return cs__error(CS_ERR_FORMAT, "%s: the local header at byte offset %llu names another member "
                         "than its central directory entry (%.*s)", z->path,
                         (unsigned long long)m->local_offset, nl, m->name);
    if (m->compressed > z->len - data_at)
        return cs__error(CS_ERR_TRUNCATED, "%s: truncated: member %.*s has %llu compressed bytes from byte "
                         "offset %llu, the archive has %llu after it", z->path, nl, m->name,
                         (unsigned long long)m->compressed, (unsigned long long)data_at,
                         (unsigned long long)(z->len - data_at));
    if (m->method == METHOD_STORED && m->compressed != m->size)
        return cs__error(CS_ERR_FORMAT, "%s: stored member %.*s has %llu bytes on disk but a size of %llu",
                         z->path, nl, m->name, (unsigned long long)m->compressed, (unsigned long long)m->size);
    if (m->method == METHOD_DEFLATE && m->size / DEFLATE_MAX_RATIO > m->compressed + 1)
        return cs__error(CS_ERR_CORRUPT, "%s: member %.*s claims %llu bytes from %llu compressed, more than "
                         "deflate's 1032:1 can give", z->path, nl, m->name, (unsigned long long)m->size,
                         (unsigned long long)m->compressed);
    if (m->size > SIZE_MAX - 1)
        return cs__error(CS_ERR_OVERFLOW, "%s: member %.*s of %llu bytes does not fit in memory", z->path,
                         nl, m->name, (unsigned long long)m->size);
    uint8_t *buf = malloc(m->size ? (size_t)m->size : 1);
    if (!buf)
        return cs__error_oom("zip member", (size_t)m->size);
    int status = CS_OK;
    if (m->method == METHOD_STORED)
        memcpy(buf, z->data + data_at, (size_t)m->size);
    else
        status = inflate_member(z, m, z->data + data_at, buf);
    if (status == CS_OK) {
        uLong crc = crc32(0L, Z_NULL, 0);
        for (uint64_t done = 0; done < m->size;) {
            uint64_t step = m->size - done < (1u << 30) ? m->size - done : (1u << 30);
            crc = crc32(crc, buf + done, (uInt)step);
            done += step;
        }
        if ((uint32_t)crc != m->crc)
            status = cs__error(CS_ERR_CORRUPT, "%s: member %.*s fails its CRC-32 check: computed 0x%08x, "
                               "the central directory says 0x%08x", z->path, nl, m->name,
                               (unsigned)crc, (unsigned)m->crc);
    }
    if (status != CS_OK) {
        free(buf);
        return status;
    }
    *out = buf;
    *len = (size_t)m->size;
    return CS_OK;
}
