/* Internal: a reader of zip archives held in memory (what np.savez and np.savez_compressed
 * write): the central directory, ZIP64 sizes and offsets, stored and deflated members, each
 * checked against its CRC-32. */
#ifndef CS_DATA_ZIP_H
#define CS_DATA_ZIP_H

#include <stddef.h>
#include <stdint.h>

typedef struct cs__zip_member {
    const char *name;          /* borrowed from the archive's bytes, name_len long, not terminated */
    size_t name_len;
    uint16_t flags, method;
    uint32_t crc;
    uint64_t compressed, size; /* sizes from the central directory (ZIP64 extra when present) */
    uint64_t local_offset;     /* byte offset of its local header */
    uint64_t entry_offset;     /* byte offset of its central directory entry */
} cs__zip_member;

typedef struct cs__zip {
    const uint8_t *data;       /* the whole archive, borrowed */
    size_t len;
    const char *path;          /* for messages, borrowed */
    cs__zip_member *members;
    size_t count;
} cs__zip;

/* Read the central directory of the archive data[0..len). CS_ERR_FORMAT when there is no
 * end-of-central-directory record or an entry is malformed, or two members share a name;
 * CS_ERR_UNSUPPORTED for multi-disk archives; CS_ERR_TRUNCATED when the directory lies beyond
 * the data. Free with cs__zip_close(). */
int cs__zip_open(cs__zip *z, const uint8_t *data, size_t len, const char *path);
void cs__zip_close(cs__zip *z);

/* The member called `name`, or NULL. */
const cs__zip_member *cs__zip_find(const cs__zip *z, const char *name);

/* CS_ERR_NOT_FOUND naming `name` and listing the members present. */
int cs__zip_not_found(const cs__zip *z, const char *name);

/* The member's bytes in a new buffer (*out, malloc'd, *len bytes): stored data copied or
 * deflate data inflated, then its CRC-32 checked (CS_ERR_CORRUPT on a mismatch). Refused:
 * encryption and methods other than stored (0) and deflate (8) (CS_ERR_UNSUPPORTED), a bad
 * local header (CS_ERR_FORMAT), data beyond the archive (CS_ERR_TRUNCATED), a size that
 * deflate cannot reach from the compressed bytes or bad deflate data (CS_ERR_CORRUPT). */
int cs__zip_extract(const cs__zip *z, const cs__zip_member *m, uint8_t **out, size_t *len);

#endif
