/* NumPy data sets: an image array and a label array (and optionally class names) from two
 * .npy files or from the members of an .npz archive. The arrays are read whole into memory
 * (a file, or a member inflated to the size its zip entry states); every size is checked
 * against the bytes present before anything is allocated for it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/memory.h"
#include "data/dataset_internal.h"
#include "data/npy.h"
#include "data/zip.h"

/* Longest array name accepted in the options ("x_train"; member names add ".npy"). */
#define NAME_MAX_LEN 200

/* One array: the buffer that holds it (owned) and its parsed header. */
typedef struct array {
    char what[NAME_MAX_LEN + 4200];   /* "PATH" or "PATH (member NAME.npy)" */
    uint8_t *buf;
    size_t len;
    cs__npy a;
    int present;
} array;

static void array_free(array *ar)
{
    free(ar->buf);
    ar->buf = NULL;
}

static const char *kind_name(char kind)
{
    switch (kind) {
    case 'u': return "unsigned integer";
    case 'i': return "signed integer";
    case 'b': return "bool";
    case 'f': return "floating point";
    case 'c': return "complex";
    case 'U': return "unicode string";
    case 'S': return "byte string";
    case 'O': return "Python object";
    case 'V': return "void";
    case 'M': return "datetime";
    case 'm': return "timedelta";
    default: return "unknown";
    }
}

static const char *layout_name(cs_layout l)
{
    switch (l) {
    case CS_LAYOUT_NHW: return "CS_LAYOUT_NHW";
    case CS_LAYOUT_NHWC: return "CS_LAYOUT_NHWC";
    case CS_LAYOUT_NCHW: return "CS_LAYOUT_NCHW";
    default: return "CS_LAYOUT_AUTO";
    }
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        return cs__error(e == ENOENT || e == ENOTDIR ? CS_ERR_NOT_FOUND : CS_ERR_IO, "%s: cannot open: %s",
                         path, strerror(e));
    }
    if (S_ISDIR(st.st_mode))
        return cs__error(CS_ERR_IO, "%s: is a directory, expected a file", path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return cs__error(e == ENOENT ? CS_ERR_NOT_FOUND : CS_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    /* The size from stat is a hint (a pipe or /proc file has none): read until the end. */
    size_t cap = st.st_size > 0 && (uint64_t)st.st_size < SIZE_MAX ? (size_t)st.st_size + 1 : 65536, used = 0;
    uint8_t *buf = malloc(cap);
    int status = buf ? CS_OK : cs__error_oom(path, cap);
    while (status == CS_OK) {
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (used < cap) {
            if (ferror(f))
                status = cs__error(CS_ERR_IO, "%s: read error at byte %zu", path, used);
            break;
        }
        uint8_t *bigger = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!bigger)
            status = cs__error_oom(path, cap * 2);
        else {
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (status != CS_OK) {
        free(buf);
        return status;
    }
    *out = buf;
    *len = used;
    return CS_OK;
}

/* ---- options ------------------------------------------------------------------------------ */

int cs_numpy_options_init(cs_numpy_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_numpy_options_init: opts is NULL");
    static const cs_numpy_options defaults = CS_NUMPY_OPTIONS_INIT;
    memcpy(opts, &defaults, sizeof *opts);
    return CS_OK;
}

static int check_name(const char *name, const char *field, const char *fn)
{
    if (!name)
        return CS_OK;
    size_t len = strlen(name);
    if (len == 0 || len > NAME_MAX_LEN)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->%s is %s, expected an array name of 1..%d bytes",
                         fn, field, len ? "too long" : "empty", NAME_MAX_LEN);
    return CS_OK;
}

static int check_options(cs_numpy_options *o, const cs_numpy_options *given, const char *fn, int npz)
{
    const cs_numpy_options defaults = CS_NUMPY_OPTIONS_INIT;
    *o = defaults;
    if (given) {
        char what[64];
        snprintf(what, sizeof what, "%s options", fn);
        int status = cs__options_copy(o, sizeof *o, given, offsetof(cs_numpy_options, num_classes) + sizeof(int),
                                      what);
        if (status != CS_OK)
            return status;
        o->struct_size = sizeof *o;
    }
    if ((int)o->layout < (int)CS_LAYOUT_AUTO || (int)o->layout > (int)CS_LAYOUT_NCHW)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->layout is %d, expected CS_LAYOUT_AUTO (0), "
                         "CS_LAYOUT_NHW (1), CS_LAYOUT_NHWC (2) or CS_LAYOUT_NCHW (3)", fn, (int)o->layout);
    if (o->num_classes != 0 && (o->num_classes < 2 || o->num_classes > CS__MAX_CLASSES))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->num_classes is %d, expected 0 (infer) or 2..%d",
                         fn, o->num_classes, CS__MAX_CLASSES);
    if (!npz && (o->images || o->labels || o->class_names))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: opts->%s is set, but array names select members of "
                         "an .npz; cs_dataset_open_npy takes the files' paths", fn,
                         o->images ? "images" : o->labels ? "labels" : "class_names");
    int status = check_name(o->images, "images", fn);
    if (status == CS_OK)
        status = check_name(o->labels, "labels", fn);
    if (status == CS_OK)
        status = check_name(o->class_names, "class_names", fn);
    return status;
}

