/* Weights in the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of a JSON object that maps every tensor name to its
 * dtype, shape and [begin, end) byte offsets into the data that follows (plus an optional
 * "__metadata__" object of strings), then the raw little-endian data (docs/formats.md).
 *
 * Names are PyTorch's state_dict keys, so files move both ways between this library and
 * `safetensors.torch.load_file` + `load_state_dict`. Saving adds what a PyTorch state_dict
 * has and this library does not train: one int64 scalar `num_batches_tracked` per BatchNorm
 * layer (the value read from the file the model was loaded from, else 0; it only matters to a
 * BatchNorm with momentum=None, which no architecture here uses).
 *
 * Loading reads the whole header and checks every entry (dtype, shape against its byte range,
 * ranges that tile the data exactly) before anything is sized from it; the network is laid out
 * and compared with the file's tensors before its parameters are allocated. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/json.h"
#include "core/numfmt.h"
#include "models/model_internal.h"
#include "models/models.h"

/* The reference implementation refuses larger headers. */
#define HEADER_MAX 100000000u
#define RANK_MAX 8
#define NBT_SUFFIX ".num_batches_tracked"
#define RUNNING_VAR_SUFFIX ".running_var"
/* Identifies files written here (the metadata's "format"). */
#define FORMAT_TAG "classsens"

enum { DT_F64, DT_F32, DT_F16, DT_BF16, DT_I64, DT_I32, DT_I16, DT_I8, DT_U8, DT_BOOL };

static const struct {
    const char *name;
    int size;
    bool is_float;
} DTYPES[] = {
    { "F64", 8, true }, { "F32", 4, true }, { "F16", 2, true }, { "BF16", 2, true }, { "I64", 8, false },
    { "I32", 4, false }, { "I16", 2, false }, { "I8", 1, false }, { "U8", 1, false }, { "BOOL", 1, false },
};

/* Valid in the specification, but without a conversion here. */
static const char *const UNCONVERTED[] = { "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3",
                                           "F6_E3M2", "F4", "C64", "E8M0" };

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ---- saving ------------------------------------------------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* "a,b,c" of n values, each the shortest text that reads back to the same double. */
static void put_list(cs__buf *b, const float *v, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            cs__buf_putc(b, ',');
        cs__buf_double(b, (double)v[i]);
    }
}

static void write_metadata(cs__json_writer *jw, const cs_model *m)
{
    char text[256];
    cs__buf b = CS__BUF_INIT;
    cs__jw_key(jw, "__metadata__");
    cs__jw_begin_object(jw);
    cs__jw_key(jw, "format");
    cs__jw_string(jw, FORMAT_TAG);
    cs__jw_key(jw, "classsens_version");
    cs__jw_string(jw, cs_version_string());
    cs__jw_key(jw, "arch");
    cs__jw_string(jw, m->arch);
    cs__jw_key(jw, "width");
    cs__num_format_double(text, sizeof text, m->width);
    cs__jw_string(jw, text);
    cs__jw_key(jw, "input_shape");
    snprintf(text, sizeof text, "%d,%d,%d", m->c, m->h, m->w);
    cs__jw_string(jw, text);
    cs__jw_key(jw, "num_classes");
    snprintf(text, sizeof text, "%d", m->k);
    cs__jw_string(jw, text);
    if (m->has_norm) {
        put_list(&b, m->norm_mean, m->c);
        cs__jw_key(jw, "norm_mean");
        cs__jw_string(jw, cs__buf_str(&b));
        cs__buf_reset(&b);
        put_list(&b, m->norm_std, m->c);
        cs__jw_key(jw, "norm_std");
        cs__jw_string(jw, cs__buf_str(&b));
    }
    if (b.failed)
        jw->out->failed = 1;
    cs__buf_free(&b);
    cs__jw_end_object(jw);
}

