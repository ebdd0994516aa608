/* The primitives every SVG figure shares: numbers and text, axes, framing, argument checks.
 *
 * Everything is written through cs__svg_emit(), a small formatter whose numbers are built
 * from integers, so LC_NUMERIC can never turn a coordinate into "12,5". Text widths are
 * estimated at 0.6 em per code point (no font metrics are available); layouts leave a little
 * slack. */
#include "svg_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"

const unsigned cs__svg_tab10[10] = { 0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                    0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf };

/* ---------------------------------------------------------------- numbers and text -- */

double cs__svg_clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* v with `d` decimals (0..9) into dst, C notation, using `minus` for negative numbers and
 * never printing a negative zero. */
const char *cs__svg_fmt_fixed(char *dst, size_t cap, double v, int d, const char *minus)
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
        /* Out of the integer range: exponent notation. */
        cs__num_snprintf(dst, cap, "%.3e", v);
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
void cs__svg_emit(cs__buf *b, const char *fmt, ...)
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

size_t cs__svg_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; ++s)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

double cs__svg_text_w(const char *s, double fs)
{
    return EM * fs * (double)cs__svg_utf8_chars(s);
}

int cs__svg_has_text(const char *s)
{
    return s && *s;
}

/* Clip the segment to ytop <= y <= ybot (pixels); 0 when nothing is left. */
int cs__svg_clip_y(double *x0, double *y0, double *x1, double *y1, double ytop, double ybot)
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

/* ------------------------------------------------------------------------ axes -- */

/* Digits after the decimal point that print a multiple of `step` exactly (at most `max`). */
int cs__svg_step_decimals(double step, int max)
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
cs__svg_axis cs__svg_axis_make(double lo, double hi, int lo_fixed, int hi_fixed, double target)
{
    cs__svg_axis a;
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
    a.decimals = cs__svg_step_decimals(a.step, 9);
    return a;
}

/* Tick i of an axis; returns 0 past the last one. */
int cs__svg_axis_tick(const cs__svg_axis *a, int i, double *v)
{
    double first = ceil(a->lo / a->step - 1e-9);
    double t = (first + i) * a->step;
    if (i > 200 || t > a->hi + a->step * 1e-9)
        return 0;
    *v = fabs(t) < a->step * 1e-9 ? 0 : t;
    return 1;
}

double cs__svg_axis_pos(const cs__svg_axis *a, double v, double p0, double p1)
{
    return p0 + (v - a->lo) / (a->hi - a->lo) * (p1 - p0);
}

/* -------------------------------------------------------------------- framing -- */

/* The root element and its <title>; every figure then calls cs__svg_background(). */
void cs__svg_open(cs__buf *b, double w, double h, const char *title, const char *fallback)
{
    w = ceil(w);
    h = ceil(h);
    cs__svg_emit(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%v\" height=\"%v\" "
            "viewBox=\"0 0 %v %v\" font-family=\"sans-serif\" role=\"img\">\n",
                 w, h, w, h);
    cs__svg_emit(b, "<title>%x</title>\n", cs__svg_has_text(title) ? title : fallback);
}

/* Opaque white, so that the figure reads the same on a dark page or viewer. */
void cs__svg_background(cs__buf *b, double w, double h)
{
    cs__svg_emit(b, "<rect width=\"%v\" height=\"%v\" fill=\"#fff\"/>\n", ceil(w), ceil(h));
}

void cs__svg_text_at(cs__buf *b, double x, double y, const char *anchor, const char *s)
{
    cs__svg_emit(b, "<text x=\"%v\" y=\"%v\"%s%s%s>%x</text>\n", x, y, anchor ? " text-anchor=\"" : "",
                 anchor ? anchor : "", anchor ? "\"" : "", s);
}

/* Text rotated by -90° (reading upwards), centred on (x, y) along its length; x is the
 * baseline, so the glyphs lie left of it. */
void cs__svg_text_up(cs__buf *b, double x, double y, double fs, const char *s)
{
    cs__svg_emit(b, "<text x=\"%v\" y=\"%v\" font-size=\"%v\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 %v %v)\">%x</text>\n", x, y, fs, x, y, s);
}

void cs__svg_caption(cs__buf *b, double cx, double W, const char *title)
{
    if (!cs__svg_has_text(title))
        return;
    double tw = cs__svg_text_w(title, FS_TITLE) * 1.05;
    if (cx - tw / 2 < PAD || cx + tw / 2 > W - PAD)
        cx = W / 2;
    cs__svg_emit(b, "<text x=\"%v\" y=\"%v\" font-size=\"%v\" font-weight=\"600\" text-anchor=\"middle\" "
            "fill=\"%c\">%x</text>\n", cx, PAD + FS_TITLE * 0.8, FS_TITLE, C_TEXT, title);
}

double cs__svg_caption_h(const char *title)
{
    return cs__svg_has_text(title) ? FS_TITLE + 12 : 0;
}

/* Widens *W to the caption when needed; returns the shift that centres the content. */
double cs__svg_fit_caption(double *W, const char *title)
{
    double need = cs__svg_has_text(title) ? cs__svg_text_w(title, FS_TITLE) * 1.05 + 2 * PAD : 0;
    if (need <= *W)
        return 0;
    double shift = (need - *W) / 2;
    *W = need;
    return shift;
}

