/* NumPy .npy arrays (numpy.lib.format): the magic "\x93NUMPY", a major and minor version byte,
 * a little-endian header length (2 bytes in 1.0, 4 in 2.0 and 3.0), then a Python dict literal
 * {'descr': '<u1', 'fortran_order': False, 'shape': (N, H, W), } padded with spaces to a
 * newline, then the elements. The dict is read by a small parser that accepts exactly the
 * literals numpy writes (no eval). */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "data/npy.h"

static const uint8_t npy_magic[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };

typedef struct parser {
    const char *start, *p, *end;
    uint64_t base;            /* byte offset of the header's first character in the file */
    const char *what;
} parser;

static unsigned long long at(const parser *ps)
{
    return (unsigned long long)(ps->base + (uint64_t)(ps->p - ps->start));
}

static int syntax(const parser *ps, const char *expected)
{
    char found[24];
    size_t left = (size_t)(ps->end - ps->p), n = left < 16 ? left : 16, j = 0;
    for (size_t i = 0; i < n && j + 1 < sizeof found; i++)
        found[j++] = ps->p[i] >= 0x20 && ps->p[i] < 0x7f ? ps->p[i] : '?';
    found[j] = '\0';
    return cs__error(CS_ERR_FORMAT, "%s: malformed .npy header at byte offset %llu: expected %s, found %s%s%s",
                     ps->what, at(ps), expected, left ? "'" : "the end of the header",
                     found, left ? "'" : "");
}

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool accept(parser *ps, char c)
{
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

/* A quoted string without escapes (numpy's keys and dtype strings have none). */
static int string(parser *ps, char *buf, size_t cap, const char *expected)
{
    skip_space(ps);
    if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"'))
        return syntax(ps, expected);
    char quote = *ps->p++;
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != quote) {
        if (*ps->p == '\\' || *ps->p == '\n' || n + 1 >= cap)
            return syntax(ps, expected);
        buf[n++] = *ps->p++;
    }
    if (ps->p >= ps->end)
        return syntax(ps, "a closing quote");
    ps->p++;
    buf[n] = '\0';
    return CS_OK;
}

static int boolean(parser *ps, bool *v)
{
    skip_space(ps);
    size_t left = (size_t)(ps->end - ps->p);
    if (left >= 4 && memcmp(ps->p, "True", 4) == 0) {
        ps->p += 4;
        *v = true;
    } else if (left >= 5 && memcmp(ps->p, "False", 5) == 0) {
        ps->p += 5;
        *v = false;
    } else {
        return syntax(ps, "True or False for 'fortran_order'");
    }
    return CS_OK;
}

/* (), (n,), (n, m) or (n, m, ...,) of decimal integers (an old 'L' suffix allowed). */
static int shape(parser *ps, cs__npy *a)
{
    if (!accept(ps, '('))
        return syntax(ps, "a tuple '(' for 'shape'");
    a->ndim = 0;
    for (;;) {
        if (accept(ps, ')'))
            break;
        skip_space(ps);
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return syntax(ps, "a non-negative integer in 'shape'");
        if (a->ndim == CS__NPY_MAX_DIMS)
            return cs__error(CS_ERR_FORMAT, "%s: the .npy shape has more than %d dimensions (byte offset %llu)",
                             ps->what, CS__NPY_MAX_DIMS, at(ps));
        uint64_t v = 0;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            unsigned d = (unsigned)(*ps->p - '0');
            if (v > (UINT64_MAX - d) / 10)
                return cs__error(CS_ERR_OVERFLOW, "%s: .npy shape dimension %d at byte offset %llu does not fit "
                                 "in 64 bits", ps->what, a->ndim, at(ps));
            v = v * 10 + d;
            ps->p++;
        }
        if (ps->p < ps->end && *ps->p == 'L')
            ps->p++;
        a->shape[a->ndim++] = v;
        if (accept(ps, ')'))
            break;
        if (!accept(ps, ','))
            return syntax(ps, "',' or ')' in 'shape'");
        /* (n) is a parenthesised number in Python, not a tuple: numpy writes (n,). */
    }
    if (a->ndim == 1 && ps->p[-1] == ')' ) {
        const char *q = ps->p - 2;
        while (q > ps->start && (*q == ' ' || *q == '\t'))
            q--;
        if (*q != ',')
            return cs__error(CS_ERR_FORMAT, "%s: malformed .npy header: 'shape' is a number in "
                             "parentheses, not a tuple (a 1-D shape is written (n,))", ps->what);
    }
    return CS_OK;
}

