/* Text rendering of a confusion matrix in the reference study's orientation: one row per
 * predicted class (names in a left margin headed "predicted"), one column per true class
 * (names under the grid, captioned "ground truth"); cell (row p, column t) shows C[t][p].
 *
 *   predicted
 *         cat |   50    3    1
 *         dog |    8   40    2
 *        frog |    2    7   47
 *             +---------------
 *                cat  dog frog
 *                ground truth
 *
 * Columns are as narrow as their numbers allow (widened for names of up to 5 characters),
 * so that ten classes fit a terminal. A true-class name that fits its column is
 * right-aligned like the numbers; longer names start at their column and are staggered over
 * as many lines as it takes for neighbours on one line not to touch. Names are never cut. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/confusion_internal.h"
#include "core/error.h"
#include "core/numfmt.h"

/* Columns widen for class names up to this long ("Dress", "horse"); longer names are
 * staggered instead, so that ten columns of percentages still fit 80 characters. */
#define NAME_WIDENING_MAX 5

static const char PREDICTED[] = "predicted";
static const char GROUND_TRUTH[] = "ground truth";

/* Output that keeps counting past the capacity, so one pass gives both the text and its size. */
typedef struct text {
    char *buf;
    size_t cap;
    size_t len;   /* bytes of the whole text so far, whether or not they fitted */
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->cap > 0 && t->len < t->cap - 1) {
        size_t room = t->cap - 1 - t->len;
        memcpy(t->buf + t->len, s, n < room ? n : room);
    }
    t->len += n;
}

static void put_spaces(text *t, size_t n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        size_t chunk = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        put(t, spaces, chunk);
        n -= chunk;
    }
}

/* Terminal columns of a UTF-8 string: its code points (continuation bytes take no column). */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0u) != 0x80u;
    return w;
}

/* Class i's name, or its index written into `digits`. */
static const char *class_name(const char *const *names, int i, char digits[16])
{
    if (names)
        return names[i];
    snprintf(digits, 16, "%d", i);
    return digits;
}

typedef enum cell_format { CELL_INTEGER, CELL_DECIMAL, CELL_PERCENT } cell_format;

/* Large enough for "%.1f" of DBL_MAX (309 digits). */
#define CELL_CAPACITY 320

static size_t format_cell(char out[CELL_CAPACITY], const cs_confusion *cm, cs_normalize how,
                          cell_format f, int t, int p)
{
    const size_t k = (size_t)cm->k;
    double v = cm->counts[(size_t)t * k + (size_t)p], den = 1.0;
    if (how == CS_NORMALIZE_TRUE)
        den = cm->row[t];
    else if (how == CS_NORMALIZE_PRED)
        den = cm->col[p];
    else if (how == CS_NORMALIZE_ALL)
        den = cm->total;
    if (den == 0.0) /* a class nobody has (or nobody predicted): no share to show */
        return (size_t)snprintf(out, CELL_CAPACITY, "-");
    if (f == CELL_PERCENT)
        return (size_t)cs__num_snprintf(out, CELL_CAPACITY, "%.1f", 100.0 * v / den);
    return (size_t)cs__num_snprintf(out, CELL_CAPACITY, f == CELL_INTEGER ? "%.0f" : "%.1f", v);
}

/* Where the name (of `len` columns) of true class t starts under the grid. */
static size_t name_start(size_t x0, size_t w, int t, size_t len)
{
    size_t x = x0 + (size_t)t * (w + 1);
    return len <= w ? x + w - len : x;
}

/* The fewest lines such that names t and t + lines, which share a line, keep a space apart. */
static int name_lines(const char *const *names, int k, size_t x0, size_t w)
{
    for (int lines = 1; lines < k; lines++) {
        int fits = 1;
        for (int t = 0; t + lines < k && fits; t++) {
            char d1[16], d2[16];
            size_t l1 = display_width(class_name(names, t, d1));
            size_t l2 = display_width(class_name(names, t + lines, d2));
            fits = name_start(x0, w, t, l1) + l1 + 1 <= name_start(x0, w, t + lines, l2);
        }
        if (fits)
            return lines;
    }
    return k;
}

