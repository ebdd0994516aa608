/* Internal: UTF-8 validation. */
#ifndef CS_CORE_UTF8_H
#define CS_CORE_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (at most avail bytes readable; a NUL byte also
 * stops the reading since it is never a continuation byte), or 0 with *bad = index of the
 * offending byte (avail when the sequence is cut off). Overlong forms, UTF-16 surrogates and
 * code points above U+10FFFF are invalid. */
size_t cs__utf8_seq(const unsigned char *p, size_t avail, size_t *bad);

#endif
