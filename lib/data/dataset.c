/* The dataset handle: creation, views, accessors and statistics. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "data/dataset_internal.h"

static void free_names(char **names, int k)
{
    if (!names)
        return;
    for (int i = 0; i < k; i++)
        free(names[i]);
    free(names);
}

/* k copies of `src`, or "0" … "k-1" when src is NULL. */
static char **copy_names(const char *const *src, int k)
{
    char **names = calloc((size_t)k, sizeof *names);
    if (!names)
        return NULL;
    for (int i = 0; i < k; i++) {
        char digits[16];
        const char *s = src ? src[i] : digits;
        if (!src)
            snprintf(digits, sizeof digits, "%d", i);
        size_t len = strlen(s);
        names[i] = malloc(len + 1);
        if (!names[i]) {
            free_names(names, k);
            return NULL;
        }
        memcpy(names[i], s, len + 1);
    }
    return names;
}

static void pixels_release(cs__pixels *px)
{
    if (px && atomic_fetch_sub_explicit(&px->refs, 1, memory_order_acq_rel) == 1) {
        free(px->data);
        free(px);
    }
}

int cs__dataset_check_shape(size_t n, long long c, long long h, long long w, size_t *total_bytes,
                            const char *what)
{
    if (n == 0 || c <= 0 || h <= 0 || w <= 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: shape n=%zu c=%lld h=%lld w=%lld: every size must be at least 1",
                         what, n, c, h, w);
    if (c > INT_MAX || h > INT_MAX || w > INT_MAX)
        return cs__error(CS_ERR_OVERFLOW, "%s: image shape %lldx%lldx%lld exceeds INT_MAX per axis",
                         what, c, h, w);
    size_t image, total;
    if (!cs__mul_size(&image, (size_t)c, (size_t)h) || !cs__mul_size(&image, image, (size_t)w) ||
        !cs__mul_size(&total, image, n))
        return cs__error(CS_ERR_OVERFLOW, "%s: %zu images of %lldx%lldx%lld bytes overflow size_t",
                         what, n, c, h, w);
    *total_bytes = total;
    return CS_OK;
}

int cs__dataset_check_indices(const cs_dataset *ds, const size_t *indices, size_t n, const char *fn)
{
    if (n == 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: n is 0, at least one record is needed", fn);
    if (!indices && n > ds->n)
        return cs__error(CS_ERR_OUT_OF_RANGE,
                         "%s: n is %zu without an index list, the data set has only %zu records",
                         fn, n, ds->n);
    if (indices)
        for (size_t i = 0; i < n; i++)
            if (indices[i] >= ds->n)
                return cs__error(CS_ERR_OUT_OF_RANGE, "%s: indices[%zu] is %zu, the data set has %zu records",
                                 fn, i, indices[i], ds->n);
    return CS_OK;
}

int cs__dataset_adopt(cs_dataset **out, uint8_t *pixels, int32_t *labels, size_t n,
                      int c, int h, int w, int k, const char *const *names)
{
    cs_dataset *ds = calloc(1, sizeof *ds);
    cs__pixels *px = calloc(1, sizeof *px);
    char **copied = copy_names(names, k);
    if (!ds || !px || !copied) {
        free(ds);
        free(px);
        free_names(copied, k);
        free(pixels);
        free(labels);
        return cs__error_oom("a dataset handle", sizeof *ds + sizeof *px);
    }
    atomic_init(&px->refs, 1);
    px->data = pixels;
    px->n = n;
    px->c = c;
    px->h = h;
    px->w = w;
    px->image_bytes = (size_t)c * (size_t)h * (size_t)w;
    ds->px = px;
    ds->n = n;
    ds->labels = labels;
    ds->k = k;
    ds->names = copied;
    *out = ds;
    return CS_OK;
}

int cs_dataset_from_memory(cs_dataset **out, const uint8_t *pixels, const int32_t *labels,
                           size_t n, int c, int h, int w, int num_classes)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_from_memory: out is NULL");
    *out = NULL;
    if (!pixels || !labels)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_from_memory: %s is NULL",
                         !pixels ? "pixels" : "labels");
    if (num_classes < 2 || num_classes > CS__MAX_CLASSES)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_dataset_from_memory: num_classes is %d, expected 2..%d",
                         num_classes, CS__MAX_CLASSES);
    size_t bytes;
    int status = cs__dataset_check_shape(n, c, h, w, &bytes, "cs_dataset_from_memory");
    if (status != CS_OK)
        return status;
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= num_classes)
            return cs__error(CS_ERR_OUT_OF_RANGE,
                             "cs_dataset_from_memory: labels[%zu] is %d, expected 0..%d",
                             i, (int)labels[i], num_classes - 1);
    uint8_t *px = malloc(bytes);
    int32_t *lab = malloc(n * sizeof *lab);
    if (!px || !lab) {
        free(px);
        free(lab);
        return cs__error_oom("cs_dataset_from_memory pixels and labels", bytes + n * sizeof *lab);
    }
    memcpy(px, pixels, bytes);
    memcpy(lab, labels, n * sizeof *lab);
    return cs__dataset_adopt(out, px, lab, n, c, h, w, num_classes, NULL);
}

