/* Learning-curve figures: accuracy against a training count on a logarithmic axis, measured
 * means as markers, each fitted curve solid over the measured counts and dashed where it
 * extrapolates, its band, and an optional target line. */
#include "svg_internal.h"

#include <math.h>
#include <stdio.h>

/* A count for a tick label: 500, 2k, 1.5k, 10k, 1M ("k" and "M" for whole hundreds of their unit). */
static const char *count_label(char *dst, size_t cap, double v)
{
    const double unit = v >= 1e6 && fmod(v, 1e5) == 0 ? 1e6 : v >= 1e3 && fmod(v, 1e2) == 0 ? 1e3 : 1;
    char num[48];
    cs__svg_fmt_fixed(num, sizeof num, v / unit, unit > 1 ? (fmod(v, unit) == 0 ? 0 : 1)
                                                           : (v >= 1 ? 0 : cs__svg_step_decimals(v, 6)), MINUS);
    snprintf(dst, cap, "%s%s", num, unit == 1e6 ? "M" : unit == 1e3 ? "k" : "");
    return dst;
}

/* Ticks of a log axis over [10^l0, 10^l1]: 1, 2 and 5 times the powers of ten over up to three
 * decades, the powers alone beyond. Returns the number written (at most cap). */
static int log_ticks(double *t, int cap, double l0, double l1)
{
    static const double mult[3] = { 1, 2, 5 };
    const int every = l1 - l0 <= 3.2 ? 3 : 1;
    int n = 0;
    for (int d = (int)floor(l0); d <= (int)ceil(l1) && n < cap; d++)
        for (int m = 0; m < every && n < cap; m++) {
            double v = mult[m] * pow(10.0, d), lv = log10(v);
            if (lv >= l0 - 1e-9 && lv <= l1 + 1e-9)
                t[n++] = v;
        }
    return n;
}

static void curve_colour(cs__buf *b, int s)
{
    cs__svg_emit(b, " stroke=\"%c\" stroke-width=\"1.8\" stroke-linejoin=\"round\"", cs__svg_tab10[s % 10]);
}

static void draw_curves(cs__buf *b, const char *title, const char *x_title, const char *y_title,
                        const cs__svg_curve *cv, int nc, double target, const char *target_label,
                        double ymin, double ymax)
{
    char tmp[64], tmp2[64];
    double v;

    /* x: log10 of the counts, a 4 % margin each side. */
    double lx0 = HUGE_VAL, lx1 = -HUGE_VAL, lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int s = 0; s < nc; s++) {
        for (int i = 0; i < cv[s].npts; i++) {
            lx0 = fmin(lx0, log10(cv[s].px[i]));
            lx1 = fmax(lx1, log10(cv[s].px[i]));
        }
        if (cv[s].n > 0) {
            lx0 = fmin(lx0, log10(cv[s].x[0]));
            lx1 = fmax(lx1, log10(cv[s].x[cv[s].n - 1]));
        }
        cs__svg_data_range(&lo, &hi, cv[s].py, NULL, NULL, cv[s].npts);
        cs__svg_data_range(&lo, &hi, cv[s].y, cv[s].lo, cv[s].hi, cv[s].n);
    }
    if (!(lx1 > lx0)) {
        lx0 = (lx0 < HUGE_VAL ? lx0 : 0) - 0.5;
        lx1 = lx0 + 1;
    }
    if (isfinite(target))
        lo = fmin(lo, target), hi = fmax(hi, target);
    if (lo > hi)
        lo = 0, hi = 1;
    cs__svg_axis xa = { lx0 - 0.04 * (lx1 - lx0), lx1 + 0.04 * (lx1 - lx0), 1, 0 };
    cs__svg_axis ya = cs__svg_axis_make(isnan(ymin) ? lo : ymin, isnan(ymax) ? hi : ymax, !isnan(ymin),
                                        !isnan(ymax), 5);
    const int dy = ya.decimals + 2;
    double xt[64];
    const int nxt = log_ticks(xt, 64, xa.lo, xa.hi);

    double ylw = 0, nw = 0;
    for (int i = 0; cs__svg_axis_tick(&ya, i, &v); i++)
        ylw = fmax(ylw, cs__svg_text_w(cs__svg_fmt_fixed(tmp, sizeof tmp, v, ya.decimals, MINUS), FS_TICK));
    for (int s = 0; s < nc; s++)
        nw = fmax(nw, cs__svg_text_w(cv[s].name, FS_TICK));
    cs__svg_plot L;
    cs__svg_plot_layout(&L, 460, 300, ylw, nw, nc, title, x_title, y_title);
    const double PW = L.PW, PH = L.PH, tick = L.tick, px = L.px, py = L.py, bot = L.bot, xl_y = L.xl_y;
    const double W = L.W, H = L.H;
