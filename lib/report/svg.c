/* SVG figures of the report.
 *
 * Everything is written through emit(), a small formatter whose numbers are built from
 * integers, so LC_NUMERIC can never turn a coordinate into "12,5". Text widths are estimated
 * at 0.6 em per code point (no font metrics are available); layouts leave a little slack. */
#include "svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAD 14.0
#define FS_TITLE 14.0
#define FS_AXIS 12.0
#define FS_TICK 11.0
#define EM 0.6 /* estimated advance of one character, in font sizes */

#define C_TEXT 0x222222u
#define C_AXIS 0x444444u
#define C_GRID 0xe6e6e6u
#define C_MISSING 0xe0e0e0u
#define C_MUTED 0x666666u

#define DASH "\xe2\x80\x93"  /* U+2013, shown for missing values */
#define MINUS "\xe2\x88\x92" /* U+2212, typographic minus of tick and cell labels */

static const unsigned tab10[10] = { 0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                    0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf };
/* ColorBrewer Blues (9) and RdBu (11, reversed so that negative is red), as in matplotlib;
 * RdBu's centre is made pure white so that zero reads as "no change". */
static const unsigned blues[9] = { 0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6,
                                   0x4292c6, 0x2171b5, 0x08519c, 0x08306b };
static const unsigned rdbu[11] = { 0x67001f, 0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xffffff,
                                   0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac, 0x053061 };

/* ---------------------------------------------------------------- numbers and text -- */

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* v with `d` decimals (0..9) into dst, C notation, using `minus` for negative numbers and
 * never printing a negative zero. */
static const char *fmt_fixed(char *dst, size_t cap, double v, int d, const char *minus)
{
    d = d < 0 ? 0 : d > 12 ? 12 : d;
    double scale = pow(10.0, d);
    double a = fabs(v) * scale;
    if (a < 9e15) {
        unsigned long long t = (unsigned long long)llround(a);
        unsigned long long p = (unsigned long long)llround(scale);
        char frac[16] = ".";
        unsigned long long f = t % p;
        for (int i = d; i >= 1; i--, f /= 10)
            frac[i] = (char)('0' + f % 10);
        frac[d + 1] = '\0';
        snprintf(dst, cap, "%s%llu%s", v < 0 && t != 0 ? minus : "", t / p, d > 0 ? frac : "");
    } else {
        /* Out of the integer range: exponent notation, separator forced to '.'. */
        snprintf(dst, cap, "%.3e", v);
        for (char *q = dst; *q; ++q)
            if ((*q < '0' || *q > '9') && *q != '-' && *q != '+' && *q != 'e')
                *q = '.';
    }
    return dst;
}

/* A coordinate: 0.1 px resolution, trailing ".0" dropped. */
static void put_num(cs__buf *b, double v)
{
    char tmp[48];
    if (!isfinite(v))
        v = 0;
    long long t = llround(v * 10.0);
    if (t % 10 == 0)
        snprintf(tmp, sizeof tmp, "%lld", t / 10);
    else
        snprintf(tmp, sizeof tmp, "%s%lld.%lld", t < 0 ? "-" : "", llabs(t) / 10, llabs(t) % 10);
    cs__buf_puts(b, tmp);
}

/* Append fmt with %v a coordinate (double), %d an int, %s a raw string, %x an XML-escaped
 * string, %c a colour (unsigned 0xRRGGBB), %% a percent sign. */
static void emit(cs__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *run = fmt;
    for (const char *p = fmt; *p; ++p) {
        if (*p != '%')
            continue;
        cs__buf_append(b, run, (size_t)(p - run));
        switch (*++p) {
        case 'v': put_num(b, va_arg(ap, double)); break;
        case 'd': cs__buf_printf(b, "%d", va_arg(ap, int)); break;
        case 's': cs__buf_puts(b, va_arg(ap, const char *)); break;
        case 'x': cs__buf_xml(b, va_arg(ap, const char *)); break;
        case 'c': cs__buf_printf(b, "#%06x", va_arg(ap, unsigned) & 0xffffffu); break;
        default: cs__buf_putc(b, '%'); break;
        }
        run = p + 1;
    }
    cs__buf_puts(b, run);
    va_end(ap);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; ++s)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static double text_w(const char *s, double fs)
{
    return EM * fs * (double)utf8_chars(s);
}

static int has_text(const char *s)
{
    return s && *s;
}

/* --------------------------------------------------------------------- colours -- */

static unsigned cmap(const unsigned *stops, int n, double t)
{
    t = clampd(isfinite(t) ? t : 0, 0, 1) * (n - 1);
    int i = (int)t;
    if (i >= n - 1)
        return stops[n - 1];
    double f = t - i;
    unsigned c = 0;
    for (int sh = 16; sh >= 0; sh -= 8) {
        double a = (stops[i] >> sh) & 0xff, z = (stops[i + 1] >> sh) & 0xff;
        c |= (unsigned)lround(a + (z - a) * f) << sh;
    }
    return c;
}

