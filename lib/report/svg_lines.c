/* Line figures: series over an ascending x with markers, bands and a legend. */
#include "svg_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dashes[4] = { NULL, "6 3", "2 2", "8 3 2 3" };

static void line_style(cs__buf *b, int s)
{
    cs__svg_emit(b, " stroke=\"%c\" stroke-width=\"1.8\" stroke-linejoin=\"round\"", cs__svg_tab10[s % 10]);
    if (dashes[(s / 10) % 4])
        cs__svg_emit(b, " stroke-dasharray=\"%s\"", dashes[(s / 10) % 4]);
}

static void draw_lines(cs__buf *b, const char *title, const char *x_title, const char *y_title,
                       const double *x, const char *const *x_labels, int n,
                       const cs__svg_series *series, int nseries, double ymin, double ymax)
{
    char tmp[64], tmp2[64];
    double v;

    /* Axes: x spans the points with a 4 % margin each side, y moves out to round ticks. */
    double xmin = x[0], xmax = x[n - 1];
    if (!(xmax > xmin)) {
        double d = xmin == 0 ? 1 : fabs(xmin) * 0.5;
        xmin -= d;
        xmax += d;
    }
    cs__svg_axis xa = cs__svg_axis_make(xmin, xmax, 1, 1, 6);
    xa.lo = xmin - 0.04 * (xmax - xmin);
    xa.hi = xmax + 0.04 * (xmax - xmin);
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int s = 0; s < nseries; s++)
        cs__svg_data_range(&lo, &hi, series[s].y, series[s].lo, series[s].hi, n);
    if (lo > hi)
        lo = 0, hi = 1;
    cs__svg_axis ya = cs__svg_axis_make(isnan(ymin) ? lo : ymin, isnan(ymax) ? hi : ymax, !isnan(ymin),
                                        !isnan(ymax), 5);
    const int dy = ya.decimals + 2;

    double ylw = 0, xlw = 0, nw = 0;
    for (int i = 0; cs__svg_axis_tick(&ya, i, &v); i++)
        ylw = fmax(ylw, cs__svg_text_w(cs__svg_fmt_fixed(tmp, sizeof tmp, v, ya.decimals, MINUS), FS_TICK));
    for (int i = 0; x_labels && i < n; i++)
        xlw = fmax(xlw, cs__svg_text_w(x_labels[i], FS_TICK));
    for (int s = 0; s < nseries; s++)
        nw = fmax(nw, cs__svg_text_w(series[s].name, FS_TICK));
    cs__svg_plot L;
    cs__svg_plot_layout(&L, x_labels ? cs__svg_clamp(n * (xlw + 10), 420, 1200) : 420, 270, ylw, nw, nseries, title,
                        x_title, y_title);
    const double PW = L.PW, PH = L.PH, tick = L.tick, px = L.px, py = L.py, bot = L.bot, xl_y = L.xl_y;
    const double W = L.W, H = L.H;
