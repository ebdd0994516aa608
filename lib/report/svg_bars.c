/* Bar figures: horizontal bars with whiskers, panels side by side on one value axis. */
#include "svg_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void draw_bars(cs__buf *b, const char *title, const char *value_title,
                      const cs__svg_bar_panel *panels, int npanels, double vmin, double vmax)
{
    const double PW = 200, RH = 22, BH = 14, tick = 4, FS_VAL = 10.5, gap = 30;
    char tmp[64], lo_s[64], hi_s[64];

    double lo = 0, hi = 0; /* 0 is always in the automatic range */
    for (int p = 0; p < npanels; p++)
        cs__svg_data_range(&lo, &hi, panels[p].value, panels[p].lo, panels[p].hi, panels[p].n);
    cs__svg_axis ax = cs__svg_axis_make(isnan(vmin) ? lo : vmin, isnan(vmax) ? hi : vmax, !isnan(vmin),
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
        any_ptitle |= cs__svg_has_text(panels[p].title);
        for (int i = 0; i < panels[p].n; i++)
            valw = fmax(valw, cs__svg_text_w(isfinite(panels[p].value[i])
                                         ? cs__svg_fmt_fixed(tmp, sizeof tmp, panels[p].value[i], dv, MINUS)
                                         : DASH, FS_VAL));
    }
    const double py = PAD + cs__svg_caption_h(title) + (any_ptitle ? FS_AXIS + 10 : 0);
    const double PH = nmax * RH + 8;
    double px[CS__SVG_MAX_PANELS], lw[CS__SVG_MAX_PANELS], x0 = PAD;
    for (int p = 0; p < npanels; p++) {
        lw[p] = 0;
        for (int i = 0; i < panels[p].n; i++)
            lw[p] = fmax(lw[p], cs__svg_text_w(panels[p].labels[i], FS_TICK));
        double body = lw[p] + 8 + PW + 8 + valw;
        double tw = cs__svg_has_text(panels[p].title) ? cs__svg_text_w(panels[p].title, FS_AXIS) * 1.05 : 0;
        px[p] = x0 + fmax(0, (tw - body) / 2) + lw[p] + 8;
        x0 += fmax(body, tw) + gap;
    }
    double W = x0 - gap + PAD;
    const double ox = cs__svg_fit_caption(&W, title), left = PAD + ox, right = x0 - gap + ox;
    for (int p = 0; p < npanels; p++)
        px[p] += ox;
    const double ax_y = py + PH, xl_y = ax_y + tick + 3 + 0.8 * FS_TICK;
    const double vt_y = xl_y + 0.2 * FS_TICK + 8 + 0.8 * FS_AXIS;
    const double H = (cs__svg_has_text(value_title) ? vt_y + 0.25 * FS_AXIS : xl_y + 0.2 * FS_TICK) + PAD;

    snprintf(tmp, sizeof tmp, "Bar chart in %d panel%s", npanels, npanels > 1 ? "s" : "");
    cs__svg_open(b, W, H, title, tmp);
    cs__svg_background(b, W, H);
    cs__svg_caption(b, (left + right) / 2, ceil(W), title);

    for (int p = 0; p < npanels; p++) {
        const cs__svg_bar_panel *P = &panels[p];
        const double X0 = px[p], X1 = X0 + PW;
        double v;
        cs__svg_emit(b, "<g data-panel=\"%d\">\n", p);
        if (cs__svg_has_text(P->title))
            cs__svg_emit(b, "<text x=\"%v\" y=\"%v\" font-size=\"%v\" font-weight=\"600\" text-anchor=\"middle\" "
                    "fill=\"%c\">%x</text>\n", (X0 - lw[p] - 8 + X1 + 8 + valw) / 2,
                         py - 10 - 0.2 * FS_AXIS, FS_AXIS, C_TEXT, P->title);
        cs__svg_emit(
            b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"1\" shape-rendering=\"crispEdges\" d=\"",
            C_GRID);
        for (int i = 0; cs__svg_axis_tick(&ax, i, &v); i++)
            cs__svg_emit(b, "M%v %vV%v", floor(cs__svg_axis_pos(&ax, v, X0, X1)) + 0.5, py, ax_y);
        cs__svg_emit(b, "\"/>\n");

        const double zero = cs__svg_axis_pos(&ax, cs__svg_clamp(0, ax.lo, ax.hi), X0, X1);
        for (int i = 0; i < P->n; i++) {
            double val = P->value[i], yc = py + 4 + (i + 0.5) * RH;
            int c = 0;
            while (ndistinct <= 10 && strcmp(distinct[c], P->labels[i]) != 0)
                c++;
            if (isfinite(val)) {
                double xv = cs__svg_axis_pos(&ax, cs__svg_clamp(val, ax.lo, ax.hi), X0, X1);
                cs__svg_emit(b, "<rect data-bar=\"%d,%d\" x=\"%v\" y=\"%v\" width=\"%v\" height=\"%v\" fill=\"%c\">",
                             p, i, fmin(zero, xv), yc - BH / 2, fabs(xv - zero), BH,
                             cs__svg_tab10[ndistinct <= 10 ? c : 0]);
                cs__svg_fmt_fixed(tmp, sizeof tmp, val, dv, MINUS);
                if (P->lo && (isfinite(P->lo[i]) || isfinite(P->hi[i])))
                    cs__svg_emit(b, "<title>%x: %x [%x, %x]</title></rect>\n", P->labels[i], tmp,
                                 isfinite(P->lo[i]) ? cs__svg_fmt_fixed(lo_s, sizeof lo_s, P->lo[i], dv, MINUS) : DASH,
                                 isfinite(P->hi[i]) ? cs__svg_fmt_fixed(hi_s, sizeof hi_s, P->hi[i], dv, MINUS) : DASH);
                else
                    cs__svg_emit(b, "<title>%x: %x</title></rect>\n", P->labels[i], tmp);
            }
            if (P->lo) {
                double l = isfinite(P->lo[i]) ? P->lo[i] : val, h = isfinite(P->hi[i]) ? P->hi[i] : val;
                if (isfinite(l) && isfinite(h) && (isfinite(P->lo[i]) || isfinite(P->hi[i]))) {
                    double xl = cs__svg_axis_pos(&ax, cs__svg_clamp(l, ax.lo, ax.hi), X0, X1);
                    double xh = cs__svg_axis_pos(&ax, cs__svg_clamp(h, ax.lo, ax.hi), X0, X1);
                    cs__svg_emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"1.2\" d=\"M%v %vH%v",
                                 C_TEXT, xl, yc, xh);
                    if (isfinite(P->lo[i]))
                        cs__svg_emit(b, "M%v %vv%v", xl, yc - 4, 8.0);
                    if (isfinite(P->hi[i]))
                        cs__svg_emit(b, "M%v %vv%v", xh, yc - 4, 8.0);
                    cs__svg_emit(b, "\"/>\n");
                }
            }
        }
        cs__svg_emit(b, "<path fill=\"none\" stroke=\"%c\" stroke-width=\"0.8\" d=\"M%v %vV%vM%v %vH%v",
                     C_AXIS, zero, py, ax_y, X0, ax_y, X1);
        for (int i = 0; cs__svg_axis_tick(&ax, i, &v); i++)
            cs__svg_emit(b, "M%v %vv%v", cs__svg_axis_pos(&ax, v, X0, X1), ax_y, tick);
        cs__svg_emit(b, "\"/>\n<g font-size=\"%v\" fill=\"%c\">\n", FS_TICK, C_TEXT);
        for (int i = 0; i < P->n; i++)
            cs__svg_text_at(b, X0 - 6, py + 4 + (i + 0.5) * RH + 0.36 * FS_TICK, "end", P->labels[i]);
        cs__svg_tick_labels_x(b, &ax, X0, X1, xl_y);
        cs__svg_emit(b, "</g>\n<g font-size=\"%v\" fill=\"%c\" text-anchor=\"end\">\n", FS_VAL, C_MUTED);
        for (int i = 0; i < P->n; i++)
            cs__svg_text_at(b, X1 + 8 + valw, py + 4 + (i + 0.5) * RH + 0.36 * FS_VAL, NULL,
                            isfinite(P->value[i]) ? cs__svg_fmt_fixed(tmp, sizeof tmp, P->value[i], dv, MINUS) : DASH);
        cs__svg_emit(b, "</g>\n</g>\n");
    }
    if (cs__svg_has_text(value_title))
        cs__svg_emit(b, "<text x=\"%v\" y=\"%v\" font-size=\"%v\" text-anchor=\"middle\" fill=\"%c\">%x</text>\n",
                     (left + right) / 2, vt_y, FS_AXIS, C_TEXT, value_title);
    cs__svg_emit(b, "</svg>\n");
}