static double lin(unsigned c8)
{
    double c = c8 / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

/* White or near-black text on `bg`, whichever contrasts more (WCAG contrast ratio). */
static unsigned ink_on(unsigned bg)
{
    double L = 0.2126 * lin((bg >> 16) & 0xff) + 0.7152 * lin((bg >> 8) & 0xff) +
               0.0722 * lin(bg & 0xff);
    const double L_ink = 0.016; /* #222 */
    return 1.05 / (L + 0.05) > (L + 0.05) / (L_ink + 0.05) ? 0xffffffu : C_TEXT;
}

/* ------------------------------------------------------------------------ axes -- */

typedef struct axis {
    double lo, hi, step;
    int decimals;
} axis;

/* Digits after the decimal point that print a multiple of `step` exactly (at most `max`). */
static int step_decimals(double step, int max)
{
    int d = 0;
    for (double r = step; d < max && (r < 0.5 || fabs(r - round(r)) > 1e-6 * r); r *= 10)
        d++;
    return d;
}

static double nice_step(double span, double target)
{
    double raw = span / target;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

/* Ticks in 1-2-5 steps over [lo, hi]; an end that is not fixed moves out to a tick. */
static axis axis_make(double lo, double hi, int lo_fixed, int hi_fixed, double target)
{
    axis a;
    if (!(hi > lo)) {
        double d = lo == 0 ? 1 : fabs(lo) * 0.5;
        if (lo_fixed && !hi_fixed)
            hi = lo + d;
        else if (hi_fixed && !lo_fixed)
            lo = hi - d;
        else {
            lo -= d;
            hi += d;
        }
    }
    a.step = nice_step(hi - lo, target);
    a.lo = lo_fixed ? lo : floor(lo / a.step + 1e-9) * a.step;
    a.hi = hi_fixed ? hi : ceil(hi / a.step - 1e-9) * a.step;
    a.decimals = step_decimals(a.step, 9);
    return a;
}

/* Tick i of an axis; returns 0 past the last one. */
static int axis_tick(const axis *a, int i, double *v)
{
    double first = ceil(a->lo / a->step - 1e-9);
    double t = (first + i) * a->step;
    if (i > 200 || t > a->hi + a->step * 1e-9)
        return 0;
    *v = fabs(t) < a->step * 1e-9 ? 0 : t;
    return 1;
}

static double axis_pos(const axis *a, double v, double p0, double p1)
{
    return p0 + (v - a->lo) / (a->hi - a->lo) * (p1 - p0);
}

/* -------------------------------------------------------------------- framing -- */

/* The root element and its <title>; every figure then calls background(). */
static void svg_open(cs__buf *b, double w, double h, const char *title, const char *fallback)
{
    w = ceil(w);
    h = ceil(h);
    emit(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%v\" height=\"%v\" "
            "viewBox=\"0 0 %v %v\" font-family=\"sans-serif\" role=\"img\">\n",
         w, h, w, h);
    emit(b, "<title>%x</title>\n", has_text(title) ? title : fallback);
}

/* Opaque white, so that the figure reads the same on a dark page or viewer. */
static void background(cs__buf *b, double w, double h)
{
    emit(b, "<rect width=\"%v\" height=\"%v\" fill=\"#fff\"/>\n", ceil(w), ceil(h));
}

static void text_at(cs__buf *b, double x, double y, const char *anchor, const char *s)
{
    emit(b, "<text x=\"%v\" y=\"%v\"%s%s%s>%x</text>\n", x, y, anchor ? " text-anchor=\"" : "",
         anchor ? anchor : "", anchor ? "\"" : "", s);
}

/* Text rotated by -90° (reading upwards), centred on (x, y) along its length; x is the
 * baseline, so the glyphs lie left of it. */
static void text_up(cs__buf *b, double x, double y, double fs, const char *s)
{
    emit(b, "<text x=\"%v\" y=\"%v\" font-size=\"%v\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 %v %v)\">%x</text>\n", x, y, fs, x, y, s);
}

static void caption(cs__buf *b, double cx, double W, const char *title)
{
    if (!has_text(title))
        return;
    double tw = text_w(title, FS_TITLE) * 1.05;
    if (cx - tw / 2 < PAD || cx + tw / 2 > W - PAD)
        cx = W / 2;
    emit(b, "<text x=\"%v\" y=\"%v\" font-size=\"%v\" font-weight=\"600\" text-anchor=\"middle\" "
            "fill=\"%c\">%x</text>\n", cx, PAD + FS_TITLE * 0.8, FS_TITLE, C_TEXT, title);
}

static double caption_h(const char *title)
{
    return has_text(title) ? FS_TITLE + 12 : 0;
}

/* Widens *W to the caption when needed; returns the shift that centres the content. */
static double fit_caption(double *W, const char *title)
{
    double need = has_text(title) ? text_w(title, FS_TITLE) * 1.05 + 2 * PAD : 0;
    if (need <= *W)
        return 0;
    double shift = (need - *W) / 2;
    *W = need;
    return shift;
}

/* Ends a figure: checks the buffer and on failure drops what was appended. */
static int finish(cs__buf *out, size_t start, const char *what)
{
    int rc = cs__buf_status(out, what);
    if (rc != CS_OK) {
        out->len = start;
        if (out->data && start < out->cap)
            out->data[start] = '\0';
    }
    return rc;
}

/* CS_ERR_INVALID_ARGUMENT with a message "fn: ...". */
static int bad(const char *fn, const char *fmt, ...) CS__PRINTF(2, 3);
static int bad(const char *fn, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s", fn, msg);
}

static int check_names(const char *fn, const char *arg, const char *const *names, int n)
{
    if (!names)
        return bad(fn, "%s is NULL", arg);
    for (int i = 0; i < n; i++)
        if (!names[i])
            return bad(fn, "%s[%d] is NULL", arg, i);
    return CS_OK;
}

/* ------------------------------------------------------------------- matrices -- */

enum { MATRIX_CONFUSION, MATRIX_SQUARE };

static int check_matrix(const char *fn, const cs__svg_matrix *m)
{
    if (m->k < 1 || m->k > CS__SVG_MAX_CLASSES)
        return bad(fn, "k is %d, expected 1..%d", m->k,
                         CS__SVG_MAX_CLASSES);
    int rc = check_names(fn, "names", m->names, m->k);
    if (rc != CS_OK)
        return rc;
    if (!m->values)
        return bad(fn, "values is NULL");
    if (m->label_decimals < 0 || m->label_decimals > 6)
        return bad(fn, "label_decimals is %d, expected 0..6", m->label_decimals);
    if (isinf(m->vmax))
        return bad(fn, "vmax is infinite");
    return CS_OK;
}

/* Two significant digits, rounded up: a data-derived scale limit that reads well. */
static double ceil2(double v)
{
    double mag = pow(10.0, floor(log10(v)) - 1);
    return ceil(v / mag - 1e-9) * mag;
}

static void cell_text(char *dst, size_t cap, const cs__svg_matrix *m, int i)
{
    double v = m->labels ? m->labels[i] : m->values[i];
    if (!isfinite(m->values[i]) || !isfinite(v))
        snprintf(dst, cap, "%s", DASH);
    else
        fmt_fixed(dst, cap, v, m->label_decimals, MINUS);
}

static void draw_matrix(cs__buf *b, const cs__svg_matrix *m, int kind)
{
    const int k = m->k;
    const int div = m->diverging != 0;
    const char *xt = m->x_title ? m->x_title : "ground truth";
    const char *yt = m->y_title ? m->y_title : "prediction";
    char tmp[64];

    double vmax = m->vmax;
    if (!(vmax > 0)) {
        vmax = 0;
        for (int i = 0; i < k * k; i++)
            if (isfinite(m->values[i]))
                vmax = fmax(vmax, div ? fabs(m->values[i]) : m->values[i]);
        vmax = vmax > 0 ? (div ? ceil2(vmax) : vmax) : 1;
    }

    /* Cells: 36 px up to 12 classes, then shrinking; the text font follows. */
    double cell = k <= 12 ? 36 : k <= 30 ? fmax(22, floor(432.0 / k)) : clampd(floor(800.0 / k), 4, 20);
    const int show_text = k <= 30;
    double fs_cell = fmin(11, fmax(7, cell * 0.36));
    if (show_text) {
        size_t longest = 1;
        for (int i = 0; i < k * k; i++) {
            cell_text(tmp, sizeof tmp, m, i);
            size_t n = utf8_chars(tmp);
            longest = n > longest ? n : longest;
        }
        double need = EM * fs_cell * (double)longest + 8;
        if (k <= 12 && need > cell)
            cell = fmin(64, ceil(need));
        if (need > cell)
            fs_cell = fmax(5, (cell - 6) / (EM * (double)longest));
    }
    /* Few classes: the grid is at least as long as the axis titles along it. */
    double title_len = fmax(has_text(xt) ? text_w(xt, FS_AXIS) : 0, has_text(yt) ? text_w(yt, FS_AXIS) : 0);
    if (k * cell < title_len + 8)
        cell = ceil((title_len + 8) / k);
    const double G = k * cell;

    /* Names: thinned out (every step-th) rather than shrunk below 7 px. */
    const double fs_n = k <= 30 ? FS_TICK : clampd(cell * 0.9, 7, FS_TICK);
    const int step = (int)ceil(fs_n * 1.1 / cell - 1e-9);
    double maxw = 0;
    for (int i = 0; i < k; i += step)
        maxw = fmax(maxw, text_w(m->names[i], fs_n));
    enum { FLAT, SLANT, UPRIGHT } xmode = step == 1 && maxw <= cell - 3 ? FLAT
                                          : k <= 30                   ? SLANT
                                                                      : UPRIGHT;
    const double a = 0.70710678;
    double xlab_h = xmode == FLAT ? fs_n + 6 : xmode == SLANT ? a * (maxw + fs_n) + 2 : maxw + 2;
    double tick = 4;

    /* Horizontal layout. */
    double gx = PAD + (has_text(yt) ? FS_AXIS + 8 : 0) + maxw + tick + 4;
    if (xmode == SLANT)
        for (int t = 0; t < k; t += step)
            gx = fmax(gx, PAD + a * text_w(m->names[t], fs_n) + 0.2 * fs_n - (t + 0.5) * cell);
    const double gy = PAD + caption_h(m->title);
    const double bw = 14, bh = fmax(G, 100), by = gy;
    double bx = gx + G + 20;

    /* Colour bar ticks: -vmax..vmax in halves, or 1-2-5 steps over [0, vmax]. */
    axis sc;
    if (div) {
        sc.lo = -vmax;
        sc.hi = vmax;
        sc.step = vmax / 2;
        sc.decimals = step_decimals(sc.step, 4);
    } else {
        sc = axis_make(0, vmax, 1, 1, clampd(floor(bh / 35), 3, 6));
        double v;
        int nt = 0;
        while (axis_tick(&sc, nt, &v))
            nt++;
        if (nt < 3) { /* e.g. vmax = 1.4: ticks 0 and 1 only */
            sc.step /= 2;
            sc.decimals = step_decimals(sc.step, 9);
        }
    }
    double lab_w = 0, v;
    for (int i = 0; axis_tick(&sc, i, &v); i++)
        lab_w = fmax(lab_w, text_w(fmt_fixed(tmp, sizeof tmp, v, sc.decimals, MINUS), FS_TICK));
    double st_x = bx + bw + tick + 3 + lab_w + 8 + 0.78 * FS_AXIS;
    double W = (has_text(m->scale_title) ? st_x + 0.25 * FS_AXIS : bx + bw + tick + 3 + lab_w) + PAD;
    const double ox = fit_caption(&W, m->title);
    gx += ox;
    bx += ox;
    st_x += ox;
    double xt_y = gy + G + tick + xlab_h + 8 + 0.8 * FS_AXIS;
    double H = fmax(has_text(xt) ? xt_y + 0.25 * FS_AXIS : gy + G + tick + xlab_h, by + bh + FS_TICK / 2) + PAD;

    if (kind == MATRIX_CONFUSION)
        snprintf(tmp, sizeof tmp, "Confusion matrix of %d classes", k);
    else
        snprintf(tmp, sizeof tmp, "Table of %d by %d values", k, k);
    svg_open(b, W, H, m->title, tmp);
    if (kind == MATRIX_CONFUSION)
        emit(b, "<desc>Confusion matrix: %x along the bottom (columns), %x on the left (rows)."
                "</desc>\n", has_text(xt) ? xt : "columns", has_text(yt) ? yt : "rows");
    background(b, W, H);
    caption(b, gx + G / 2, ceil(W), m->title);

    /* Cells, with a tooltip each while the figure stays small. */
    emit(b, "<g shape-rendering=\"crispEdges\">\n");
    for (int t = 0; t < k; t++)
        for (int p = 0; p < k; p++) {
            int i = t * k + p;
            double val = m->values[i];
            unsigned fill = !isfinite(val) ? C_MISSING
                            : div          ? cmap(rdbu, 11, (val / vmax + 1) / 2)
                                           : cmap(blues, 9, val / vmax);
            emit(b, "<rect data-cell=\"%d,%d\" x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"%c\"",
                 t, p, gx + t * cell, gy + p * cell, cell, cell, fill);
            if (k <= 64) {
                cell_text(tmp, sizeof tmp, m, i);
                emit(b, "><title>%x%s%x, %x%s%x: %x</title></rect>\n", xt, *xt ? " " : "",
                     m->names[t], yt, *yt ? " " : "", m->names[p], tmp);
            } else {
                emit(b, "/>\n");
            }
        }
    emit(b, "</g>\n");
    if (show_text) {
        emit(b, "<g font-size=\"%v\" text-anchor=\"middle\" fill=\"%c\">\n", fs_cell, C_TEXT);
        for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++) {
                int i = t * k + p;
                double val = m->values[i];
                unsigned fill = !isfinite(val) ? C_MISSING
                                : div          ? cmap(rdbu, 11, (val / vmax + 1) / 2)
                                               : cmap(blues, 9, val / vmax);
                cell_text(tmp, sizeof tmp, m, i);
                unsigned ink = isfinite(val) ? ink_on(fill) : C_MUTED;
                emit(b, "<text x=\"%v\" y=\"%v\"", gx + (t + 0.5) * cell, gy + (p + 0.5) * cell + 0.36 * fs_cell);
                if (ink != C_TEXT)
                    emit(b, " fill=\"%c\"", ink);
                emit(b, ">%x</text>\n", tmp);
            }
        emit(b, "</g>\n");
    }
    if (kind == MATRIX_CONFUSION && cell >= 8) {
        emit(b, "<g fill=\"none\" stroke=\"#000\" stroke-opacity=\"0.55\" stroke-width=\"1\">\n");
        for (int t = 0; t < k; t++)
            emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\"/>\n", gx + t * cell + 0.5,
                 gy + t * cell + 0.5, cell - 1, cell - 1);
        emit(b, "</g>\n");
    }
    emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"none\" stroke=\"%c\" "
            "stroke-width=\"0.8\"/>\n", gx, gy, G, G, C_AXIS);

    /* Tick marks and names: predictions on the left, ground truth at the bottom. */
    emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"0.8\" d=\"", C_AXIS);
    for (int i = 0; i < k; i += step)
        emit(b, "M%v %vh%vM%v %vv%v", gx - tick, gy + (i + 0.5) * cell, tick,
             gx + (i + 0.5) * cell, gy + G, tick);
    emit(b, "\"/>\n<g font-size=\"%v\" fill=\"%c\">\n", fs_n, C_TEXT);
    for (int p = 0; p < k; p += step)
        text_at(b, gx - tick - 3, gy + (p + 0.5) * cell + 0.36 * fs_n, "end", m->names[p]);
    for (int t = 0; t < k; t += step) {
        double cx = gx + (t + 0.5) * cell, y0 = gy + G + tick + 2;
        if (xmode == FLAT) {
            text_at(b, cx, y0 + 0.8 * fs_n, "middle", m->names[t]);
        } else {
            double ax = cx + (xmode == SLANT ? 0.3 : 0.36) * fs_n;
            double ay = y0 + (xmode == SLANT ? 0.5 * fs_n : 0);
            emit(b, "<text x=\"%v\" y=\"%v\" text-anchor=\"end\" transform=\"rotate(%d %v %v)\">%x</text>\n",
                 ax, ay, xmode == SLANT ? -45 : -90, ax, ay, m->names[t]);
        }
    }
    emit(b, "</g>\n<g font-size=\"%v\" fill=\"%c\">\n", FS_AXIS, C_TEXT);
    if (has_text(xt))
        text_at(b, gx + G / 2, xt_y, "middle", xt);
    if (has_text(yt))
        text_up(b, ox + PAD + 0.78 * FS_AXIS, gy + G / 2, FS_AXIS, yt);
    emit(b, "</g>\n");

    /* Colour bar: discrete steps from the bottom (low) to the top (high). */
    int nsteps = (int)fmin(128, floor(bh / 2));
    double sh = bh / nsteps;
    emit(b, "<g shape-rendering=\"crispEdges\">\n");
    for (int i = 0; i < nsteps; i++) {
        double f = (i + 0.5) / nsteps;
        emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"%c\"/>\n", bx,
             by + bh - (i + 1) * sh, bw, sh + (i + 1 < nsteps ? 0.5 : 0),
             div ? cmap(rdbu, 11, f) : cmap(blues, 9, f));
    }
    emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"none\" stroke=\"%c\" "
            "stroke-width=\"0.8\"/>\n</g>\n", bx, by, bw, bh, C_AXIS);
    emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"0.8\" d=\"", C_AXIS);
    for (int i = 0; axis_tick(&sc, i, &v); i++)
        emit(b, "M%v %vh%v", bx + bw, axis_pos(&sc, v, by + bh, by), tick);
    emit(b, "\"/>\n<g font-size=\"%v\" fill=\"%c\">\n", FS_TICK, C_TEXT);
    for (int i = 0; axis_tick(&sc, i, &v); i++)
        text_at(b, bx + bw + tick + 3, axis_pos(&sc, v, by + bh, by) + 0.36 * FS_TICK, NULL,
                fmt_fixed(tmp, sizeof tmp, v, sc.decimals, MINUS));
    if (has_text(m->scale_title))
        text_up(b, st_x, by + bh / 2, FS_AXIS, m->scale_title);
    emit(b, "</g>\n</svg>\n");
}