static void write_entry(cs__json_writer *jw, const char *name, const char *dtype, int ndim, const int64_t *dims,
                        uint64_t begin, uint64_t end)
{
    cs__jw_key(jw, name);
    cs__jw_begin_object(jw);
    cs__jw_key(jw, "dtype");
    cs__jw_string(jw, dtype);
    cs__jw_key(jw, "shape");
    cs__jw_begin_array(jw);
    for (int d = 0; d < ndim; d++)
        cs__jw_int(jw, (long long)dims[d]);
    cs__jw_end_array(jw);
    cs__jw_key(jw, "data_offsets");
    cs__jw_begin_array(jw);
    cs__jw_uint(jw, (unsigned long long)begin);
    cs__jw_uint(jw, (unsigned long long)end);
    cs__jw_end_array(jw);
    cs__jw_end_object(jw);
}

/* The header, padded with spaces to a multiple of 8 bytes (as the reference writer does, so
 * that the data that follows is aligned), its length in front. */
static int write_header(cs__buf *out, const cs_model *m)
{
    const cs__net *net = &m->net;
    cs__buf json = CS__BUF_INIT;
    cs__json_writer jw;
    cs__jw_init(&jw, &json);
    cs__jw_begin_object(&jw);
    write_metadata(&jw, m);
    uint64_t offset = 0;
    char nbt[CS__NET_NAME_MAX + sizeof NBT_SUFFIX];
    for (int i = 0; i < net->n_tensors; i++) {
        const cs__named_tensor *t = &net->tensors[i];
        write_entry(&jw, t->name, "F32", t->ndim, t->dims, offset, offset + 4 * (uint64_t)t->count);
        offset += 4 * (uint64_t)t->count;
        if (has_suffix(t->name, RUNNING_VAR_SUFFIX)) {
            snprintf(nbt, sizeof nbt, "%.*s%s", (int)(strlen(t->name) - strlen(RUNNING_VAR_SUFFIX)), t->name,
                     NBT_SUFFIX);
            write_entry(&jw, nbt, "I64", 0, NULL, offset, offset + 8);
            offset += 8;
        }
    }
    cs__jw_end_object(&jw);
    int status = cs__buf_status(&json, "safetensors header");
    if (status == CS_OK && !cs__jw_finished(&jw))
        status = cs__error(CS_ERR_OUT_OF_MEMORY, "cs_model_save_safetensors: the header could not be written");
    if (status == CS_OK) {
        while (json.len % 8)
            cs__buf_putc(&json, ' ');
        uint8_t len[8];
        put_le(len, json.len, 8);
        cs__buf_append(out, (const char *)len, 8);
        cs__buf_append(out, json.data, json.len);
        status = cs__buf_status(out, "safetensors header");
    }
    cs__buf_free(&json);
    return status;
}

int cs_model_save_safetensors(const cs_model *m, const char *path)
{
    if (!m || !path || !*path)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_save_safetensors: %s", !m ? "model is NULL" :
                         !path ? "path is NULL" : "path is empty");
    const cs__net *net = &m->net;
    cs__buf b = CS__BUF_INIT;
    cs__file_stream f;
    int status = write_header(&b, m);
    if (status == CS_OK)
        status = cs__file_stream_open(&f, path);
    if (status != CS_OK) {
        cs__buf_free(&b);
        return status;
    }
    for (int i = 0; i < net->n_tensors && status == CS_OK; i++) {
        const cs__named_tensor *t = &net->tensors[i];
        const float *v = (t->trainable ? net->params : net->buffers) + t->offset;
        for (size_t j = 0; j < t->count; j++) {
            uint32_t bits;
            uint8_t le[4];
            memcpy(&bits, &v[j], sizeof bits);
            put_le(le, bits, 4);
            cs__buf_append(&b, (const char *)le, 4);
        }
        if (has_suffix(t->name, RUNNING_VAR_SUFFIX)) {
            uint8_t le[8];
            put_le(le, (uint64_t)m->num_batches_tracked, 8);
            cs__buf_append(&b, (const char *)le, 8);
        }
        /* One tensor at a time: memory stays at the largest tensor, not the model. */
        status = cs__buf_status(&b, "safetensors data");
        if (status == CS_OK)
            status = cs__file_stream_write(&f, &b);
    }
    if (status == CS_OK)
        status = cs__file_stream_commit(&f);
    if (status != CS_OK)
        cs__file_stream_abort(&f);
    cs__buf_free(&b);
    return status;
}

