/* Numbers in C notation whatever the locale (numfmt.h), without touching the locale.
 *
 * Why not uselocale(newlocale(C)) around each call: it is the thread's locale, which a host
 * program may be reading at the same time through a callback, and a per-call newlocale costs
 * an allocation. Why not strtod_l/snprintf_l: they are not in C11 or POSIX 2008 (glibc has
 * only strtod_l, and it needs a locale object kept somewhere, i.e. global state). */
#include "numfmt.h"

#include <errno.h>
#include <langinfo.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- printing ---- */

/* In the output of one floating-point conversion, the decimal separator is the only text that
 * is not an ASCII letter or digit, a sign or a padding space (hexadecimal digits, "0x", "p",
 * "e", "inf" and "nan" are letters): replace that run of bytes, whatever its length, by '.'.
 * Returns the new length. */
static int plain(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '-' ||
           c == ' ';
}

static size_t c_notation(char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (plain(s[i])) {
            s[k++] = s[i++];
            continue;
        }
        while (i < n && !plain(s[i]))
            i++;
        s[k++] = '.';
    }
    s[k] = '\0';
    return k;
}

/* Appends n bytes to buf (capacity cap) at *len, truncating and keeping it NUL-terminated;
 * *len counts what would have been written. */
static void put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len < cap) {
        size_t room = cap - 1 - *len, k = n < room ? n : room;
        memcpy(buf + *len, s, k);
        buf[*len + k] = '\0';
    }
    *len += n;
}

/* One conversion with its '*' width and precision, if any. */
#define EMIT(dst, n, v)                                                                          \
    (has_w && has_p ? snprintf(dst, n, spec, w, p, v)                                            \
     : has_w        ? snprintf(dst, n, spec, w, v)                                               \
     : has_p        ? snprintf(dst, n, spec, p, v)                                               \
                    : snprintf(dst, n, spec, v))

/* A conversion that the locale does not affect, straight into the output. */
#define DIRECT(type)                                                                             \
    do {                                                                                         \
        type v_ = va_arg(*app, type);                                                            \
        r = *len < cap ? EMIT(buf + *len, cap - *len, v_) : EMIT(NULL, 0, v_);                   \
    } while (0)

/* A floating-point conversion: printed aside, put into C notation, then appended. */
#define FLOATING(type)                                                                           \
    do {                                                                                         \
        type v_ = va_arg(*app, type);                                                            \
        r = EMIT(small, sizeof small, v_);                                                       \
        if (r >= 0 && (size_t)r >= sizeof small) {                                               \
            big = malloc((size_t)r + 1);                                                         \
            r = big ? EMIT(big, (size_t)r + 1, v_) : -1;                                         \
        }                                                                                        \
    } while (0)

/* Copies a width or precision, '*' (then *star = 1) or up to 9 digits, from fmt + *i to
 * spec + *k; 0 for a longer number. */
static int field(char *spec, size_t *k, const char *fmt, size_t *i, int *star)
{
    if (fmt[*i] == '*') {
        *star = 1;
        spec[(*k)++] = fmt[(*i)++];
        return 1;
    }
    for (size_t d = 0; is_digit(fmt[*i]); d++) {
        if (d >= 9)
            return 0;
        spec[(*k)++] = fmt[(*i)++];
    }
    return 1;
}

/* Parses the conversion at fmt[0] == '%' and appends it; returns the bytes of fmt read, or 0
 * for a conversion it refuses or an output error. */
static size_t convert(char *buf, size_t cap, size_t *len, const char *fmt, va_list *app)
{
    char spec[40];
    size_t k = 0, i = 1;
    int has_w = 0, has_p = 0, w = 0, p = 0;
    spec[k++] = '%';
    if (fmt[i] == '%') {
        put(buf, cap, len, "%", 1);
        return 2;
    }
    while (fmt[i] && strchr("-+ #0'", fmt[i])) {
        if (fmt[i] == '\'' || k >= 8)
            return 0;
        spec[k++] = fmt[i++];
    }
    if (!field(spec, &k, fmt, &i, &has_w))
        return 0;
    if (fmt[i] == '.') {
        spec[k++] = fmt[i++];
        if (!field(spec, &k, fmt, &i, &has_p))
            return 0;
    }
    /* the length modifier, as one of: hh h l ll j z t L */
    char mod[3] = "";
    if ((fmt[i] == 'h' && fmt[i + 1] == 'h') || (fmt[i] == 'l' && fmt[i + 1] == 'l')) {
        mod[0] = fmt[i];
        mod[1] = fmt[i + 1];
        i += 2;
    } else if (fmt[i] && strchr("hljztL", fmt[i])) {
        mod[0] = fmt[i++];
    }
    char c = fmt[i++];
    if (c == '\0' || !strchr("diouxXcspfFeEgGaA", c))
        return 0;
    memcpy(spec + k, mod, strlen(mod));
    k += strlen(mod);
    spec[k++] = c;
    spec[k] = '\0';

    if (has_w)
        w = va_arg(*app, int);
    if (has_p)
        p = va_arg(*app, int);
    int r = -1;
    char small[512], *big = NULL;
    int floating = strchr("fFeEgGaA", c) != NULL;
    if (floating) {
        if (mod[0] == 'L')
            FLOATING(long double);
        else
            FLOATING(double);
    } else if (c == 'c') {
        if (mod[0] == 'l')
            DIRECT(wint_t);
        else
            DIRECT(int);
    } else if (c == 's') {
        if (mod[0] == 'l')
            DIRECT(const wchar_t *);
        else
            DIRECT(const char *);
    } else if (c == 'p') {
        DIRECT(void *);
    } else if (c == 'd' || c == 'i') {
        switch (mod[0]) {
        case 'l': if (mod[1]) DIRECT(long long); else DIRECT(long); break;
        case 'j': DIRECT(intmax_t); break;
        case 'z': DIRECT(size_t); break;
        case 't': DIRECT(ptrdiff_t); break;
        default: DIRECT(int); break; /* also hh, h: promoted */
        }
    } else {
        switch (mod[0]) {
        case 'l': if (mod[1]) DIRECT(unsigned long long); else DIRECT(unsigned long); break;
        case 'j': DIRECT(uintmax_t); break;
        case 'z': DIRECT(size_t); break;
        case 't': DIRECT(ptrdiff_t); break;
        default: DIRECT(unsigned); break;
        }
    }
    if (r < 0) {
        free(big);
        return 0;
    }
    if (floating) {
        char *t = big ? big : small;
        put(buf, cap, len, t, c_notation(t, (size_t)r));
    } else {
        *len += (size_t)r;
    }
    free(big);
    return i;
}

