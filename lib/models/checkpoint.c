/* Checkpoints: a model's architecture, input shape, classes, width, seed, normalisation and
 * every named tensor in one gzip-compressed file with a CRC-32 (format: docs/formats.md).
 *
 * A checkpoint is for evaluation and exchange: the SGD momentum buffers are not saved, so
 * training resumed from a loaded model restarts its momentum (as a fresh torch.optim.SGD over
 * a loaded state_dict does).
 *
 * Loading reads and checks the whole file (structure, then the CRC) before it builds the
 * model, so that damaged sizes never decide how large a network gets allocated; every length
 * is bounded by what the file can still hold before anything is allocated for it. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "core/error.h"
#include "core/memory.h"
#include "data/dataset_internal.h"
#include "data/stream.h"
#include "models/model_internal.h"
#include "models/models.h"

#define MAGIC "CSCKPT01"
#define MAGIC_LEN 8
#define FORMAT_VERSION 2u
/* Limits of format versions 1 and 2 (docs/formats.md). */
#define NAME_MAX_LEN 255
#define TENSORS_MAX 65536
/* Fixed part of the header: u16 arch length, u32 c, h, w, k, f64 width, u64 seed, u8 has_norm;
 * version 2 adds u32 threads (the model's thread count when it was saved). */
#define HEADER_FIXED_V1 (2 + 4 * 4 + 8 + 8 + 1)
#define HEADER_FIXED (HEADER_FIXED_V1 + 4)
#define MAX_THREADS 64
/* Bytes converted per write call. */
#define STAGE_FLOATS 4096

/* ---- little-endian encoding --------------------------------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* ---- saving ------------------------------------------------------------------------------- */

/* A gzip writer that keeps the CRC-32 of everything written; the first failure sticks. */
typedef struct writer {
    gzFile gz;
    uLong crc;
    bool failed;
} writer;

static void put(writer *w, const void *p, size_t n)
{
    if (w->failed || n == 0)
        return;
    w->crc = crc32_z(w->crc, p, n);
    if (gzwrite(w->gz, p, (unsigned)n) != (int)n)
        w->failed = true;
}

static void put_uint(writer *w, uint64_t v, int bytes)
{
    uint8_t b[8];
    put_le(b, v, bytes);
    put(w, b, (size_t)bytes);
}

static void put_floats(writer *w, const float *v, size_t n)
{
    uint8_t stage[4 * STAGE_FLOATS];
    for (size_t start = 0; start < n; start += STAGE_FLOATS) {
        size_t count = n - start < STAGE_FLOATS ? n - start : STAGE_FLOATS;
        for (size_t i = 0; i < count; i++) {
            uint32_t bits;
            memcpy(&bits, &v[start + i], sizeof bits);
            put_le(stage + 4 * i, bits, 4);
        }
        put(w, stage, 4 * count);
    }
}