/* ---- reading and checking the file -------------------------------------------------------- */

typedef struct entry {
    const char *name;       /* borrowed from the JSON tree */
    int dtype;
    int ndim;
    int64_t dims[RANK_MAX];
    uint64_t count;         /* elements */
    uint64_t begin, end;    /* bytes into the data */
    bool used;
} entry;

typedef struct contents {
    cs__json *root;
    const cs__json *meta;   /* NULL when absent */
    entry *e;
    size_t n;
    uint8_t *data;
    uint64_t data_len;
} contents;

static void free_contents(contents *f)
{
    cs__json_free(f->root);
    free(f->e);
    free(f->data);
}

static int read_exact(FILE *fp, void *buf, size_t n, const char *path, const char *what)
{
    if (n && fread(buf, 1, n, fp) != n)
        return ferror(fp) ? cs__error(CS_ERR_IO, "%s: cannot read %s", path, what)
                          : cs__error(CS_ERR_TRUNCATED, "%s: truncated in %s", path, what);
    return CS_OK;
}

static int parse_dtype(entry *e, const char *s, const char *path)
{
    for (int i = 0; i < (int)(sizeof DTYPES / sizeof DTYPES[0]); i++)
        if (strcmp(s, DTYPES[i].name) == 0) {
            e->dtype = i;
            return CS_OK;
        }
    for (size_t i = 0; i < sizeof UNCONVERTED / sizeof UNCONVERTED[0]; i++)
        if (strcmp(s, UNCONVERTED[i]) == 0)
            return cs__error(CS_ERR_UNSUPPORTED, "%s: tensor %s has dtype %s, which this library cannot convert to "
                             "float32 (it reads F64, F32, F16, BF16, I64, I32, I16, I8, U8 and BOOL)", path, e->name,
                             s);
    return cs__error(CS_ERR_FORMAT, "%s: tensor %s has the unknown dtype \"%s\"", path, e->name, s);
}

/* A JSON number that is an integer in [0, max]. */
static bool json_uint(const cs__json *v, double max, uint64_t *out)
{
    double x = cs__json_number(v);
    if (!(x >= 0.0 && x <= max && x == floor(x)))
        return false;
    *out = (uint64_t)x;
    return true;
}

