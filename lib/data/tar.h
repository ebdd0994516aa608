/* Internal: a streaming reader of tar archives (POSIX ustar, GNU long names, pax paths),
 * over a cs__stream so that a .tar.gz is read in one pass without touching the disk. */
#ifndef CS_DATA_TAR_H
#define CS_DATA_TAR_H

#include <stdbool.h>
#include <stdint.h>

#include "data/stream.h"

#define CS__TAR_NAME_MAX 1024

typedef struct cs__tar_entry {
    char name[CS__TAR_NAME_MAX];
    uint64_t size;
    bool regular;              /* a regular file (the only kind whose data callers read) */
    uint64_t header_offset;    /* byte offset of its header in the uncompressed archive */
} cs__tar_entry;

typedef struct cs__tar {
    cs__stream *s;
    uint64_t remaining;        /* data bytes of the current entry not yet read */
    uint64_t padding;          /* zero bytes after them up to the next 512-byte block */
} cs__tar;

void cs__tar_init(cs__tar *t, cs__stream *s);

/* Advance to the next file or directory entry, skipping what is left of the current one and
 * consuming GNU long-name and pax headers. *end is set at the end-of-archive marker (or a
 * clean end of data at a block boundary). CS_ERR_CORRUPT for a bad header checksum,
 * CS_ERR_FORMAT for a malformed header, CS_ERR_TRUNCATED. */
int cs__tar_next(cs__tar *t, cs__tar_entry *e, bool *end);

/* Read n bytes of the current entry's data (n <= what remains of it). */
int cs__tar_read(cs__tar *t, void *buf, size_t n, const char *what);

#endif