/* ---- images ------------------------------------------------------------------------------- */

static int is_1_or_3(uint64_t v) { return v == 1 || v == 3; }

/* Resolve the layout of the image array: C, H, W and whether channels come last. */
static int image_shape(const array *ar, cs_layout layout, int *c, int *h, int *w, int *channels_last)
{
    const cs__npy *a = &ar->a;
    char s[160];
    cs__npy_shape_str(s, sizeof s, a);
    uint64_t dc = 1, dh, dw;
    *channels_last = 0;
    if (a->ndim == 3) {
        if (layout != CS_LAYOUT_AUTO && layout != CS_LAYOUT_NHW)
            return cs__error(CS_ERR_FORMAT, "%s: the images have shape %s, but opts->layout %s needs a 4-D array",
                             ar->what, s, layout_name(layout));
        dh = a->shape[1];
        dw = a->shape[2];
    } else if (a->ndim == 4) {
        if (layout == CS_LAYOUT_NHW)
            return cs__error(CS_ERR_FORMAT, "%s: the images have shape %s, but opts->layout CS_LAYOUT_NHW needs a "
                             "3-D array", ar->what, s);
        if (layout == CS_LAYOUT_AUTO) {
            int last = is_1_or_3(a->shape[3]), second = is_1_or_3(a->shape[1]);
            if (last == second)
                return cs__error(CS_ERR_FORMAT, "%s: the images have shape %s: %s could be the channels, so the "
                                 "layout is ambiguous; set opts->layout to CS_LAYOUT_NHWC or CS_LAYOUT_NCHW",
                                 ar->what, s,
                                 last ? "both the second and the last size" : "neither the second nor the last size");
            layout = last ? CS_LAYOUT_NHWC : CS_LAYOUT_NCHW;
        }
        *channels_last = layout == CS_LAYOUT_NHWC;
        dc = *channels_last ? a->shape[3] : a->shape[1];
        dh = *channels_last ? a->shape[1] : a->shape[2];
        dw = *channels_last ? a->shape[2] : a->shape[3];
        if (!is_1_or_3(dc))
            return cs__error(CS_ERR_FORMAT, "%s: the images have shape %s: as %s that is %llu channels, "
                             "expected 1 (grey) or 3 (RGB)", ar->what, s, layout_name(layout),
                             (unsigned long long)dc);
    } else {
        return cs__error(CS_ERR_FORMAT, "%s: the images have shape %s (%d-D); expected N x H x W, "
                         "N x H x W x C or N x C x H x W", ar->what, s, a->ndim);
    }
    if (a->shape[0] == 0 || dh == 0 || dw == 0)
        return cs__error(CS_ERR_FORMAT, "%s: the images have shape %s: it holds no pixels", ar->what, s);
    if (dh > INT_MAX || dw > INT_MAX)
        return cs__error(CS_ERR_OVERFLOW, "%s: the images have shape %s: a side exceeds INT_MAX", ar->what, s);
    *c = (int)dc;
    *h = (int)dh;
    *w = (int)dw;
    return CS_OK;
}

