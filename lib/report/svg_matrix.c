/* Matrix figures: confusion matrices (sequential or diverging colour scale, colour bar) and
 * the symmetric heat table of cs__svg_square. */
#include "svg_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ColorBrewer Blues (9) and RdBu (11, reversed so that negative is red), as in matplotlib;
 * RdBu's centre is made pure white so that zero reads as "no change". */
static const unsigned blues[9] = { 0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6,
                                   0x4292c6, 0x2171b5, 0x08519c, 0x08306b };
static const unsigned rdbu[11] = { 0x67001f, 0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xffffff,
                                   0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac, 0x053061 };

static unsigned cmap(const unsigned *stops, int n, double t)
{
    t = cs__svg_clamp(isfinite(t) ? t : 0, 0, 1) * (n - 1);
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

enum { MATRIX_CONFUSION, MATRIX_SQUARE };

static int check_matrix(const char *fn, const cs__svg_matrix *m)
{
    if (m->k < 1 || m->k > CS__SVG_MAX_CLASSES)
        return cs__svg_bad(fn, "k is %d, expected 1..%d", m->k,
                         CS__SVG_MAX_CLASSES);
    int rc = cs__svg_check_names(fn, "names", m->names, m->k);
    if (rc != CS_OK)
        return rc;
    if (!m->values)
        return cs__svg_bad(fn, "values is NULL");
    if (m->label_decimals < 0 || m->label_decimals > 6)
        return cs__svg_bad(fn, "label_decimals is %d, expected 0..6", m->label_decimals);
    if (isinf(m->vmax))
        return cs__svg_bad(fn, "vmax is infinite");
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
        cs__svg_fmt_fixed(dst, cap, v, m->label_decimals, MINUS);
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
    double cell = k <= 12 ? 36 : k <= 30 ? fmax(22, floor(432.0 / k)) : cs__svg_clamp(floor(800.0 / k), 4, 20);
    const int show_text = k <= 30;
    double fs_cell = fmin(11, fmax(7, cell * 0.36));
    if (show_text) {
        size_t longest = 1;
        for (int i = 0; i < k * k; i++) {
            cell_text(tmp, sizeof tmp, m, i);
            size_t n = cs__svg_utf8_chars(tmp);
            longest = n > longest ? n : longest;
        }
        double need = EM * fs_cell * (double)longest + 8;
        if (k <= 12 && need > cell)
            cell = fmin(64, ceil(need));
        if (need > cell)
            fs_cell = fmax(5, (cell - 6) / (EM * (double)longest));
    }
    /* Few classes: the grid is at least as long as the axis titles along it. */
    double title_len = fmax(cs__svg_has_text(xt) ? cs__svg_text_w(xt, FS_AXIS) : 0,
                            cs__svg_has_text(yt) ? cs__svg_text_w(yt, FS_AXIS) : 0);
    if (k * cell < title_len + 8)
        cell = ceil((title_len + 8) / k);
    const double G = k * cell;

    /* Names: thinned out (every step-th) rather than shrunk below 7 px. */
    const double fs_n = k <= 30 ? FS_TICK : cs__svg_clamp(cell * 0.9, 7, FS_TICK);
    const int step = (int)ceil(fs_n * 1.1 / cell - 1e-9);
    double maxw = 0;
    for (int i = 0; i < k; i += step)
        maxw = fmax(maxw, cs__svg_text_w(m->names[i], fs_n));
    enum { FLAT, SLANT, UPRIGHT } xmode = step == 1 && maxw <= cell - 3 ? FLAT
                                          : k <= 30                   ? SLANT
                                                                      : UPRIGHT;
    const double a = 0.70710678;
    double xlab_h = xmode == FLAT ? fs_n + 6 : xmode == SLANT ? a * (maxw + fs_n) + 2 : maxw + 2;
    double tick = 4;

    /* Horizontal layout. */
    double gx = PAD + (cs__svg_has_text(yt) ? FS_AXIS + 8 : 0) + maxw + tick + 4;
    if (xmode == SLANT)
        for (int t = 0; t < k; t += step)
            gx = fmax(gx, PAD + a * cs__svg_text_w(m->names[t], fs_n) + 0.2 * fs_n - (t + 0.5) * cell);
    const double gy = PAD + cs__svg_caption_h(m->title);
    const double bw = 14, bh = fmax(G, 100), by = gy;
    double bx = gx + G + 20;

    /* Colour bar ticks: -vmax..vmax in halves, or 1-2-5 steps over [0, vmax]. */
    cs__svg_axis sc;
    if (div) {
        sc.lo = -vmax;
        sc.hi = vmax;
        sc.step = vmax / 2;
        sc.decimals = cs__svg_step_decimals(sc.step, 4);
    } else {
        sc = cs__svg_axis_make(0, vmax, 1, 1, cs__svg_clamp(floor(bh / 35), 3, 6));
        double v;
        int nt = 0;
        while (cs__svg_axis_tick(&sc, nt, &v))
            nt++;
        if (nt < 3) { /* e.g. vmax = 1.4: ticks 0 and 1 only */
            sc.step /= 2;
            sc.decimals = cs__svg_step_decimals(sc.step, 9);
        }
    }
    double lab_w = 0, v;
    for (int i = 0; cs__svg_axis_tick(&sc, i, &v); i++)
        lab_w = fmax(lab_w, cs__svg_text_w(cs__svg_fmt_fixed(tmp, sizeof tmp, v, sc.decimals, MINUS), FS_TICK));
    double st_x = bx + bw + tick + 3 + lab_w + 8 + 0.78 * FS_AXIS;
    double W = (cs__svg_has_text(m->scale_title) ? st_x + 0.25 * FS_AXIS : bx + bw + tick + 3 + lab_w) + PAD;
    const double ox = cs__svg_fit_caption(&W, m->title);
    gx += ox;
    bx += ox;
    st_x += ox;
    double xt_y = gy + G + tick + xlab_h + 8 + 0.8 * FS_AXIS;
    double H = fmax(cs__svg_has_text(xt) ? xt_y + 0.25 * FS_AXIS : gy + G + tick + xlab_h, by + bh + FS_TICK / 2) + PAD;

    if (kind == MATRIX_CONFUSION)
        snprintf(tmp, sizeof tmp, "Confusion matrix of %d classes", k);
    else
        snprintf(tmp, sizeof tmp, "Table of %d by %d values", k, k);
    cs__svg_open(b, W, H, m->title, tmp);
    if (kind == MATRIX_CONFUSION)
        cs__svg_emit(b, "<desc>Confusion matrix: %x along the bottom (columns), %x on the left (rows)."
                "</desc>\n", cs__svg_has_text(xt) ? xt : "columns", cs__svg_has_text(yt) ? yt : "rows");
    cs__svg_background(b, W, H);
    cs__svg_caption(b, gx + G / 2, ceil(W), m->title);

    /* Cells, with a tooltip each while the figure stays small. */
    cs__svg_emit(b, "<g shape-rendering=\"crispEdges\">\n");
    for (int t = 0; t < k; t++)
        for (int p = 0; p < k; p++) {
            int i = t * k + p;
            double val = m->values[i];
            unsigned fill = !isfinite(val) ? C_MISSING
                            : div          ? cmap(rdbu, 11, (val / vmax + 1) / 2)
                                           : cmap(blues, 9, val / vmax);
            cs__svg_emit(b, "<rect data-cell=\"%d,%d\" x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"%c\"",
                         t, p, gx + t * cell, gy + p * cell, cell, cell, fill);
            if (k <= 64) {
                cell_text(tmp, sizeof tmp, m, i);
                cs__svg_emit(b, "><title>%x%s%x, %x%s%x: %x</title></rect>\n", xt, *xt ? " " : "",
                             m->names[t], yt, *yt ? " " : "", m->names[p], tmp);
            } else {
                cs__svg_emit(b, "/>\n");
            }
        }
    cs__svg_emit(b, "</g>\n");
    if (show_text) {
        cs__svg_emit(b, "<g font-size=\"%v\" text-anchor=\"middle\" fill=\"%c\">\n", fs_cell, C_TEXT);
        for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++) {
                int i = t * k + p;
                double val = m->values[i];
                unsigned fill = !isfinite(val) ? C_MISSING
                                : div          ? cmap(rdbu, 11, (val / vmax + 1) / 2)
                                               : cmap(blues, 9, val / vmax);
                cell_text(tmp, sizeof tmp, m, i);
                unsigned ink = isfinite(val) ? ink_on(fill) : C_MUTED;
                cs__svg_emit(b, "<text x=\"%v\" y=\"%v\"", gx + (t + 0.5) * cell,
                             gy + (p + 0.5) * cell + 0.36 * fs_cell);
                if (ink != C_TEXT)
                    cs__svg_emit(b, " fill=\"%c\"", ink);
                cs__svg_emit(b, ">%x</text>\n", tmp);
            }
        cs__svg_emit(b, "</g>\n");
    }
    if (kind == MATRIX_CONFUSION && cell >= 8) {
        cs__svg_emit(b, "<g fill=\"none\" stroke=\"#000\" stroke-opacity=\"0.55\" stroke-width=\"1\">\n");
        for (int t = 0; t < k; t++)
            cs__svg_emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\"/>\n", gx + t * cell + 0.5,
                         gy + t * cell + 0.5, cell - 1, cell - 1);
        cs__svg_emit(b, "</g>\n");
    }
    cs__svg_emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"none\" stroke=\"%c\" "
            "stroke-width=\"0.8\"/>\n", gx, gy, G, G, C_AXIS);

    /* Tick marks and names: predictions on the left, ground truth at the bottom. */
    cs__svg_emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"0.8\" d=\"", C_AXIS);
    for (int i = 0; i < k; i += step)
        cs__svg_emit(b, "M%v %vh%vM%v %vv%v", gx - tick, gy + (i + 0.5) * cell, tick,
                     gx + (i + 0.5) * cell, gy + G, tick);
    cs__svg_emit(b, "\"/>\n<g font-size=\"%v\" fill=\"%c\">\n", fs_n, C_TEXT);
    for (int p = 0; p < k; p += step)
        cs__svg_text_at(b, gx - tick - 3, gy + (p + 0.5) * cell + 0.36 * fs_n, "end", m->names[p]);
    for (int t = 0; t < k; t += step) {
        double cx = gx + (t + 0.5) * cell, y0 = gy + G + tick + 2;
        if (xmode == FLAT) {
            cs__svg_text_at(b, cx, y0 + 0.8 * fs_n, "middle", m->names[t]);
        } else {
            double ax = cx + (xmode == SLANT ? 0.3 : 0.36) * fs_n;
            double ay = y0 + (xmode == SLANT ? 0.5 * fs_n : 0);
            cs__svg_emit(b, "<text x=\"%v\" y=\"%v\" text-anchor=\"end\" transform=\"rotate(%d %v %v)\">%x</text>\n",
                         ax, ay, xmode == SLANT ? -45 : -90, ax, ay, m->names[t]);
        }
    }
    cs__svg_emit(b, "</g>\n<g font-size=\"%v\" fill=\"%c\">\n", FS_AXIS, C_TEXT);
    if (cs__svg_has_text(xt))
        cs__svg_text_at(b, gx + G / 2, xt_y, "middle", xt);
    if (cs__svg_has_text(yt))
        cs__svg_text_up(b, ox + PAD + 0.78 * FS_AXIS, gy + G / 2, FS_AXIS, yt);
    cs__svg_emit(b, "</g>\n");

    /* Colour bar: discrete steps from the bottom (low) to the top (high). */
    int nsteps = (int)fmin(128, floor(bh / 2));
    double sh = bh / nsteps;
    cs__svg_emit(b, "<g shape-rendering=\"crispEdges\">\n");
    for (int i = 0; i < nsteps; i++) {
        double f = (i + 0.5) / nsteps;
        cs__svg_emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"%c\"/>\n", bx,
                     by + bh - (i + 1) * sh, bw, sh + (i + 1 < nsteps ? 0.5 : 0),
                     div ? cmap(rdbu, 11, f) : cmap(blues, 9, f));
    }
    cs__svg_emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"none\" stroke=\"%c\" "
            "stroke-width=\"0.8\"/>\n</g>\n", bx, by, bw, bh, C_AXIS);
    cs__svg_emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"0.8\" d=\"", C_AXIS);
    for (int i = 0; cs__svg_axis_tick(&sc, i, &v); i++)
        cs__svg_emit(b, "M%v %vh%v", bx + bw, cs__svg_axis_pos(&sc, v, by + bh, by), tick);
    cs__svg_emit(b, "\"/>\n<g font-size=\"%v\" fill=\"%c\">\n", FS_TICK, C_TEXT);
    for (int i = 0; cs__svg_axis_tick(&sc, i, &v); i++)
        cs__svg_text_at(b, bx + bw + tick + 3, cs__svg_axis_pos(&sc, v, by + bh, by) + 0.36 * FS_TICK, NULL,
                        cs__svg_fmt_fixed(tmp, sizeof tmp, v, sc.decimals, MINUS));
    if (cs__svg_has_text(m->scale_title))
        cs__svg_text_up(b, st_x, by + bh / 2, FS_AXIS, m->scale_title);
    cs__svg_emit(b, "</g>\n</svg>\n");
}

