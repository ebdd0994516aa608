/* The record-score sidecar of a cell (format: docs/formats.md, "Record scores"): its name, its
 * encoding (little-endian header, zlib-deflated byte planes of seven columns, CRC-32) and the
 * one reader that checks every field before anything uses it; and the getters of
 * cs_cell_records.
 *
 * Byte planes: each column of w-byte values is stored as w planes (all records' byte 0, then
 * all byte 1, ...), and the source indices as differences from the previous one. The high bytes
 * of the scores and the labels are nearly constant planes that deflate to almost nothing; the
 * low mantissa bytes stay as they are. 60,000 records take at most about 0.6 MB (scores random in
 * every mantissa bit; tests/test_records.c measures it), against 1.32 MB raw. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <classsens/records.h>

#include "core/memory.h"
#include "study/study_internal.h"

#define MAGIC "CSRECSCO"
#define MAGIC_LEN 8
#define VERSION 1u
#define HEADER_LEN 40u   /* magic, version, K, N, epochs, flags, deflated length */
#define TRAILER_LEN 4u   /* CRC-32 */
#define RECORD_BYTES 22u /* source 4, given 2, truth 2, other 2, confidence 4, variability 4, aum 4 */
#define NO_CLASS 0xFFFFu

int cs__study_records_path(char *dst, size_t cap, const char *model, const char *cond, int replicate)
{
    char m[CS__STUDY_NAME_MAX + 1], c[256];
    cs__study_file_name(m, sizeof m, model);
    cs__study_file_name(c, sizeof c, cond);
    int n = snprintf(dst, cap, "%s/%s__%s__r%d.bin", CS__STUDY_RECORDS_DIR, m, c, replicate);
    if (n < 0 || (size_t)n >= cap)
        return cs__error(CS_ERR_OVERFLOW, "record-score file name for %s / %s is too long", model, cond);
    return CS_OK;
}

/* ---- the in-memory form ------------------------------------------------------------------ */

int cs__cell_records_alloc(cs_cell_records **out, size_t n, int k)
{
    *out = NULL;
    if (n > SIZE_MAX / 64)
        return cs__error(CS_ERR_OVERFLOW, "record scores of %zu records overflow", n);
    cs_cell_records *c = calloc(1, sizeof *c);
    if (!c)
        return cs__error_oom("record scores", sizeof *c);
    c->n = n;
    c->k = k;
    const size_t m = n ? n : 1;
    c->source = malloc(m * sizeof *c->source);
    c->given = malloc(m * sizeof *c->given);
    c->truth = malloc(m * sizeof *c->truth);
    c->other = malloc(m * sizeof *c->other);
    c->confidence = malloc(m * sizeof *c->confidence);
    c->variability = malloc(m * sizeof *c->variability);
    c->aum = malloc(m * sizeof *c->aum);
    if (!c->source || !c->given || !c->truth || !c->other || !c->confidence || !c->variability || !c->aum) {
        cs_cell_records_destroy(c);
        return cs__error_oom("record scores", m * 28);
    }
    *out = c;
    return CS_OK;
}

void cs_cell_records_destroy(cs_cell_records *c)
{
    if (!c)
        return;
    free(c->source);
    free(c->given);
    free(c->truth);
    free(c->other);
    free(c->confidence);
    free(c->variability);
    free(c->aum);
    free(c);
}

size_t cs_cell_records_count(const cs_cell_records *c) { return c ? c->n : 0; }
int cs_cell_records_epochs(const cs_cell_records *c) { return c ? c->epochs : 0; }
const uint32_t *cs_cell_records_source(const cs_cell_records *c) { return c ? c->source : NULL; }
const int32_t *cs_cell_records_given(const cs_cell_records *c) { return c ? c->given : NULL; }
const int32_t *cs_cell_records_truth(const cs_cell_records *c) { return c ? c->truth : NULL; }
const float *cs_cell_records_confidence(const cs_cell_records *c) { return c ? c->confidence : NULL; }
const float *cs_cell_records_variability(const cs_cell_records *c) { return c ? c->variability : NULL; }
const float *cs_cell_records_aum(const cs_cell_records *c) { return c ? c->aum : NULL; }
const int32_t *cs_cell_records_other(const cs_cell_records *c) { return c ? c->other : NULL; }