static int check_image_dtype(const array *ar)
{
    const cs__npy *a = &ar->a;
    if (a->kind != 'u' || a->item_size != 1)
        return cs__error(CS_ERR_UNSUPPORTED, "%s: the images have dtype '%s' (%s%s); only uint8 ('|u1') is "
                         "read: convert with np.clip(x, 0, 255).astype(np.uint8) (x * 255 for [0, 1] floats)",
                         ar->what, a->descr, kind_name(a->kind), a->item_size > 1 ? ", more than one byte" : "");
    return CS_OK;
}

/* Planar pixels from the image array, taking over its buffer where the bytes are already in
 * (C, H, W) order. */
static int take_pixels(array *ar, int c, int h, int w, int channels_last, uint8_t **out)
{
    const size_t n = ar->a.count / ((size_t)c * (size_t)h * (size_t)w), plane = (size_t)h * (size_t)w;
    const size_t bytes = ar->a.count;
    if (!channels_last || c == 1) {
        memmove(ar->buf, ar->a.data, bytes);
        uint8_t *shrunk = realloc(ar->buf, bytes);
        *out = shrunk ? shrunk : ar->buf;
        ar->buf = NULL;
        return CS_OK;
    }
    uint8_t *px = malloc(bytes);
    if (!px)
        return cs__error_oom("planar pixels", bytes);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *src = ar->a.data + i * plane * (size_t)c;
        uint8_t *dst = px + i * plane * (size_t)c;
        for (size_t q = 0; q < plane; q++)
            for (int ch = 0; ch < c; ch++)
                dst[(size_t)ch * plane + q] = src[q * (size_t)c + (size_t)ch];
    }
    *out = px;
    return CS_OK;
}

/* ---- labels ------------------------------------------------------------------------------- */

static int check_label_array(const array *ar, size_t n, const char *images_what)
{
    const cs__npy *a = &ar->a;
    char s[160];
    cs__npy_shape_str(s, sizeof s, a);
    if (a->kind == 'b')
        return cs__error(CS_ERR_UNSUPPORTED, "%s: the labels have dtype '%s' (bool); class indices must be "
                         "integers: convert with y.astype(np.int64)", ar->what, a->descr);
    if ((a->kind != 'i' && a->kind != 'u') ||
        (a->item_size != 1 && a->item_size != 2 && a->item_size != 4 && a->item_size != 8))
        return cs__error(CS_ERR_UNSUPPORTED, "%s: the labels have dtype '%s' (%s); expected an integer dtype "
                         "(int8..int64, uint8..uint64)", ar->what, a->descr, kind_name(a->kind));
    if (!(a->ndim == 1 || (a->ndim == 2 && a->shape[1] == 1)))
        return cs__error(CS_ERR_FORMAT, "%s: the labels have shape %s; expected (N,) or (N, 1)", ar->what, s);
    if (a->shape[0] != n)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s holds %zu images but %s holds %llu labels; the counts must agree",
                         images_what, n, ar->what, (unsigned long long)a->shape[0]);
    return CS_OK;
}