#define XP(xv) cs__svg_axis_pos(&xa, (xv), px, px + PW)
#define YP(yv) cs__svg_axis_pos(&ya, (yv), bot, py)

    snprintf(tmp, sizeof tmp, "Line chart of %d series", nseries);
    cs__svg_open(b, W, H, title, tmp);
    cs__svg_background(b, W, H);
    cs__svg_caption(b, px + PW / 2, ceil(W), title);

    cs__svg_emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"1\" shape-rendering=\"crispEdges\" d=\"", C_GRID);
    for (int i = 0; cs__svg_axis_tick(&ya, i, &v); i++)
        cs__svg_emit(b, "M%v %vH%v", px, floor(YP(v)) + 0.5, px + PW);
    if (x_labels)
        for (int i = 0; i < n; i++)
            cs__svg_emit(b, "M%v %vV%v", floor(XP(x[i])) + 0.5, py, bot);
    else
        for (int i = 0; cs__svg_axis_tick(&xa, i, &v); i++)
            cs__svg_emit(b, "M%v %vV%v", floor(XP(v)) + 0.5, py, bot);
    cs__svg_emit(b, "\"/>\n");

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
            cs__svg_emit(b, "<path fill=\"%c\" fill-opacity=\"0.15\" stroke=\"none\" d=\"", cs__svg_tab10[s % 10]);
            for (int q = i; q <= j; q++)
                cs__svg_emit(b, "%s%v %v", q == i ? "M" : "L", XP(x[q]), YP(cs__svg_clamp(S->hi[q], ya.lo, ya.hi)));
            for (int q = j; q >= i; q--)
                cs__svg_emit(b, "L%v %v", XP(x[q]), YP(cs__svg_clamp(S->lo[q], ya.lo, ya.hi)));
            cs__svg_emit(b, "Z\"/>\n");
            i = j + 1;
        }
    }

    const int markers = n <= 60, tips = (long)n * nseries <= 2000;
    for (int s = 0; s < nseries; s++) {
        const cs__svg_series *S = &series[s];
        cs__svg_emit(b, "<g data-series=\"%d\">\n<title>%x</title>\n<path fill=\"none\"", s, S->name);
        line_style(b, s);
        cs__svg_emit(b, " d=\"");
        int pen = 0; /* the path's current point is the start of the next segment */
        for (int i = 1; i < n; i++) {
            if (!isfinite(S->y[i - 1]) || !isfinite(S->y[i])) {
                pen = 0;
                continue;
            }
            double ax = XP(x[i - 1]), ay = YP(S->y[i - 1]), bx = XP(x[i]), by = YP(S->y[i]);
            double ay0 = ay, by0 = by;
            if (!cs__svg_clip_y(&ax, &ay, &bx, &by, py, bot)) {
                pen = 0;
                continue;
            }
            if (!pen || ay != ay0)
                cs__svg_emit(b, "M%v %v", ax, ay);
            cs__svg_emit(b, "L%v %v", bx, by);
            pen = by == by0;
        }
        cs__svg_emit(b, "\"/>\n");
        for (int i = 0; i < n; i++) {
            double yv = S->y[i];
            int alone = (i == 0 || !isfinite(S->y[i - 1])) && (i + 1 == n || !isfinite(S->y[i + 1]));
            if (!isfinite(yv) || yv < ya.lo || yv > ya.hi || !(markers || alone))
                continue;
            cs__svg_emit(b, "<circle cx=\"%v\" cy=\"%v\" r=\"3\" fill=\"%c\" stroke=\"#fff\" stroke-width=\"0.8\"",
                         XP(x[i]), YP(yv), cs__svg_tab10[s % 10]);
            if (!tips) {
                cs__svg_emit(b, "/>\n");
                continue;
            }
            cs__svg_emit(b, "><title>%x, %x: %s", S->name,
                         x_labels ? x_labels[i] : cs__svg_fmt_fixed(tmp2, sizeof tmp2, x[i], xa.decimals + 1, MINUS),
                         cs__svg_fmt_fixed(tmp, sizeof tmp, yv, dy, MINUS));
            if (S->lo && isfinite(S->lo[i]) && isfinite(S->hi[i])) {
                cs__svg_emit(b, " [%s, ", cs__svg_fmt_fixed(tmp, sizeof tmp, S->lo[i], dy, MINUS));
                cs__svg_emit(b, "%s]", cs__svg_fmt_fixed(tmp, sizeof tmp, S->hi[i], dy, MINUS));
            }
            cs__svg_emit(b, "</title></circle>\n");
        }
        cs__svg_emit(b, "</g>\n");
    }

    cs__svg_emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"none\" stroke=\"%c\" "
            "stroke-width=\"0.8\"/>\n", px, py, PW, PH, C_AXIS);
    cs__svg_emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"0.8\" d=\"", C_AXIS);
    for (int i = 0; cs__svg_axis_tick(&ya, i, &v); i++)
        cs__svg_emit(b, "M%v %vh%v", px - tick, YP(v), tick);
    if (x_labels)
        for (int i = 0; i < n; i++)
            cs__svg_emit(b, "M%v %vv%v", XP(x[i]), bot, tick);
    else
        for (int i = 0; cs__svg_axis_tick(&xa, i, &v); i++)
            cs__svg_emit(b, "M%v %vv%v", XP(v), bot, tick);
    cs__svg_emit(b, "\"/>\n<g font-size=\"%v\" fill=\"%c\">\n", FS_TICK, C_TEXT);
    for (int i = 0; cs__svg_axis_tick(&ya, i, &v); i++)
        cs__svg_text_at(b, px - tick - 3, YP(v) + 0.36 * FS_TICK, "end",
                        cs__svg_fmt_fixed(tmp, sizeof tmp, v, ya.decimals, MINUS));
    if (x_labels) {
        double last = -HUGE_VAL; /* right edge of the last label drawn */
        for (int i = 0; i < n; i++) {
            double cx = XP(x[i]), w = cs__svg_text_w(x_labels[i], FS_TICK);
            if (cx - w / 2 < last + 6)
                continue;
            cs__svg_text_at(b, cx, xl_y, "middle", x_labels[i]);
            last = cx + w / 2;
        }
    } else {
        cs__svg_tick_labels_x(b, &xa, px, px + PW, xl_y);
    }
    cs__svg_emit(b, "</g>\n");
    cs__svg_plot_titles(b, &L, x_title, y_title);

    /* Legend. */
    cs__svg_plot_legend(b, &L);
    for (int s = 0; s < nseries; s++)
        cs__svg_plot_legend_entry(b, &L, s, series[s].name, line_style, 3.0);
    cs__svg_emit(b, "</g>\n</svg>\n");