static void write_model(writer *w, const cs_model *m)
{
    const cs__net *net = &m->net;
    size_t arch_len = strlen(m->arch);
    uint64_t width_bits;
    memcpy(&width_bits, &m->width, sizeof width_bits);
    put(w, MAGIC, MAGIC_LEN);
    put_uint(w, FORMAT_VERSION, 4);
    put_uint(w, HEADER_FIXED + arch_len + 8 * (uint64_t)m->c, 4);
    put_uint(w, arch_len, 2);
    put(w, m->arch, arch_len);
    put_uint(w, (uint32_t)m->c, 4);
    put_uint(w, (uint32_t)m->h, 4);
    put_uint(w, (uint32_t)m->w, 4);
    put_uint(w, (uint32_t)m->k, 4);
    put_uint(w, width_bits, 8);
    put_uint(w, m->seed, 8);
    put_uint(w, m->has_norm, 1);
    put_uint(w, (uint32_t)(m->net.threads), 4);
    /* Without statistics, mean 0 and std 1 describe exactly the byte / 255 that is used. */
    for (int ch = 0; ch < 2 * m->c; ch++) {
        float v = ch < m->c ? (m->has_norm ? m->norm_mean[ch] : 0.0f) : (m->has_norm ? m->norm_std[ch - m->c] : 1.0f);
        put_floats(w, &v, 1);
    }
    put_uint(w, (uint32_t)net->n_tensors, 4);
    for (int i = 0; i < net->n_tensors; i++) {
        const cs__named_tensor *t = &net->tensors[i];
        size_t name_len = strlen(t->name);
        put_uint(w, name_len, 2);
        put(w, t->name, name_len);
        put_uint(w, (uint64_t)t->ndim, 1);
        for (int d = 0; d < t->ndim; d++)
            put_uint(w, (uint64_t)t->dims[d], 4);
        put_uint(w, t->count, 8);
        put_floats(w, (t->trainable ? net->params : net->buffers) + t->offset, t->count);
    }
    /* The CRC covers everything before it, so it is taken before being written. */
    uint8_t b[4];
    put_le(b, w->crc, 4);
    if (!w->failed && gzwrite(w->gz, b, 4) != 4)
        w->failed = true;
}