/* Labels as int32 in [0, k) (k_limit > 0) or [0, CS__MAX_CLASSES); *max_label the largest. */
static int take_labels(const array *ar, size_t n, int k_limit, int32_t **out, int *max_label)
{
    const cs__npy *a = &ar->a;
    const int limit = k_limit > 0 ? k_limit : CS__MAX_CLASSES;
    int32_t *labels = malloc(n * sizeof *labels);
    if (!labels)
        return cs__error_oom("labels", n * sizeof *labels);
    const int big = a->order == '>';
    *max_label = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = a->data + i * a->item_size;
        uint64_t u = 0;
        for (size_t b = 0; b < a->item_size; b++)
            u |= (uint64_t)p[big ? b : a->item_size - 1 - b] << (8 * (a->item_size - 1 - b));
        int negative = a->kind == 'i' && (u >> (8 * a->item_size - 1)) & 1;
        if (negative) {
            uint64_t mag = (~u & (a->item_size == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * a->item_size)) - 1)) + 1;
            free(labels);
            return cs__error(CS_ERR_OUT_OF_RANGE, "%s: label -%llu of record %zu (byte offset %llu) is negative; "
                             "labels are class indices 0..K-1", ar->what, (unsigned long long)mag, i,
                             (unsigned long long)(a->data_offset + i * a->item_size));
        }
        if (u >= (uint64_t)limit) {
            free(labels);
            return cs__error(CS_ERR_OUT_OF_RANGE, "%s: label %llu of record %zu (byte offset %llu) is outside 0..%d%s",
                             ar->what, (unsigned long long)u, i, (unsigned long long)(a->data_offset + i * a->item_size),
                             limit - 1, k_limit > 0 ? "" : " (the most classes the library takes)");
        }
        labels[i] = (int32_t)u;
        if (labels[i] > *max_label)
            *max_label = labels[i];
    }
    *out = labels;
    return CS_OK;
}

/* ---- class names -------------------------------------------------------------------------- */

