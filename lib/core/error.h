/* Internal: setting the thread-local last error. */
#ifndef CS_CORE_ERROR_H
#define CS_CORE_ERROR_H

#include <stddef.h>

#include <classsens/common.h>

#if defined(__GNUC__)
#  define CS__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define CS__PRINTF(f, a)
#endif

/* Record `status` and a printf-style message as the calling thread's last error; returns
 * `status` so that error paths read `return cs__error(CS_ERR_X, "...", ...);`. */
int cs__error(int status, const char *fmt, ...) CS__PRINTF(2, 3);

/* The out-of-memory message, naming what could not be allocated and how large it was. */
int cs__error_oom(const char *what, size_t bytes);

/* The check of an element-size parameter (docs/conventions.md, "Arrays of structs that can
 * grow"): `elem_size` must hold at least the struct's first member (`min_size` bytes:
 * CS_ERR_INVALID_ARGUMENT otherwise) and be no larger than this library's struct (`lib_size`:
 * CS_ERR_UNSUPPORTED otherwise, as the caller was built against a newer library). `fn` and
 * `type` name the function and the struct in the message. */
int cs__elem_size_check(const char *fn, const char *type, size_t elem_size, size_t min_size, size_t lib_size);

#endif