int cs_model_save(const cs_model *m, const char *path)
{
    if (!m || !path || !*path)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_save: %s", !m ? "model is NULL" :
                         !path ? "path is NULL" : "path is empty");
    size_t tmp_len = strlen(path) + 32;
    char *tmp = malloc(tmp_len);
    if (!tmp)
        return cs__error_oom("temporary file name", tmp_len);
    /* mkstemp: a fresh name per save, created exclusively, so concurrent saves to one path
     * never share a temporary file and a planted symlink is never followed. */
    snprintf(tmp, tmp_len, "%s.tmp.XXXXXX", path);

    int status = CS_OK;
    int fd = mkstemp(tmp);
    if (fd >= 0) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        fchmod(fd, 0644); /* mkstemp creates 0600; a checkpoint is an ordinary data file */
    }
    if (fd < 0) {
        status = cs__error(CS_ERR_IO, "cs_model_save: cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return status;
    }
    /* gzclose closes fd; the duplicate stays open for the fsync that makes the rename
     * durable, not just atomic. */
    int sync_fd = dup(fd);
    gzFile gz = sync_fd >= 0 ? gzdopen(fd, "wb") : NULL;
    if (!gz) {
        status = cs__error(CS_ERR_IO, "cs_model_save: cannot start writing %s: %s", tmp,
                           errno ? strerror(errno) : "zlib could not allocate its state");
        close(fd);
        goto cleanup;
    }
    writer w = { gz, crc32_z(0L, Z_NULL, 0), false };
    write_model(&w, m);
    int zerr = Z_OK;
    const char *zmsg = w.failed ? gzerror(gz, &zerr) : "";
    int saved_errno = errno;
    if (w.failed) {
        status = cs__error(CS_ERR_IO, "cs_model_save: cannot write %s: %s", tmp,
                           zerr == Z_ERRNO ? strerror(saved_errno) : zmsg);
        gzclose(gz);
        goto cleanup;
    }
    if (gzclose(gz) != Z_OK) {
        status = cs__error(CS_ERR_IO, "cs_model_save: cannot finish %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (fsync(sync_fd) != 0) {
        status = cs__error(CS_ERR_IO, "cs_model_save: cannot flush %s to disk: %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (rename(tmp, path) != 0)
        status = cs__error(CS_ERR_IO, "cs_model_save: cannot rename %s to %s: %s", tmp, path, strerror(errno));
cleanup:
    if (sync_fd >= 0)
        close(sync_fd);
    if (status != CS_OK)
        remove(tmp);
    free(tmp);
    return status;
}

/* ---- loading ------------------------------------------------------------------------------ */

/* A stream reader that keeps the CRC-32 of everything read. */
typedef struct reader {
    cs__stream s;
    uLong crc;
} reader;

static int get(reader *r, void *buf, size_t n, const char *what)
{
    int status = cs__stream_read_exact(&r->s, buf, n, what);
    if (status == CS_OK)
        r->crc = crc32_z(r->crc, buf, n);
    return status;
}

static int get_uint(reader *r, uint64_t *v, int bytes, const char *what)
{
    uint8_t b[8];
    int status = get(r, b, (size_t)bytes, what);
    if (status == CS_OK)
        *v = get_le(b, bytes);
    return status;
}

/* A field of `size` bytes that ends at the current offset holds a value out of range. */
static int format_error(const reader *r, int size, const char *what, unsigned long long value, const char *expected)
{
    return cs__error(CS_ERR_FORMAT, "%s: %s is %llu at byte offset %llu, expected %s", r->s.path, what, value,
                     (unsigned long long)r->s.offset - (unsigned long long)size, expected);
}

/* Refuse to allocate for `bytes` the rest of the file cannot hold. */
static int check_room(const reader *r, uint64_t bytes, const char *what)
{
    uint64_t room = cs__stream_max_remaining(&r->s);
    if (bytes > room || bytes > SIZE_MAX)
        return cs__error(CS_ERR_TRUNCATED, "%s: truncated: %s needs %llu bytes from byte offset %llu, the %s%llu-byte "
                         "file can hold at most %llu more", r->s.path, what, (unsigned long long)bytes,
                         (unsigned long long)r->s.offset, r->s.compressed ? "compressed " : "",
                         (unsigned long long)r->s.file_size, (unsigned long long)room);
    return CS_OK;
}

typedef struct header {
    char arch[CS__MODEL_ARCH_MAX];
    uint32_t c, h, w, k;
    double width;
    uint64_t seed;
    uint8_t has_norm;
    int threads;              /* version 2: the saved model's thread count; version 1: -1 */
    float *norm;              /* (2, C): means, then standard deviations */
} header;

typedef struct record {
    char name[NAME_MAX_LEN + 1];
    int ndim;
    int64_t dims[4];
    size_t count;
    float *data;
} record;

typedef struct contents {
    header h;
    record *t;
    int n, cap;
} contents;

static void free_contents(contents *f)
{
    free(f->h.norm);
    for (int i = 0; i < f->n; i++)
        free(f->t[i].data);
    free(f->t);
}

/* In-place conversion of n little-endian float32 values. */
static void floats_from_le(float *v, size_t n)
{
    const uint8_t *p = (const uint8_t *)v;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = (uint32_t)get_le(p + 4 * i, 4);
        memcpy(&v[i], &bits, sizeof bits);
    }
}

static int read_header(reader *r, header *h, uint64_t version)
{
    const size_t fixed_len = version >= 2 ? HEADER_FIXED : HEADER_FIXED_V1;
    uint64_t len, arch_len;
    int status = get_uint(r, &len, 4, "header length");
    /* The smallest header: a one-letter architecture and one channel. */
    if (status == CS_OK && len < fixed_len + 1 + 8)
        return format_error(r, 4, "the header length", len, version >= 2 ? "at least 48 bytes" : "at least 44 bytes");
    if (status == CS_OK)
        status = get_uint(r, &arch_len, 2, "architecture name length");
    if (status != CS_OK)
        return status;
    if (arch_len < 1 || arch_len >= CS__MODEL_ARCH_MAX)
        return format_error(r, 2, "the architecture name length", arch_len, "1..31");
    uint8_t fixed[HEADER_FIXED - 2];
    status = get(r, h->arch, (size_t)arch_len, "architecture name");
    if (status == CS_OK)
        status = get(r, fixed, fixed_len - 2, "header");
    if (status != CS_OK)
        return status;
    h->arch[arch_len] = '\0';
    h->c = (uint32_t)get_le(fixed, 4);
    h->h = (uint32_t)get_le(fixed + 4, 4);
    h->w = (uint32_t)get_le(fixed + 8, 4);
    h->k = (uint32_t)get_le(fixed + 12, 4);
    uint64_t width_bits = get_le(fixed + 16, 8);
    memcpy(&h->width, &width_bits, sizeof h->width);
    h->seed = get_le(fixed + 24, 8);
    h->has_norm = fixed[32];
    if (h->has_norm > 1)
        return format_error(r, version >= 2 ? 5 : 1, "the normalisation flag", h->has_norm, "0 or 1");
    h->threads = -1;
    if (version >= 2) {
        const uint64_t threads = get_le(fixed + 33, 4);
        if (threads > MAX_THREADS)
            return format_error(r, 4, "the thread count", threads, "0..64");
        h->threads = (int)threads;
    }
    uint64_t expected = fixed_len + arch_len + 8 * (uint64_t)h->c;
    if (h->c < 1 || len != expected)
        return cs__error(CS_ERR_FORMAT, "%s: the header says it has %llu bytes, its contents (%u channels) need %llu",
                         r->s.path, (unsigned long long)len, h->c, (unsigned long long)expected);
    status = check_room(r, 8 * (uint64_t)h->c, "normalisation statistics");
    if (status != CS_OK)
        return status;
    h->norm = malloc(8 * (size_t)h->c);
    if (!h->norm)
        return cs__error_oom("normalisation statistics", 8 * (size_t)h->c);
    status = get(r, h->norm, 8 * (size_t)h->c, "normalisation statistics");
    if (status == CS_OK)
        floats_from_le(h->norm, 2 * (size_t)h->c);
    return status;
}

static int read_tensor(reader *r, record *t, int index)
{
    uint64_t name_len, ndim, dim, count, product = 1;
    int status = get_uint(r, &name_len, 2, "tensor name length");
    if (status != CS_OK)
        return status;
    if (name_len < 1 || name_len > NAME_MAX_LEN)
        return format_error(r, 2, "a tensor name length", name_len, "1..255");
    status = get(r, t->name, (size_t)name_len, "tensor name");
    if (status != CS_OK)
        return status;
    t->name[name_len] = '\0';
    if (memchr(t->name, '\0', (size_t)name_len))
        return cs__error(CS_ERR_FORMAT, "%s: the name of tensor %d contains a NUL byte", r->s.path, index);
    status = get_uint(r, &ndim, 1, "tensor rank");
    if (status != CS_OK)
        return status;
    if (ndim < 1 || ndim > 4)
        return format_error(r, 1, "a tensor rank", ndim, "1..4");
    t->ndim = (int)ndim;
    for (int d = 0; d < t->ndim; d++) {
        status = get_uint(r, &dim, 4, "tensor dimension");
        if (status != CS_OK)
            return status;
        if (dim < 1)
            return format_error(r, 4, "a tensor dimension", dim, "at least 1");
        t->dims[d] = (int64_t)dim;
        product = product > UINT64_MAX / dim ? UINT64_MAX : product * dim;
    }
    status = get_uint(r, &count, 8, "tensor element count");
    if (status != CS_OK)
        return status;
    if (count != product)
        return cs__error(CS_ERR_FORMAT, "%s: tensor %s says it has %llu elements, its dimensions give %llu",
                         r->s.path, t->name, (unsigned long long)count, (unsigned long long)product);
    status = check_room(r, count > UINT64_MAX / 4 ? UINT64_MAX : 4 * count, t->name);
    if (status != CS_OK)
        return status;
    t->count = (size_t)count;
    t->data = malloc(4 * t->count);
    if (!t->data)
        return cs__error_oom(t->name, 4 * t->count);
    status = get(r, t->data, 4 * t->count, t->name);
    if (status == CS_OK)
        floats_from_le(t->data, t->count);
    return status;
}

/* Read and verify the whole file into f. */
static int read_file(reader *r, contents *f)
{
    char magic[MAGIC_LEN];
    size_t got = 0;
    int status = cs__stream_read(&r->s, magic, MAGIC_LEN, &got);
    if (status != CS_OK)
        return status;
    if (got == 0)
        return cs__error(CS_ERR_TRUNCATED, "%s: the file is empty, expected a libclasssens checkpoint", r->s.path);
    /* A strict prefix of the magic is a checkpoint cut short; anything else is foreign. */
    if (memcmp(magic, MAGIC, got) != 0)
        return cs__error(CS_ERR_FORMAT, "%s: not a libclasssens checkpoint (the file does not start with \"%s\")",
                         r->s.path, MAGIC);
    if (got < MAGIC_LEN)
        return cs__error(CS_ERR_TRUNCATED, "%s: truncated: the file ends after %zu bytes of its magic", r->s.path, got);
    r->crc = crc32_z(r->crc, (const Bytef *)magic, MAGIC_LEN);
    uint64_t version, n;
    status = get_uint(r, &version, 4, "format version");
    if (status != CS_OK)
        return status;
    if (version < 1 || version > FORMAT_VERSION)
        return cs__error(CS_ERR_FORMAT, "%s: checkpoint format version %llu, this library reads versions 1 to %u",
                         r->s.path, (unsigned long long)version, FORMAT_VERSION);
    status = read_header(r, &f->h, version);
    if (status == CS_OK)
        status = get_uint(r, &n, 4, "tensor count");
    if (status != CS_OK)
        return status;
    if (n < 1 || n > TENSORS_MAX)
        return format_error(r, 4, "the tensor count", n, "1..65536");
    for (int i = 0; i < (int)n; i++) {
        /* Grown as records arrive, so memory follows the data actually present. */
        if (f->n == f->cap) {
            int cap = f->cap ? 2 * f->cap : 64;
            record *t = realloc(f->t, (size_t)cap * sizeof *t);
            if (!t)
                return cs__error_oom("checkpoint tensor list", (size_t)cap * sizeof *t);
            f->t = t;
            f->cap = cap;
        }
        record *t = &f->t[f->n++];
        t->data = NULL;
        status = read_tensor(r, t, i);
        if (status != CS_OK)
            return status;
    }
    uint32_t computed = (uint32_t)r->crc;
    uint8_t b[4];
    status = cs__stream_read_exact(&r->s, b, 4, "CRC-32");
    if (status != CS_OK)
        return status;
    uint32_t stored = (uint32_t)get_le(b, 4);
    if (stored != computed)
        return cs__error(CS_ERR_CORRUPT, "%s: CRC-32 mismatch: the file stores 0x%08x, its contents give 0x%08x",
                         r->s.path, stored, computed);
    return cs__stream_expect_end(&r->s, "the CRC-32");
}

/* Semantic checks of an intact header: values a writer of this format cannot produce. */
static int check_header(const header *h, const char *path)
{
    if (h->c > INT32_MAX || h->h < 1 || h->h > INT32_MAX || h->w < 1 || h->w > INT32_MAX || h->k < 2 ||
        h->k > CS__MAX_CLASSES || !(isfinite(h->width) && h->width > 0.0))
        return cs__error(CS_ERR_FORMAT, "%s: the header describes %ux%ux%u inputs, %u classes, width %g, which no "
                         "model has", path, h->c, h->h, h->w, h->k, h->width);
    for (uint32_t ch = 0; h->has_norm && ch < h->c; ch++)
        if (!isfinite(h->norm[ch]) || !(isfinite(h->norm[h->c + ch]) && h->norm[h->c + ch] > 0.0f))
            return cs__error(CS_ERR_FORMAT, "%s: channel %u has normalisation mean %g, std %g", path, ch,
                             (double)h->norm[ch], (double)h->norm[h->c + ch]);
    return CS_OK;
}

/* Copy the file's tensors into a freshly built model after checking names and shapes. */
/* Every tensor of the file must be the layout's tensor of the same index: same name, same
 * shape. Checked on a layout-only network, before any parameter block is allocated. */
static int check_layout(const cs__net *net, const char *arch, const contents *f, const char *path)
{
    if (f->n != net->n_tensors)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: the checkpoint has %d tensors, %s at %ux%ux%u has %d", path, f->n,
                         arch, f->h.c, f->h.h, f->h.w, net->n_tensors);
    for (int i = 0; i < f->n; i++) {
        const record *t = &f->t[i];
        const cs__named_tensor *mt = &net->tensors[i];
        if (strcmp(t->name, mt->name) != 0)
            return cs__error(CS_ERR_SIZE_MISMATCH, "%s: tensor %d is %s in the checkpoint but %s in %s", path, i,
                             t->name, mt->name, arch);
        bool same = t->ndim == mt->ndim;
        for (int d = 0; same && d < t->ndim; d++)
            same = t->dims[d] == mt->dims[d];
        if (!same) {
            char a[96], b[96];
            cs__format_shape(a, sizeof a, t->ndim, t->dims);
            cs__format_shape(b, sizeof b, mt->ndim, mt->dims);
            return cs__error(CS_ERR_SIZE_MISMATCH, "%s: tensor %s has shape %s in the checkpoint but %s in %s", path,
                             t->name, a, b, arch);
        }
    }
    return CS_OK;
}

/* Copy the (already checked) tensors and the normalisation into a model of that layout. */
static void fill_model(cs_model *m, const contents *f)
{
    for (int i = 0; i < f->n; i++)
        memcpy(cs__net_tensor_data(&m->net, i), f->t[i].data, f->t[i].count * sizeof(float));
    m->has_norm = f->h.has_norm != 0;
    m->saved_threads = f->h.threads;
    for (int ch = 0; ch < m->c; ch++) {
        m->norm_mean[ch] = m->has_norm ? f->h.norm[ch] : 0.0f;
        m->norm_std[ch] = m->has_norm ? f->h.norm[m->c + ch] : 0.0f;
    }
}

int cs_model_load(cs_model **out, const char *path)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_load: out is NULL");
    *out = NULL;
    if (!path)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_load: path is NULL");
    reader r;
    int status = cs__stream_open(&r.s, path);
    if (status != CS_OK)
        return status;
    r.crc = crc32_z(0L, Z_NULL, 0);
    contents f;
    memset(&f, 0, sizeof f);
    cs_model *m = NULL;
    status = read_file(&r, &f);
    cs__stream_close(&r.s);
    if (status == CS_OK)
        status = check_header(&f.h, path);
    if (status == CS_OK) {
        /* Lay the architecture out first and compare it with the tensors the file holds: a
         * hand-made header (a huge width or input) must not make this allocate more than the
         * file itself justifies. */
        cs__net layout;
        status = cs__model_layout(&layout, f.h.arch, (int)f.h.c, (int)f.h.h, (int)f.h.w, (int)f.h.k, f.h.width);
        /* The file is intact, so a model it describes but this library cannot build is a
         * checkpoint of another library version or a hand-made file. */
        if (status != CS_OK && status != CS_ERR_OUT_OF_MEMORY && status != CS_ERR_OVERFLOW) {
            /* The reason is the current last error, which the new message replaces. */
            char reason[256];
            snprintf(reason, sizeof reason, "%s", cs_last_error());
            status = cs__error(CS_ERR_FORMAT, "%s: the checkpoint describes a model this library cannot build: %s",
                               path, reason);
        }
        if (status == CS_OK)
            status = check_layout(&layout, f.h.arch, &f, path);
        cs__net_free(&layout);
    }
    if (status == CS_OK) {
        /* The same build as the layout: only memory can fail here. */
        status = cs__model_create(&m, f.h.arch, (int)f.h.c, (int)f.h.h, (int)f.h.w, (int)f.h.k, f.h.width, f.h.seed);
    }
    if (status == CS_OK)
        fill_model(m, &f);
    if (status == CS_OK)
        *out = m;
    else
        cs_model_destroy(m);
    free_contents(&f);
    return status;
}