static size_t put_utf8(char *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | cp >> 6);
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | cp >> 12);
        dst[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | cp >> 18);
    dst[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    dst[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static void free_names(char **names, size_t k)
{
    if (!names)
        return;
    for (size_t i = 0; i < k; i++)
        free(names[i]);
    free(names);
}

static int check_names_array(const array *ar)
{
    const cs__npy *a = &ar->a;
    char s[160];
    cs__npy_shape_str(s, sizeof s, a);
    if (a->kind == 'O')
        return cs__error(CS_ERR_UNSUPPORTED, "%s: the class names are an object array ('|O', pickled Python "
                         "objects), which is never unpickled; save them as str: np.array(names, dtype=str)",
                         ar->what);
    if ((a->kind != 'U' && a->kind != 'S') || a->item_size == 0)
        return cs__error(CS_ERR_UNSUPPORTED, "%s: the class names have dtype '%s' (%s); expected str ('<U...') "
                         "or bytes ('|S...')", ar->what, a->descr, kind_name(a->kind));
    if (a->ndim != 1 || a->shape[0] < 2 || a->shape[0] > CS__MAX_CLASSES)
        return cs__error(CS_ERR_FORMAT, "%s: the class names have shape %s; expected (K,) with K in 2..%d",
                         ar->what, s, CS__MAX_CLASSES);
    return CS_OK;
}

/* Character j of a string element: a UTF-32 code point ('U') or a byte ('S'). */
static uint32_t char_at(const uint8_t *p, size_t j, size_t wide, int big)
{
    if (!wide)
        return p[j];
    const uint8_t *q = p + 4 * j;
    return big ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]
               : (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
}

/* K UTF-8 strings from a '<U' (UTF-32) or '|S' (bytes) array, trailing NULs dropped. */
static int take_names(const array *ar, char ***out)
{
    const cs__npy *a = &ar->a;
    const size_t k = a->count, wide = a->kind == 'U', chars = wide ? a->item_size / 4 : a->item_size;
    const int big = a->order == '>';
    char **names = calloc(k, sizeof *names);
    if (!names)
        return cs__error_oom("class names", k * sizeof *names);
    int status = CS_OK;
    for (size_t i = 0; i < k && status == CS_OK; i++) {
        const uint8_t *p = a->data + i * a->item_size;
        size_t len = chars;
        while (len > 0 && char_at(p, len - 1, wide, big) == 0)
            len--;
        if (len == 0) {
            status = cs__error(CS_ERR_FORMAT, "%s: class name %zu is empty", ar->what, i);
            break;
        }
        names[i] = malloc(len * 4 + 1);
        if (!names[i]) {
            status = cs__error_oom("a class name", len * 4 + 1);
            break;
        }
        size_t o = 0;
        for (size_t j = 0; j < len; j++) {
            uint32_t c = char_at(p, j, wide, big);
            if (c == 0 || (wide && (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)))) {
                status = cs__error(CS_ERR_FORMAT, "%s: class name %zu holds %s at character %zu (byte offset %llu)",
                                   ar->what, i, c == 0 ? "a NUL" : "an invalid code point", j,
                                   (unsigned long long)(a->data_offset + (size_t)(p - a->data) + j * (wide ? 4 : 1)));
                break;
            }
            if (wide)
                o += put_utf8(names[i] + o, c);
            else
                names[i][o++] = (char)c;
        }
        names[i][o] = '\0';
    }
    if (status != CS_OK) {
        free_names(names, k);
        return status;
    }
    *out = names;
    return CS_OK;
}

/* ---- assembly ----------------------------------------------------------------------------- */

static int assemble(cs_dataset **out, array *img, array *lab, array *nam, const cs_numpy_options *o)
{
    int c = 0, h = 0, w = 0, channels_last = 0;
    int status = check_image_dtype(img);
    if (status == CS_OK)
        status = image_shape(img, o->layout, &c, &h, &w, &channels_last);
    if (status != CS_OK)
        return status;
    const size_t n = (size_t)img->a.shape[0];
    size_t bytes;
    status = cs__dataset_check_shape(n, c, h, w, &bytes, img->what);
    if (status == CS_OK)
        status = check_label_array(lab, n, img->what);
    if (status == CS_OK && nam->present)
        status = check_names_array(nam);
    if (status != CS_OK)
        return status;
    int k = o->num_classes;
    if (nam->present && k > 0 && (size_t)k != nam->a.count)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: %zu class names, but opts->num_classes is %d", nam->what,
                         nam->a.count, k);
    if (nam->present)
        k = (int)nam->a.count;
    int32_t *labels = NULL;
    uint8_t *pixels = NULL;
    char **names = NULL;
    int max_label = 0;
    status = take_labels(lab, n, k, &labels, &max_label);
    if (status == CS_OK && nam->present)
        status = take_names(nam, &names);
    if (status == CS_OK)
        status = take_pixels(img, c, h, w, channels_last, &pixels);
    if (status != CS_OK) {
        free(labels);
        free_names(names, nam->present ? nam->a.count : 0);
        return status;
    }
    if (k == 0)
        k = max_label + 1 < 2 ? 2 : max_label + 1;
    status = cs__dataset_adopt(out, pixels, labels, n, c, h, w, k, (const char *const *)names);
    free_names(names, names ? (size_t)k : 0);
    return status;
}

/* ---- .npy pairs --------------------------------------------------------------------------- */

static int load_npy(array *ar, const char *path)
{
    snprintf(ar->what, sizeof ar->what, "%s", path);
    int status = read_file(path, &ar->buf, &ar->len);
    if (status == CS_OK)
        status = cs__npy_parse(&ar->a, ar->buf, ar->len, ar->what);
    ar->present = status == CS_OK;
    return status;
}

