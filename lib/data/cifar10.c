/* CIFAR-10, binary version (Krizhevsky 2009): batches of 3073-byte records, one label byte and
 * 32x32 planar R, G, B bytes; from the extracted directory or straight from the .tar.gz. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/memory.h"
#include "data/dataset_internal.h"
#include "data/stream.h"
#include "data/tar.h"

#define CIFAR_CLASSES 10
#define CIFAR_SIDE 32
#define CIFAR_IMAGE (3 * CIFAR_SIDE * CIFAR_SIDE)
#define CIFAR_RECORD (1 + CIFAR_IMAGE)
#define CIFAR_MAX_BATCHES 5
#define CIFAR_META "batches.meta.txt"
/* The meta file is ten short lines; anything larger is not it. */
#define CIFAR_META_MAX 4096

static const char *const cifar_names[CIFAR_CLASSES] = {
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
};

typedef struct batch {
    char name[32];         /* base name, e.g. "data_batch_3.bin" */
    uint8_t *data;         /* raw records */
    size_t size;
    bool found;
} batch;

typedef struct cifar_parts {
    batch batches[CIFAR_MAX_BATCHES];
    int count;
    char meta[CIFAR_META_MAX + 1];
    bool have_meta;
    const char *source;    /* directory or archive path, for messages */
    bool archive;
} cifar_parts;

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* First buffer for a gzip file, whose uncompressed size is not known: doubled as the data
 * needs (a 30 MB batch of the release takes nine doublings instead of the five it took from
 * 1 MiB). Small, so that a small file costs a small block (a 1 MiB block per file
 * opened was most of the directory fuzz target's time under AddressSanitizer). */
#define GZIP_FIRST_BUFFER (64u * 1024u)

/* Read a whole file (raw or gzip) whose size is not known in advance; a file of `limit` bytes
 * or more is refused (CS_ERR_FORMAT), so *len < limit. */
static int read_whole_file(const char *path, size_t limit, uint8_t **out, size_t *len)
{
    cs__stream s;
    int status = cs__stream_open(&s, path);
    if (status != CS_OK)
        return status;
    /* A gzip file's buffer starts at no more than the limit: it only grows while full and
     * below the limit, so the data never exceeds it (it did when the first buffer was larger
     * than the limit: a compressed batches.meta.txt of more than 4 KiB overran its copy). */
    size_t cap = s.compressed ? (limit < GZIP_FIRST_BUFFER ? limit : GZIP_FIRST_BUFFER) : (size_t)s.file_size;
    size_t used = 0;
    if (cap == 0)
        cap = 1;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        cs__stream_close(&s);
        return cs__error_oom(path, cap);
    }
    for (;;) {
        size_t got = 0;
        status = cs__stream_read(&s, buf + used, cap - used, &got);
        if (status != CS_OK)
            break;
        used += got;
        if (used < cap)
            break;
        if (cap >= limit) {
            status = cs__error(CS_ERR_FORMAT, "%s: larger than the %zu bytes expected of it", path, limit);
            break;
        }
        size_t grown = cap * 2 > limit ? limit : cap * 2;
        uint8_t *bigger = realloc(buf, grown);
        if (!bigger) {
            status = cs__error_oom(path, grown);
            break;
        }
        buf = bigger;
        cap = grown;
    }
    cs__stream_close(&s);
    if (status != CS_OK) {
        free(buf);
        return status;
    }
    *out = buf;
    *len = used;
    return CS_OK;
}

static int load_from_directory(cifar_parts *parts, const char *dir)
{
    char path[4096];
    for (int b = 0; b < parts->count; b++) {
        int len = snprintf(path, sizeof path, "%s/%s", dir, parts->batches[b].name);
        if (len < 0 || (size_t)len >= sizeof path)
            return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_open_cifar10: path too long: %s", dir);
        /* A batch is 30,730,000 bytes in the release; allow test files of any whole size. */
        int status = read_whole_file(path, (size_t)1 << 34, &parts->batches[b].data,
                                     &parts->batches[b].size);
        if (status != CS_OK)
            return status;
        parts->batches[b].found = true;
    }
    snprintf(path, sizeof path, "%s/%s", dir, CIFAR_META);
    struct stat st;
    if (stat(path, &st) == 0) {
        uint8_t *meta = NULL;
        size_t len = 0;
        int status = read_whole_file(path, CIFAR_META_MAX, &meta, &len);
        if (status != CS_OK)
            return status;
        memcpy(parts->meta, meta, len);
        parts->meta[len] = '\0';
        parts->have_meta = true;
        free(meta);
    }
    return CS_OK;
}