#undef EMIT
#undef DIRECT
#undef FLOATING

int cs__num_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    if (cap > 0)
        buf[0] = '\0';
    va_list args;
    va_copy(args, ap);
    size_t len = 0;
    const char *run = fmt;
    int ok = 1;
    while (ok && *run) {
        const char *pct = strchr(run, '%');
        size_t lit = pct ? (size_t)(pct - run) : strlen(run);
        put(buf, cap, &len, run, lit);
        if (!pct)
            break;
        size_t used = convert(buf, cap, &len, pct, &args);
        ok = used > 0;
        run = pct + used;
    }
    va_end(args);
    if (!ok || len > INT_MAX) {
        if (cap > 0)
            buf[0] = '\0';
        errno = ok ? EOVERFLOW : EINVAL;
        return -1;
    }
    return (int)len;
}

int cs__num_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = cs__num_vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- reading ---- */

static int is_xdigit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the number at s in the grammar of numfmt.h (0: none); *point is the offset of
 * its '.', or SIZE_MAX. */
static size_t scan(const char *s, size_t n, size_t *point)
{
    size_t i = 0, digits = 0;
    *point = SIZE_MAX;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    int hex = i + 2 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
              (is_xdigit(s[i + 2]) || (s[i + 2] == '.' && i + 3 < n && is_xdigit(s[i + 3])));
    int (*digit)(char) = hex ? is_xdigit : is_digit;
    if (hex)
        i += 2;
    for (; i < n && digit(s[i]); i++)
        digits++;
    if (i < n && s[i] == '.') {
        *point = i++;
        for (; i < n && digit(s[i]); i++)
            digits++;
    }
    if (digits == 0)
        return 0;
    if (i < n && (hex ? s[i] == 'p' || s[i] == 'P' : s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < n && is_digit(s[j])) {
            while (j < n && is_digit(s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

int cs__num_parse_double(double *out, size_t *used, const char *s, size_t n)
{
    size_t point, len = scan(s, n, &point);
    if (len == 0)
        return CS_ERR_FORMAT;
    /* strtod wants the locale's separator. Should another thread change the locale between
     * reading the separator and converting, strtod stops at it: then read it again. */
    for (int attempt = 0; attempt < 4; attempt++) {
        const char *radix = point == SIZE_MAX ? "" : nl_langinfo(RADIXCHAR);
        if (point != SIZE_MAX && (!radix || !*radix))
            radix = ".";
        size_t rlen = strlen(radix), need = len + rlen + 1;
        char small[128], *t = small;
        if (need > sizeof small && !(t = malloc(need)))
            return cs__error_oom("a number being read", need);
        size_t k = 0;
        for (size_t i = 0; i < len; i++) {
            if (i == point) {
                memcpy(t + k, radix, rlen);
                k += rlen;
            } else {
                t[k++] = s[i];
            }
        }
        t[k] = '\0';
        char *end = NULL;
        int saved = errno;
        errno = 0;
        double v = strtod(t, &end);
        int range = errno == ERANGE;
        errno = saved;
        int whole = end == t + k;
        if (t != small)
            free(t);
        if (whole) {
            *out = v;
            if (used)
                *used = len;
            return range ? CS_ERR_OUT_OF_RANGE : CS_OK;
        }
    }
    return CS_ERR_FORMAT;
}

size_t cs__num_format_double(char *buf, size_t cap, double v)
{
    char tmp[48];
    size_t n = 0;
    if (isnan(v)) {
        n = (size_t)snprintf(tmp, sizeof tmp, "nan");
    } else if (isinf(v)) {
        n = (size_t)snprintf(tmp, sizeof tmp, "%s", v < 0 ? "-inf" : "inf");
    } else {
        for (int prec = 15; prec <= 17; prec++) {
            n = c_notation(tmp, (size_t)snprintf(tmp, sizeof tmp, "%.*g", prec, v));
            double back;
            int rc = cs__num_parse_double(&back, NULL, tmp, n);
            if ((rc == CS_OK || rc == CS_ERR_OUT_OF_RANGE) && back == v)
                break;
        }
    }
    size_t len = 0;
    if (cap > 0)
        buf[0] = '\0';
    put(buf, cap, &len, tmp, n);
    return len;
}