int cs__svg_confusion(cs__buf *out, const cs__svg_matrix *m)
{
    static const char fn[] = "cs__svg_confusion";
    if (!out)
        return bad(fn, "out is NULL");
    if (!m)
        return bad(fn, "m is NULL");
    int rc = check_matrix(fn, m);
    if (rc != CS_OK)
        return rc;
    size_t start = out->len;
    draw_matrix(out, m, MATRIX_CONFUSION);
    return finish(out, start, "a confusion matrix figure");
}

int cs__svg_square(cs__buf *out, const char *title, int m, const char *const *names,
                   const double *v)
{
    static const char fn[] = "cs__svg_square";
    if (!out)
        return bad(fn, "out is NULL");
    if (m < 1 || m > CS__SVG_MAX_CLASSES)
        return bad(fn, "m is %d, expected 1..%d", m, CS__SVG_MAX_CLASSES);
    int rc = check_names(fn, "names", names, m);
    if (rc != CS_OK)
        return rc;
    if (!v)
        return bad(fn, "v is NULL");
    cs__svg_matrix mx = { title, m, names, v, NULL, 2, 1, 1.0, "", "", NULL };
    size_t start = out->len;
    draw_matrix(out, &mx, MATRIX_SQUARE);
    return finish(out, start, "a table figure");
}

