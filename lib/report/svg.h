/* Internal: SVG figures of the report (confusion matrices, weakest-class bars, per-class
 * accuracy curves, correlation tables).
 *
 * Each function appends one complete <svg> element to `out`: standalone as a .svg file and
 * safe to paste inline into an HTML page several times (no id, no class, no script, no
 * external reference, presentation attributes only), with a <title> child for accessibility.
 * Sizes follow the content; numbers are written in the C locale's notation whatever
 * LC_NUMERIC says; the same input always gives the same bytes.
 *
 * Every function returns CS_OK, CS_ERR_INVALID_ARGUMENT (a NULL pointer, a count out of
 * range, a NULL name, an inverted or infinite range; the message names the argument) or
 * CS_ERR_OUT_OF_MEMORY. On failure nothing is appended: out->len is back where it was. */
#ifndef CS_REPORT_SVG_H
#define CS_REPORT_SVG_H

#include "core/buf.h"

/* Limits of the counts accepted (classes or matrix order, bars per panel, panels, points,
 * series). */
#define CS__SVG_MAX_CLASSES 256
#define CS__SVG_MAX_PANELS 16
#define CS__SVG_MAX_POINTS 10000
#define CS__SVG_MAX_SERIES 256

typedef struct cs__svg_matrix {
    const char *title;            /* caption at the top, e.g. "resnet18 — baseline (mean of 5)";
                                     NULL or "": none */
    int k;                        /* classes, 1..CS__SVG_MAX_CLASSES */
    const char *const *names;     /* k class names (any UTF-8; escaped) */
    const double *values;         /* k*k, row-major [truth][pred]: what the colour shows;
                                     a non-finite value draws a light grey cell with "–" */
    const double *labels;         /* k*k numbers printed in the cells, or NULL to print values */
    int label_decimals;           /* digits after the decimal point of the cell text, 0..6 */
    int diverging;                /* 0: sequential white -> dark blue over [0, vmax];
                                     1: diverging red (negative) - white (0) - blue (positive)
                                        over [-vmax, vmax] */
    double vmax;                  /* colour scale limit; <= 0 or NaN: from the data (max, or
                                     max |v| rounded up to two significant digits) */
    const char *x_title;          /* NULL: "ground truth"; "": none */
    const char *y_title;          /* NULL: "prediction"; "": none */
    const char *scale_title;      /* caption of the colour bar, e.g. "count"; NULL or "": none */
} cs__svg_matrix;

/* A confusion matrix as in the reference study: ground truth along the bottom (column t),
 * predictions on the left (row p, row 0 at the top), so values[t * k + p] is drawn at column
 * t, row p. Each cell rect carries data-cell="t,p". Cell text is omitted for k > 30; class
 * names are thinned out when the cells are too small for a readable font. A colour bar
 * made of discrete rects sits on the right; diagonal cells get a thin outline. */
int cs__svg_confusion(cs__buf *out, const cs__svg_matrix *m);

typedef struct cs__svg_bar_panel {
    const char *title;           /* e.g. "30 % noise"; NULL or "": none */
    int n;                       /* bars, 1..CS__SVG_MAX_CLASSES */
    const char *const *labels;   /* n bar labels (class names) */
    const double *value;         /* n values (non-finite: no bar, "–") */
    const double *lo, *hi;       /* n interval bounds each, or both NULL; a non-finite bound
                                    draws no whisker on that side */
} cs__svg_bar_panel;

/* Horizontal bar charts, panels side by side sharing one value axis [vmin, vmax] (NaN: from
 * the data, whiskers included, always including 0, widened to round ticks). Values are also
 * printed in a column right of each panel. When the panels hold at most 10 distinct labels,
 * a label keeps its colour in every panel (Tableau 10 in order of first appearance). */
int cs__svg_bars(cs__buf *out, const char *title, const char *value_title,
                 const cs__svg_bar_panel *panels, int npanels, double vmin, double vmax);

typedef struct cs__svg_series {
    const char *name;            /* legend entry, e.g. a class name */
    const double *y;             /* n values (non-finite: a gap) */
    const double *lo, *hi;       /* n band bounds, or both NULL: a translucent band in the
                                    series colour, interrupted where a bound is not finite */
} cs__svg_series;

/* Line chart with markers. x: n finite values in ascending (non-decreasing) order, not
 * necessarily evenly spaced; x_labels: NULL (numeric ticks) or n tick labels for the points
 * (labels that would overlap are skipped). y range [ymin, ymax] (NaN: from the data, bands
 * included, widened to round ticks); lines leaving the range are clipped at the frame.
 * Ticks in 1-2-5 steps with light grid lines; a legend on the right; colours from the
 * Tableau 10 palette, with a dash pattern from the 11th series on. */
int cs__svg_lines(cs__buf *out, const char *title, const char *x_title, const char *y_title,
                  const double *x, const char *const *x_labels, int n,
                  const cs__svg_series *series, int nseries, double ymin, double ymax);

typedef struct cs__svg_curve {
    const char *name;            /* legend entry, e.g. a class name */
    int npts;                    /* measured points, 0..CS__SVG_MAX_POINTS */
    const double *px, *py;       /* npts counts (finite, > 0) and values (non-finite: not drawn) */
    int n;                       /* samples of the fitted curve: 0 (none) or 2..CS__SVG_MAX_POINTS */
    const double *x, *y;         /* n counts (finite, > 0, increasing) and the curve's values */
    const double *lo, *hi;       /* n band bounds, or both NULL (a non-finite bound: no band there) */
    double x_split;              /* the curve is solid where it starts below this count and dashed
                                    from it on (the extrapolation); include it among the x */
} cs__svg_curve;

/* Learning curves: values against counts on a logarithmic x axis (ticks at 1, 2 and 5 times the
 * powers of ten over up to three decades, the powers beyond; labels 500, 2k, 1M). Each curve in
 * its Tableau 10 colour: a translucent band, the fitted line solid up to x_split and dashed after
 * it, the measured points as markers with a tooltip. target: a dashed horizontal line with
 * target_label at its right end (NaN: none). y range as cs__svg_lines. */
int cs__svg_curves(cs__buf *out, const char *title, const char *x_title, const char *y_title,
                   const cs__svg_curve *curves, int ncurves, double target, const char *target_label,
                   double ymin, double ymax);

/* A heat table of a symmetric m×m matrix such as the pairwise Spearman correlations between
 * models: names on both axes, values printed with 2 decimals, diverging colours over [-1, 1].
 * v is row-major; v[i * m + j] is drawn at column i, row j (data-cell="i,j"). */
int cs__svg_square(cs__buf *out, const char *title, int m, const char *const *names,
                   const double *v);

#endif