/* ---- encoding ---------------------------------------------------------------------------- */

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The w byte planes of column value v of record i (the column starts at `col`). */
static void plane_put(unsigned char *col, size_t n, size_t i, uint32_t v, int w)
{
    for (int b = 0; b < w; b++)
        col[(size_t)b * n + i] = (unsigned char)(v >> (8 * b));
}

static uint32_t plane_get(const unsigned char *col, size_t n, size_t i, int w)
{
    uint32_t v = 0;
    for (int b = 0; b < w; b++)
        v |= (uint32_t)col[(size_t)b * n + i] << (8 * b);
    return v;
}

/* Offsets of the columns in the raw payload of n records. */
typedef struct columns {
    size_t source, given, truth, other, confidence, variability, aum;
} columns;

static columns layout(size_t n)
{
    columns c;
    c.source = 0;
    c.given = 4 * n;
    c.truth = 6 * n;
    c.other = 8 * n;
    c.confidence = 10 * n;
    c.variability = 14 * n;
    c.aum = 18 * n;
    return c;
}

int cs__cell_records_encode(cs__buf *out, const cs_cell_records *d)
{
    const size_t n = d->n, raw_len = n * RECORD_BYTES;
    unsigned char *raw = malloc(raw_len ? raw_len : 1);
    uLongf packed_len = compressBound((uLong)raw_len);
    unsigned char *file = raw ? malloc(HEADER_LEN + (size_t)packed_len + TRAILER_LEN) : NULL;
    if (!raw || !file) {
        free(raw);
        return cs__error_oom("record-score file", raw_len + (size_t)packed_len);
    }
    const columns c = layout(n);
    uint32_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        plane_put(raw + c.source, n, i, d->source[i] - prev, 4);
        prev = d->source[i];
        plane_put(raw + c.given, n, i, (uint32_t)d->given[i], 2);
        plane_put(raw + c.truth, n, i, (uint32_t)d->truth[i], 2);
        plane_put(raw + c.other, n, i, d->other[i] < 0 ? NO_CLASS : (uint32_t)d->other[i], 2);
        plane_put(raw + c.confidence, n, i, float_bits(d->confidence[i]), 4);
        plane_put(raw + c.variability, n, i, float_bits(d->variability[i]), 4);
        plane_put(raw + c.aum, n, i, float_bits(d->aum[i]), 4);
    }
    int z = compress2(file + HEADER_LEN, &packed_len, raw, (uLong)raw_len, Z_BEST_COMPRESSION);
    free(raw);
    if (z != Z_OK) {
        free(file);
        return cs__error(z == Z_MEM_ERROR ? CS_ERR_OUT_OF_MEMORY : CS_ERR_STATE,
                         "record-score file: zlib's compress2 failed (%d)", z);
    }
    memcpy(file, MAGIC, MAGIC_LEN);
    put_le(file + 8, VERSION, 4);
    put_le(file + 12, (uint64_t)d->k, 4);
    put_le(file + 16, (uint64_t)n, 8);
    put_le(file + 24, (uint64_t)d->epochs, 4);
    put_le(file + 28, 0, 4);
    put_le(file + 32, (uint64_t)packed_len, 8);
    const size_t body = HEADER_LEN + (size_t)packed_len;
    put_le(file + body, crc32_z(crc32_z(0L, Z_NULL, 0), file, body), 4);
    cs__buf_append(out, (const char *)file, body + TRAILER_LEN);
    free(file);
    return cs__buf_status(out, "a record-score file");
}

uint32_t cs__cell_records_crc(const void *bytes, size_t len)
{
    return (uint32_t)crc32_z(crc32_z(0L, Z_NULL, 0), bytes, len);
}