/* ----------------------------------------------------------------------- bars -- */

static int check_pair(const char *fn, const char *what, int i, const double *lo, const double *hi)
{
    if ((lo == NULL) != (hi == NULL))
        return bad(fn, "%s[%d].%s is NULL but .%s is not", what, i, lo ? "hi" : "lo", lo ? "lo" : "hi");
    return CS_OK;
}

/* A range whose ends may each be NaN ("from the data") but not infinite nor inverted. */
static int check_range(const char *fn, const char *lo_name, double lo, const char *hi_name,
                       double hi)
{
    if (isinf(lo) || isinf(hi))
        return bad(fn, "%s is infinite", isinf(lo) ? lo_name : hi_name);
    if (lo >= hi)
        return bad(fn, "%s (%g) is not below %s (%g)", lo_name, lo, hi_name, hi);
    return CS_OK;
}

/* Widen [*lo, *hi] to the finite values of up to three arrays. */
static void data_range(double *lo, double *hi, const double *a, const double *b,
                       const double *c, int n)
{
    const double *arr[3] = { a, b, c };
    for (int j = 0; j < 3; j++)
        for (int i = 0; arr[j] && i < n; i++)
            if (isfinite(arr[j][i])) {
                *lo = fmin(*lo, arr[j][i]);
                *hi = fmax(*hi, arr[j][i]);
            }
}

