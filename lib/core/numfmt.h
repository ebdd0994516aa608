/* Internal: the one place where the library turns numbers into text and text into numbers.
 *
 * Every text the library writes or reads (JSON, CSV, SVG, HTML, perturbation specs, the
 * study store, error messages) uses C notation, '.' as the decimal point, whatever LC_NUMERIC
 * the host program set with setlocale(). Nothing here changes the process's or the thread's
 * locale (no setlocale, no uselocale), so a host program and its other threads never see a
 * locale they did not choose:
 *   - formatting runs the C library's printf in the current locale and then replaces the
 *     decimal separator of each floating-point conversion by '.';
 *   - parsing checks the C grammar itself, translates '.' into the current locale's separator
 *     and lets strtod do the correctly rounded conversion. */
#ifndef CS_CORE_NUMFMT_H
#define CS_CORE_NUMFMT_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

/* Room for any cs__num_format_double result, NUL included ("-2.2250738585072014e-308"). */
#define CS__NUM_DOUBLE_CAP 32

/* v in the shortest of "%.15g", "%.16g", "%.17g" that reads back bit-exactly (through
 * cs__num_parse_double or strtod in the C locale), e.g. "0.1", "1e-05", "0.30000000000000004";
 * -0 as "-0"; NaN as "nan", infinities as "inf" and "-inf". Writes at most cap bytes, NUL
 * included (cap 0: nothing); returns the length of the whole text, like snprintf. */
size_t cs__num_format_double(char *buf, size_t cap, double v);

/* Reads the number in C notation that starts at s[0], looking at most at n bytes (and never
 * past a NUL): an optional sign, then decimal digits with at most one '.' and an optional
 * exponent, [+-]? (D+ | D+ '.' D* | '.' D+) ([eE] [+-]? D+)?, or a hexadecimal float as C
 * writes it, [+-]? 0[xX] (H+ | H+ '.' H* | '.' H+) ([pP] [+-]? D+)?. Leading white space,
 * "inf" and "nan" are not numbers; callers decide what may follow. Returns
 *   CS_OK: *out the nearest double, *used (when not NULL) the bytes read;
 *   CS_ERR_OUT_OF_RANGE: the same, but the number is beyond the range of a double (*out is
 *     ±HUGE_VAL) or so small that it lost precision (*out is a subnormal or ±0);
 *   CS_ERR_FORMAT: s does not start with a number (*out untouched);
 *   CS_ERR_OUT_OF_MEMORY (the message set): a number too long for the stack, not copied.
 * Only the last sets the thread's last error: the caller knows what it was reading. */
int cs__num_parse_double(double *out, size_t *used, const char *s, size_t n);

/* vsnprintf and snprintf in C notation: the floating-point conversions (%f %F %e %E %g %G
 * %a %A, with any flags, width, precision and the L modifier) print '.' as the decimal point;
 * every other conversion is passed to the C library as it is. The "'" (grouping) flag and %n
 * are refused (return -1, with buf holding "" when cap > 0). Truncation and the return value
 * are those of vsnprintf. */
int cs__num_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;
int cs__num_snprintf(char *buf, size_t cap, const char *fmt, ...) CS__PRINTF(3, 4);

#endif