/* '<u1', '|S12', '<U7', '|b1', '|O': byte order, kind letter, size. */
static int dtype(cs__npy *a, const parser *ps)
{
    const char *d = a->descr;
    if (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '=')
        return cs__error(CS_ERR_FORMAT, "%s: .npy dtype '%s' does not start with a byte order "
                         "('<', '>' or '|')", ps->what, d);
    a->order = d[0] == '=' ? '<' : d[0];
    a->kind = d[1];
    if (a->kind == 'O')
        return CS_OK;
    size_t size = 0;
    const char *q = d + 2;
    if (*q < '1' || *q > '9')
        return a->kind ? CS_OK : cs__error(CS_ERR_FORMAT, "%s: .npy dtype '%s' has no kind", ps->what, d);
    while (*q >= '0' && *q <= '9' && size < (SIZE_MAX / 4 - 9) / 10)
        size = size * 10 + (size_t)(*q++ - '0');
    if (*q != '\0') {
        a->item_size = 0;   /* '<M8[ns]' and the like: a kind this reader refuses by name */
        return CS_OK;
    }
    a->item_size = a->kind == 'U' ? 4 * size : size;
    return CS_OK;
}

void cs__npy_shape_str(char *buf, size_t cap, const cs__npy *a)
{
    size_t n = 0;
    n += (size_t)snprintf(buf, cap, "(");
    for (int d = 0; d < a->ndim && n < cap; d++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%llu", d ? ", " : "", (unsigned long long)a->shape[d]);
    if (n < cap)
        snprintf(buf + n, cap - n, a->ndim == 1 ? ",)" : ")");
}

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

int cs__npy_parse(cs__npy *a, const uint8_t *buf, size_t len, const char *what)
{
    memset(a, 0, sizeof *a);
    if (len < 10 || memcmp(buf, npy_magic, sizeof npy_magic) != 0) {
        if (len >= 6 && memcmp(buf, npy_magic, sizeof npy_magic) != 0)
            return cs__error(CS_ERR_FORMAT, "%s: not a .npy array: the first 6 bytes are not the "
                             "magic \\x93NUMPY", what);
        return cs__error(CS_ERR_TRUNCATED, "%s: truncated: %zu bytes, a .npy header needs at least 10",
                         what, len);
    }
    unsigned major = buf[6], minor = buf[7];
    if (major < 1 || major > 3 || minor != 0)
        return cs__error(CS_ERR_UNSUPPORTED, "%s: .npy format version %u.%u (byte offset 6); "
                         "versions 1.0, 2.0 and 3.0 are supported", what, major, minor);
    size_t header_start = major == 1 ? 10 : 12;
    if (len < header_start)
        return cs__error(CS_ERR_TRUNCATED, "%s: truncated: %zu bytes, a version %u.0 .npy header needs at least %zu",
                         what, len, major, header_start);
    uint64_t header_len = major == 1 ? (uint64_t)buf[8] | (uint64_t)buf[9] << 8 : le32(buf + 8);
    if (header_len > len - header_start)
        return cs__error(CS_ERR_TRUNCATED, "%s: truncated: the .npy header claims %llu bytes from "
                         "byte offset %zu, only %zu remain", what, (unsigned long long)header_len,
                         header_start, len - header_start);
    parser ps = { (const char *)buf + header_start, (const char *)buf + header_start,
                  (const char *)buf + header_start + header_len, header_start, what };
    bool have_descr = false, have_order = false, have_shape = false, fortran = false;
    if (!accept(&ps, '{'))
        return syntax(&ps, "'{' opening the header dict");
    for (;;) {
        if (accept(&ps, '}'))
            break;
        char key[32];
        const char *key_at = ps.p;
        int status = string(&ps, key, sizeof key, "a quoted key ('descr', 'fortran_order' or 'shape')");
        if (status != CS_OK)
            return status;
        if (!accept(&ps, ':'))
            return syntax(&ps, "':' after a key");
        bool *seen = strcmp(key, "descr") == 0 ? &have_descr
                   : strcmp(key, "fortran_order") == 0 ? &have_order
                   : strcmp(key, "shape") == 0 ? &have_shape : NULL;
        if (!seen || *seen) {
            ps.p = key_at;
            return cs__error(CS_ERR_FORMAT, "%s: malformed .npy header at byte offset %llu: %s key '%s' "
                             "(expected each of 'descr', 'fortran_order', 'shape' once)",
                             what, at(&ps), seen ? "repeated" : "unknown", key);
        }
        *seen = true;
        if (seen == &have_descr) {
            skip_space(&ps);
            if (ps.p < ps.end && *ps.p == '[')
                return cs__error(CS_ERR_UNSUPPORTED, "%s: the .npy array has a structured dtype (a list of "
                                 "fields at byte offset %llu); only plain arrays are read", what, at(&ps));
            status = string(&ps, a->descr, sizeof a->descr, "a quoted dtype such as '|u1' for 'descr'");
            if (status == CS_OK)
                status = dtype(a, &ps);
        } else if (seen == &have_order) {
            status = boolean(&ps, &fortran);
        } else {
            status = shape(&ps, a);
        }
        if (status != CS_OK)
            return status;
        if (accept(&ps, '}'))
            break;
        if (!accept(&ps, ','))
            return syntax(&ps, "',' or '}' after a value");
    }
    skip_space(&ps);
    if (ps.p != ps.end)
        return syntax(&ps, "only spaces after the header dict");
    if (!have_descr || !have_order || !have_shape)
        return cs__error(CS_ERR_FORMAT, "%s: malformed .npy header: the key '%s' is missing", what,
                         !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
    if (fortran && a->ndim > 1)
        return cs__error(CS_ERR_UNSUPPORTED, "%s: the array is in Fortran order (fortran_order: True); "
                         "only C order is read: save np.ascontiguousarray(array) instead", what);
    size_t count = 1;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] > SIZE_MAX || !cs__mul_size(&count, count, (size_t)a->shape[d])) {
            char s[160];
            cs__npy_shape_str(s, sizeof s, a);
            return cs__error(CS_ERR_OVERFLOW, "%s: the .npy shape %s has more elements than fit in size_t",
                             what, s);
        }
    a->count = count;
    a->data_offset = header_start + header_len;
    a->data = buf + a->data_offset;
    /* Kinds the callers refuse by name carry no usable item size; their data is not checked. */
    if (a->item_size == 0 || a->kind == 'O')
        return CS_OK;
    size_t bytes;
    if (!cs__mul_size(&bytes, count, a->item_size)) {
        char s[160];
        cs__npy_shape_str(s, sizeof s, a);
        return cs__error(CS_ERR_OVERFLOW, "%s: the .npy shape %s of '%s' elements overflows size_t bytes",
                         what, s, a->descr);
    }
    size_t have = len - (size_t)a->data_offset;
    if (have < bytes)
        return cs__error(CS_ERR_TRUNCATED, "%s: truncated: the header promises %zu bytes of data from "
                         "byte offset %llu, only %zu follow", what, bytes,
                         (unsigned long long)a->data_offset, have);
    if (have > bytes)
        return cs__error(CS_ERR_FORMAT, "%s: unexpected data after the array: %zu bytes promised "
                         "from byte offset %llu, %zu follow", what, bytes,
                         (unsigned long long)a->data_offset, have);
    return CS_OK;
}