static int load_from_archive(cifar_parts *parts, const char *path)
{
    cs__stream s;
    int status = cs__stream_open(&s, path);
    if (status != CS_OK)
        return status;
    cs__tar t;
    cs__tar_init(&t, &s);
    for (;;) {
        cs__tar_entry e;
        bool end;
        status = cs__tar_next(&t, &e, &end);
        if (status != CS_OK || end)
            break;
        if (!e.regular)
            continue;
        const char *base = base_name(e.name);
        if (strcmp(base, CIFAR_META) == 0) {
            if (e.size > CIFAR_META_MAX) {
                status = cs__error(CS_ERR_FORMAT, "%s: member %s is %llu bytes, too large for a class list",
                                   path, e.name, (unsigned long long)e.size);
                break;
            }
            status = cs__tar_read(&t, parts->meta, (size_t)e.size, e.name);
            if (status != CS_OK)
                break;
            parts->meta[e.size] = '\0';
            parts->have_meta = true;
            continue;
        }
        for (int b = 0; b < parts->count; b++) {
            batch *bt = &parts->batches[b];
            if (strcmp(base, bt->name) != 0 || bt->found)
                continue;
            if (e.size > cs__stream_max_remaining(&s) || e.size > SIZE_MAX) {
                status = cs__error(CS_ERR_TRUNCATED,
                                   "%s: member %s claims %llu bytes (header at byte offset %llu), more "
                                   "than the archive can hold",
                                   path, e.name, (unsigned long long)e.size,
                                   (unsigned long long)e.header_offset);
                break;
            }
            bt->size = (size_t)e.size;
            bt->data = malloc(bt->size ? bt->size : 1);
            if (!bt->data) {
                status = cs__error_oom(e.name, bt->size);
                break;
            }
            status = cs__tar_read(&t, bt->data, bt->size, e.name);
            bt->found = status == CS_OK;
            break;
        }
        if (status != CS_OK)
            break;
    }
    cs__stream_close(&s);
    if (status != CS_OK)
        return status;
    for (int b = 0; b < parts->count; b++)
        if (!parts->batches[b].found)
            return cs__error(CS_ERR_NOT_FOUND, "%s: the archive has no member named %s", path,
                             parts->batches[b].name);
    return CS_OK;
}