static int parse_entry(entry *e, const cs__json *v, const char *path)
{
    if (cs__json_type_of(v) != CS__JSON_OBJECT)
        return cs__error(CS_ERR_FORMAT, "%s: tensor %s must be an object (got %s)", path, e->name,
                         cs__json_type_name(cs__json_type_of(v)));
    for (size_t i = 0; i < cs__json_len(v); i++) {
        const char *key = cs__json_key_at(v, i);
        if (strcmp(key, "dtype") && strcmp(key, "shape") && strcmp(key, "data_offsets"))
            return cs__error(CS_ERR_FORMAT, "%s: tensor %s has the unknown member \"%s\"", path, e->name, key);
    }
    const char *dt;
    const cs__json *shape, *offsets;
    int status = cs__json_get_string(v, "dtype", &dt, path);
    if (status == CS_OK)
        status = cs__json_get_array(v, "shape", &shape, path);
    if (status == CS_OK)
        status = cs__json_get_array(v, "data_offsets", &offsets, path);
    if (status == CS_OK)
        status = parse_dtype(e, dt, path);
    if (status != CS_OK)
        return status;
    size_t ndim = cs__json_len(shape);
    if (ndim > RANK_MAX)
        return cs__error(CS_ERR_UNSUPPORTED, "%s: tensor %s has %zu dimensions, this library reads at most %d", path,
                         e->name, ndim, RANK_MAX);
    e->ndim = (int)ndim;
    e->count = 1;
    bool overflow = false;
    for (size_t d = 0; d < ndim; d++) {
        uint64_t dim;
        if (!json_uint(cs__json_at(shape, d), 9007199254740992.0, &dim))
            return cs__error(CS_ERR_FORMAT, "%s: tensor %s: dimension %zu of its shape is not an integer >= 0 "
                             "below 2^53", path, e->name, d);
        e->dims[d] = (int64_t)dim;
        if (dim && e->count > UINT64_MAX / dim)
            overflow = true;
        e->count *= dim;
    }
    uint64_t b, en;
    if (cs__json_len(offsets) != 2 || !json_uint(cs__json_at(offsets, 0), 9007199254740992.0, &b) ||
        !json_uint(cs__json_at(offsets, 1), 9007199254740992.0, &en))
        return cs__error(CS_ERR_FORMAT, "%s: tensor %s: data_offsets must be two integers [begin, end] >= 0 "
                         "below 2^53", path, e->name);
    if (en < b)
        return cs__error(CS_ERR_FORMAT, "%s: tensor %s: data_offsets [%llu, %llu] end before they begin", path,
                         e->name, (unsigned long long)b, (unsigned long long)en);
    const uint64_t size = (uint64_t)DTYPES[e->dtype].size;
    if (overflow || e->count > UINT64_MAX / size)
        return cs__error(CS_ERR_OVERFLOW, "%s: tensor %s: its shape holds more bytes than 2^64", path, e->name);
    if (e->count * size != en - b)
        return cs__error(CS_ERR_FORMAT, "%s: tensor %s: %llu elements of %s take %llu bytes, its data_offsets "
                         "[%llu, %llu] give %llu", path, e->name, (unsigned long long)e->count,
                         DTYPES[e->dtype].name, (unsigned long long)(e->count * size), (unsigned long long)b,
                         (unsigned long long)en, (unsigned long long)(en - b));
    e->begin = b;
    e->end = en;
    return CS_OK;
}

static int by_offset(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* The byte ranges must tile [0, data_len) exactly: no gap, no overlap, nothing past the end. */
static int check_tiling(const contents *f, const char *path)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->e[i].end > f->data_len)
            return cs__error(CS_ERR_TRUNCATED, "%s: tensor %s: data_offsets [%llu, %llu] reach past the end of the "
                             "%llu data bytes", path, f->e[i].name, (unsigned long long)f->e[i].begin,
                             (unsigned long long)f->e[i].end, (unsigned long long)f->data_len);
    const entry **order = malloc((f->n ? f->n : 1) * sizeof *order);
    if (!order)
        return cs__error_oom("safetensors tensor order", f->n * sizeof *order);
    for (size_t i = 0; i < f->n; i++)
        order[i] = &f->e[i];
    qsort(order, f->n, sizeof *order, by_offset);
    int status = CS_OK;
    uint64_t at = 0;
    for (size_t i = 0; i < f->n && status == CS_OK; i++) {
        if (order[i]->begin > at)
            status = cs__error(CS_ERR_FORMAT, "%s: data bytes [%llu, %llu) belong to no tensor (a gap before %s)",
                               path, (unsigned long long)at, (unsigned long long)order[i]->begin, order[i]->name);
        else if (order[i]->begin < at)
            status = cs__error(CS_ERR_FORMAT, "%s: tensors %s and %s overlap (bytes from %llu)", path,
                               order[i - 1]->name, order[i]->name, (unsigned long long)order[i]->begin);
        at = order[i]->end;
    }
    if (status == CS_OK && at != f->data_len)
        status = cs__error(CS_ERR_FORMAT, "%s: data bytes [%llu, %llu) at the end of the file belong to no tensor",
                           path, (unsigned long long)at, (unsigned long long)f->data_len);
    free(order);
    return status;
}