#define XP(xv) cs__svg_axis_pos(&xa, log10(xv), px, px + PW)
#define YP(yv) cs__svg_axis_pos(&ya, (yv), bot, py)

    snprintf(tmp, sizeof tmp, "Learning curves of %d series", nc);
    cs__svg_open(b, W, H, title, tmp);
    cs__svg_background(b, W, H);
    cs__svg_caption(b, px + PW / 2, ceil(W), title);

    cs__svg_emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"1\" shape-rendering=\"crispEdges\" d=\"", C_GRID);
    for (int i = 0; cs__svg_axis_tick(&ya, i, &v); i++)
        cs__svg_emit(b, "M%v %vH%v", px, floor(YP(v)) + 0.5, px + PW);
    for (int i = 0; i < nxt; i++)
        cs__svg_emit(b, "M%v %vV%v", floor(XP(xt[i])) + 0.5, py, bot);
    cs__svg_emit(b, "\"/>\n");

    /* Bands, one polygon per run of finite bounds. */
    for (int s = 0; s < nc; s++) {
        const cs__svg_curve *C = &cv[s];
        for (int i = 0; C->lo && i < C->n;) {
            if (!isfinite(C->lo[i]) || !isfinite(C->hi[i])) {
                i++;
                continue;
            }
            int j = i;
            while (j + 1 < C->n && isfinite(C->lo[j + 1]) && isfinite(C->hi[j + 1]))
                j++;
            if (j > i) {
                cs__svg_emit(b, "<path fill=\"%c\" fill-opacity=\"0.12\" stroke=\"none\" d=\"", cs__svg_tab10[s % 10]);
                for (int q = i; q <= j; q++)
                    cs__svg_emit(b, "%s%v %v", q == i ? "M" : "L", XP(C->x[q]),
                                 YP(cs__svg_clamp(C->hi[q], ya.lo, ya.hi)));
                for (int q = j; q >= i; q--)
                    cs__svg_emit(b, "L%v %v", XP(C->x[q]), YP(cs__svg_clamp(C->lo[q], ya.lo, ya.hi)));
                cs__svg_emit(b, "Z\"/>\n");
            }
            i = j + 1;
        }
    }

    if (isfinite(target) && target >= ya.lo && target <= ya.hi) {
        cs__svg_emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"1\" stroke-dasharray=\"4 3\" d=\"M%v %vH%v\"/>\n",
                     C_MUTED, px, YP(target), px + PW);
        if (cs__svg_has_text(target_label))
            cs__svg_emit(b, "<text x=\"%v\" y=\"%v\" font-size=\"%v\" fill=\"%c\" text-anchor=\"end\">%x</text>\n",
                         px + PW - 4, YP(target) - 4, FS_TICK, C_MUTED, target_label);
    }

    for (int s = 0; s < nc; s++) {
        const cs__svg_curve *C = &cv[s];
        cs__svg_emit(b, "<g data-series=\"%d\">\n<title>%x</title>\n", s, C->name);
        /* The curve: the measured range solid, the extrapolation dashed. */
        for (int dashed = 0; dashed < 2 && C->n > 1; dashed++) {
            cs__svg_emit(b, "<path fill=\"none\"");
            curve_colour(b, s);
            if (dashed)
                cs__svg_emit(b, " stroke-dasharray=\"5 3\"");
            cs__svg_emit(b, " d=\"");
            int pen = 0;
            for (int i = 1; i < C->n; i++) {
                int beyond = C->x[i - 1] >= C->x_split;
                if (beyond != dashed || !isfinite(C->y[i - 1]) || !isfinite(C->y[i])) {
                    pen = 0;
                    continue;
                }
                double ax = XP(C->x[i - 1]), ay = YP(C->y[i - 1]), bx = XP(C->x[i]), by = YP(C->y[i]);
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
        }
        for (int i = 0; i < C->npts; i++) {
            double yv = C->py[i];
            if (!isfinite(yv) || yv < ya.lo || yv > ya.hi)
                continue;
            cs__svg_emit(b, "<circle cx=\"%v\" cy=\"%v\" r=\"3.2\" fill=\"%c\" stroke=\"#fff\" stroke-width=\"0.8\">"
                            "<title>%x, %s: %s</title></circle>\n",
                         XP(C->px[i]), YP(yv), cs__svg_tab10[s % 10], C->name,
                         cs__svg_fmt_fixed(tmp2, sizeof tmp2, C->px[i], 0, MINUS),
                         cs__svg_fmt_fixed(tmp, sizeof tmp, yv, dy, MINUS));
        }
        cs__svg_emit(b, "</g>\n");
    }

    cs__svg_emit(b, "<rect x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"none\" stroke=\"%c\" "
            "stroke-width=\"0.8\"/>\n", px, py, PW, PH, C_AXIS);
    cs__svg_emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"0.8\" d=\"", C_AXIS);
    for (int i = 0; cs__svg_axis_tick(&ya, i, &v); i++)
        cs__svg_emit(b, "M%v %vh%v", px - tick, YP(v), tick);
    for (int i = 0; i < nxt; i++)
        cs__svg_emit(b, "M%v %vv%v", XP(xt[i]), bot, tick);
    cs__svg_emit(b, "\"/>\n<g font-size=\"%v\" fill=\"%c\">\n", FS_TICK, C_TEXT);
    for (int i = 0; cs__svg_axis_tick(&ya, i, &v); i++)
        cs__svg_text_at(b, px - tick - 3, YP(v) + 0.36 * FS_TICK, "end",
                        cs__svg_fmt_fixed(tmp, sizeof tmp, v, ya.decimals, MINUS));
    double last = -HUGE_VAL; /* right edge of the last label drawn */
    for (int i = 0; i < nxt; i++) {
        const char *s = count_label(tmp, sizeof tmp, xt[i]);
        double cx = XP(xt[i]), w = cs__svg_text_w(s, FS_TICK);
        if (cx - w / 2 < last + 6)
            continue;
        cs__svg_text_at(b, cx, xl_y, "middle", s);
        last = cx + w / 2;
    }
    cs__svg_emit(b, "</g>\n");
    cs__svg_plot_titles(b, &L, x_title, y_title);

    cs__svg_plot_legend(b, &L);
    for (int s = 0; s < nc; s++)
        cs__svg_plot_legend_entry(b, &L, s, cv[s].name, cv[s].n > 1 ? curve_colour : NULL, 3.2);
    cs__svg_emit(b, "</g>\n</svg>\n");
