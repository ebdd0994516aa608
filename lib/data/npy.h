/* Internal: the header of a NumPy .npy array (format versions 1.0, 2.0, 3.0), parsed strictly
 * from a buffer that holds the whole array. */
#ifndef CS_DATA_NPY_H
#define CS_DATA_NPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* More dimensions than any image stack or label vector has; numpy allows 64. */
#define CS__NPY_MAX_DIMS 8

typedef struct cs__npy {
    char descr[32];            /* the dtype string as written ('<u1', '|S12'), NUL-terminated */
    char kind;                 /* its kind letter: 'u', 'i', 'b', 'f', 'U', 'S', 'O', ... */
    char order;                /* '<', '>' or '|' */
    size_t item_size;          /* bytes per element (for 'U': 4 per character) */
    int ndim;
    uint64_t shape[CS__NPY_MAX_DIMS];
    size_t count;              /* product of the shape */
    const uint8_t *data;       /* count * item_size bytes, borrowed from the parsed buffer */
    uint64_t data_offset;      /* where they start in the buffer */
} cs__npy;

/* Parse the array in buf[0..len): magic, version, header dict ('descr', 'fortran_order',
 * 'shape', any order and spacing), and check that exactly count * item_size bytes follow.
 * `what` names the source in messages ("x.npz: member images.npy"). Refused: a bad magic,
 * version or header (CS_ERR_FORMAT), other versions, structured dtypes and Fortran order of
 * more than one dimension (CS_ERR_UNSUPPORTED), a shape whose size overflows
 * (CS_ERR_OVERFLOW), data shorter than promised (CS_ERR_TRUNCATED) or longer (CS_ERR_FORMAT). */
int cs__npy_parse(cs__npy *a, const uint8_t *buf, size_t len, const char *what);

/* The shape as "(60000, 28, 28)" for messages. */
void cs__npy_shape_str(char *buf, size_t cap, const cs__npy *a);

#endif