int cs_dataset_open_npy(cs_dataset **out, const char *images_path, const char *labels_path,
                        const cs_numpy_options *opts)
{
    static const char fn[] = "cs_dataset_open_npy";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    if (!images_path || !labels_path)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !images_path ? "images_path" : "labels_path");
    cs_numpy_options o;
    int status = check_options(&o, opts, fn, 0);
    if (status != CS_OK)
        return status;
    array *ar = calloc(3, sizeof *ar);
    if (!ar)
        return cs__error_oom("NumPy loader state", 3 * sizeof *ar);
    status = load_npy(&ar[0], images_path);
    if (status == CS_OK)
        status = load_npy(&ar[1], labels_path);
    if (status == CS_OK)
        status = assemble(out, &ar[0], &ar[1], &ar[2], &o);
    for (int i = 0; i < 3; i++)
        array_free(&ar[i]);
    free(ar);
    return status;
}

/* ---- .npz archives ------------------------------------------------------------------------ */

static int load_member(array *ar, const cs__zip *z, const char *name, int required)
{
    char member[NAME_MAX_LEN + 8];
    snprintf(member, sizeof member, "%s.npy", name);
    snprintf(ar->what, sizeof ar->what, "%s (member %s)", z->path, member);
    const cs__zip_member *m = cs__zip_find(z, member);
    if (!m)
        return required ? cs__zip_not_found(z, member) : CS_OK;
    int status = cs__zip_extract(z, m, &ar->buf, &ar->len);
    if (status == CS_OK)
        status = cs__npy_parse(&ar->a, ar->buf, ar->len, ar->what);
    ar->present = status == CS_OK;
    return status;
}

static int open_npz(cs_dataset **out, const char *path, const char *images, const char *labels,
                    const cs_numpy_options *opts, const char *fn)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    if (!path)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: path is NULL", fn);
    cs_numpy_options o;
    int status = check_options(&o, opts, fn, 1);
    if (status != CS_OK)
        return status;
    uint8_t *file = NULL;
    size_t len = 0;
    status = read_file(path, &file, &len);
    if (status != CS_OK)
        return status;
    cs__zip z;
    array *ar = calloc(3, sizeof *ar);
    if (!ar) {
        free(file);
        return cs__error_oom("NumPy loader state", 3 * sizeof *ar);
    }
    status = cs__zip_open(&z, file, len, path);
    if (status == CS_OK) {
        /* Every member is looked up before any is inflated: a missing one costs nothing. */
        const char *want[3] = { o.images ? o.images : images, o.labels ? o.labels : labels,
                                o.class_names ? o.class_names : "class_names" };
        for (int i = 0; i < 2 && status == CS_OK; i++) {
            char member[NAME_MAX_LEN + 8];
            snprintf(member, sizeof member, "%s.npy", want[i]);
            if (!cs__zip_find(&z, member))
                status = cs__zip_not_found(&z, member);
        }
        for (int i = 0; i < 3 && status == CS_OK; i++)
            status = load_member(&ar[i], &z, want[i], i < 2 || o.class_names != NULL);
        if (status == CS_OK)
            status = assemble(out, &ar[0], &ar[1], &ar[2], &o);
        cs__zip_close(&z);
    }
    for (int i = 0; i < 3; i++)
        array_free(&ar[i]);
    free(ar);
    free(file);
    return status;
}

int cs_dataset_open_npz(cs_dataset **out, const char *path, const cs_numpy_options *opts)
{
    return open_npz(out, path, "images", "labels", opts, "cs_dataset_open_npz");
}

int cs_dataset_open_npz_split(cs_dataset **out, const char *path, cs_split split, const cs_numpy_options *opts)
{
    static const char fn[] = "cs_dataset_open_npz_split";
    if (split != CS_SPLIT_TRAIN && split != CS_SPLIT_TEST) {
        if (out)
            *out = NULL;
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: split is %d, expected CS_SPLIT_TRAIN (0) or "
                         "CS_SPLIT_TEST (1)", fn, (int)split);
    }
    return split == CS_SPLIT_TRAIN ? open_npz(out, path, "x_train", "y_train", opts, fn)
                                   : open_npz(out, path, "x_test", "y_test", opts, fn);
}