static int parse_header(contents *f, const char *path)
{
    const cs__json *root = f->root;
    if (cs__json_type_of(root) != CS__JSON_OBJECT)
        return cs__error(CS_ERR_FORMAT, "%s: the safetensors header must be a JSON object (got %s)", path,
                         cs__json_type_name(cs__json_type_of(root)));
    size_t members = cs__json_len(root);
    f->e = calloc(members ? members : 1, sizeof *f->e);
    if (!f->e)
        return cs__error_oom("safetensors entries", members * sizeof *f->e);
    for (size_t i = 0; i < members; i++) {
        const char *name = cs__json_key_at(root, i);
        const cs__json *v = cs__json_at(root, i);
        if (strcmp(name, "__metadata__") == 0) {
            if (cs__json_type_of(v) != CS__JSON_OBJECT)
                return cs__error(CS_ERR_FORMAT, "%s: __metadata__ must be an object (got %s)", path,
                                 cs__json_type_name(cs__json_type_of(v)));
            for (size_t j = 0; j < cs__json_len(v); j++)
                if (cs__json_type_of(cs__json_at(v, j)) != CS__JSON_STRING)
                    return cs__error(CS_ERR_FORMAT, "%s: __metadata__ member \"%s\" must be a string (got %s)", path,
                                     cs__json_key_at(v, j), cs__json_type_name(cs__json_type_of(cs__json_at(v, j))));
            f->meta = v;
            continue;
        }
        entry *e = &f->e[f->n++];
        e->name = name;
        int status = parse_entry(e, v, path);
        if (status != CS_OK)
            return status;
    }
    return check_tiling(f, path);
}

static int read_contents(contents *f, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return cs__error(errno == ENOENT ? CS_ERR_NOT_FOUND : CS_ERR_IO, "%s: cannot open: %s", path,
                         strerror(errno));
    struct stat st;
    int status = CS_OK;
    char *header = NULL;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        status = cs__error(CS_ERR_IO, "%s: not a regular file", path);
        goto cleanup;
    }
    const uint64_t file_size = (uint64_t)st.st_size;
    if (file_size < 8) {
        status = cs__error(CS_ERR_TRUNCATED, "%s: truncated: %llu bytes, a safetensors file starts with an 8-byte "
                           "header length", path, (unsigned long long)file_size);
        goto cleanup;
    }
    uint8_t le[8];
    status = read_exact(fp, le, 8, path, "the header length");
    if (status != CS_OK)
        goto cleanup;
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | le[i];
    if (n > HEADER_MAX) {
        status = cs__error(CS_ERR_FORMAT, "%s: the header length is %llu bytes, more than the format's limit of %u",
                           path, (unsigned long long)n, HEADER_MAX);
        goto cleanup;
    }
    if (n > file_size - 8) {
        status = cs__error(CS_ERR_TRUNCATED, "%s: truncated: the header length is %llu bytes, the file holds %llu "
                           "after it", path, (unsigned long long)n, (unsigned long long)(file_size - 8));
        goto cleanup;
    }
    if (n < 2) {
        status = cs__error(CS_ERR_FORMAT, "%s: the header length is %llu bytes, too short for a JSON object", path,
                           (unsigned long long)n);
        goto cleanup;
    }
    header = malloc((size_t)n);
    if (!header) {
        status = cs__error_oom("safetensors header", (size_t)n);
        goto cleanup;
    }
    status = read_exact(fp, header, (size_t)n, path, "the header");
    if (status == CS_OK)
        status = cs__json_parse(&f->root, header, (size_t)n, path);
    if (status != CS_OK)
        goto cleanup;
    f->data_len = file_size - 8 - n;
    status = parse_header(f, path);
    if (status != CS_OK)
        goto cleanup;
    if (f->data_len > SIZE_MAX) {
        status = cs__error(CS_ERR_OVERFLOW, "%s: %llu data bytes do not fit in memory", path,
                           (unsigned long long)f->data_len);
        goto cleanup;
    }
    f->data = malloc(f->data_len ? (size_t)f->data_len : 1);
    if (!f->data)
        status = cs__error_oom("safetensors data", (size_t)f->data_len);
    else
        status = read_exact(fp, f->data, (size_t)f->data_len, path, "the tensor data");