/* ---- decoding ---------------------------------------------------------------------------- */

static int corrupt(const char *path, const char *what)
{
    return cs__error(CS_ERR_CORRUPT, "%s: %s", path, what);
}

int cs__cell_records_decode(cs_cell_records **out, const void *bytes, size_t len, const char *path,
                            const cs__records_expect *e)
{
    *out = NULL;
    const unsigned char *p = bytes;
    if (len < MAGIC_LEN || memcmp(p, MAGIC, MAGIC_LEN) != 0)
        return corrupt(path, "not a record-score file (bad magic)");
    if (len < HEADER_LEN + TRAILER_LEN)
        return cs__error(CS_ERR_CORRUPT, "%s: truncated: %zu bytes, shorter than the %u-byte header and checksum", path,
                         len, HEADER_LEN + TRAILER_LEN);
    const uint64_t version = get_le(p + 8, 4), k = get_le(p + 12, 4), n = get_le(p + 16, 8);
    const uint64_t epochs = get_le(p + 24, 4), flags = get_le(p + 28, 4), packed = get_le(p + 32, 8);
    if (version != VERSION)
        return cs__error(CS_ERR_FORMAT, "%s: record-score format version %llu; this library reads version %u", path,
                         (unsigned long long)version, VERSION);
    if (packed > len - HEADER_LEN - TRAILER_LEN)
        return cs__error(CS_ERR_CORRUPT, "%s: truncated: %zu bytes; the header promises %llu", path, len,
                         (unsigned long long)packed + HEADER_LEN + TRAILER_LEN);
    if (packed != len - HEADER_LEN - TRAILER_LEN)
        return cs__error(CS_ERR_CORRUPT, "%s: %zu bytes; the header promises %llu", path, len,
                         (unsigned long long)packed + HEADER_LEN + TRAILER_LEN);
    const uint32_t stored = (uint32_t)get_le(p + len - TRAILER_LEN, 4);
    const uint32_t actual = cs__cell_records_crc(p, len - TRAILER_LEN);
    if (stored != actual)
        return cs__error(CS_ERR_CORRUPT, "%s: checksum mismatch (stored %08x, computed %08x): the file is damaged",
                         path, stored, actual);
    if (k != (uint64_t)e->k)
        return cs__error(CS_ERR_CORRUPT, "%s: %llu classes; the store has %d", path, (unsigned long long)k, e->k);
    if (n != (uint64_t)e->n)
        return cs__error(CS_ERR_CORRUPT, "%s: %llu records; the cell trained on %zu", path, (unsigned long long)n,
                         e->n);
    if (epochs < 1 || epochs > (uint64_t)e->epochs)
        return cs__error(CS_ERR_CORRUPT, "%s: scores over %llu epochs; the cell trained %d", path,
                         (unsigned long long)epochs, e->epochs);
    if (flags != 0)
        return cs__error(CS_ERR_FORMAT, "%s: flags %08llx; this library knows none", path, (unsigned long long)flags);
    const size_t raw_len = e->n * RECORD_BYTES;
    unsigned char *raw = malloc(raw_len ? raw_len : 1);
    unsigned char *taken = calloc(e->parent_n ? e->parent_n : 1, 1);
    cs_cell_records *c = NULL;
    int rc = raw && taken ? CS_OK : cs__error_oom("record scores", raw_len + e->parent_n);
    if (rc == CS_OK) {
        uLongf got = (uLongf)raw_len;
        int z = uncompress(raw, &got, p + HEADER_LEN, (uLong)packed);
        if (z == Z_MEM_ERROR)
            rc = cs__error_oom("record scores", raw_len);
        else if (z != Z_OK || got != raw_len)
            rc = cs__error(CS_ERR_CORRUPT, "%s: the deflated columns do not inflate to %zu bytes (zlib %d)", path,
                           raw_len, z);
    }
    if (rc == CS_OK)
        rc = cs__cell_records_alloc(&c, e->n, e->k);
    const columns col = layout(e->n);
    uint32_t source = 0;
    size_t flipped = 0;
    for (size_t i = 0; rc == CS_OK && i < e->n; i++) {
        source += plane_get(raw + col.source, e->n, i, 4);
        const uint32_t given = plane_get(raw + col.given, e->n, i, 2), truth = plane_get(raw + col.truth, e->n, i, 2);
        const uint32_t other = plane_get(raw + col.other, e->n, i, 2);
        const float conf = bits_float(plane_get(raw + col.confidence, e->n, i, 4));
        const float var = bits_float(plane_get(raw + col.variability, e->n, i, 4));
        const float aum = bits_float(plane_get(raw + col.aum, e->n, i, 4));
        char what[160];
        what[0] = '\0';
        if ((size_t)source >= e->parent_n)
            snprintf(what, sizeof what, "source index %lu is outside the study's %zu training records",
                     (unsigned long)source, e->parent_n);
        else if (taken[source])
            snprintf(what, sizeof what, "source index %lu appears twice", (unsigned long)source);
        else if (given >= (uint32_t)e->k || truth >= (uint32_t)e->k || other >= (uint32_t)e->k)
            snprintf(what, sizeof what, "a label of %u, %u or %u; the store has %d classes", given, truth, other, e->k);
        else if (other == given)
            snprintf(what, sizeof what, "its other class %u is its training label", other);
        else if (!(isfinite(conf) && isfinite(var) && isfinite(aum)))
            snprintf(what, sizeof what, "a score that is not finite (%g, %g, %g)", (double)conf, (double)var,
                     (double)aum);
        else if (!(conf >= 0.0f && conf <= 1.0f))
            snprintf(what, sizeof what, "confidence %.9g outside [0, 1]", (double)conf);
        else if (!(var >= 0.0f && var <= 0.5f))
            snprintf(what, sizeof what, "variability %.9g outside [0, 0.5]", (double)var);
        if (what[0]) {
            rc = cs__error(CS_ERR_CORRUPT, "%s: record %zu: %s", path, i, what);
            break;
        }
        taken[source] = 1;
        flipped += given != truth;
        c->source[i] = source;
        c->given[i] = (int32_t)given;
        c->truth[i] = (int32_t)truth;
        c->other[i] = (int32_t)other;
        c->confidence[i] = conf;
        c->variability[i] = var;
        c->aum[i] = aum;
    }
    if (rc == CS_OK && flipped != e->changed)
        rc = cs__error(CS_ERR_CORRUPT, "%s: %zu records have a training label other than their true one; the cell's "
                       "perturbation report says %zu", path, flipped, e->changed);
    free(raw);
    free(taken);
    if (rc != CS_OK) {
        cs_cell_records_destroy(c);
        return rc;
    }
    c->epochs = (int)epochs;
    *out = c;
    return CS_OK;
}

/* ---- the store --------------------------------------------------------------------------- */

int cs__study_write_scores(const cs_study *s, const char *dir, int cell, const cs__buf *scores)
{
    int mi, ci, ri;
    cs__study_cell_coords(s, cell, &mi, &ci, &ri);
    char rel[512];
    int rc = cs__study_records_path(rel, sizeof rel, s->cfg.models[mi].name, s->cfg.conds[ci].name, ri);
    char *path = rc == CS_OK ? cs__path_join(dir, rel) : NULL;
    if (rc == CS_OK && !path)
        rc = cs__error_oom("record-score path", strlen(dir) + strlen(rel) + 2);
    /* A store made before record scores has no records/ directory yet. */
    char *sub = rc == CS_OK ? cs__path_join(dir, CS__STUDY_RECORDS_DIR) : NULL;
    if (rc == CS_OK && !sub)
        rc = cs__error_oom("record-score path", strlen(dir) + 16);
    if (rc == CS_OK)
        rc = cs__make_dir(sub);
    if (rc == CS_OK)
        rc = cs__buf_write_file(scores, path);
    free(sub);
    free(path);
    return rc;
}
