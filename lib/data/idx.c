/* IDX files (the MNIST format): a 4-byte magic (0, 0, element type, dimension count), one
 * big-endian uint32 per dimension, then the elements in row-major order. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "data/dataset_internal.h"
#include "data/idx.h"
#include "data/stream.h"

#define IDX_TYPE_UBYTE 0x08

typedef struct idx_header {
    int ndims;
    uint32_t dims[4];
    uint64_t data_offset;
} idx_header;

static const char *idx_type_name(unsigned t)
{
    switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return NULL;
    }
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Read and validate the header of an IDX file of unsigned bytes with `want_dims` dimensions. */
static int read_header(cs__stream *s, int want_dims, const char *kind, idx_header *hdr)
{
    unsigned char magic[4];
    int status = cs__stream_read_exact(s, magic, sizeof magic, "the IDX magic number");
    if (status != CS_OK)
        return status;
    uint32_t expected = 0x0800u | (uint32_t)want_dims;
    if (magic[0] != 0 || magic[1] != 0 || !idx_type_name(magic[2]) || magic[3] == 0 || magic[3] > 4)
        return cs__error(CS_ERR_FORMAT,
                         "%s: not an IDX file: magic number is 0x%08x at byte offset 0, expected "
                         "0x%08x (IDX %s file: unsigned bytes, %d dimension%s)",
                         s->path, (unsigned)be32(magic), (unsigned)expected, kind, want_dims,
                         want_dims == 1 ? "" : "s");
    if (magic[2] != IDX_TYPE_UBYTE)
        return cs__error(CS_ERR_UNSUPPORTED,
                         "%s: IDX element type 0x%02x (%s) at byte offset 2; only 0x08 "
                         "(unsigned byte) is supported for %s",
                         s->path, magic[2], idx_type_name(magic[2]), kind);
    if (magic[3] != want_dims)
        return cs__error(CS_ERR_FORMAT,
                         "%s: IDX file has %d dimensions (byte offset 3), expected %d for %s",
                         s->path, magic[3], want_dims, kind);
    unsigned char dims[16];
    status = cs__stream_read_exact(s, dims, 4u * (size_t)want_dims, "the IDX dimension sizes");
    if (status != CS_OK)
        return status;
    hdr->ndims = want_dims;
    for (int d = 0; d < want_dims; d++)
        hdr->dims[d] = be32(dims + 4 * d);
    hdr->data_offset = 4u + 4u * (uint64_t)want_dims;
    return CS_OK;
}

/* Read exactly `bytes` bytes of payload into a new buffer, refusing before allocation when
 * the file cannot possibly hold them, and refusing trailing data after them. */
static int read_payload(cs__stream *s, size_t bytes, const char *what, uint8_t **out)
{
    uint64_t available = cs__stream_max_remaining(s);
    if ((uint64_t)bytes > available) {
        if (s->compressed)
            return cs__error(CS_ERR_TRUNCATED,
                             "%s: header promises %zu bytes of %s from byte offset %llu, but a "
                             "%llu-byte gzip file can hold at most %llu",
                             s->path, bytes, what, (unsigned long long)s->offset,
                             (unsigned long long)s->file_size, (unsigned long long)available);
        return cs__error(CS_ERR_TRUNCATED,
                         "%s: truncated: header promises %zu bytes of %s from byte offset %llu, "
                         "the file has %llu bytes after it",
                         s->path, bytes, what, (unsigned long long)s->offset,
                         (unsigned long long)available);
    }
    uint8_t *buf = malloc(bytes);
    if (!buf)
        return cs__error_oom(what, bytes);
    int status = cs__stream_read_exact(s, buf, bytes, what);
    if (status == CS_OK)
        status = cs__stream_expect_end(s, what);
    if (status != CS_OK) {
        free(buf);
        return status;
    }
    *out = buf;
    return CS_OK;
}

