/* SVG figures: well-formed standalone elements, the confusion-matrix orientation of the
 * reference study, escaping, missing values, colour scales, determinism, locale independence
 * and argument checking. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "fixtures.h"
#include "report/svg.h"

/* ------------------------------------------------------------------ helpers -- */

/* A tiny XML checker: one root <svg>, every tag closed in order, attribute values quoted,
 * no raw '<' in values, every '&' a known entity. Returns NULL or what is wrong. */
static const char *entity_end(const char *p)
{
    static const char *const known[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strncmp(p, known[i], strlen(known[i])) == 0)
            return p + strlen(known[i]);
    return NULL;
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == ':' || c == '_';
}

static const char *xml_problem(const char *s)
{
    static char why[160];
    const char *stack[64];
    size_t lens[64];
    int depth = 0, roots = 0;
    for (const char *p = s; *p;) {
        if (*p == '&') {
            if (!(p = entity_end(p)))
                return "raw & in text";
            continue;
        }
        if (*p != '<') {
            if (depth == 0 && *p != '\n' && *p != ' ')
                return "text outside the root element";
            p++;
            continue;
        }
        if (p[1] == '/') {
            const char *n = p + 2, *e = n;
            while (name_char(*e))
                e++;
            if (depth == 0 || (size_t)(e - n) != lens[depth - 1] ||
                strncmp(n, stack[depth - 1], lens[depth - 1]) != 0 || *e != '>') {
                snprintf(why, sizeof why, "unbalanced close tag at byte %zu", (size_t)(p - s));
                return why;
            }
            depth--;
            p = e + 1;
            continue;
        }
        const char *n = p + 1, *e = n;
        while (name_char(*e))
            e++;
        if (e == n)
            return "raw < in text";
        if (depth == 0 && (roots++ > 0 || strncmp(n, "svg", 3) != 0 || e - n != 3))
            return "not exactly one <svg> root";
        p = e;
        for (;;) {
            while (*p == ' ' || *p == '\n')
                p++;
            if (p[0] == '/' && p[1] == '>') {
                p += 2;
                break;
            }
            if (*p == '>') {
                if (depth == 64)
                    return "too deep";
                stack[depth] = n;
                lens[depth++] = (size_t)(e - n);
                p++;
                break;
            }
            const char *a = p;
            while (name_char(*p))
                p++;
            if (p == a || p[0] != '=' || p[1] != '"') {
                snprintf(why, sizeof why, "bad attribute at byte %zu", (size_t)(a - s));
                return why;
            }
            for (p += 2; *p != '"'; ) {
                if (!*p || *p == '<')
                    return "unterminated attribute value or raw < in it";
                if (*p == '&') {
                    if (!(p = entity_end(p)))
                        return "raw & in an attribute";
                } else {
                    p++;
                }
            }
            p++;
        }
    }
    if (depth != 0)
        return "unclosed element at the end";
    return roots == 1 ? NULL : "no root element";
}

#define assert_well_formed(s)                                                                 \
    do {                                                                                      \
        const char *why_ = xml_problem(s);                                                    \
        ck_assert_msg(why_ == NULL, "not well-formed: %s", why_);                             \
    } while (0)

/* Occurrences of needle; no strstr, whose every call ASan's strict_string_checks makes scan
 * the whole (megabyte) figure. */
static int count(const char *s, const char *needle)
{
    size_t m = strlen(needle);
    int n = 0;
    for (const char *p = s; *p; p++)
        n += *p == *needle && strncmp(p, needle, m) == 0;
    return n;
}

/* Numeric attribute `name` of the element carrying `marker` (e.g. data-cell="1,2"). */
static double attr_of(const char *s, const char *marker, const char *name)
{
    const char *p = strstr(s, marker);
    ck_assert_msg(p != NULL, "no element with %s", marker);
    const char *end = strchr(p, '>');
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *a = strstr(p, key);
    ck_assert_msg(a != NULL && a < end, "no %s on %s", name, marker);
    return strtod(a + strlen(key), NULL);
}

/* The x of the <text> element that ends with `tail` (e.g. ">1k</text>"). */
static double text_x(const char *s, const char *tail)
{
    const char *p = strstr(s, tail);
    ck_assert_msg(p != NULL, "no text %s", tail);
    while (p > s && strncmp(p, "<text ", 6) != 0)
        p--;
    return attr_of(p, "<text ", "x");
}

/* The attribute text (up to the quote) into dst. */
static const char *attr_str(char *dst, size_t cap, const char *s, const char *marker,
                            const char *name)
{
    const char *p = strstr(s, marker);
    ck_assert_msg(p != NULL, "no element with %s", marker);
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *a = strstr(p, key);
    ck_assert_ptr_nonnull(a);
    a += strlen(key);
    size_t n = (size_t)(strchr(a, '"') - a);
    ck_assert_uint_lt(n, cap);
    memcpy(dst, a, n);
    dst[n] = '\0';
    return dst;
}