cleanup:
    free(header);
    fclose(fp);
    return status;
}

/* ---- conversion --------------------------------------------------------------------------- */

static uint64_t get_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static float half_to_float(uint16_t h)
{
    const int exp = (h >> 10) & 0x1f;
    const int mant = h & 0x3ff;
    float v;
    if (exp == 0)
        v = ldexpf((float)mant, -24);
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexpf((float)(mant | 0x400), exp - 25);
    return (h & 0x8000) ? -v : v;
}

/* Element i of a floating-point entry as float32 (F64 rounds to nearest). */
static float get_float(const uint8_t *p, int dt)
{
    uint64_t bits = get_le(p, DTYPES[dt].size);
    switch (dt) {
    case DT_F64: {
        double d;
        memcpy(&d, &bits, sizeof d);
        return (float)d;
    }
    case DT_F32: {
        uint32_t b = (uint32_t)bits;
        float v;
        memcpy(&v, &b, sizeof v);
        return v;
    }
    case DT_F16:
        return half_to_float((uint16_t)bits);
    default: {
        uint32_t b = (uint32_t)bits << 16;
        float v;
        memcpy(&v, &b, sizeof v);
        return v;
    }
    }
}

/* ---- building the model ------------------------------------------------------------------- */

typedef struct description {
    const char *arch;
    int c, h, w, k;
    double width;
} description;

/* Parse "a,b,c" of exactly n numbers. */
static bool parse_list(double *out, int n, const char *s)
{
    for (int i = 0; i < n; i++) {
        size_t used = 0;
        if (cs__num_parse_double(&out[i], &used, s, strlen(s)) != CS_OK || used == 0)
            return false;
        s += used;
        if (*s != (i + 1 < n ? ',' : '\0'))
            return false;
        s += i + 1 < n;
    }
    return true;
}

static int meta_string(const char **out, const contents *f, const char *key, const char *path)
{
    const cs__json *v = cs__json_get(f->meta, key);
    if (!v)
        return cs__error(CS_ERR_FORMAT, "%s: __metadata__ lacks \"%s\", so the model cannot be rebuilt from the "
                         "file alone (name the architecture in cs_safetensors_options)", path, key);
    *out = cs__json_string(v);
    return CS_OK;
}

static int describe_from_metadata(description *d, const contents *f, const char *path)
{
    const char *arch = NULL, *width = NULL, *shape = NULL, *k = NULL;
    int status = meta_string(&arch, f, "arch", path);
    if (status == CS_OK)
        status = meta_string(&width, f, "width", path);
    if (status == CS_OK)
        status = meta_string(&shape, f, "input_shape", path);
    if (status == CS_OK)
        status = meta_string(&k, f, "num_classes", path);
    if (status != CS_OK)
        return status;
    double chw[3], kk;
    if (!parse_list(&d->width, 1, width) || !parse_list(chw, 3, shape) || !parse_list(&kk, 1, k))
        return cs__error(CS_ERR_FORMAT, "%s: __metadata__ has width \"%s\", input_shape \"%s\", num_classes \"%s\"; "
                         "expected a number, \"C,H,W\" and an integer", path, width, shape, k);
    for (int i = 0; i < 3; i++)
        if (!(chw[i] >= 1 && chw[i] <= 1 << 30 && chw[i] == floor(chw[i])))
            return cs__error(CS_ERR_FORMAT, "%s: __metadata__ input_shape \"%s\" is not three integers >= 1", path,
                             shape);
    if (!(kk >= 2 && kk <= 1 << 30 && kk == floor(kk)))
        return cs__error(CS_ERR_FORMAT, "%s: __metadata__ num_classes \"%s\" is not an integer >= 2", path, k);
    d->arch = arch;
    d->c = (int)chw[0];
    d->h = (int)chw[1];
    d->w = (int)chw[2];
    d->k = (int)kk;
    return CS_OK;
}

