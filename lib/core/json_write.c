/* The JSON writer for the results store: deterministic pretty printing into a cs__buf. */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static int jw_usable(const cs__json_writer *w)
{
    return w && w->out && !w->out->failed;
}

static void jw_fail(cs__json_writer *w)
{
    if (w && w->out)
        w->out->failed = 1;
}

static void jw_indent(cs__buf *b, int levels)
{
    static const char spaces[] = "                                "; /* 32 */
    size_t n = (size_t)levels * 2;
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        cs__buf_append(b, spaces, k);
        n -= k;
    }
}

static void jw_put_string(cs__buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *run = p; /* bytes copied verbatim, flushed before each escape */
    cs__buf_putc(b, '"');
    while (*p) {
        unsigned c = *p;
        size_t bad, n;
        if (c == '"' || c == '\\' || c < 0x20) {
            cs__buf_append(b, (const char *)run, (size_t)(p - run));
            if (c < 0x20)
                cs__buf_printf(b, "\\u%04x", c);
            else {
                cs__buf_putc(b, '\\');
                cs__buf_putc(b, (char)c);
            }
            run = ++p;
        } else if ((n = cs__utf8_seq(p, 4, &bad)) == 0) {
            cs__buf_append(b, (const char *)run, (size_t)(p - run));
            cs__buf_puts(b, "\\ufffd");
            run = ++p;
        } else {
            p += n;
        }
    }
    cs__buf_append(b, (const char *)run, (size_t)(p - run));
    cs__buf_putc(b, '"');
}

/* The array at level d held only scalars, written on one line as `[a, b, c`; it is about to
 * receive a container, so rewrite it with one element per line. The scalars are our own
 * output: strings are quoted with '"' and '\\' escaped, and nothing else contains ','. */
static int jw_relayout(cs__json_writer *w, int d)
{
    cs__buf *b = w->out;
    size_t from = w->open_at[d] + 1;
    size_t n = b->len - from;
    char *tmp = malloc(n + 1);
    if (!tmp) {
        jw_fail(w);
        return 0;
    }
    memcpy(tmp, b->data + from, n);
    tmp[n] = '\0';
    b->len = from;
    b->data[from] = '\0';
    size_t i = 0, k = 0;
    while (i < n) {
        size_t start = i;
        if (tmp[i] == '"') {
            for (i++; i < n && tmp[i] != '"'; i++)
                if (tmp[i] == '\\')
                    i++;
            i++;
        } else {
            while (i < n && tmp[i] != ',')
                i++;
        }
        if (i > n)
            i = n;
        cs__buf_puts(b, k++ > 0 ? ",\n" : "\n");
        jw_indent(b, d + 1);
        cs__buf_append(b, tmp + start, i - start);
        if (i < n && tmp[i] == ',')
            i += 2; /* ", " */
    }
    free(tmp);
    return !b->failed;
}

/* Checks that a value may come now and writes what precedes it. */
static int jw_before_value(cs__json_writer *w, int container)
{
    if (!jw_usable(w))
        return 0;
    if (w->depth == 0) {
        if (w->done) {
            jw_fail(w);
            return 0;
        }
        return 1;
    }
    int d = w->depth - 1;
    if (w->is_object[d]) {
        if (!w->key_pending) {
            jw_fail(w);
            return 0;
        }
        w->key_pending = 0;
        return 1;
    }
    if (container && !w->multiline[d]) {
        if (w->count[d] > 0 && !jw_relayout(w, d))
            return 0;
        w->multiline[d] = 1;
    }
    if (w->count[d] > 0)
        cs__buf_putc(w->out, ',');
    if (w->multiline[d]) {
        cs__buf_putc(w->out, '\n');
        jw_indent(w->out, w->depth);
    } else if (w->count[d] > 0) {
        cs__buf_putc(w->out, ' ');
    }
    w->count[d]++;
    return 1;
}

static void jw_after_value(cs__json_writer *w)
{
    if (w->depth == 0) {
        w->done = 1;
        cs__buf_putc(w->out, '\n');
    }
}