int cs_dataset_view(cs_dataset **out, const cs_dataset *parent, const size_t *indices,
                    size_t n, const int32_t *labels)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_view: out is NULL");
    *out = NULL;
    if (!parent)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_view: parent is NULL");
    int status = cs__dataset_check_indices(parent, indices, n, "cs_dataset_view");
    if (status != CS_OK)
        return status;
    if (labels)
        for (size_t i = 0; i < n; i++)
            if (labels[i] < 0 || labels[i] >= parent->k)
                return cs__error(CS_ERR_OUT_OF_RANGE,
                                 "cs_dataset_view: labels[%zu] is %d, expected 0..%d",
                                 i, (int)labels[i], parent->k - 1);

    size_t index_bytes = n * sizeof(size_t), label_bytes = n * sizeof(int32_t);
    if (n > SIZE_MAX / sizeof(size_t))
        return cs__error(CS_ERR_OVERFLOW, "cs_dataset_view: %zu records overflow size_t", n);
    cs_dataset *ds = calloc(1, sizeof *ds);
    size_t *index = malloc(index_bytes);
    int32_t *lab = malloc(label_bytes);
    char **names = copy_names((const char *const *)parent->names, parent->k);
    if (!ds || !index || !lab || !names) {
        free(ds);
        free(index);
        free(lab);
        free_names(names, parent->k);
        return cs__error_oom("a dataset view", index_bytes + label_bytes);
    }
    for (size_t i = 0; i < n; i++) {
        size_t p = indices ? indices[i] : i;
        index[i] = parent->index ? parent->index[p] : p;
        lab[i] = labels ? labels[i] : parent->labels[p];
    }
    atomic_fetch_add_explicit(&parent->px->refs, 1, memory_order_relaxed);
    ds->px = parent->px;
    ds->n = n;
    ds->index = index;
    ds->labels = lab;
    ds->k = parent->k;
    ds->names = names;
    *out = ds;
    return CS_OK;
}

void cs_dataset_destroy(cs_dataset *ds)
{
    if (!ds)
        return;
    pixels_release(ds->px);
    free(ds->index);
    free(ds->labels);
    free_names(ds->names, ds->k);
    free(ds);
}

size_t cs_dataset_size(const cs_dataset *ds)
{
    return ds ? ds->n : 0;
}

int cs_dataset_num_classes(const cs_dataset *ds)
{
    return ds ? ds->k : 0;
}

int cs_dataset_shape(int *c, int *h, int *w, const cs_dataset *ds)
{
    if (c)
        *c = ds ? ds->px->c : 0;
    if (h)
        *h = ds ? ds->px->h : 0;
    if (w)
        *w = ds ? ds->px->w : 0;
    return ds ? CS_OK : cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_shape: ds is NULL");
}