static const entry *find(const contents *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->e[i].name, name) == 0)
            return &f->e[i];
    return NULL;
}

/* Match every tensor of the layout to an entry (same name, same shape, a float dtype); mark
 * the entries used; then every entry left must be a num_batches_tracked scalar or, with
 * ignore_extra, anything. */
static int match(contents *f, const cs__net *net, const description *d, int ignore_extra, const char *path)
{
    for (int i = 0; i < net->n_tensors; i++) {
        const cs__named_tensor *t = &net->tensors[i];
        entry *e = (entry *)find(f, t->name);
        if (!e)
            return cs__error(CS_ERR_SIZE_MISMATCH, "%s: tensor %s of %s is missing", path, t->name, d->arch);
        bool same = e->ndim == t->ndim;
        for (int k = 0; same && k < t->ndim; k++)
            same = e->dims[k] == t->dims[k];
        if (!same) {
            char a[128], b[128];
            cs__format_shape(a, sizeof a, e->ndim, e->dims);
            cs__format_shape(b, sizeof b, t->ndim, t->dims);
            return cs__error(CS_ERR_SIZE_MISMATCH, "%s: tensor %s has shape %s in the file but %s in %s at %dx%dx%d, "
                             "%d classes, width %g", path, t->name, a, b, d->arch, d->c, d->h, d->w, d->k, d->width);
        }
        if (!DTYPES[e->dtype].is_float)
            return cs__error(CS_ERR_UNSUPPORTED, "%s: tensor %s has dtype %s, expected a floating-point dtype (F32, "
                             "F64, F16 or BF16)", path, t->name, DTYPES[e->dtype].name);
        e->used = true;
    }
    for (size_t i = 0; i < f->n; i++) {
        entry *e = &f->e[i];
        if (e->used || ignore_extra)
            continue;
        if (has_suffix(e->name, NBT_SUFFIX) && (e->ndim == 0 || (e->ndim == 1 && e->dims[0] == 1)) &&
            !DTYPES[e->dtype].is_float)
            continue;
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: the file has tensor %s, which %s does not have (set "
                         "ignore_extra to skip such tensors)", path, e->name, d->arch);
    }
    return CS_OK;
}

static int read_norm(cs_model *m, const contents *f, const char *path)
{
    const char *mean = cs__json_string(cs__json_get(f->meta, "norm_mean"));
    const char *std = cs__json_string(cs__json_get(f->meta, "norm_std"));
    if (!mean && !std)
        return CS_OK;
    double *v = malloc(2 * (size_t)m->c * sizeof *v);
    if (!v)
        return cs__error_oom("normalisation statistics", 2 * (size_t)m->c * sizeof *v);
    int status = CS_OK;
    if (!mean || !std || !parse_list(v, m->c, mean) || !parse_list(v + m->c, m->c, std))
        status = cs__error(CS_ERR_FORMAT, "%s: __metadata__ norm_mean and norm_std must both be lists of %d numbers",
                           path, m->c);
    for (int ch = 0; status == CS_OK && ch < m->c; ch++)
        if (!isfinite(v[ch]) || !(isfinite(v[m->c + ch]) && v[m->c + ch] > 0.0))
            status = cs__error(CS_ERR_FORMAT, "%s: channel %d has normalisation mean %g, std %g", path, ch, v[ch],
                               v[m->c + ch]);
    if (status == CS_OK) {
        m->has_norm = true;
        for (int ch = 0; ch < m->c; ch++) {
            m->norm_mean[ch] = (float)v[ch];
            m->norm_std[ch] = (float)v[m->c + ch];
        }
    }
    free(v);
    return status;
}