#undef XP
#undef YP
}

int cs__svg_curves(cs__buf *out, const char *title, const char *x_title, const char *y_title,
                   const cs__svg_curve *curves, int ncurves, double target, const char *target_label,
                   double ymin, double ymax)
{
    static const char fn[] = "cs__svg_curves";
    if (!out)
        return cs__svg_bad(fn, "out is NULL");
    if (!curves)
        return cs__svg_bad(fn, "curves is NULL");
    if (ncurves < 1 || ncurves > CS__SVG_MAX_SERIES)
        return cs__svg_bad(fn, "ncurves is %d, expected 1..%d", ncurves, CS__SVG_MAX_SERIES);
    int rc;
    for (int s = 0; s < ncurves; s++) {
        const cs__svg_curve *C = &curves[s];
        if (!C->name)
            return cs__svg_bad(fn, "curves[%d].name is NULL", s);
        if (C->npts < 0 || C->npts > CS__SVG_MAX_POINTS)
            return cs__svg_bad(fn, "curves[%d].npts is %d, expected 0..%d", s, C->npts, CS__SVG_MAX_POINTS);
        if (C->npts > 0 && (!C->px || !C->py))
            return cs__svg_bad(fn, "curves[%d]: px or py is NULL", s);
        for (int i = 0; i < C->npts; i++)
            if (!(isfinite(C->px[i]) && C->px[i] > 0))
                return cs__svg_bad(fn, "curves[%d].px[%d] is %g, expected a finite count > 0", s, i, C->px[i]);
        if (C->n < 0 || C->n == 1 || C->n > CS__SVG_MAX_POINTS)
            return cs__svg_bad(fn, "curves[%d].n is %d, expected 0 or 2..%d", s, C->n, CS__SVG_MAX_POINTS);
        if (C->n > 0 && (!C->x || !C->y))
            return cs__svg_bad(fn, "curves[%d]: x or y is NULL", s);
        for (int i = 0; i < C->n; i++) {
            if (!(isfinite(C->x[i]) && C->x[i] > 0))
                return cs__svg_bad(fn, "curves[%d].x[%d] is %g, expected a finite count > 0", s, i, C->x[i]);
            if (i > 0 && !(C->x[i] > C->x[i - 1]))
                return cs__svg_bad(fn, "curves[%d].x[%d] (%g) is not above x[%d] (%g): x must be increasing", s,
                                   i, C->x[i], i - 1, C->x[i - 1]);
        }
        if ((rc = cs__svg_check_pair(fn, "curves", s, C->lo, C->hi)) != CS_OK)
            return rc;
        if (isnan(C->x_split))
            return cs__svg_bad(fn, "curves[%d].x_split is NaN", s);
    }
    if (isinf(target))
        return cs__svg_bad(fn, "target is infinite");
    if ((rc = cs__svg_check_range(fn, "ymin", ymin, "ymax", ymax)) != CS_OK)
        return rc;
    size_t start = out->len;
    draw_curves(out, title, x_title, y_title, curves, ncurves, target, target_label, ymin, ymax);
    return cs__svg_finish(out, start, "a learning-curve figure");
}