/* Checks every figure must pass: one standalone, inline-safe <svg>. */
static void assert_standalone(const char *s)
{
    assert_well_formed(s);
    ck_assert_msg(strncmp(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", 47) == 0,
                  "starts with %.60s", s);
    ck_assert_ptr_nonnull(strstr(s, "role=\"img\""));
    ck_assert_ptr_nonnull(strstr(s, "font-family=\"sans-serif\""));
    ck_assert_msg(strstr(s, "\">\n<title>") != NULL, "the first child is not <title>");
    double w = attr_of(s, "<svg", "width"), h = attr_of(s, "<svg", "height");
    char vb[64], want[64];
    snprintf(want, sizeof want, "0 0 %.0f %.0f", w, h);
    ck_assert_str_eq(attr_str(vb, sizeof vb, s, "<svg", "viewBox"), want);
    ck_assert(w > 50 && h > 50 && w < 5000 && h < 5000);
    /* Nothing that could clash with or reach outside an HTML page. */
    ck_assert_ptr_null(strstr(s, " id="));
    ck_assert_ptr_null(strstr(s, " class="));
    ck_assert_ptr_null(strstr(s, "<script"));
    ck_assert_ptr_null(strstr(s, "href"));
    ck_assert_ptr_null(strstr(s, "url("));
    ck_assert_ptr_null(strstr(s, "<style"));
    ck_assert_ptr_null(strstr(s, "nan"));
    ck_assert_ptr_null(strstr(s, "inf"));
}

static const char *const fashion[10] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
static const char *const abcd[4] = { "a", "b", "c", "d" };

/* A k×k confusion-like matrix: strong diagonal, cell (t, p) distinct. */
static void fill_counts(double *v, int k)
{
    for (int t = 0; t < k; t++)
        for (int p = 0; p < k; p++)
            v[t * k + p] = t == p ? 900 + t : (double)((t * 7 + p * 3) % 50);
}

static cs__svg_matrix counts_matrix(int k, const char *const *names, const double *v)
{
    cs__svg_matrix m = { "model — baseline", k, names, v, NULL, 0, 0, 0, NULL, NULL, "count" };
    return m;
}

/* -------------------------------------------------------------------- tests -- */

START_TEST(confusion_is_one_standalone_svg_with_k_squared_cells)
{
    double v[100];
    fill_counts(v, 10);
    cs__svg_matrix m = counts_matrix(10, fashion, v);
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_confusion(&b, &m));
    const char *s = cs__buf_str(&b);
    assert_standalone(s);
    ck_assert_int_eq(count(s, "data-cell=\""), 100);
    ck_assert_ptr_nonnull(strstr(s, "<title>model — baseline</title>"));
    ck_assert_ptr_nonnull(strstr(s, ">ground truth</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">prediction</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">count</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">Ankle boot</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">T-shirt/top</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">909</text>")); /* counts in the cells */
    ck_assert_str_eq(s + b.len - 7, "</svg>\n");
    cs__buf_free(&b);
}
END_TEST

START_TEST(confusion_puts_ground_truth_along_x_and_predictions_down_y)
{
    double v[16];
    fill_counts(v, 4);
    v[1 * 4 + 2] = 77; /* truth b predicted as c */
    cs__svg_matrix m = counts_matrix(4, abcd, v);
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_confusion(&b, &m));
    const char *s = cs__buf_str(&b);
    char mk[32];
    for (int t = 0; t < 4; t++)
        for (int p = 0; p < 4; p++) {
            snprintf(mk, sizeof mk, "data-cell=\"%d,%d\"", t, p);
            double x = attr_of(s, mk, "x"), y = attr_of(s, mk, "y");
            if (t > 0) {
                snprintf(mk, sizeof mk, "data-cell=\"%d,%d\"", t - 1, p);
                ck_assert(attr_of(s, mk, "x") < x);
                ck_assert(attr_of(s, mk, "y") == y);
            }
            if (p > 0) {
                snprintf(mk, sizeof mk, "data-cell=\"%d,%d\"", t, p - 1);
                ck_assert(attr_of(s, mk, "y") < y);
                ck_assert(attr_of(s, mk, "x") == x);
            }
        }
    /* The tooltip of the cell says which is which. */
    ck_assert_ptr_nonnull(strstr(s, "data-cell=\"1,2\""));
    ck_assert_ptr_nonnull(strstr(strstr(s, "data-cell=\"1,2\""), "<title>ground truth b, prediction c: 77</title>"));
    /* Custom axis titles replace the defaults. */
    cs__buf_reset(&b);
    m.x_title = "true class";
    m.y_title = "";
    cs_assert_ok(cs__svg_confusion(&b, &m));
    s = cs__buf_str(&b);
    assert_standalone(s);
    ck_assert_ptr_nonnull(strstr(s, ">true class</text>"));
    ck_assert_ptr_null(strstr(s, ">prediction</text>"));
    cs__buf_free(&b);
}
END_TEST

START_TEST(names_and_titles_are_escaped)
{
    const char *names[3] = { "a&b<c>", "\"quoted\" 'x'", "ünï — 猫" };
    double v[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    cs__svg_matrix m = counts_matrix(3, names, v);
    m.title = "<script>&";
    m.scale_title = "Δ share & more";
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_confusion(&b, &m));
    const char *s = cs__buf_str(&b);
    assert_standalone(s);
    ck_assert_ptr_nonnull(strstr(s, "a&amp;b&lt;c&gt;"));
    ck_assert_ptr_nonnull(strstr(s, "&quot;quoted&quot; &#39;x&#39;"));
    ck_assert_ptr_nonnull(strstr(s, ">ünï — 猫</text>"));
    ck_assert_ptr_nonnull(strstr(s, "&lt;script&gt;&amp;"));
    ck_assert_ptr_null(strstr(s, "a&b"));

    cs__buf_reset(&b);
    cs_assert_ok(cs__svg_square(&b, "x<y", 3, names, v));
    assert_standalone(cs__buf_str(&b));
    ck_assert_ptr_nonnull(strstr(cs__buf_str(&b), "a&amp;b&lt;c&gt;"));

    cs__buf_reset(&b);
    double val[3] = { 0.5, 0.25, 0.75 };
    cs__svg_bar_panel panel = { "p&q", 3, names, val, NULL, NULL };
    cs_assert_ok(cs__svg_bars(&b, "t<", "v>", &panel, 1, NAN, NAN));
    assert_standalone(cs__buf_str(&b));
    ck_assert_ptr_nonnull(strstr(cs__buf_str(&b), ">p&amp;q</text>"));

    cs__buf_reset(&b);
    double x[3] = { 0, 1, 2 };
    cs__svg_series ser = { names[0], val, NULL, NULL };
    cs_assert_ok(cs__svg_lines(&b, "&", "<x>", "\"y\"", x, names, 3, &ser, 1, NAN, NAN));
    assert_standalone(cs__buf_str(&b));
    ck_assert_ptr_nonnull(strstr(cs__buf_str(&b), ">&lt;x&gt;</text>"));
    cs__buf_free(&b);
}
END_TEST

START_TEST(missing_values_draw_grey_cells_with_a_dash)
{
    double v[9] = { 5, NAN, 1, 2, 5, INFINITY, 0, 1, 5 };
    double labels[9] = { 5, 0, NAN, 2, 5, 0, 0, 1, 5 };
    cs__svg_matrix m = counts_matrix(3, abcd, v);
    m.labels = labels;
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_confusion(&b, &m));
    const char *s = cs__buf_str(&b);
    assert_standalone(s);
    char fill[16];
    ck_assert_str_eq(attr_str(fill, sizeof fill, s, "data-cell=\"0,1\"", "fill"), "#e0e0e0");
    ck_assert_str_eq(attr_str(fill, sizeof fill, s, "data-cell=\"1,2\"", "fill"), "#e0e0e0");
    ck_assert_str_ne(attr_str(fill, sizeof fill, s, "data-cell=\"0,2\"", "fill"), "#e0e0e0");
    /* Two missing values and one missing label print "–". */
    ck_assert_int_eq(count(s, ">–</text>"), 3);
    cs__buf_free(&b);
}
END_TEST