static void jw_begin(cs__json_writer *w, int object)
{
    if (!jw_before_value(w, 1))
        return;
    if (w->depth >= CS__JSON_WRITER_MAX_DEPTH) {
        jw_fail(w);
        return;
    }
    int d = w->depth++;
    w->is_object[d] = (unsigned char)object;
    w->multiline[d] = (unsigned char)object;
    w->count[d] = 0;
    w->open_at[d] = w->out->len;
    cs__buf_putc(w->out, object ? '{' : '[');
}

static void jw_end(cs__json_writer *w, int object)
{
    if (!jw_usable(w))
        return;
    if (w->depth == 0 || w->is_object[w->depth - 1] != object || w->key_pending) {
        jw_fail(w);
        return;
    }
    int d = --w->depth;
    if (w->count[d] > 0 && w->multiline[d]) {
        cs__buf_putc(w->out, '\n');
        jw_indent(w->out, w->depth);
    }
    cs__buf_putc(w->out, object ? '}' : ']');
    jw_after_value(w);
}

void cs__jw_init(cs__json_writer *w, cs__buf *out)
{
    if (!w)
        return;
    memset(w, 0, sizeof *w);
    w->out = out;
}

void cs__jw_begin_object(cs__json_writer *w)
{
    jw_begin(w, 1);
}

void cs__jw_end_object(cs__json_writer *w)
{
    jw_end(w, 1);
}

void cs__jw_begin_array(cs__json_writer *w)
{
    jw_begin(w, 0);
}

void cs__jw_end_array(cs__json_writer *w)
{
    jw_end(w, 0);
}

void cs__jw_key(cs__json_writer *w, const char *key)
{
    if (!jw_usable(w))
        return;
    int d = w->depth - 1;
    if (!key || w->depth == 0 || !w->is_object[d] || w->key_pending) {
        jw_fail(w);
        return;
    }
    if (w->count[d] > 0)
        cs__buf_putc(w->out, ',');
    cs__buf_putc(w->out, '\n');
    jw_indent(w->out, w->depth);
    jw_put_string(w->out, key);
    cs__buf_puts(w->out, ": ");
    w->count[d]++;
    w->key_pending = 1;
}

void cs__jw_string(cs__json_writer *w, const char *s)
{
    if (!s) {
        cs__jw_null(w);
        return;
    }
    if (!jw_before_value(w, 0))
        return;
    jw_put_string(w->out, s);
    jw_after_value(w);
}

void cs__jw_double(cs__json_writer *w, double v)
{
    if (!isfinite(v)) {
        cs__jw_null(w);
        return;
    }
    if (!jw_before_value(w, 0))
        return;
    if (v == 0.0 && signbit(v))
        cs__buf_puts(w->out, "-0"); /* cs__buf_double writes "0": keep the sign bit */
    else
        cs__buf_double(w->out, v);
    jw_after_value(w);
}

void cs__jw_int(cs__json_writer *w, long long v)
{
    if (!jw_before_value(w, 0))
        return;
    cs__buf_printf(w->out, "%lld", v);
    jw_after_value(w);
}

void cs__jw_uint(cs__json_writer *w, unsigned long long v)
{
    if (!jw_before_value(w, 0))
        return;
    cs__buf_printf(w->out, "%llu", v);
    jw_after_value(w);
}

void cs__jw_bool(cs__json_writer *w, int v)
{
    if (!jw_before_value(w, 0))
        return;
    cs__buf_puts(w->out, v ? "true" : "false");
    jw_after_value(w);
}

void cs__jw_null(cs__json_writer *w)
{
    if (!jw_before_value(w, 0))
        return;
    cs__buf_puts(w->out, "null");
    jw_after_value(w);
}

void cs__jw_doubles(cs__json_writer *w, const double *v, size_t n)
{
    if (!v && n > 0) {
        jw_fail(w);
        return;
    }
    cs__jw_begin_array(w);
    for (size_t i = 0; i < n; i++)
        cs__jw_double(w, v[i]);
    cs__jw_end_array(w);
}

int cs__jw_finished(const cs__json_writer *w)
{
    return jw_usable(w) && w->done;
}