static void tick_labels_x(cs__buf *b, const axis *a, double x0, double x1, double y)
{
    char tmp[64];
    double v;
    for (int i = 0; axis_tick(a, i, &v); i++)
        text_at(b, axis_pos(a, v, x0, x1), y, "middle", fmt_fixed(tmp, sizeof tmp, v, a->decimals, MINUS));
}

static void draw_bars(cs__buf *b, const char *title, const char *value_title,
                      const cs__svg_bar_panel *panels, int npanels, double vmin, double vmax)
{
    const double PW = 200, RH = 22, BH = 14, tick = 4, FS_VAL = 10.5, gap = 30;
    char tmp[64], lo_s[64], hi_s[64];

    double lo = 0, hi = 0; /* 0 is always in the automatic range */
    for (int p = 0; p < npanels; p++)
        data_range(&lo, &hi, panels[p].value, panels[p].lo, panels[p].hi, panels[p].n);
    axis ax = axis_make(isnan(vmin) ? lo : vmin, isnan(vmax) ? hi : vmax, !isnan(vmin),
                        !isnan(vmax), 4);
    const int dv = ax.decimals + 1;

    /* A label keeps its colour across panels while there are at most 10 of them. */
    const char *distinct[10];
    int ndistinct = 0;
    for (int p = 0; p < npanels && ndistinct <= 10; p++)
        for (int i = 0; i < panels[p].n && ndistinct <= 10; i++) {
            int j = 0;
            while (j < ndistinct && strcmp(distinct[j], panels[p].labels[i]) != 0)
                j++;
            if (j == ndistinct && ndistinct++ < 10)
                distinct[j] = panels[p].labels[i];
        }

    int nmax = 0, any_ptitle = 0;
    double valw = 0;
    for (int p = 0; p < npanels; p++) {
        nmax = panels[p].n > nmax ? panels[p].n : nmax;
        any_ptitle |= has_text(panels[p].title);
        for (int i = 0; i < panels[p].n; i++)
            valw = fmax(valw, text_w(isfinite(panels[p].value[i])
                                         ? fmt_fixed(tmp, sizeof tmp, panels[p].value[i], dv, MINUS)
                                         : DASH, FS_VAL));
    }
    const double py = PAD + caption_h(title) + (any_ptitle ? FS_AXIS + 10 : 0);
    const double PH = nmax * RH + 8;
    double px[CS__SVG_MAX_PANELS], lw[CS__SVG_MAX_PANELS], x0 = PAD;
    for (int p = 0; p < npanels; p++) {
        lw[p] = 0;
        for (int i = 0; i < panels[p].n; i++)
            lw[p] = fmax(lw[p], text_w(panels[p].labels[i], FS_TICK));
        double body = lw[p] + 8 + PW + 8 + valw;
        double tw = has_text(panels[p].title) ? text_w(panels[p].title, FS_AXIS) * 1.05 : 0;
        px[p] = x0 + fmax(0, (tw - body) / 2) + lw[p] + 8;
        x0 += fmax(body, tw) + gap;
    }
    double W = x0 - gap + PAD;
    const double ox = fit_caption(&W, title), left = PAD + ox, right = x0 - gap + ox;
    for (int p = 0; p < npanels; p++)
        px[p] += ox;
    const double ax_y = py + PH, xl_y = ax_y + tick + 3 + 0.8 * FS_TICK;
    const double vt_y = xl_y + 0.2 * FS_TICK + 8 + 0.8 * FS_AXIS;
    const double H = (has_text(value_title) ? vt_y + 0.25 * FS_AXIS : xl_y + 0.2 * FS_TICK) + PAD;

    snprintf(tmp, sizeof tmp, "Bar chart in %d panel%s", npanels, npanels > 1 ? "s" : "");
    svg_open(b, W, H, title, tmp);
    background(b, W, H);
    caption(b, (left + right) / 2, ceil(W), title);

    for (int p = 0; p < npanels; p++) {
        const cs__svg_bar_panel *P = &panels[p];
        const double X0 = px[p], X1 = X0 + PW;
        double v;
        emit(b, "<g data-panel=\"%d\">\n", p);
        if (has_text(P->title))
            emit(b, "<text x=\"%v\" y=\"%v\" font-size=\"%v\" font-weight=\"600\" text-anchor=\"middle\" "
                    "fill=\"%c\">%x</text>\n", (X0 - lw[p] - 8 + X1 + 8 + valw) / 2,
                 py - 10 - 0.2 * FS_AXIS, FS_AXIS, C_TEXT, P->title);
        emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"1\" shape-rendering=\"crispEdges\" d=\"", C_GRID);
        for (int i = 0; axis_tick(&ax, i, &v); i++)
            emit(b, "M%v %vV%v", floor(axis_pos(&ax, v, X0, X1)) + 0.5, py, ax_y);
        emit(b, "\"/>\n");

        const double zero = axis_pos(&ax, clampd(0, ax.lo, ax.hi), X0, X1);
        for (int i = 0; i < P->n; i++) {
            double val = P->value[i], yc = py + 4 + (i + 0.5) * RH;
            int c = 0;
            while (ndistinct <= 10 && strcmp(distinct[c], P->labels[i]) != 0)
                c++;
            if (isfinite(val)) {
                double xv = axis_pos(&ax, clampd(val, ax.lo, ax.hi), X0, X1);
                emit(b, "<rect data-bar=\"%d,%d\" x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"%c\">",
                     p, i, fmin(zero, xv), yc - BH / 2, fabs(xv - zero), BH,
                     tab10[ndistinct <= 10 ? c : 0]);
                fmt_fixed(tmp, sizeof tmp, val, dv, MINUS);
                if (P->lo && (isfinite(P->lo[i]) || isfinite(P->hi[i])))
                    emit(b, "<title>%x: %x [%x, %x]</title></rect>\n", P->labels[i], tmp,
                         isfinite(P->lo[i]) ? fmt_fixed(lo_s, sizeof lo_s, P->lo[i], dv, MINUS) : DASH,
                         isfinite(P->hi[i]) ? fmt_fixed(hi_s, sizeof hi_s, P->hi[i], dv, MINUS) : DASH);
                else
                    emit(b, "<title>%x: %x</title></rect>\n", P->labels[i], tmp);
            }
            if (P->lo) {
                double l = isfinite(P->lo[i]) ? P->lo[i] : val, h = isfinite(P->hi[i]) ? P->hi[i] : val;
                if (isfinite(l) && isfinite(h) && (isfinite(P->lo[i]) || isfinite(P->hi[i]))) {
                    double xl = axis_pos(&ax, clampd(l, ax.lo, ax.hi), X0, X1);
                    double xh = axis_pos(&ax, clampd(h, ax.lo, ax.hi), X0, X1);
                    emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"1.2\" d=\"M%v %vH%v", C_TEXT, xl, yc, xh);
                    if (isfinite(P->lo[i]))
                        emit(b, "M%v %vv%v", xl, yc - 4, 8.0);
                    if (isfinite(P->hi[i]))
                        emit(b, "M%v %vv%v", xh, yc - 4, 8.0);
                    emit(b, "\"/>\n");
                }
            }
        }
        emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"0.8\" d=\"M%v %vV%vM%v %vH%v",
             C_AXIS, zero, py, ax_y, X0, ax_y, X1);
        for (int i = 0; axis_tick(&ax, i, &v); i++)
            emit(b, "M%v %vv%v", axis_pos(&ax, v, X0, X1), ax_y, tick);
        emit(b, "\"/>\n<g font-size=\"%v\" fill=\"%c\">\n", FS_TICK, C_TEXT);
        for (int i = 0; i < P->n; i++)
            text_at(b, X0 - 6, py + 4 + (i + 0.5) * RH + 0.36 * FS_TICK, "end", P->labels[i]);
        tick_labels_x(b, &ax, X0, X1, xl_y);
        emit(b, "</g>\n<g font-size=\"%v\" fill=\"%c\" text-anchor=\"end\">\n", FS_VAL, C_MUTED);
        for (int i = 0; i < P->n; i++)
            text_at(b, X1 + 8 + valw, py + 4 + (i + 0.5) * RH + 0.36 * FS_VAL, NULL,
                    isfinite(P->value[i]) ? fmt_fixed(tmp, sizeof tmp, P->value[i], dv, MINUS) : DASH);
        emit(b, "</g>\n</g>\n");
    }
    if (has_text(value_title))
        emit(b, "<text x=\"%v\" y=\"%v\" font-size=\"%v\" text-anchor=\"middle\" fill=\"%c\">%x</text>\n",
             (left + right) / 2, vt_y, FS_AXIS, C_TEXT, value_title);
    emit(b, "</svg>\n");
}