int cs_dataset_label(const cs_dataset *ds, size_t i)
{
    return ds && i < ds->n ? ds->labels[i] : -1;
}

const int32_t *cs_dataset_labels(const cs_dataset *ds)
{
    return ds ? ds->labels : NULL;
}

size_t cs_dataset_source_index(const cs_dataset *ds, size_t i)
{
    if (!ds || i >= ds->n)
        return SIZE_MAX;
    return ds->index ? ds->index[i] : i;
}

const uint8_t *cs_dataset_image(const cs_dataset *ds, size_t i)
{
    if (!ds || i >= ds->n)
        return NULL;
    return ds->px->data + cs_dataset_source_index(ds, i) * ds->px->image_bytes;
}

const char *cs_dataset_class_name(const cs_dataset *ds, int k)
{
    return ds && k >= 0 && k < ds->k ? ds->names[k] : NULL;
}

int cs_dataset_set_class_names(cs_dataset *ds, const char *const *names, int k)
{
    if (!ds || !names)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_set_class_names: %s is NULL",
                         !ds ? "ds" : "names");
    if (k != ds->k)
        return cs__error(CS_ERR_SIZE_MISMATCH,
                         "cs_dataset_set_class_names: %d names given, the data set has %d classes",
                         k, ds->k);
    for (int i = 0; i < k; i++)
        if (!names[i] || !names[i][0])
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "cs_dataset_set_class_names: names[%d] is %s", i,
                             names[i] ? "empty" : "NULL");
    char **copied = copy_names(names, k);
    if (!copied)
        return cs__error_oom("class names", (size_t)k * sizeof *copied);
    free_names(ds->names, ds->k);
    ds->names = copied;
    return CS_OK;
}

int cs_dataset_class_counts(size_t *counts, int k, const cs_dataset *ds)
{
    if (!ds || !counts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_class_counts: %s is NULL",
                         !ds ? "ds" : "counts");
    if (k != ds->k)
        return cs__error(CS_ERR_SIZE_MISMATCH,
                         "cs_dataset_class_counts: counts has %d entries, the data set has %d classes",
                         k, ds->k);
    memset(counts, 0, (size_t)k * sizeof *counts);
    for (size_t i = 0; i < ds->n; i++)
        counts[ds->labels[i]]++;
    return CS_OK;
}

int cs_dataset_channel_stats(double *mean, double *std, int c, const cs_dataset *ds)
{
    if (!ds || !mean || !std)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_dataset_channel_stats: %s is NULL",
                         !ds ? "ds" : !mean ? "mean" : "std");
    if (c != ds->px->c)
        return cs__error(CS_ERR_SIZE_MISMATCH,
                         "cs_dataset_channel_stats: arrays have %d entries, images have %d channels",
                         c, ds->px->c);
    size_t plane = (size_t)ds->px->h * (size_t)ds->px->w;
    for (int ch = 0; ch < c; ch++) {
        /* Exact integer sums: 2^64 / 255^2 leaves room for 2.8e14 pixels per channel. */
        uint64_t sum = 0, sumsq = 0;
        for (size_t i = 0; i < ds->n; i++) {
            const uint8_t *p = cs_dataset_image(ds, i) + (size_t)ch * plane;
            uint32_t s = 0, sq = 0;
            for (size_t j = 0; j < plane; j++) {
                s += p[j];
                sq += (uint32_t)p[j] * p[j];
                if ((j & 0xFFF) == 0xFFF) { /* keep 32-bit partial sums from overflowing */
                    sum += s;
                    sumsq += sq;
                    s = sq = 0;
                }
            }
            sum += s;
            sumsq += sq;
        }
        double count = (double)ds->n * (double)plane;
        double m = (double)sum / count;
        double var = (double)sumsq / count - m * m;
        mean[ch] = m / 255.0;
        std[ch] = (var > 0 ? sqrt(var) : 0.0) / 255.0;
    }
    return CS_OK;
}