/* Ten class names, one per non-empty line. */
static int parse_meta(const cifar_parts *parts, char names[CIFAR_CLASSES][64])
{
    int count = 0;
    const char *p = parts->meta;
    while (*p && count <= CIFAR_CLASSES) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        size_t trimmed = len;
        while (trimmed > 0 && (p[trimmed - 1] == '\r' || p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t'))
            trimmed--;
        if (trimmed > 0) {
            if (count == CIFAR_CLASSES)
                return cs__error(CS_ERR_FORMAT, "%s: " CIFAR_META " lists more than %d class names",
                                 parts->source, CIFAR_CLASSES);
            if (trimmed >= 64)
                return cs__error(CS_ERR_FORMAT, "%s: " CIFAR_META " line %d is longer than 63 bytes",
                                 parts->source, count + 1);
            memcpy(names[count], p, trimmed);
            names[count][trimmed] = '\0';
            count++;
        }
        p += eol ? len + 1 : len;
    }
    if (count != CIFAR_CLASSES)
        return cs__error(CS_ERR_FORMAT, "%s: " CIFAR_META " lists %d class names, expected %d",
                         parts->source, count, CIFAR_CLASSES);
    return CS_OK;
}

static int assemble(cs_dataset **out, const cifar_parts *parts)
{
    size_t n = 0;
    for (int b = 0; b < parts->count; b++) {
        const batch *bt = &parts->batches[b];
        if (bt->size == 0 || bt->size % CIFAR_RECORD != 0)
            return cs__error(bt->size == 0 ? CS_ERR_FORMAT : CS_ERR_TRUNCATED,
                             "%s: %s is %zu bytes, not a whole number of %d-byte records "
                             "(%zu records and %zu bytes)",
                             parts->source, bt->name, bt->size, CIFAR_RECORD,
                             bt->size / CIFAR_RECORD, bt->size % CIFAR_RECORD);
        n += bt->size / CIFAR_RECORD;
    }
    char names_buf[CIFAR_CLASSES][64];
    const char *names[CIFAR_CLASSES];
    if (parts->have_meta) {
        int status = parse_meta(parts, names_buf);
        if (status != CS_OK)
            return status;
        for (int k = 0; k < CIFAR_CLASSES; k++)
            names[k] = names_buf[k];
    } else {
        for (int k = 0; k < CIFAR_CLASSES; k++)
            names[k] = cifar_names[k];
    }
    size_t bytes;
    int status = cs__dataset_check_shape(n, 3, CIFAR_SIDE, CIFAR_SIDE, &bytes, parts->source);
    if (status != CS_OK)
        return status;
    uint8_t *pixels = malloc(bytes);
    int32_t *labels = malloc(n * sizeof *labels);
    if (!pixels || !labels) {
        free(pixels);
        free(labels);
        return cs__error_oom("CIFAR-10 pixels", bytes);
    }
    size_t i = 0;
    for (int b = 0; b < parts->count; b++) {
        const batch *bt = &parts->batches[b];
        for (size_t r = 0; r < bt->size / CIFAR_RECORD; r++, i++) {
            const uint8_t *rec = bt->data + r * CIFAR_RECORD;
            if (rec[0] >= CIFAR_CLASSES) {
                free(pixels);
                free(labels);
                return cs__error(CS_ERR_OUT_OF_RANGE,
                                 "%s: %s record %zu (byte offset %zu) has label %u, expected 0..%d",
                                 parts->source, bt->name, r, r * CIFAR_RECORD, rec[0], CIFAR_CLASSES - 1);
            }
            labels[i] = rec[0];
            memcpy(pixels + i * CIFAR_IMAGE, rec + 1, CIFAR_IMAGE);
        }
    }
    return cs__dataset_adopt(out, pixels, labels, n, 3, CIFAR_SIDE, CIFAR_SIDE, CIFAR_CLASSES, names);
}

int cs_dataset_open_cifar10(cs_dataset **out, const char *path, cs_split split)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_open_cifar10: out is NULL");
    *out = NULL;
    if (!path)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_open_cifar10: path is NULL");
    if (split != CS_SPLIT_TRAIN && split != CS_SPLIT_TEST)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_dataset_open_cifar10: split is %d, expected CS_SPLIT_TRAIN (0) or "
                         "CS_SPLIT_TEST (1)", (int)split);
    cifar_parts *parts = calloc(1, sizeof *parts);
    if (!parts)
        return cs__error_oom("CIFAR-10 loader state", sizeof *parts);
    parts->source = path;
    if (split == CS_SPLIT_TRAIN) {
        parts->count = CIFAR_MAX_BATCHES;
        for (int b = 0; b < CIFAR_MAX_BATCHES; b++)
            snprintf(parts->batches[b].name, sizeof parts->batches[b].name, "data_batch_%d.bin", b + 1);
    } else {
        parts->count = 1;
        snprintf(parts->batches[0].name, sizeof parts->batches[0].name, "test_batch.bin");
    }
    int status;
    struct stat st;
    if (stat(path, &st) != 0)
        status = cs__error(CS_ERR_NOT_FOUND,
                           "cs_dataset_open_cifar10: %s does not exist (expected the directory "
                           "cifar-10-batches-bin or the file cifar-10-binary.tar.gz)", path);
    else if (S_ISDIR(st.st_mode))
        status = load_from_directory(parts, path);
    else
        status = load_from_archive(parts, path);
    if (status == CS_OK)
        status = assemble(out, parts);
    for (int b = 0; b < parts->count; b++)
        free(parts->batches[b].data);
    free(parts);
    return status;
}