/* Ends a figure: checks the buffer and on failure drops what was appended. */
void cs__svg_plot_layout(cs__svg_plot *p, double PW, double PH, double ylw, double nw, int nseries,
                         const char *title, const char *x_title, const char *y_title)
{
    p->PW = PW;
    p->PH = PH;
    p->tick = 4;
    p->RH = 18;
    const double px0 = PAD + (cs__svg_has_text(y_title) ? FS_AXIS + 8 : 0) + ylw + p->tick + 4;
    p->py = PAD + cs__svg_caption_h(title);
    p->rows = (int)fmax(1, floor((PH - 8) / p->RH));
    const int ncol = (nseries + p->rows - 1) / p->rows;
    p->colw = 30 + 6 + nw + 10;
    p->lgw = ncol * p->colw + 6;
    p->lgh = (nseries < p->rows ? nseries : p->rows) * p->RH + 8;
    p->W = px0 + PW + 16 + p->lgw + PAD;
    p->ox = cs__svg_fit_caption(&p->W, title);
    p->px = px0 + p->ox;
    p->lx = p->px + PW + 16;
    p->xl_y = p->py + PH + p->tick + 3 + 0.8 * FS_TICK;
    p->xt_y = p->xl_y + 0.2 * FS_TICK + 8 + 0.8 * FS_AXIS;
    p->H = (cs__svg_has_text(x_title) ? p->xt_y + 0.25 * FS_AXIS : p->xl_y + 0.2 * FS_TICK) + PAD;
    p->bot = p->py + PH;
}

void cs__svg_plot_titles(cs__buf *b, const cs__svg_plot *p, const char *x_title, const char *y_title)
{
    cs__svg_emit(b, "<g font-size=\"%v\" fill=\"%c\">\n", FS_AXIS, C_TEXT);
    if (cs__svg_has_text(x_title))
        cs__svg_text_at(b, p->px + p->PW / 2, p->xt_y, "middle", x_title);
    if (cs__svg_has_text(y_title))
        cs__svg_text_up(b, p->ox + PAD + 0.78 * FS_AXIS, p->py + p->PH / 2, FS_AXIS, y_title);
    cs__svg_emit(b, "</g>\n");
}

void cs__svg_plot_legend(cs__buf *b, const cs__svg_plot *p)
{
    cs__svg_emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" rx=\"3\" fill=\"#fff\" stroke=\"#ccc\" "
                    "stroke-width=\"0.8\"/>\n<g font-size=\"%v\" fill=\"%c\">\n",
                 p->lx, p->py, p->lgw, p->lgh, FS_TICK, C_TEXT);
}

/* Where legend entry s sits: its sample from ex, its name at ex + 32, centred on ey. */
static void legend_at(const cs__svg_plot *p, int s, double *ex, double *ey)
{
    *ex = p->lx + 8 + (s / p->rows) * p->colw;
    *ey = p->py + 4 + (s % p->rows + 0.5) * p->RH;
}

void cs__svg_plot_legend_entry(cs__buf *b, const cs__svg_plot *p, int s, const char *name, cs__svg_style_fn line,
                               double r)
{
    double ex, ey;
    legend_at(p, s, &ex, &ey);
    if (line) {
        cs__svg_emit(b, "<path fill=\"none\"");
        line(b, s);
        cs__svg_emit(b, " d=\"M%v %vh%v\"/>\n", ex, ey, 26.0);
    }
    cs__svg_emit(b, "<circle cx=\"%v\" cy=\"%v\" r=\"%v\" fill=\"%c\" stroke=\"#fff\" stroke-width=\"0.8\"/>\n",
                 ex + 13, ey, r, cs__svg_tab10[s % 10]);
    cs__svg_text_at(b, ex + 32, ey + 0.36 * FS_TICK, NULL, name);
}

int cs__svg_finish(cs__buf *out, size_t start, const char *what)
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
int cs__svg_bad(const char *fn, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    cs__num_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s", fn, msg);
}

int cs__svg_check_names(const char *fn, const char *arg, const char *const *names, int n)
{
    if (!names)
        return cs__svg_bad(fn, "%s is NULL", arg);
    for (int i = 0; i < n; i++)
        if (!names[i])
            return cs__svg_bad(fn, "%s[%d] is NULL", arg, i);
    return CS_OK;
}

int cs__svg_check_pair(const char *fn, const char *what, int i, const double *lo, const double *hi)
{
    if ((lo == NULL) != (hi == NULL))
        return cs__svg_bad(fn, "%s[%d].%s is NULL but .%s is not", what, i, lo ? "hi" : "lo", lo ? "lo" : "hi");
    return CS_OK;
}

/* A range whose ends may each be NaN ("from the data") but not infinite nor inverted. */
int cs__svg_check_range(const char *fn, const char *lo_name, double lo, const char *hi_name,
                        double hi)
{
    if (isinf(lo) || isinf(hi))
        return cs__svg_bad(fn, "%s is infinite", isinf(lo) ? lo_name : hi_name);
    if (lo >= hi)
        return cs__svg_bad(fn, "%s (%g) is not below %s (%g)", lo_name, lo, hi_name, hi);
    return CS_OK;
}

/* Widen [*lo, *hi] to the finite values of up to three arrays. */
void cs__svg_data_range(double *lo, double *hi, const double *a, const double *b,
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

void cs__svg_tick_labels_x(cs__buf *b, const cs__svg_axis *a, double x0, double x1, double y)
{
    char tmp[64];
    double v;
    for (int i = 0; cs__svg_axis_tick(a, i, &v); i++)
        cs__svg_text_at(b, cs__svg_axis_pos(a, v, x0, x1), y, "middle",
                        cs__svg_fmt_fixed(tmp, sizeof tmp, v, a->decimals, MINUS));
}