int cs__svg_bars(cs__buf *out, const char *title, const char *value_title,
                 const cs__svg_bar_panel *panels, int npanels, double vmin, double vmax)
{
    static const char fn[] = "cs__svg_bars";
    if (!out)
        return bad(fn, "out is NULL");
    if (!panels)
        return bad(fn, "panels is NULL");
    if (npanels < 1 || npanels > CS__SVG_MAX_PANELS)
        return bad(fn, "npanels is %d, expected 1..%d", npanels, CS__SVG_MAX_PANELS);
    for (int p = 0; p < npanels; p++) {
        const cs__svg_bar_panel *P = &panels[p];
        char what[48];
        if (P->n < 1 || P->n > CS__SVG_MAX_CLASSES)
            return bad(fn, "panels[%d].n is %d, expected 1..%d", p, P->n,
                       CS__SVG_MAX_CLASSES);
        snprintf(what, sizeof what, "panels[%d].labels", p);
        int rc = check_names(fn, what, P->labels, P->n);
        if (rc == CS_OK && !P->value)
            rc = bad(fn, "panels[%d].value is NULL", p);
        if (rc == CS_OK)
            rc = check_pair(fn, "panels", p, P->lo, P->hi);
        if (rc != CS_OK)
            return rc;
    }
    int rc = check_range(fn, "vmin", vmin, "vmax", vmax);
    if (rc != CS_OK)
        return rc;
    size_t start = out->len;
    draw_bars(out, title, value_title, panels, npanels, vmin, vmax);
    return finish(out, start, "a bar chart figure");
}

/* ---------------------------------------------------------------------- lines -- */

/* Clip the segment to ytop <= y <= ybot (pixels); 0 when nothing is left. */
static int clip_y(double *x0, double *y0, double *x1, double *y1, double ytop, double ybot)
{
    if ((*y0 < ytop && *y1 < ytop) || (*y0 > ybot && *y1 > ybot))
        return 0;
    double bounds[2] = { ytop, ybot };
    for (int j = 0; j < 2; j++) {
        double yb = bounds[j];
        int out0 = j ? *y0 > yb : *y0 < yb, out1 = j ? *y1 > yb : *y1 < yb;
        if (out0 == out1)
            continue;
        double f = (yb - *y0) / (*y1 - *y0), xc = *x0 + f * (*x1 - *x0);
        if (out0) {
            *x0 = xc;
            *y0 = yb;
        } else {
            *x1 = xc;
            *y1 = yb;
        }
    }
    return 1;
}

static const char *const dashes[4] = { NULL, "6 3", "2 2", "8 3 2 3" };

