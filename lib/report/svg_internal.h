/* Internal to the SVG figures: the layout constants and the primitives that svg_common.c
 * gives the figure files (svg_matrix.c, svg_bars.c, svg_lines.c). svg.h is what the report
 * uses. */
#ifndef CS_REPORT_SVG_INTERNAL_H
#define CS_REPORT_SVG_INTERNAL_H

#include <stddef.h>

#include "svg.h"

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

/* Tableau 10: series colours, in order. */
extern const unsigned cs__svg_tab10[10];

/* ---- numbers and text ---- */

double cs__svg_clamp(double v, double lo, double hi);
/* v with `d` decimals (0..9) into dst, C notation, using `minus` for negative numbers and
 * never printing a negative zero; returns dst. */
const char *cs__svg_fmt_fixed(char *dst, size_t cap, double v, int d, const char *minus);
/* Append fmt with %v a coordinate (double, 0.1 px resolution), %d an int, %s a raw string,
 * %x an XML-escaped string, %c a colour (unsigned 0xRRGGBB), %% a percent sign. */
void cs__svg_emit(cs__buf *b, const char *fmt, ...);
size_t cs__svg_utf8_chars(const char *s);
/* Estimated width of s at font size fs. */
double cs__svg_text_w(const char *s, double fs);
int cs__svg_has_text(const char *s);

/* ---- axes ---- */

typedef struct cs__svg_axis {
    double lo, hi, step;
    int decimals;
} cs__svg_axis;

/* Digits after the decimal point that print a multiple of `step` exactly (at most `max`). */
int cs__svg_step_decimals(double step, int max);
/* Ticks in 1-2-5 steps over [lo, hi]; an end that is not fixed moves out to a tick. */
cs__svg_axis cs__svg_axis_make(double lo, double hi, int lo_fixed, int hi_fixed, double target);
/* Tick i of an axis; returns 0 past the last one. */
int cs__svg_axis_tick(const cs__svg_axis *a, int i, double *v);
double cs__svg_axis_pos(const cs__svg_axis *a, double v, double p0, double p1);
/* Tick labels centred under their ticks at baseline y. */
void cs__svg_tick_labels_x(cs__buf *b, const cs__svg_axis *a, double x0, double x1, double y);

/* Clip the segment (x0, y0)-(x1, y1) to ytop <= y <= ybot (pixels, ytop above); 0 when nothing
 * is left. */
int cs__svg_clip_y(double *x0, double *y0, double *x1, double *y1, double ytop, double ybot);

/* ---- framing ---- */

/* The layout of a plot: a PW x PH plot area with y tick labels (widest ylw) and an optional y
 * title on its left, the caption above, x tick labels and an optional x title below, and a
 * legend of nseries entries (widest name nw) in columns of `rows` on its right. */
typedef struct cs__svg_plot {
    double PW, PH, tick, RH;
    double px, py, bot;     /* plot area: left, top, bottom */
    double ox;              /* shift that centres the content under a wide caption */
    double lx, lgw, lgh, colw;
    int rows;
    double xl_y, xt_y;      /* baselines of the x tick labels and of the x title */
    double W, H;
} cs__svg_plot;
void cs__svg_plot_layout(cs__svg_plot *p, double PW, double PH, double ylw, double nw, int nseries,
                         const char *title, const char *x_title, const char *y_title);
/* The axis titles of a laid-out plot (either may be NULL or ""). */
void cs__svg_plot_titles(cs__buf *b, const cs__svg_plot *p, const char *x_title, const char *y_title);
/* The legend's frame, opening its text group (close it with "</g>"). */
void cs__svg_plot_legend(cs__buf *b, const cs__svg_plot *p);
/* Legend entry s: a line sample drawn with `line`'s stroke attributes (NULL: none), a marker of
 * radius r in the series colour, the name. */
typedef void (*cs__svg_style_fn)(cs__buf *b, int s);
void cs__svg_plot_legend_entry(cs__buf *b, const cs__svg_plot *p, int s, const char *name, cs__svg_style_fn line,
                               double r);

/* The root element and its <title>; every figure then calls cs__svg_background(). */
void cs__svg_open(cs__buf *b, double w, double h, const char *title, const char *fallback);
void cs__svg_background(cs__buf *b, double w, double h);
void cs__svg_text_at(cs__buf *b, double x, double y, const char *anchor, const char *s);
/* Text rotated by -90° (reading upwards), centred on (x, y) along its length. */
void cs__svg_text_up(cs__buf *b, double x, double y, double fs, const char *s);
/* The figure's title, centred on cx unless that leaves the figure of width W. */
void cs__svg_caption(cs__buf *b, double cx, double W, const char *title);
double cs__svg_caption_h(const char *title);
/* Widens *W to the caption when needed; returns the shift that centres the content. */
double cs__svg_fit_caption(double *W, const char *title);
/* Ends a figure: checks the buffer and on failure drops what was appended since `start`. */
int cs__svg_finish(cs__buf *out, size_t start, const char *what);

/* ---- argument checks (CS_ERR_INVALID_ARGUMENT, "fn: ...") ---- */

int cs__svg_bad(const char *fn, const char *fmt, ...) CS__PRINTF(2, 3);
int cs__svg_check_names(const char *fn, const char *arg, const char *const *names, int n);
/* lo and hi both NULL or both set. */
int cs__svg_check_pair(const char *fn, const char *what, int i, const double *lo, const double *hi);
/* A range whose ends may each be NaN ("from the data") but not infinite nor inverted. */
int cs__svg_check_range(const char *fn, const char *lo_name, double lo, const char *hi_name,
                        double hi);
/* Widen [*lo, *hi] to the finite values of up to three arrays (each may be NULL). */
void cs__svg_data_range(double *lo, double *hi, const double *a, const double *b,
                        const double *c, int n);

#endif