START_TEST(diverging_scale_is_symmetric_around_white)
{
    double v[4] = { -0.3, 0.2, 0, 0.1 };
    cs__svg_matrix m = { "relative", 2, abcd, v, NULL, 2, 1, NAN, NULL, NULL, "Δ share of row" };
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_confusion(&b, &m));
    const char *s = cs__buf_str(&b);
    assert_standalone(s);
    /* vmax from the data: max |v| = 0.3; ticks at -0.3, 0 and +0.3 (typographic minus). */
    ck_assert_ptr_nonnull(strstr(s, ">−0.30</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">0.00</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">0.30</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">−0.15</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">0.15</text>"));
    char fill[16];
    ck_assert_str_eq(attr_str(fill, sizeof fill, s, "data-cell=\"0,0\"", "fill"), "#67001f");
    ck_assert_str_eq(attr_str(fill, sizeof fill, s, "data-cell=\"1,0\"", "fill"), "#ffffff");
    /* The same magnitude on the other side is the other end of the scale. */
    v[0] = 0.3;
    cs__buf_reset(&b);
    cs_assert_ok(cs__svg_confusion(&b, &m));
    ck_assert_str_eq(attr_str(fill, sizeof fill, cs__buf_str(&b), "data-cell=\"0,0\"", "fill"),
                     "#053061");
    /* A given vmax is used as is, and values beyond it saturate. */
    m.vmax = 0.1;
    cs__buf_reset(&b);
    cs_assert_ok(cs__svg_confusion(&b, &m));
    s = cs__buf_str(&b);
    ck_assert_ptr_nonnull(strstr(s, ">−0.10</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">0.05</text>"));
    ck_assert_str_eq(attr_str(fill, sizeof fill, s, "data-cell=\"0,1\"", "fill"), "#053061");
    cs__buf_free(&b);
}
END_TEST

START_TEST(sequential_scale_runs_from_white_to_dark_blue_with_readable_text)
{
    double v[4] = { 0, 50, 100, 25 };
    cs__svg_matrix m = counts_matrix(2, abcd, v);
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_confusion(&b, &m));
    const char *s = cs__buf_str(&b);
    char fill[16];
    ck_assert_str_eq(attr_str(fill, sizeof fill, s, "data-cell=\"0,0\"", "fill"), "#f7fbff");
    ck_assert_str_eq(attr_str(fill, sizeof fill, s, "data-cell=\"1,0\"", "fill"), "#08306b");
    /* At least three ticks on the colour bar: 0, 50 and 100 here. */
    ck_assert_ptr_nonnull(strstr(s, ">0</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">50</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">100</text>"));
    /* White text on the dark cell, dark text (the group's default) on the light one. */
    ck_assert_ptr_nonnull(strstr(s, "fill=\"#ffffff\">100</text>"));
    ck_assert_ptr_null(strstr(s, "fill=\"#ffffff\">0</text>"));
    cs__buf_free(&b);
}
END_TEST

START_TEST(many_classes_keep_every_cell_but_drop_cell_text)
{
    enum { K = 40 };
    static double v[K * K];
    static char names_buf[K][12];
    const char *names[K];
    for (int i = 0; i < K; i++) {
        snprintf(names_buf[i], sizeof names_buf[i], "class %d", i);
        names[i] = names_buf[i];
    }
    fill_counts(v, K);
    cs__svg_matrix m = counts_matrix(K, names, v);
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_confusion(&b, &m));
    const char *s = cs__buf_str(&b);
    assert_standalone(s);
    ck_assert_int_eq(count(s, "data-cell=\""), K * K);
    /* names twice, colour bar ticks, titles: no text per cell */
    ck_assert_int_lt(count(s, "<text"), 2 * K + 20);
    ck_assert_ptr_null(strstr(s, ">905</text>"));
    cs__buf_free(&b);
}
END_TEST

START_TEST(the_largest_matrix_is_drawn)
{
    static double v[CS__SVG_MAX_CLASSES * CS__SVG_MAX_CLASSES];
    static char names_buf[CS__SVG_MAX_CLASSES][8];
    const char *names[CS__SVG_MAX_CLASSES];
    for (int i = 0; i < CS__SVG_MAX_CLASSES; i++) {
        snprintf(names_buf[i], sizeof names_buf[i], "c%d", i);
        names[i] = names_buf[i];
    }
    fill_counts(v, CS__SVG_MAX_CLASSES);
    cs__svg_matrix m = counts_matrix(CS__SVG_MAX_CLASSES, names, v);
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_confusion(&b, &m));
    const char *s = cs__buf_str(&b);
    assert_well_formed(s);
    ck_assert_int_eq(count(s, "data-cell=\""), CS__SVG_MAX_CLASSES * CS__SVG_MAX_CLASSES);
    cs__buf_free(&b);
}
END_TEST