static void fill(cs_model *m, const contents *f)
{
    for (int i = 0; i < m->net.n_tensors; i++) {
        const entry *e = find(f, m->net.tensors[i].name);
        float *dst = cs__net_tensor_data(&m->net, i);
        const int size = DTYPES[e->dtype].size;
        for (uint64_t j = 0; j < e->count; j++)
            dst[j] = get_float(f->data + e->begin + j * (uint64_t)size, e->dtype);
    }
    /* The first BatchNorm's count: PyTorch's layers all count the same training forwards. */
    for (size_t i = 0; i < f->n; i++) {
        const entry *e = &f->e[i];
        if (!e->used && has_suffix(e->name, NBT_SUFFIX) && e->count == 1 && !DTYPES[e->dtype].is_float) {
            uint64_t v = get_le(f->data + e->begin, DTYPES[e->dtype].size);
            const int bits = 8 * DTYPES[e->dtype].size;
            int64_t s = bits < 64 && e->dtype != DT_U8 && e->dtype != DT_BOOL && (v >> (bits - 1)) & 1
                            ? (int64_t)(v | ~((UINT64_C(1) << bits) - 1))
                            : (int64_t)v;
            m->num_batches_tracked = s;
            break;
        }
    }
}

int cs_safetensors_options_init(cs_safetensors_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_safetensors_options_init: opts is NULL");
    const cs_safetensors_options init = CS_SAFETENSORS_OPTIONS_INIT;
    *opts = init;
    return CS_OK;
}

int cs_model_load_safetensors(cs_model **out, const char *path, const cs_safetensors_options *opts)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_load_safetensors: out is NULL");
    *out = NULL;
    if (!path || !*path)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_load_safetensors: path is %s", path ? "empty" : "NULL");
    const cs_safetensors_options defaults = CS_SAFETENSORS_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->struct_size != sizeof *opts)
        return cs__error(opts->struct_size > sizeof *opts ? CS_ERR_UNSUPPORTED : CS_ERR_INVALID_ARGUMENT,
                         "cs_model_load_safetensors: options struct_size is %zu, this library's is %zu",
                         opts->struct_size, sizeof *opts);
    contents f;
    memset(&f, 0, sizeof f);
    cs_model *m = NULL;
    description d = { opts->arch, opts->c, opts->h, opts->w, opts->num_classes, opts->width > 0 ? opts->width : 1.0 };
    int status = read_contents(&f, path);
    if (status == CS_OK && !opts->arch)
        status = describe_from_metadata(&d, &f, path);
    if (status == CS_OK) {
        /* Laid out first: a forged description must not allocate more than the file holds. */
        cs__net layout;
        status = cs__model_layout(&layout, d.arch, d.c, d.h, d.w, d.k, d.width);
        /* A description from the file that this library cannot build is a fault of the file
         * (a caller's own description keeps the status that names its argument). */
        if (!opts->arch && status != CS_OK && status != CS_ERR_OUT_OF_MEMORY && status != CS_ERR_OVERFLOW) {
            char reason[256];
            snprintf(reason, sizeof reason, "%s", cs_last_error());
            status = cs__error(CS_ERR_FORMAT, "%s: the metadata describes a model this library cannot build: %s", path,
                               reason);
        }
        if (status == CS_OK)
            status = match(&f, &layout, &d, opts->ignore_extra, path);
        cs__net_free(&layout);
    }
    if (status == CS_OK)
        status = cs__model_create(&m, d.arch, d.c, d.h, d.w, d.k, d.width, 0);
    if (status == CS_OK)
        status = read_norm(m, &f, path);
    if (status == CS_OK) {
        fill(m, &f);
        *out = m;
    } else {
        cs_model_destroy(m);
    }
    free_contents(&f);
    return status;
}