#undef XP
#undef YP
}

int cs__svg_lines(cs__buf *out, const char *title, const char *x_title, const char *y_title,
                  const double *x, const char *const *x_labels, int n,
                  const cs__svg_series *series, int nseries, double ymin, double ymax)
{
    static const char fn[] = "cs__svg_lines";
    if (!out)
        return cs__svg_bad(fn, "out is NULL");
    if (!x)
        return cs__svg_bad(fn, "x is NULL");
    if (n < 1 || n > CS__SVG_MAX_POINTS)
        return cs__svg_bad(fn, "n is %d, expected 1..%d", n, CS__SVG_MAX_POINTS);
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return cs__svg_bad(fn, "x[%d] is not finite", i);
        if (i > 0 && x[i] < x[i - 1])
            return cs__svg_bad(fn, "x[%d] (%g) is below x[%d] (%g): x must be ascending", i,
                               x[i], i - 1, x[i - 1]);
    }
    int rc = x_labels ? cs__svg_check_names(fn, "x_labels", x_labels, n) : CS_OK;
    if (rc != CS_OK)
        return rc;
    if (!series)
        return cs__svg_bad(fn, "series is NULL");
    if (nseries < 1 || nseries > CS__SVG_MAX_SERIES)
        return cs__svg_bad(fn, "nseries is %d, expected 1..%d", nseries, CS__SVG_MAX_SERIES);
    for (int s = 0; s < nseries; s++) {
        if (!series[s].name)
            return cs__svg_bad(fn, "series[%d].name is NULL", s);
        if (!series[s].y)
            return cs__svg_bad(fn, "series[%d].y is NULL", s);
        if ((rc = cs__svg_check_pair(fn, "series", s, series[s].lo, series[s].hi)) != CS_OK)
            return rc;
    }
    if ((rc = cs__svg_check_range(fn, "ymin", ymin, "ymax", ymax)) != CS_OK)
        return rc;
    size_t start = out->len;
    draw_lines(out, title, x_title, y_title, x, x_labels, n, series, nseries, ymin, ymax);
    return cs__svg_finish(out, start, "a line chart figure");
}