int cs_confusion_render(char *buf, size_t cap, size_t *needed,
                        const cs_confusion *cm, const char *const *names, cs_normalize how)
{
    static const char fn[] = "cs_confusion_render";
    if (needed)
        *needed = 0;
    if (!cm)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: cm is NULL", fn);
    if (!buf && cap > 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: buf is NULL with cap = %zu", fn, cap);
    if (how != CS_NORMALIZE_NONE && how != CS_NORMALIZE_TRUE && how != CS_NORMALIZE_PRED &&
        how != CS_NORMALIZE_ALL)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: how is %d, expected a cs_normalize (0..3)",
                         fn, (int)how);
    const int k = cm->k;
    if (names)
        for (int i = 0; i < k; i++)
            if (!names[i])
                return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: names[%d] is NULL", fn, i);

    cell_format f = CELL_PERCENT;
    if (how == CS_NORMALIZE_NONE) {
        f = CELL_INTEGER;
        for (size_t i = 0; i < (size_t)k * (size_t)k && f == CELL_INTEGER; i++)
            if (cm->counts[i] != floor(cm->counts[i]))
                f = CELL_DECIMAL;
    }
    char cell[CELL_CAPACITY], digits[16];
    size_t w = 0, longest = 0;
    for (int t = 0; t < k; t++)
        for (int p = 0; p < k; p++) {
            size_t len = format_cell(cell, cm, how, f, t, p);
            w = len > w ? len : w;
        }
    for (int i = 0; i < k; i++) {
        size_t len = display_width(class_name(names, i, digits));
        longest = len > longest ? len : longest;
    }
    const size_t name_w = longest < NAME_WIDENING_MAX ? longest : NAME_WIDENING_MAX;
    w = w > name_w ? w : name_w;
    const size_t margin = longest > sizeof PREDICTED - 1 ? longest : sizeof PREDICTED - 1;
    const size_t x0 = margin + 3; /* first column: margin, " |", then one space per column */

    text out = { buf, cap, 0 };
    put(&out, PREDICTED, sizeof PREDICTED - 1);
    put(&out, "\n", 1);
    for (int p = 0; p < k; p++) {
        const char *name = class_name(names, p, digits);
        put_spaces(&out, margin - display_width(name));
        put(&out, name, strlen(name));
        put(&out, " |", 2);
        for (int t = 0; t < k; t++) {
            size_t len = format_cell(cell, cm, how, f, t, p);
            put_spaces(&out, 1 + w - len);
            put(&out, cell, len);
        }
        put(&out, "\n", 1);
    }
    put_spaces(&out, margin + 1);
    put(&out, "+", 1);
    for (int t = 0; t < k; t++) {
        put(&out, "-", 1);
        for (size_t i = 0; i < w; i++)
            put(&out, "-", 1);
    }
    put(&out, "\n", 1);

    const int lines = name_lines(names, k, x0, w);
    for (int line = 0; line < lines; line++) {
        size_t at = 0;
        for (int t = line; t < k; t += lines) {
            const char *name = class_name(names, t, digits);
            size_t len = display_width(name), start = name_start(x0, w, t, len);
            put_spaces(&out, start - at);
            put(&out, name, strlen(name));
            at = start + len;
        }
        put(&out, "\n", 1);
    }
    /* The caption is centred under the grid, reaching into the margin when the grid is
     * narrower than the caption. */
    const size_t center = x0 + ((size_t)k * (w + 1) - 1) / 2, caption = sizeof GROUND_TRUTH - 1;
    put_spaces(&out, center > caption / 2 ? center - caption / 2 : 0);
    put(&out, GROUND_TRUTH, caption);
    put(&out, "\n", 1);

    if (cap > 0)
        buf[out.len < cap ? out.len : cap - 1] = '\0';
    if (needed)
        *needed = out.len + 1;
    if (out.len >= cap)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: the text needs %zu bytes, cap is %zu", fn,
                         out.len + 1, cap);
    return CS_OK;
}
