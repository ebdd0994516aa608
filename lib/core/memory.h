/* Internal: checked size arithmetic and aligned allocation. */
#ifndef CS_CORE_MEMORY_H
#define CS_CORE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Alignment of every large numeric block: one AVX-512 register / cache line. */
#define CS__ALIGNMENT 64

/* *out = a * b; false (and *out untouched) if the product does not fit in size_t. */
static inline bool cs__mul_size(size_t *out, size_t a, size_t b)
{
    if (b != 0 && a > SIZE_MAX / b)
        return false;
    *out = a * b;
    return true;
}

/* *out = a + b; false if the sum does not fit in size_t. */
static inline bool cs__add_size(size_t *out, size_t a, size_t b)
{
    if (a > SIZE_MAX - b)
        return false;
    *out = a + b;
    return true;
}

/* A block aligned to CS__ALIGNMENT (size rounded up as aligned_alloc requires); NULL on
 * failure or for bytes == 0. Free with cs__aligned_free(). */
void *cs__aligned_alloc(size_t bytes);
void cs__aligned_free(void *p);

/* Copy a caller's versioned options struct (whose first member is its size_t struct_size)
 * into `dst`, which the caller has filled with defaults. Fields the caller's (older) struct
 * lacks keep their defaults. Returns CS_OK, or an error naming `what` when struct_size is
 * smaller than `min_size` or larger than `dst_size`. */
int cs__options_copy(void *dst, size_t dst_size, const void *src, size_t min_size, const char *what);

#endif