static void line_style(cs__buf *b, int s)
{
    emit(b, " stroke=\"%c\" stroke-width=\"1.8\" stroke-linejoin=\"round\"", tab10[s % 10]);
    if (dashes[(s / 10) % 4])
        emit(b, " stroke-dasharray=\"%s\"", dashes[(s / 10) % 4]);
}

static void draw_lines(cs__buf *b, const char *title, const char *x_title, const char *y_title,
                       const double *x, const char *const *x_labels, int n,
                       const cs__svg_series *series, int nseries, double ymin, double ymax)
{
    const double tick = 4, PH = 270, RH = 18;
    char tmp[64], tmp2[64];
    double v;

    /* Axes: x spans the points with a 4 % margin each side, y moves out to round ticks. */
    double xmin = x[0], xmax = x[n - 1];
    if (!(xmax > xmin)) {
        double d = xmin == 0 ? 1 : fabs(xmin) * 0.5;
        xmin -= d;
        xmax += d;
    }
    axis xa = axis_make(xmin, xmax, 1, 1, 6);
    xa.lo = xmin - 0.04 * (xmax - xmin);
    xa.hi = xmax + 0.04 * (xmax - xmin);
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int s = 0; s < nseries; s++)
        data_range(&lo, &hi, series[s].y, series[s].lo, series[s].hi, n);
    if (lo > hi)
        lo = 0, hi = 1;
    axis ya = axis_make(isnan(ymin) ? lo : ymin, isnan(ymax) ? hi : ymax, !isnan(ymin),
                        !isnan(ymax), 5);
    const int dy = ya.decimals + 2;

    double ylw = 0, xlw = 0, nw = 0;
    for (int i = 0; axis_tick(&ya, i, &v); i++)
        ylw = fmax(ylw, text_w(fmt_fixed(tmp, sizeof tmp, v, ya.decimals, MINUS), FS_TICK));
    for (int i = 0; x_labels && i < n; i++)
        xlw = fmax(xlw, text_w(x_labels[i], FS_TICK));
    for (int s = 0; s < nseries; s++)
        nw = fmax(nw, text_w(series[s].name, FS_TICK));
    const double PW = x_labels ? clampd(n * (xlw + 10), 420, 1200) : 420;
    const double px0 = PAD + (has_text(y_title) ? FS_AXIS + 8 : 0) + ylw + tick + 4;
    const double py = PAD + caption_h(title);
    const int rows = (int)fmax(1, floor((PH - 8) / RH));
    const int ncol = (nseries + rows - 1) / rows;
    const double colw = 30 + 6 + nw + 10;
    const double lgw = ncol * colw + 6, lgh = (nseries < rows ? nseries : rows) * RH + 8;
    double W = px0 + PW + 16 + lgw + PAD;
    const double ox = fit_caption(&W, title), px = px0 + ox, lx = px + PW + 16;
    const double xl_y = py + PH + tick + 3 + 0.8 * FS_TICK;
    const double xt_y = xl_y + 0.2 * FS_TICK + 8 + 0.8 * FS_AXIS;
    const double H = (has_text(x_title) ? xt_y + 0.25 * FS_AXIS : xl_y + 0.2 * FS_TICK) + PAD;
    const double bot = py + PH;