int cs__svg_confusion(cs__buf *out, const cs__svg_matrix *m)
{
    static const char fn[] = "cs__svg_confusion";
    if (!out)
        return cs__svg_bad(fn, "out is NULL");
    if (!m)
        return cs__svg_bad(fn, "m is NULL");
    int rc = check_matrix(fn, m);
    if (rc != CS_OK)
        return rc;
    size_t start = out->len;
    draw_matrix(out, m, MATRIX_CONFUSION);
    return cs__svg_finish(out, start, "a confusion matrix figure");
}

int cs__svg_square(cs__buf *out, const char *title, int m, const char *const *names,
                   const double *v)
{
    static const char fn[] = "cs__svg_square";
    if (!out)
        return cs__svg_bad(fn, "out is NULL");
    if (m < 1 || m > CS__SVG_MAX_CLASSES)
        return cs__svg_bad(fn, "m is %d, expected 1..%d", m, CS__SVG_MAX_CLASSES);
    int rc = cs__svg_check_names(fn, "names", names, m);
    if (rc != CS_OK)
        return rc;
    if (!v)
        return cs__svg_bad(fn, "v is NULL");
    cs__svg_matrix mx = { title, m, names, v, NULL, 2, 1, 1.0, "", "", NULL };
    size_t start = out->len;
    draw_matrix(out, &mx, MATRIX_SQUARE);
    return cs__svg_finish(out, start, "a table figure");
}