START_TEST(square_prints_two_decimals_over_a_fixed_diverging_scale)
{
    const char *names[3] = { "lenet", "resnet18", "googlenet" };
    double v[9] = { 1, 0.62, -1, 0.62, 1, NAN, -1, NAN, 1 };
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_square(&b, "Spearman ρ between models", 3, names, v));
    const char *s = cs__buf_str(&b);
    assert_standalone(s);
    ck_assert_int_eq(count(s, "data-cell=\""), 9);
    ck_assert_int_eq(count(s, ">1.00</text>"), 3);
    ck_assert_int_eq(count(s, ">0.62</text>"), 2);
    ck_assert_int_eq(count(s, ">−1.00</text>"), 2);
    ck_assert_int_eq(count(s, ">−1.0</text>"), 1); /* the scale's ends */
    ck_assert_int_eq(count(s, ">1.0</text>"), 1);
    char fill[16];
    ck_assert_str_eq(attr_str(fill, sizeof fill, s, "data-cell=\"0,0\"", "fill"), "#053061");
    ck_assert_str_eq(attr_str(fill, sizeof fill, s, "data-cell=\"2,0\"", "fill"), "#67001f");
    ck_assert_str_eq(attr_str(fill, sizeof fill, s, "data-cell=\"1,2\"", "fill"), "#e0e0e0");
    ck_assert_ptr_null(strstr(s, ">ground truth</text>"));
    cs__buf_free(&b);
}
END_TEST

static const char *const l1[4] = { "cat", "bird", "dog", "deer" };
static const char *const l2[3] = { "cat", "dog", "frog" };
static const double a1[4] = { 0.52, 0.61, NAN, 0.71 };
static const double lo1[4] = { 0.48, NAN, 0.6, 0.69 }, hi1[4] = { 0.56, 0.65, 0.7, NAN };
static const double a2[3] = { -0.2, 0.47, 0.5 };