#define XP(xv) axis_pos(&xa, (xv), px, px + PW)
#define YP(yv) axis_pos(&ya, (yv), bot, py)

    snprintf(tmp, sizeof tmp, "Line chart of %d series", nseries);
    svg_open(b, W, H, title, tmp);
    background(b, W, H);
    caption(b, px + PW / 2, ceil(W), title);

    emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"1\" shape-rendering=\"crispEdges\" d=\"", C_GRID);
    for (int i = 0; axis_tick(&ya, i, &v); i++)
        emit(b, "M%v %vH%v", px, floor(YP(v)) + 0.5, px + PW);
    if (x_labels)
        for (int i = 0; i < n; i++)
            emit(b, "M%v %vV%v", floor(XP(x[i])) + 0.5, py, bot);
    else
        for (int i = 0; axis_tick(&xa, i, &v); i++)
            emit(b, "M%v %vV%v", floor(XP(v)) + 0.5, py, bot);
    emit(b, "\"/>\n");

    /* Bands under every line, one polygon per run of finite bounds. */
    for (int s = 0; s < nseries; s++) {
        const cs__svg_series *S = &series[s];
        for (int i = 0; S->lo && i < n;) {
            if (!isfinite(S->lo[i]) || !isfinite(S->hi[i])) {
                i++;
                continue;
            }
            int j = i;
            while (j + 1 < n && isfinite(S->lo[j + 1]) && isfinite(S->hi[j + 1]))
                j++;
            if (j == i) { /* a lone point: no area */
                i++;
                continue;
            }
            emit(b, "<path fill=\"%c\" fill-opacity=\"0.15\" stroke=\"none\" d=\"", tab10[s % 10]);
            for (int q = i; q <= j; q++)
                emit(b, "%s%v %v", q == i ? "M" : "L", XP(x[q]), YP(clampd(S->hi[q], ya.lo, ya.hi)));
            for (int q = j; q >= i; q--)
                emit(b, "L%v %v", XP(x[q]), YP(clampd(S->lo[q], ya.lo, ya.hi)));
            emit(b, "Z\"/>\n");
            i = j + 1;
        }
    }

    const int markers = n <= 60, tips = (long)n * nseries <= 2000;
    for (int s = 0; s < nseries; s++) {
        const cs__svg_series *S = &series[s];
        emit(b, "<g data-series=\"%d\">\n<title>%x</title>\n<path fill=\"none\"", s, S->name);
        line_style(b, s);
        emit(b, " d=\"");
        int pen = 0; /* the path's current point is the start of the next segment */
        for (int i = 1; i < n; i++) {
            if (!isfinite(S->y[i - 1]) || !isfinite(S->y[i])) {
                pen = 0;
                continue;
            }
            double ax = XP(x[i - 1]), ay = YP(S->y[i - 1]), bx = XP(x[i]), by = YP(S->y[i]);
            double ay0 = ay, by0 = by;
            if (!clip_y(&ax, &ay, &bx, &by, py, bot)) {
                pen = 0;
                continue;
            }
            if (!pen || ay != ay0)
                emit(b, "M%v %v", ax, ay);
            emit(b, "L%v %v", bx, by);
            pen = by == by0;
        }
        emit(b, "\"/>\n");
        for (int i = 0; i < n; i++) {
            double yv = S->y[i];
            int alone = (i == 0 || !isfinite(S->y[i - 1])) && (i + 1 == n || !isfinite(S->y[i + 1]));
            if (!isfinite(yv) || yv < ya.lo || yv > ya.hi || !(markers || alone))
                continue;
            emit(b, "<circle cx=\"%v\" cy=\"%v\" r=\"3\" fill=\"%c\" stroke=\"#fff\" stroke-width=\"0.8\"",
                 XP(x[i]), YP(yv), tab10[s % 10]);
            if (!tips) {
                emit(b, "/>\n");
                continue;
            }
            emit(b, "><title>%x, %x: %s", S->name,
                 x_labels ? x_labels[i] : fmt_fixed(tmp2, sizeof tmp2, x[i], xa.decimals + 1, MINUS),
                 fmt_fixed(tmp, sizeof tmp, yv, dy, MINUS));
            if (S->lo && isfinite(S->lo[i]) && isfinite(S->hi[i])) {
                emit(b, " [%s, ", fmt_fixed(tmp, sizeof tmp, S->lo[i], dy, MINUS));
                emit(b, "%s]", fmt_fixed(tmp, sizeof tmp, S->hi[i], dy, MINUS));
            }
            emit(b, "</title></circle>\n");
        }
        emit(b, "</g>\n");
    }

    emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"none\" stroke=\"%c\" "
            "stroke-width=\"0.8\"/>\n", px, py, PW, PH, C_AXIS);
    emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"0.8\" d=\"", C_AXIS);
    for (int i = 0; axis_tick(&ya, i, &v); i++)
        emit(b, "M%v %vh%v", px - tick, YP(v), tick);
    if (x_labels)
        for (int i = 0; i < n; i++)
            emit(b, "M%v %vv%v", XP(x[i]), bot, tick);
    else
        for (int i = 0; axis_tick(&xa, i, &v); i++)
            emit(b, "M%v %vv%v", XP(v), bot, tick);
    emit(b, "\"/>\n<g font-size=\"%v\" fill=\"%c\">\n", FS_TICK, C_TEXT);
    for (int i = 0; axis_tick(&ya, i, &v); i++)
        text_at(b, px - tick - 3, YP(v) + 0.36 * FS_TICK, "end",
                fmt_fixed(tmp, sizeof tmp, v, ya.decimals, MINUS));
    if (x_labels) {
        double last = -HUGE_VAL; /* right edge of the last label drawn */
        for (int i = 0; i < n; i++) {
            double cx = XP(x[i]), w = text_w(x_labels[i], FS_TICK);
            if (cx - w / 2 < last + 6)
                continue;
            text_at(b, cx, xl_y, "middle", x_labels[i]);
            last = cx + w / 2;
        }
    } else {
        tick_labels_x(b, &xa, px, px + PW, xl_y);
    }
    emit(b, "</g>\n<g font-size=\"%v\" fill=\"%c\">\n", FS_AXIS, C_TEXT);
    if (has_text(x_title))
        text_at(b, px + PW / 2, xt_y, "middle", x_title);
    if (has_text(y_title))
        text_up(b, ox + PAD + 0.78 * FS_AXIS, py + PH / 2, FS_AXIS, y_title);
    emit(b, "</g>\n");

    /* Legend. */
    emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" rx=\"3\" fill=\"#fff\" stroke=\"#ccc\" "
            "stroke-width=\"0.8\"/>\n<g font-size=\"%v\" fill=\"%c\">\n", lx, py, lgw, lgh, FS_TICK, C_TEXT);
    for (int s = 0; s < nseries; s++) {
        double ex = lx + 8 + (s / rows) * colw, ey = py + 4 + (s % rows + 0.5) * RH;
        emit(b, "<path fill=\"none\"");
        line_style(b, s);
        emit(b, " d=\"M%v %vh%v\"/>\n", ex, ey, 26.0);
        emit(b, "<circle cx=\"%v\" cy=\"%v\" r=\"3\" fill=\"%c\" stroke=\"#fff\" stroke-width=\"0.8\"/>\n",
             ex + 13, ey, tab10[s % 10]);
        text_at(b, ex + 32, ey + 0.36 * FS_TICK, NULL, series[s].name);
    }
    emit(b, "</g>\n</svg>\n");
#undef XP
#undef YP
}

int cs__svg_lines(cs__buf *out, const char *title, const char *x_title, const char *y_title,
                  const double *x, const char *const *x_labels, int n,
                  const cs__svg_series *series, int nseries, double ymin, double ymax)
{
    static const char fn[] = "cs__svg_lines";
    if (!out)
        return bad(fn, "out is NULL");
    if (!x)
        return bad(fn, "x is NULL");
    if (n < 1 || n > CS__SVG_MAX_POINTS)
        return bad(fn, "n is %d, expected 1..%d", n, CS__SVG_MAX_POINTS);
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return bad(fn, "x[%d] is not finite", i);
        if (i > 0 && x[i] < x[i - 1])
            return bad(fn, "x[%d] (%g) is below x[%d] (%g): x must be ascending", i,
                       x[i], i - 1, x[i - 1]);
    }
    int rc = x_labels ? check_names(fn, "x_labels", x_labels, n) : CS_OK;
    if (rc != CS_OK)
        return rc;
    if (!series)
        return bad(fn, "series is NULL");
    if (nseries < 1 || nseries > CS__SVG_MAX_SERIES)
        return bad(fn, "nseries is %d, expected 1..%d", nseries, CS__SVG_MAX_SERIES);
    for (int s = 0; s < nseries; s++) {
        if (!series[s].name)
            return bad(fn, "series[%d].name is NULL", s);
        if (!series[s].y)
            return bad(fn, "series[%d].y is NULL", s);
        if ((rc = check_pair(fn, "series", s, series[s].lo, series[s].hi)) != CS_OK)
            return rc;
    }
    if ((rc = check_range(fn, "ymin", ymin, "ymax", ymax)) != CS_OK)
        return rc;
    size_t start = out->len;
    draw_lines(out, title, x_title, y_title, x, x_labels, n, series, nseries, ymin, ymax);
    return finish(out, start, "a line chart figure");
}
