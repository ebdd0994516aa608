/* Internal: the dataset handle, shared between the loaders, views and batch extraction. */
#ifndef CS_DATA_DATASET_INTERNAL_H
#define CS_DATA_DATASET_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <classsens/dataset.h>

/* Largest K accepted anywhere: class counts and rankings are sized by it. */
#define CS__MAX_CLASSES 65536

/* Pixel storage shared by a data set and all its views. */
typedef struct cs__pixels {
    atomic_size_t refs;
    uint8_t *data;        /* n records of image_bytes planar bytes (C, H, W) */
    size_t n;
    size_t image_bytes;   /* c * h * w */
    int c, h, w;
} cs__pixels;

struct cs_dataset {
    cs__pixels *px;
    size_t n;
    size_t *index;        /* n positions in px; NULL: record i is px record i */
    int32_t *labels;      /* n labels in [0, k) */
    int k;
    char **names;         /* k class names */
};

/* Build a root data set from buffers it adopts: `pixels` (n * c*h*w bytes, malloc'd) and
 * `labels` (n entries, malloc'd, already validated against k) are owned by the result, or
 * freed if creation fails. `names`: k strings to copy, or NULL for "0" … "k-1". */
int cs__dataset_adopt(cs_dataset **out, uint8_t *pixels, int32_t *labels, size_t n,
                      int c, int h, int w, int k, const char *const *names);

/* Check that n, c, h, w are positive and n*c*h*w fits; `what` names the source for messages. */
int cs__dataset_check_shape(size_t n, long long c, long long h, long long w, size_t *total_bytes,
                            const char *what);

/* Check an index list for a call named `fn`: n >= 1 and every index (or, when indices is
 * NULL, the prefix 0..n-1) inside ds. */
int cs__dataset_check_indices(const cs_dataset *ds, const size_t *indices, size_t n, const char *fn);

#endif