START_TEST(bars_share_one_axis_and_draw_whiskers)
{
    cs__svg_bar_panel panels[2] = { { "30 % noise", 4, l1, a1, lo1, hi1 },
                                    { "90 % reduction", 3, l2, a2, NULL, NULL } };
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_bars(&b, "Weakest classes", "accuracy", panels, 2, NAN, NAN));
    const char *s = cs__buf_str(&b);
    assert_standalone(s);
    ck_assert_int_eq(count(s, "data-panel=\""), 2);
    ck_assert_int_eq(count(s, "data-bar=\""), 6); /* the NaN value has no bar */
    ck_assert_int_eq(count(s, ">–</text>"), 1);
    ck_assert_ptr_nonnull(strstr(s, ">30 % noise</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">accuracy</text>"));
    ck_assert_ptr_nonnull(strstr(s, "<title>cat: 0.52 [0.48, 0.56]</title>"));
    /* Both panels show the same ticks: the axis includes 0, the negative value and 0.71. */
    const char *second = strstr(s, "data-panel=\"1\"");
    ck_assert_ptr_nonnull(strstr(s, ">−0.2</text>"));
    ck_assert_ptr_nonnull(strstr(second, ">−0.2</text>"));
    ck_assert_ptr_nonnull(strstr(second, ">0.8</text>"));
    /* "cat" keeps its colour in both panels; a negative bar extends left of zero. */
    char c0[16], c1[16];
    ck_assert_str_eq(attr_str(c0, sizeof c0, s, "data-bar=\"0,0\"", "fill"),
                     attr_str(c1, sizeof c1, s, "data-bar=\"1,0\"", "fill"));
    ck_assert_str_ne(attr_str(c0, sizeof c0, s, "data-bar=\"0,0\"", "fill"),
                     attr_str(c1, sizeof c1, s, "data-bar=\"0,1\"", "fill"));
    ck_assert(attr_of(s, "data-bar=\"1,0\"", "x") < attr_of(s, "data-bar=\"1,1\"", "x"));
    /* A fixed range is used as given. */
    cs__buf_reset(&b);
    cs_assert_ok(cs__svg_bars(&b, NULL, NULL, panels, 1, 0, 1));
    s = cs__buf_str(&b);
    assert_standalone(s);
    ck_assert_ptr_nonnull(strstr(s, ">1.0</text>"));
    ck_assert_ptr_null(strstr(s, ">−0.2</text>"));
    cs__buf_free(&b);
}
END_TEST

START_TEST(lines_draw_series_bands_gaps_and_a_legend)
{
    const double x[4] = { 0, 0.1, 0.3, 0.5 };
    const char *const xl[4] = { "0 %", "10 %", "30 %", "50 %" };
    const double y0[4] = { 0.9, 0.8, NAN, 0.6 }, lo0[4] = { 0.85, 0.75, NAN, 0.55 },
                 hi0[4] = { 0.95, 0.85, NAN, 0.65 };
    double ys[12][4];
    cs__svg_series series[12];
    for (int s = 0; s < 12; s++) {
        for (int i = 0; i < 4; i++)
            ys[s][i] = 0.9 - 0.1 * i - 0.01 * s;
        series[s] = (cs__svg_series){ fashion[s % 10], ys[s], NULL, NULL };
    }
    series[0] = (cs__svg_series){ "cat", y0, lo0, hi0 };
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_lines(&b, "Per-class accuracy", "noise", "accuracy", x, xl, 4, series, 12,
                               NAN, NAN));
    const char *s = cs__buf_str(&b);
    assert_standalone(s);
    ck_assert_int_eq(count(s, "data-series=\""), 12);
    /* The band stops at the NaN; the lone point after it has no area to fill. */
    ck_assert_int_eq(count(s, "fill-opacity=\"0.15\""), 1);
    ck_assert_ptr_nonnull(strstr(s, ">10 %</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">cat</text>"));
    /* Series 11 and 12 repeat the palette with a dash pattern; the first ten are solid. */
    ck_assert_int_eq(count(s, "stroke-dasharray=\""), 4); /* two lines, two legend samples */
    /* The NaN leaves a gap: two markers around it, one after it, and no segment across. */
    const char *g0 = strstr(s, "data-series=\"0\""), *g1 = strstr(s, "data-series=\"1\"");
    int circles = 0;
    for (const char *p = strstr(g0, "<circle"); p && p < g1; p = strstr(p + 1, "<circle"))
        circles++;
    ck_assert_int_eq(circles, 3);
    ck_assert_ptr_nonnull(strstr(g0, "<title>cat, 10 %: 0.800 [0.750, 0.850]</title>"));
    cs__buf_free(&b);
}
END_TEST

START_TEST(lines_clip_to_a_given_range_and_accept_numeric_x)
{
    const double x[3] = { 1, 2, 10 };
    const double y[3] = { 0.5, 2.0, 0.4 };
    cs__svg_series ser = { "a", y, NULL, NULL };
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__svg_lines(&b, NULL, "epochs", NULL, x, NULL, 3, &ser, 1, 0, 1));
    const char *s = cs__buf_str(&b);
    assert_standalone(s);
    const char *g = strstr(s, "data-series=\"0\"");
    ck_assert_int_eq(count(g, "<circle"), 2 + 1); /* 2.0 is out of range; + the legend */
    ck_assert_ptr_nonnull(strstr(s, ">1.0</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">10</text>"));
    /* The clipped line stops at the frame (the one unfilled rect): nothing above its top. */
    const char *frame = strstr(s, "fill=\"none\" stroke=\"#444444\" stroke-width=\"0.8\"/>");
    ck_assert_ptr_nonnull(frame);
    while (strncmp(frame, "<rect ", 6) != 0)
        frame--;
    double frame_y = attr_of(frame, "<rect ", "y");
    ck_assert(frame_y > 0);
    const char *d = strstr(g, " d=\"") + 4;
    for (const char *p = d; *p != '"';) {
        char *end;
        if (*p == 'M' || *p == 'L') {
            strtod(p + 1, &end);
            double yy = strtod(end, &end);
            ck_assert_msg(yy >= frame_y - 0.05, "y %g above the frame at %g", yy, frame_y);
            p = end;
        } else {
            p++;
        }
    }
    /* A single point and a constant series still make a drawable range. */
    cs__buf_reset(&b);
    const double one = 3, yv = 0.5;
    cs__svg_series single = { "only", &yv, NULL, NULL };
    cs_assert_ok(cs__svg_lines(&b, "t", NULL, NULL, &one, NULL, 1, &single, 1, NAN, NAN));
    assert_standalone(cs__buf_str(&b));
    cs__buf_free(&b);
}
END_TEST

typedef int (*render_fn)(cs__buf *);

static int render_confusion(cs__buf *b)
{
    static double v[100];
    fill_counts(v, 10);
    v[23] = NAN;
    cs__svg_matrix m = counts_matrix(10, fashion, v);
    int rc = cs__svg_confusion(b, &m);
    static double rel[100];
    for (int i = 0; i < 100; i++)
        rel[i] = (i % 7 - 3) * 0.0123;
    cs__svg_matrix r = { "relative", 10, fashion, rel, v, 0, 1, NAN, NULL, NULL, "Δ" };
    return rc ? rc : cs__svg_confusion(b, &r);
}

static int render_square(cs__buf *b)
{
    double v[16] = { 1, 0.5, 0.25, -0.125, 0.5, 1, 0.3, 0.2, 0.25, 0.3, 1, 0.7, -0.125, 0.2, 0.7, 1 };
    return cs__svg_square(b, "ρ", 4, abcd, v);
}

static int render_bars(cs__buf *b)
{
    cs__svg_bar_panel panels[2] = { { "a", 4, l1, a1, lo1, hi1 }, { "b", 3, l2, a2, NULL, NULL } };
    return cs__svg_bars(b, "bars", "accuracy", panels, 2, NAN, NAN);
}

static int render_lines(cs__buf *b)
{
    const double x[3] = { 0, 0.25, 1.5 };
    const double y[3] = { 0.125, 0.5, 0.75 }, lo[3] = { 0.1, 0.4, 0.7 }, hi[3] = { 0.2, 0.6, 0.8 };
    cs__svg_series ser[2] = { { "s1", y, lo, hi }, { "s2", lo, NULL, NULL } };
    return cs__svg_lines(b, "lines", "x", "y", x, NULL, 3, ser, 2, NAN, NAN);
}

static int render_curves(cs__buf *b)
{
    const double px[3] = { 600, 1500, 6000 }, py[3] = { 62.5, 70.25, 81 };
    const double x[4] = { 600, 6000, 20000, 60000 }, y[4] = { 62, 81, 85, 87.5 };
    const double lo[4] = { 60, 79, 80, 81 }, hi[4] = { 64, 83, 90, 94 };
    cs__svg_curve c[2] = { { "s1", 3, px, py, 4, x, y, lo, hi, 6000 }, { "s2", 3, px, py, 0, NULL, NULL, NULL, NULL, 0 } };
    return cs__svg_curves(b, "curves", "records", "accuracy", c, 2, 90, "target 90 %", NAN, 100);
}

static const render_fn renderers[] = { render_confusion, render_square, render_bars, render_lines, render_curves };

START_TEST(curves_draw_a_log_axis_solid_fits_dashed_extrapolations_and_a_target)
{
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(render_curves(&b));
    const char *s = cs__buf_str(&b);
    assert_standalone(s);
    ck_assert_int_eq(count(s, "data-series=\""), 2);
    /* Log ticks over 600..60000 (1, 2, 5 per decade) labelled in k. */
    ck_assert_ptr_nonnull(strstr(s, ">1k</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">2k</text>"));
    ck_assert_ptr_nonnull(strstr(s, ">50k</text>"));
    ck_assert_ptr_null(strstr(s, ">3k</text>"));
    /* Equal ratios take equal widths: 1k -> 10k as wide as 2k -> 20k. */
    double x1 = text_x(s, ">1k</text>"), x2 = text_x(s, ">2k</text>");
    double x10 = text_x(s, ">10k</text>"), x20 = text_x(s, ">20k</text>");
    ck_assert_double_eq_tol(x10 - x1, x20 - x2, 0.15);
    /* Series 0: one band, a solid path over 600..6000 and a dashed one beyond; series 1 (no fit)
     * only its markers. */
    const char *g0 = strstr(s, "data-series=\"0\""), *g1 = strstr(s, "data-series=\"1\"");
    ck_assert_int_eq(count(s, "fill-opacity=\"0.12\""), 1);
    const char *g1_end = strstr(g1, "</g>");
    for (const char *p = strstr(g1, "<path"); p && p < g1_end; p = strstr(p + 1, "<path"))
        ck_abort_msg("series 1 has no fit but draws a path");
    int dashed = 0, circles = 0;
    for (const char *p = strstr(g0, "stroke-dasharray=\"5 3\""); p && p < g1; p = strstr(p + 1, "stroke-dasharray=\"5 3\""))
        dashed++;
    for (const char *p = strstr(g0, "<circle"); p && p < g1; p = strstr(p + 1, "<circle"))
        circles++;
    ck_assert_int_eq(dashed, 1);
    ck_assert_int_eq(circles, 3);
    ck_assert_ptr_nonnull(strstr(g0, "<title>s1, 1500: 70.25</title>"));
    /* The target line and its label. */
    ck_assert_ptr_nonnull(strstr(s, "stroke-dasharray=\"4 3\""));
    ck_assert_ptr_nonnull(strstr(s, ">target 90 %</text>"));
    cs__buf_free(&b);
}
END_TEST

START_TEST(output_is_deterministic)
{
    for (size_t i = 0; i < sizeof renderers / sizeof *renderers; i++) {
        cs__buf a = CS__BUF_INIT, b = CS__BUF_INIT;
        cs_assert_ok(renderers[i](&a));
        cs_assert_ok(renderers[i](&b));
        ck_assert_uint_eq(a.len, b.len);
        ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
        cs__buf_free(&a);
        cs__buf_free(&b);
    }
}
END_TEST

/* Geometry attributes hold only C-notation numbers. */
static void assert_c_numbers(const char *s)
{
    static const char *const keys[] = { " x=\"", " y=\"", " width=\"", " height=\"", " cx=\"",
                                        " cy=\"", " d=\"", " transform=\"", " font-size=\"" };
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        for (const char *p = strstr(s, keys[k]); p; p = strstr(p + 1, keys[k]))
            for (const char *q = p + strlen(keys[k]); *q != '"'; q++)
                ck_assert_msg(strchr("0123456789.-MLHVvhZrotae() ", *q) != NULL,
                              "unexpected '%c' in %.40s", *q, p);
}

START_TEST(numbers_are_written_in_c_notation)
{
    for (size_t i = 0; i < sizeof renderers / sizeof *renderers; i++) {
        cs__buf b = CS__BUF_INIT;
        cs_assert_ok(renderers[i](&b));
        assert_c_numbers(b.data);
        cs__buf_free(&b);
    }
}
END_TEST

/* The decimal-comma locale of the `svg_locale` ctest (`test_svg LOCALE`); main() has checked
 * that it exists and exited 77, ctest's "Skipped", where it does not. */
static const char *comma_locale;

START_TEST(numbers_ignore_lc_numeric)
{
    enum { N = sizeof renderers / sizeof *renderers };
    cs__buf ref[N];
    for (int i = 0; i < N; i++) {
        ref[i] = (cs__buf)CS__BUF_INIT;
        cs_assert_ok(renderers[i](&ref[i]));
    }
    ck_assert_ptr_nonnull(setlocale(LC_NUMERIC, comma_locale));
    ck_assert_str_eq(localeconv()->decimal_point, ",");
    for (int i = 0; i < N; i++) {
        cs__buf b = CS__BUF_INIT;
        cs_assert_ok(renderers[i](&b));
        ck_assert_msg(b.len == ref[i].len && memcmp(b.data, ref[i].data, b.len) == 0,
                      "figure %d differs under LC_NUMERIC=%s", i, comma_locale);
        assert_c_numbers(b.data);
        cs__buf_free(&b);
    }
    setlocale(LC_NUMERIC, "C");
    for (int i = 0; i < N; i++)
        cs__buf_free(&ref[i]);
}
END_TEST

/* Every bad call fails with `status`, a message containing `needle`, and leaves b as it was. */
#define assert_refused(call, needle)                                                          \
    do {                                                                                      \
        cs_assert_fails(call, CS_ERR_INVALID_ARGUMENT, needle);                               \
        ck_assert_uint_eq(b.len, 7);                                                          \
        ck_assert_str_eq(cs__buf_str(&b), "before\n");                                        \
    } while (0)

START_TEST(bad_arguments_are_refused_and_nothing_is_appended)
{
    cs__buf b = CS__BUF_INIT;
    cs__buf_puts(&b, "before\n");
    double v[16];
    fill_counts(v, 4);
    const char *holes[4] = { "a", "b", NULL, "d" };

    cs__svg_matrix m = counts_matrix(4, abcd, v);
    assert_refused(cs__svg_confusion(NULL, &m), "out is NULL");
    assert_refused(cs__svg_confusion(&b, NULL), "m is NULL");
    m.k = 0;
    assert_refused(cs__svg_confusion(&b, &m), "k is 0");
    m.k = CS__SVG_MAX_CLASSES + 1;
    assert_refused(cs__svg_confusion(&b, &m), "k is 257");
    m = counts_matrix(4, NULL, v);
    assert_refused(cs__svg_confusion(&b, &m), "names is NULL");
    m = counts_matrix(4, holes, v);
    assert_refused(cs__svg_confusion(&b, &m), "names[2] is NULL");
    m = counts_matrix(4, abcd, NULL);
    assert_refused(cs__svg_confusion(&b, &m), "values is NULL");
    m = counts_matrix(4, abcd, v);
    m.label_decimals = -1;
    assert_refused(cs__svg_confusion(&b, &m), "label_decimals");
    m.label_decimals = 0;
    m.vmax = INFINITY;
    assert_refused(cs__svg_confusion(&b, &m), "vmax");

    assert_refused(cs__svg_square(NULL, "t", 4, abcd, v), "out is NULL");
    assert_refused(cs__svg_square(&b, "t", 0, abcd, v), "m is 0");
    assert_refused(cs__svg_square(&b, "t", CS__SVG_MAX_CLASSES + 1, abcd, v), "m is 257");
    assert_refused(cs__svg_square(&b, "t", 4, holes, v), "names[2] is NULL");
    assert_refused(cs__svg_square(&b, "t", 4, abcd, NULL), "v is NULL");

    double val[4] = { 1, 2, 3, 4 };
    cs__svg_bar_panel ok = { "p", 4, abcd, val, NULL, NULL };
    cs__svg_bar_panel panels[2] = { ok, ok };
    assert_refused(cs__svg_bars(NULL, "t", "v", panels, 2, NAN, NAN), "out is NULL");
    assert_refused(cs__svg_bars(&b, "t", "v", NULL, 2, NAN, NAN), "panels is NULL");
    assert_refused(cs__svg_bars(&b, "t", "v", panels, 0, NAN, NAN), "npanels is 0");
    assert_refused(cs__svg_bars(&b, "t", "v", panels, CS__SVG_MAX_PANELS + 1, NAN, NAN), "npanels");
    panels[1].n = 0;
    assert_refused(cs__svg_bars(&b, "t", "v", panels, 2, NAN, NAN), "panels[1].n is 0");
    panels[1] = ok;
    panels[1].labels = holes;
    assert_refused(cs__svg_bars(&b, "t", "v", panels, 2, NAN, NAN), "panels[1].labels[2] is NULL");
    panels[1] = ok;
    panels[1].labels = NULL;
    assert_refused(cs__svg_bars(&b, "t", "v", panels, 2, NAN, NAN), "panels[1].labels is NULL");
    panels[1] = ok;
    panels[1].value = NULL;
    assert_refused(cs__svg_bars(&b, "t", "v", panels, 2, NAN, NAN), "panels[1].value is NULL");
    panels[1] = ok;
    panels[1].lo = val;
    assert_refused(cs__svg_bars(&b, "t", "v", panels, 2, NAN, NAN), "panels[1].hi is NULL");
    panels[1] = ok;
    assert_refused(cs__svg_bars(&b, "t", "v", panels, 2, 1, 1), "vmin (1) is not below vmax (1)");
    assert_refused(cs__svg_bars(&b, "t", "v", panels, 2, NAN, INFINITY), "vmax is infinite");

    const double x[4] = { 0, 1, 2, 3 }, down[4] = { 0, 2, 1, 3 }, bad_x[4] = { 0, NAN, 2, 3 };
    cs__svg_series ser[2] = { { "a", val, NULL, NULL }, { "b", val, NULL, NULL } };
    assert_refused(cs__svg_lines(NULL, "t", "x", "y", x, NULL, 4, ser, 2, NAN, NAN), "out is NULL");
    assert_refused(cs__svg_lines(&b, "t", "x", "y", NULL, NULL, 4, ser, 2, NAN, NAN), "x is NULL");
    assert_refused(cs__svg_lines(&b, "t", "x", "y", x, NULL, 0, ser, 2, NAN, NAN), "n is 0");
    assert_refused(cs__svg_lines(&b, "t", "x", "y", down, NULL, 4, ser, 2, NAN, NAN), "ascending");
    assert_refused(cs__svg_lines(&b, "t", "x", "y", bad_x, NULL, 4, ser, 2, NAN, NAN),
                   "x[1] is not finite");
    assert_refused(cs__svg_lines(&b, "t", "x", "y", x, holes, 4, ser, 2, NAN, NAN),
                   "x_labels[2] is NULL");
    assert_refused(cs__svg_lines(&b, "t", "x", "y", x, NULL, 4, NULL, 2, NAN, NAN), "series is NULL");
    assert_refused(cs__svg_lines(&b, "t", "x", "y", x, NULL, 4, ser, 0, NAN, NAN), "nseries is 0");
    ser[1].name = NULL;
    assert_refused(cs__svg_lines(&b, "t", "x", "y", x, NULL, 4, ser, 2, NAN, NAN),
                   "series[1].name is NULL");
    ser[1].name = "b";
    ser[1].y = NULL;
    assert_refused(cs__svg_lines(&b, "t", "x", "y", x, NULL, 4, ser, 2, NAN, NAN),
                   "series[1].y is NULL");
    ser[1].y = val;
    ser[1].hi = val;
    assert_refused(cs__svg_lines(&b, "t", "x", "y", x, NULL, 4, ser, 2, NAN, NAN),
                   "series[1].lo is NULL");
    ser[1].hi = NULL;
    assert_refused(cs__svg_lines(&b, "t", "x", "y", x, NULL, 4, ser, 2, 2, 1), "ymin (2) is not below ymax (1)");
    assert_refused(cs__svg_lines(&b, "t", "x", "y", x, NULL, 4, ser, 2, -INFINITY, NAN), "ymin is infinite");

    const double cx[3] = { 10, 100, 1000 }, cbad[3] = { 10, 0, 1000 }, cflat[3] = { 10, 10, 1000 };
    cs__svg_curve cv[2] = { { "a", 3, cx, val, 3, cx, val, NULL, NULL, 100 }, { "b", 0, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 } };
    assert_refused(cs__svg_curves(NULL, "t", "x", "y", cv, 2, NAN, NULL, NAN, NAN), "out is NULL");
    assert_refused(cs__svg_curves(&b, "t", "x", "y", NULL, 2, NAN, NULL, NAN, NAN), "curves is NULL");
    assert_refused(cs__svg_curves(&b, "t", "x", "y", cv, 0, NAN, NULL, NAN, NAN), "ncurves is 0");
    cv[1].name = NULL;
    assert_refused(cs__svg_curves(&b, "t", "x", "y", cv, 2, NAN, NULL, NAN, NAN), "curves[1].name is NULL");
    cv[1].name = "b";
    cv[1].npts = 2;
    assert_refused(cs__svg_curves(&b, "t", "x", "y", cv, 2, NAN, NULL, NAN, NAN), "curves[1]: px or py is NULL");
    cv[1].npts = 0;
    cv[0].px = cbad;
    assert_refused(cs__svg_curves(&b, "t", "x", "y", cv, 2, NAN, NULL, NAN, NAN), "curves[0].px[1] is 0");
    cv[0].px = cx;
    cv[0].n = 1;
    assert_refused(cs__svg_curves(&b, "t", "x", "y", cv, 2, NAN, NULL, NAN, NAN), "curves[0].n is 1");
    cv[0].n = 3;
    cv[0].x = cflat;
    assert_refused(cs__svg_curves(&b, "t", "x", "y", cv, 2, NAN, NULL, NAN, NAN), "x must be increasing");
    cv[0].x = cx;
    cv[0].hi = val;
    assert_refused(cs__svg_curves(&b, "t", "x", "y", cv, 2, NAN, NULL, NAN, NAN), "curves[0].lo is NULL");
    cv[0].hi = NULL;
    cv[0].x_split = NAN;
    assert_refused(cs__svg_curves(&b, "t", "x", "y", cv, 2, NAN, NULL, NAN, NAN), "x_split is NaN");
    cv[0].x_split = 100;
    assert_refused(cs__svg_curves(&b, "t", "x", "y", cv, 2, INFINITY, NULL, NAN, NAN), "target is infinite");
    assert_refused(cs__svg_curves(&b, "t", "x", "y", cv, 2, NAN, NULL, 5, 1), "ymin (5) is not below ymax (1)");
    cs__buf_free(&b);
}
END_TEST

START_TEST(a_failed_buffer_reports_out_of_memory_and_keeps_its_length)
{
    for (size_t i = 0; i < sizeof renderers / sizeof *renderers; i++) {
        cs__buf b = CS__BUF_INIT;
        cs__buf_puts(&b, "kept");
        b.failed = 1; /* as after a failed allocation */
        cs_assert_fails(renderers[i](&b), CS_ERR_OUT_OF_MEMORY, "out of memory");
        ck_assert_uint_eq(b.len, 4);
        ck_assert_str_eq(b.data, "kept");
        cs__buf_free(&b);
    }
}
END_TEST

START_TEST(figures_append_after_existing_text)
{
    cs__buf b = CS__BUF_INIT;
    cs__buf_puts(&b, "<p>");
    cs_assert_ok(render_square(&b));
    size_t first = b.len;
    cs_assert_ok(render_bars(&b));
    ck_assert_int_eq(strncmp(b.data, "<p><svg ", 8), 0);
    ck_assert_int_eq(strncmp(b.data + first, "<svg ", 5), 0);
    ck_assert_int_eq(count(b.data, "<svg xmlns"), 2);
    cs__buf_free(&b);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1) {
        /* `test_svg LOCALE`: only the case that needs a decimal-comma locale. */
        comma_locale = argv[1];
        if (!cs_test_comma_locale(comma_locale))
            return CS_TEST_SKIPPED;
        Suite *s = suite_create("svg_locale");
        TCase *tc = tcase_create("svg_locale");
        tcase_add_test(tc, numbers_ignore_lc_numeric);
        suite_add_tcase(s, tc);
        return cs_test_run(s);
    }
    Suite *s = suite_create("svg");
    TCase *tc = tcase_create("svg");
    tcase_add_test(tc, confusion_is_one_standalone_svg_with_k_squared_cells);
    tcase_add_test(tc, confusion_puts_ground_truth_along_x_and_predictions_down_y);
    tcase_add_test(tc, names_and_titles_are_escaped);
    tcase_add_test(tc, missing_values_draw_grey_cells_with_a_dash);
    tcase_add_test(tc, diverging_scale_is_symmetric_around_white);
    tcase_add_test(tc, sequential_scale_runs_from_white_to_dark_blue_with_readable_text);
    tcase_add_test(tc, many_classes_keep_every_cell_but_drop_cell_text);
    tcase_add_test(tc, the_largest_matrix_is_drawn);
    tcase_add_test(tc, square_prints_two_decimals_over_a_fixed_diverging_scale);
    tcase_add_test(tc, bars_share_one_axis_and_draw_whiskers);
    tcase_add_test(tc, lines_draw_series_bands_gaps_and_a_legend);
    tcase_add_test(tc, lines_clip_to_a_given_range_and_accept_numeric_x);
    tcase_add_test(tc, curves_draw_a_log_axis_solid_fits_dashed_extrapolations_and_a_target);
    tcase_add_test(tc, output_is_deterministic);
    tcase_add_test(tc, numbers_are_written_in_c_notation);
    tcase_add_test(tc, bad_arguments_are_refused_and_nothing_is_appended);
    tcase_add_test(tc, a_failed_buffer_reports_out_of_memory_and_keeps_its_length);
    tcase_add_test(tc, figures_append_after_existing_text);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