int cs__svg_bars(cs__buf *out, const char *title, const char *value_title,
                 const cs__svg_bar_panel *panels, int npanels, double vmin, double vmax)
{
    static const char fn[] = "cs__svg_bars";
    if (!out)
        return cs__svg_bad(fn, "out is NULL");
    if (!panels)
        return cs__svg_bad(fn, "panels is NULL");
    if (npanels < 1 || npanels > CS__SVG_MAX_PANELS)
        return cs__svg_bad(fn, "npanels is %d, expected 1..%d", npanels, CS__SVG_MAX_PANELS);
    for (int p = 0; p < npanels; p++) {
        const cs__svg_bar_panel *P = &panels[p];
        char what[48];
        if (P->n < 1 || P->n > CS__SVG_MAX_CLASSES)
            return cs__svg_bad(fn, "panels[%d].n is %d, expected 1..%d", p, P->n,
                               CS__SVG_MAX_CLASSES);
        snprintf(what, sizeof what, "panels[%d].labels", p);
        int rc = cs__svg_check_names(fn, what, P->labels, P->n);
        if (rc == CS_OK && !P->value)
            rc = cs__svg_bad(fn, "panels[%d].value is NULL", p);
        if (rc == CS_OK)
            rc = cs__svg_check_pair(fn, "panels", p, P->lo, P->hi);
        if (rc != CS_OK)
            return rc;
    }
    int rc = cs__svg_check_range(fn, "vmin", vmin, "vmax", vmax);
    if (rc != CS_OK)
        return rc;
    size_t start = out->len;
    draw_bars(out, title, value_title, panels, npanels, vmin, vmax);
    return cs__svg_finish(out, start, "a bar chart figure");
}