int cs__idx_load(cs_dataset **out, const char *images_path, const char *labels_path,
                 int num_classes, const char *const *names)
{
    cs__stream img = { 0 }, lab = { 0 };
    uint8_t *pixels = NULL, *raw_labels = NULL;
    int32_t *labels = NULL;
    idx_header ih = { 0 }, lh = { 0 };
    int status = cs__stream_open(&img, images_path);
    if (status != CS_OK)
        goto cleanup;
    status = cs__stream_open(&lab, labels_path);
    if (status != CS_OK)
        goto cleanup;
    status = read_header(&img, 3, "images", &ih);
    if (status != CS_OK)
        goto cleanup;
    status = read_header(&lab, 1, "labels", &lh);
    if (status != CS_OK)
        goto cleanup;
    if (ih.dims[0] != lh.dims[0]) {
        status = cs__error(CS_ERR_SIZE_MISMATCH,
                           "%s holds %u images but %s holds %u labels; the counts must agree",
                           images_path, (unsigned)ih.dims[0], labels_path, (unsigned)lh.dims[0]);
        goto cleanup;
    }
    size_t n = ih.dims[0], bytes;
    if (n == 0 || ih.dims[1] == 0 || ih.dims[2] == 0) {
        status = cs__error(CS_ERR_FORMAT, "%s: holds no images (%u x %u x %u)", images_path,
                           (unsigned)ih.dims[0], (unsigned)ih.dims[1], (unsigned)ih.dims[2]);
        goto cleanup;
    }
    status = cs__dataset_check_shape(n, 1, ih.dims[1], ih.dims[2], &bytes, images_path);
    if (status != CS_OK)
        goto cleanup;
    status = read_payload(&lab, n, "labels", &raw_labels);
    if (status != CS_OK)
        goto cleanup;
    status = read_payload(&img, bytes, "pixels", &pixels);
    if (status != CS_OK)
        goto cleanup;

    labels = malloc(n * sizeof *labels);
    if (!labels) {
        status = cs__error_oom("labels", n * sizeof *labels);
        goto cleanup;
    }
    int max_label = 0;
    for (size_t i = 0; i < n; i++) {
        labels[i] = raw_labels[i];
        if (raw_labels[i] > max_label)
            max_label = raw_labels[i];
        if (num_classes > 0 && raw_labels[i] >= num_classes) {
            status = cs__error(CS_ERR_OUT_OF_RANGE,
                               "%s: label %u of record %zu (byte offset %llu) is outside 0..%d",
                               labels_path, (unsigned)raw_labels[i], i,
                               (unsigned long long)(lh.data_offset + i), num_classes - 1);
            goto cleanup;
        }
    }
    int k = num_classes > 0 ? num_classes : (max_label + 1 < 2 ? 2 : max_label + 1);
    status = cs__dataset_adopt(out, pixels, labels, n, 1, (int)ih.dims[1], (int)ih.dims[2], k, names);
    pixels = NULL;
    labels = NULL;

cleanup:
    cs__stream_close(&img);
    cs__stream_close(&lab);
    free(pixels);
    free(raw_labels);
    free(labels);
    return status;
}

int cs_dataset_open_idx_classes(cs_dataset **out, const char *images_path, const char *labels_path,
                                int num_classes)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_open_idx: out is NULL");
    *out = NULL;
    if (!images_path || !labels_path)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_open_idx: %s is NULL",
                         !images_path ? "images_path" : "labels_path");
    if (num_classes != 0 && (num_classes < 2 || num_classes > 256))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_dataset_open_idx: num_classes is %d, expected 0 (infer) or 2..256 "
                         "(IDX labels are bytes)", num_classes);
    return cs__idx_load(out, images_path, labels_path, num_classes, NULL);
}

int cs_dataset_open_idx(cs_dataset **out, const char *images_path, const char *labels_path)
{
    return cs_dataset_open_idx_classes(out, images_path, labels_path, 0);
}
