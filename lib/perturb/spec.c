/* Perturbation specs: construction, setters, validation against K, and the short string form
 * used on the command line and in result files. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/numfmt.h"
#include "perturb/perturb_internal.h"

/* The CIFAR-10 asymmetric map of Patrini et al. (2017): truck->automobile, bird->airplane,
 * deer->horse, cat<->dog. */
static const int cifar10_map[10] = { 0, 1, 0, 5, 7, 3, 6, 7, 8, 1 };

/* Matrix rows must sum to 1 within this. */
#define ROW_SUM_TOLERANCE 1e-9

static const struct {
    cs_perturb_kind kind;
    const char *name;
} kind_names[] = {
    { CS_PERTURB_NONE, "none" },
    { CS_NOISE_SHUFFLE, "shuffle" },
    { CS_NOISE_SYMMETRIC, "symmetric" },
    { CS_NOISE_PAIRFLIP, "pairflip" },
    { CS_NOISE_MATRIX, "matrix" },
    { CS_NOISE_TARGETED, "targeted" },
    { CS_REDUCE_UNIFORM, "uniform" },
    { CS_REDUCE_STRATIFIED, "stratified" },
    { CS_REDUCE_TARGETED, "targeted" },
};

static const char *kind_name(cs_perturb_kind kind)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (kind_names[i].kind == kind)
            return kind_names[i].name;
    return NULL;
}

static int check_level(cs_perturb_kind kind, double level, const char *fn)
{
    if (kind == CS_PERTURB_NONE || kind == CS_NOISE_MATRIX)
        return CS_OK;
    if (cs__perturb_is_noise(kind) && !(level >= 0.0 && level <= 1.0))
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: noise rate %g is outside [0, 1]", fn, level);
    if (cs__perturb_is_reduction(kind) && !(level > 0.0 && level <= 1.0))
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: kept fraction %g is outside (0, 1]", fn, level);
    return CS_OK;
}

int cs_perturb_spec_create(cs_perturb_spec **out, cs_perturb_kind kind, double level)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_create: out is NULL");
    *out = NULL;
    if (!kind_name(kind))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_create: unknown kind %d", (int)kind);
    int status = check_level(kind, level, "cs_perturb_spec_create");
    if (status != CS_OK)
        return status;
    cs_perturb_spec *s = calloc(1, sizeof *s);
    if (!s)
        return cs__error_oom("a perturbation spec", sizeof *s);
    s->kind = kind;
    s->level = kind == CS_PERTURB_NONE || kind == CS_NOISE_MATRIX ? 0.0 : level + 0.0; /* no -0 */
    s->map_kind = CS_PAIRFLIP_CYCLIC;
    *out = s;
    return CS_OK;
}

void cs_perturb_spec_destroy(cs_perturb_spec *spec)
{
    if (!spec)
        return;
    free(spec->classes);
    free(spec->map);
    free(spec->matrix);
    free(spec);
}

cs_perturb_kind cs_perturb_spec_kind(const cs_perturb_spec *spec)
{
    return spec ? spec->kind : CS_PERTURB_INVALID;
}

double cs_perturb_spec_level(const cs_perturb_spec *spec)
{
    return spec ? spec->level : NAN;
}

int cs_perturb_spec_set_classes(cs_perturb_spec *spec, const int *classes, int n)
{
    if (!spec || !classes)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_set_classes: %s is NULL",
                         !spec ? "spec" : "classes");
    if (spec->kind != CS_NOISE_TARGETED && spec->kind != CS_REDUCE_TARGETED)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_perturb_spec_set_classes: a %s spec has no class list (only targeted kinds do)",
                         kind_name(spec->kind));
    if (n < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_set_classes: n is %d, expected >= 1", n);
    for (int i = 0; i < n; i++) {
        if (classes[i] < 0 || classes[i] > 65535)
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "cs_perturb_spec_set_classes: classes[%d] is %d, expected 0..65535", i, classes[i]);
        for (int j = 0; j < i; j++)
            if (classes[j] == classes[i])
                return cs__error(CS_ERR_INVALID_ARGUMENT,
                                 "cs_perturb_spec_set_classes: class %d is listed twice (at %d and %d)",
                                 classes[i], j, i);
    }
    int *copy = malloc((size_t)n * sizeof *copy);
    if (!copy)
        return cs__error_oom("a class list", (size_t)n * sizeof *copy);
    memcpy(copy, classes, (size_t)n * sizeof *copy);
    free(spec->classes);
    spec->classes = copy;
    spec->num_classes = n;
    return CS_OK;
}

int cs_perturb_spec_set_map(cs_perturb_spec *spec, cs_pairflip_map which, const int *map, int k)
{
    if (!spec)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_set_map: spec is NULL");
    if (spec->kind != CS_NOISE_PAIRFLIP)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_perturb_spec_set_map: a %s spec has no class map (only pairflip does)",
                         kind_name(spec->kind));
    if (which == CS_PAIRFLIP_CIFAR10 || which == CS_PAIRFLIP_CYCLIC) {
        free(spec->map);
        spec->map = NULL;
        spec->map_len = 0;
        spec->map_kind = which;
        return CS_OK;
    }
    if (which != CS_PAIRFLIP_USER)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_set_map: unknown map %d", (int)which);
    if (!map || k < 2 || k > 65536)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_set_map: %s",
                         !map ? "map is NULL" : "k must be 2..65536");
    for (int c = 0; c < k; c++)
        if (map[c] < 0 || map[c] >= k)
            return cs__error(CS_ERR_OUT_OF_RANGE, "cs_perturb_spec_set_map: map[%d] is %d, expected 0..%d",
                             c, map[c], k - 1);
    int *copy = malloc((size_t)k * sizeof *copy);
    if (!copy)
        return cs__error_oom("a class map", (size_t)k * sizeof *copy);
    memcpy(copy, map, (size_t)k * sizeof *copy);
    free(spec->map);
    spec->map = copy;
    spec->map_len = k;
    spec->map_len_fixed = true;
    spec->map_kind = CS_PAIRFLIP_USER;
    return CS_OK;
}

int cs_perturb_spec_set_matrix(cs_perturb_spec *spec, const double *t, int k)
{
    if (!spec || !t)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_set_matrix: %s is NULL",
                         !spec ? "spec" : "t");
    if (spec->kind != CS_NOISE_MATRIX)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_perturb_spec_set_matrix: a %s spec has no matrix (only matrix does)",
                         kind_name(spec->kind));
    if (k < 2 || k > 65536)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_set_matrix: k is %d, expected 2..65536", k);
    double off_diagonal = 0.0;
    for (int i = 0; i < k; i++) {
        double sum = 0.0;
        for (int j = 0; j < k; j++) {
            double v = t[(size_t)i * (size_t)k + (size_t)j];
            if (!isfinite(v) || v < 0.0)
                return cs__error(CS_ERR_INVALID_ARGUMENT,
                                 "cs_perturb_spec_set_matrix: T[%d][%d] is %g, expected a finite value >= 0",
                                 i, j, v);
            sum += v;
        }
        if (fabs(sum - 1.0) > ROW_SUM_TOLERANCE)
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "cs_perturb_spec_set_matrix: row %d sums to %.12g, expected 1 (a row-stochastic matrix)",
                             i, sum);
        off_diagonal += 1.0 - t[(size_t)i * (size_t)k + (size_t)i];
    }
    size_t bytes = (size_t)k * (size_t)k * sizeof(double);
    double *copy = malloc(bytes);
    if (!copy)
        return cs__error_oom("a transition matrix", bytes);
    memcpy(copy, t, bytes);
    free(spec->matrix);
    spec->matrix = copy;
    spec->matrix_k = k;
    spec->level = off_diagonal / k;
    return CS_OK;
}

int cs__perturb_spec_check(const cs_perturb_spec *spec, int k)
{
    switch (spec->kind) {
    case CS_NOISE_TARGETED:
    case CS_REDUCE_TARGETED:
        if (!spec->classes)
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "cs_perturb_apply: the targeted spec has no classes (cs_perturb_spec_set_classes)");
        for (int i = 0; i < spec->num_classes; i++)
            if (spec->classes[i] >= k)
                return cs__error(CS_ERR_OUT_OF_RANGE,
                                 "cs_perturb_apply: targeted class %d does not exist (the data set has %d classes)",
                                 spec->classes[i], k);
        break;
    case CS_NOISE_PAIRFLIP:
        if (spec->map_kind == CS_PAIRFLIP_CIFAR10 && k != 10)
            return cs__error(CS_ERR_UNSUPPORTED,
                             "cs_perturb_apply: the CIFAR-10 pairflip map needs 10 classes, the data set has %d", k);
        if (spec->map_kind == CS_PAIRFLIP_USER) {
            if (spec->map_len_fixed && spec->map_len != k)
                return cs__error(CS_ERR_SIZE_MISMATCH,
                                 "cs_perturb_apply: the pairflip map has %d entries, the data set has %d classes",
                                 spec->map_len, k);
            for (int c = 0; c < spec->map_len; c++)
                if (spec->map[c] != c && (c >= k || spec->map[c] >= k))
                    return cs__error(CS_ERR_OUT_OF_RANGE,
                                     "cs_perturb_apply: the pairflip map sends class %d to %d, but the data set has %d classes",
                                     c, spec->map[c], k);
        }
        break;
    case CS_NOISE_MATRIX:
        if (!spec->matrix)
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "cs_perturb_apply: the matrix spec has no matrix (cs_perturb_spec_set_matrix)");
        if (spec->matrix_k != k)
            return cs__error(CS_ERR_SIZE_MISMATCH,
                             "cs_perturb_apply: the transition matrix is %dx%d, the data set has %d classes",
                             spec->matrix_k, spec->matrix_k, k);
        break;
    default:
        break;
    }
    return CS_OK;
}

void cs__perturb_spec_full_map(const cs_perturb_spec *spec, int k, int *map)
{
    for (int c = 0; c < k; c++) {
        switch (spec->map_kind) {
        case CS_PAIRFLIP_CIFAR10: map[c] = cifar10_map[c]; break;
        case CS_PAIRFLIP_CYCLIC: map[c] = (c + 1) % k; break;
        case CS_PAIRFLIP_USER: map[c] = c < spec->map_len ? spec->map[c] : c; break;
        }
    }
}

size_t cs__perturb_round(double v)
{
    return (size_t)llround(v);
}

/* ---- the string form ---------------------------------------------------------------- */

/* A parsing cursor over ':'-separated fields. */
typedef struct fields {
    const char *text;      /* the whole string, for messages */
    const char *at;        /* start of the next field */
} fields;

/* Copy the next field (up to ':' or the end) into buf; false if none is left. */
static bool next_field(fields *f, char *buf, size_t cap)
{
    if (!f->at)
        return false;
    const char *end = strchr(f->at, ':');
    size_t len = end ? (size_t)(end - f->at) : strlen(f->at);
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, f->at, len);
    buf[len] = '\0';
    f->at = end ? end + 1 : NULL;
    return true;
}

static int parse_error(const char *text, const char *what)
{
    return cs__error(CS_ERR_INVALID_ARGUMENT, "perturbation spec \"%.100s\": %s", text, what);
}

/* Spec strings are data (result files, command lines): their numbers are in C notation
 * whatever the host program set with setlocale() (numfmt.h). A number too small for a normal
 * double reads as the nearest subnormal, as "0x1p-1031" does exactly: the formatted spec
 * writes it in decimal, which strtod reports as inexact, and that text must parse again. Only
 * a number that overflows, or a nonzero one that underflows to 0, is refused. */
static int parse_number(const char *text, const char *field, double *out)
{
    size_t used = 0, n = strlen(field);
    double v = 0;
    int rc = cs__num_parse_double(&v, &used, field, n);
    if (rc == CS_ERR_OUT_OF_MEMORY)
        return rc;
    if ((rc != CS_OK && rc != CS_ERR_OUT_OF_RANGE) || used != n)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "perturbation spec \"%.100s\": \"%.40s\" is not a number",
                         text, field);
    if (rc == CS_ERR_OUT_OF_RANGE && (v == 0 || isinf(v)))
        return cs__error(CS_ERR_OUT_OF_RANGE,
                         "perturbation spec \"%.100s\": \"%.40s\" is outside the range of a double", text, field);
    *out = v + 0.0; /* -0 becomes 0 */
    return CS_OK;
}

static int parse_int(const char *text, const char *s, const char **end, int *out)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (e == s || errno == ERANGE || v < 0 || v > 65535 || !isdigit((unsigned char)s[0]))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "perturbation spec \"%.100s\": expected a class index (0..65535) at \"%s\"", text, s);
    *out = (int)v;
    *end = e;
    return CS_OK;
}

/* Entries of a '+'-joined list. */
static int list_length(const char *field)
{
    int n = 1;
    for (const char *p = field; *p; p++)
        n += *p == '+';
    return n;
}

/* "3+5+7" -> classes */
static int parse_classes(const char *text, const char *field, cs_perturb_spec *spec)
{
    int n = list_length(field), count = 0;
    int *classes = malloc((size_t)n * sizeof *classes);
    if (!classes)
        return cs__error_oom("a class list", (size_t)n * sizeof *classes);
    int status = CS_OK;
    for (const char *p = field;;) {
        status = parse_int(text, p, &p, &classes[count++]);
        if (status != CS_OK || *p == '\0')
            break;
        if (*p != '+') {
            status = cs__error(CS_ERR_INVALID_ARGUMENT,
                               "perturbation spec \"%.100s\": classes are joined by '+', found '%c'", text, *p);
            break;
        }
        p++;
    }
    if (status == CS_OK)
        status = cs_perturb_spec_set_classes(spec, classes, count);
    free(classes);
    return status;
}

/* "9>1+2>0" -> a sparse user map: classes not listed keep their label */
static int parse_map(const char *text, const char *field, cs_perturb_spec *spec)
{
    int n = list_length(field), count = 0, len = 0;
    int *pairs = malloc(2 * (size_t)n * sizeof *pairs), *map = NULL;
    if (!pairs)
        return cs__error_oom("a class map", 2 * (size_t)n * sizeof *pairs);
    int status = CS_OK;
    for (const char *p = field;;) {
        int *src = &pairs[2 * count], *dst = &pairs[2 * count + 1];
        status = parse_int(text, p, &p, src);
        if (status == CS_OK && *p != '>')
            status = cs__error(CS_ERR_INVALID_ARGUMENT,
                               "perturbation spec \"%.100s\": a map entry is FROM>TO, e.g. 9>1", text);
        if (status == CS_OK)
            status = parse_int(text, p + 1, &p, dst);
        for (int j = 0; status == CS_OK && j < count; j++)
            if (pairs[2 * j] == *src)
                status = cs__error(CS_ERR_INVALID_ARGUMENT,
                                   "perturbation spec \"%.100s\": class %d is mapped twice", text, *src);
        if (status != CS_OK)
            goto cleanup;
        if (*src + 1 > len)
            len = *src + 1;
        count++;
        if (*p == '\0')
            break;
        if (*p != '+') {
            status = cs__error(CS_ERR_INVALID_ARGUMENT,
                               "perturbation spec \"%.100s\": map entries are joined by '+', found '%c'", text, *p);
            goto cleanup;
        }
        p++;
    }
    map = malloc((size_t)len * sizeof *map);
    if (!map) {
        status = cs__error_oom("a class map", (size_t)len * sizeof *map);
        goto cleanup;
    }
    for (int c = 0; c < len; c++)
        map[c] = c;
    for (int j = 0; j < count; j++)
        map[pairs[2 * j]] = pairs[2 * j + 1];
    free(spec->map);
    spec->map = map;
    map = NULL;
    spec->map_len = len;
    spec->map_len_fixed = false;
    spec->map_kind = CS_PAIRFLIP_USER;
cleanup:
    free(pairs);
    free(map);
    return status;
}

/* "0.8/0.2;0.1/0.9" */
static int parse_matrix(const char *text, const char *field, cs_perturb_spec *spec)
{
    int rows = 1, entries = 1;
    for (const char *p = field; *p; p++) {
        rows += *p == ';';
        entries += *p == ';' || *p == '/';
    }
    if ((size_t)rows * (size_t)rows != (size_t)entries)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "perturbation spec \"%.100s\": a matrix of %d rows needs %d entries, found %d",
                         text, rows, rows * rows, entries);
    double *t = malloc((size_t)entries * sizeof *t);
    char *copy = malloc(strlen(field) + 1);
    int status = CS_OK;
    if (!t || !copy) {
        status = cs__error_oom("a transition matrix", (size_t)entries * sizeof *t);
        goto cleanup;
    }
    strcpy(copy, field);
    int i = 0, row = 0, col = 0;
    for (char *p = copy;;) {
        char *end = p + strcspn(p, "/;");
        char sep = *end;
        *end = '\0';
        status = parse_number(text, p, &t[i++]);
        if (status != CS_OK)
            goto cleanup;
        col++;
        if (sep == ';' || sep == '\0') {
            if (col != rows) {
                status = cs__error(CS_ERR_INVALID_ARGUMENT,
                                   "perturbation spec \"%.100s\": matrix row %d has %d entries, expected %d",
                                   text, row, col, rows);
                goto cleanup;
            }
            row++;
            col = 0;
        }
        if (sep == '\0')
            break;
        p = end + 1;
    }
    status = cs_perturb_spec_set_matrix(spec, t, rows);
cleanup:
    free(t);
    free(copy);
    return status;
}

/* Build the spec of `kind` from the fields after its name: an argument (class list, map or
 * matrix) where the kind has one, then the level. `arg` holds two buffers of strlen(text) + 1
 * bytes: the argument's, then the level's. */
static int parse_rest(cs_perturb_spec **out, const char *text, fields *f, cs_perturb_kind kind, char *arg)
{
    bool has_arg = kind == CS_NOISE_PAIRFLIP || kind == CS_NOISE_TARGETED || kind == CS_REDUCE_TARGETED ||
                   kind == CS_NOISE_MATRIX;
    if (has_arg && !next_field(f, arg, strlen(text) + 1))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "perturbation spec \"%.100s\": %s", text,
                         kind == CS_NOISE_PAIRFLIP ? "pairflip needs a map: pairflip:cifar10|cyclic|FROM>TO+...:RATE"
                         : kind == CS_NOISE_MATRIX ? "matrix needs rows: matrix:a/b;c/d"
                                                   : "targeted needs classes: targeted:C+C:LEVEL");
    double level = 0.0;
    char *level_text = arg + strlen(text) + 1;
    if (kind != CS_PERTURB_NONE && kind != CS_NOISE_MATRIX) {
        if (!next_field(f, level_text, strlen(text) + 1))
            return cs__error(CS_ERR_INVALID_ARGUMENT, "perturbation spec \"%.100s\": the %s is missing (%s)", text,
                             cs__perturb_is_noise(kind) ? "noise rate" : "kept fraction",
                             kind == CS_NOISE_PAIRFLIP     ? "pairflip:cifar10|cyclic|FROM>TO+...:RATE"
                             : kind == CS_NOISE_TARGETED   ? "targeted:C+C:RATE"
                             : kind == CS_REDUCE_TARGETED  ? "reduce:targeted:C+C:FRACTION"
                             : cs__perturb_is_noise(kind) ? "KIND:RATE"
                                                           : "reduce:MODE:FRACTION");
        int status = parse_number(text, level_text, &level);
        if (status != CS_OK)
            return status;
    }
    if (f->at)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "perturbation spec \"%.100s\": unexpected \":%s\" at the end",
                         text, f->at);
    char context[128];
    snprintf(context, sizeof context, "perturbation spec \"%.100s\"", text);
    int status = check_level(kind, level, context);
    if (status != CS_OK)
        return status;
    cs_perturb_spec *spec = NULL;
    status = cs_perturb_spec_create(&spec, kind, level);
    if (status != CS_OK)
        return status;
    if (kind == CS_NOISE_TARGETED || kind == CS_REDUCE_TARGETED)
        status = parse_classes(text, arg, spec);
    else if (kind == CS_NOISE_MATRIX)
        status = parse_matrix(text, arg, spec);
    else if (kind == CS_NOISE_PAIRFLIP && strcmp(arg, "cifar10") == 0)
        status = cs_perturb_spec_set_map(spec, CS_PAIRFLIP_CIFAR10, NULL, 0);
    else if (kind == CS_NOISE_PAIRFLIP && strcmp(arg, "cyclic") == 0)
        status = cs_perturb_spec_set_map(spec, CS_PAIRFLIP_CYCLIC, NULL, 0);
    else if (kind == CS_NOISE_PAIRFLIP)
        status = parse_map(text, arg, spec);
    if (status != CS_OK) {
        cs_perturb_spec_destroy(spec);
        return status;
    }
    *out = spec;
    return CS_OK;
}

int cs_perturb_spec_parse(cs_perturb_spec **out, const char *text)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_parse: out is NULL");
    *out = NULL;
    if (!text)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_parse: text is NULL");
    fields f = { text, text };
    char head[32];
    next_field(&f, head, sizeof head);
    cs_perturb_kind kind;
    if (strcmp(head, "reduce") == 0) {
        if (!next_field(&f, head, sizeof head))
            return parse_error(text, "reduce needs a mode: reduce:uniform|stratified|targeted:...");
        if (strcmp(head, "uniform") == 0)
            kind = CS_REDUCE_UNIFORM;
        else if (strcmp(head, "stratified") == 0)
            kind = CS_REDUCE_STRATIFIED;
        else if (strcmp(head, "targeted") == 0)
            kind = CS_REDUCE_TARGETED;
        else
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "perturbation spec \"%.100s\": unknown reduction \"%s\" (expected uniform, stratified or targeted)",
                             text, head);
    } else if (strcmp(head, "none") == 0) {
        kind = CS_PERTURB_NONE;
    } else if (strcmp(head, "shuffle") == 0) {
        kind = CS_NOISE_SHUFFLE;
    } else if (strcmp(head, "symmetric") == 0) {
        kind = CS_NOISE_SYMMETRIC;
    } else if (strcmp(head, "pairflip") == 0 || strcmp(head, "asymmetric") == 0) {
        kind = CS_NOISE_PAIRFLIP;
    } else if (strcmp(head, "targeted") == 0) {
        kind = CS_NOISE_TARGETED;
    } else if (strcmp(head, "matrix") == 0) {
        kind = CS_NOISE_MATRIX;
    } else {
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "perturbation spec \"%.100s\": unknown kind \"%s\" (expected none, shuffle, symmetric, "
                         "pairflip, targeted, matrix or reduce)", text, head);
    }
    /* Two fields as long as the whole text: the argument, then the level (never truncated). */
    char *arg = malloc(2 * (strlen(text) + 1));
    if (!arg)
        return cs__error_oom("a perturbation spec", 2 * (strlen(text) + 1));
    int status = parse_rest(out, text, &f, kind, arg);
    free(arg);
    return status;
}

/* An appending writer that keeps counting past the end of the buffer. */
typedef struct writer {
    char *buf;
    size_t cap, len;
} writer;

static void put(writer *w, const char *s)
{
    size_t n = strlen(s);
    if (w->len < w->cap) {
        size_t room = w->cap - w->len - 1;
        memcpy(w->buf + w->len, s, n < room ? n : room);
        w->buf[w->len + (n < room ? n : room)] = '\0';
    }
    w->len += n;
}

static void put_int(writer *w, int v)
{
    char num[16];
    snprintf(num, sizeof num, "%d", v);
    put(w, num);
}

int cs_perturb_spec_format(char *buf, size_t cap, size_t *needed, const cs_perturb_spec *spec)
{
    if (!spec || (!buf && cap > 0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_spec_format: %s is NULL", !spec ? "spec" : "buf");
    if (cap > 0)
        buf[0] = '\0';
    if ((spec->kind == CS_NOISE_TARGETED || spec->kind == CS_REDUCE_TARGETED) && !spec->classes)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_perturb_spec_format: the targeted spec has no classes yet (cs_perturb_spec_set_classes)");
    if (spec->kind == CS_NOISE_MATRIX && !spec->matrix)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_perturb_spec_format: the matrix spec has no matrix yet (cs_perturb_spec_set_matrix)");
    writer w = { buf, cap, 0 };
    char num[32];
    if (cs__perturb_is_reduction(spec->kind))
        put(&w, "reduce:");
    put(&w, kind_name(spec->kind));
    if (spec->kind == CS_NOISE_TARGETED || spec->kind == CS_REDUCE_TARGETED) {
        put(&w, ":");
        for (int i = 0; i < spec->num_classes; i++) {
            if (i)
                put(&w, "+");
            put_int(&w, spec->classes[i]);
        }
    } else if (spec->kind == CS_NOISE_PAIRFLIP) {
        put(&w, ":");
        if (spec->map_kind == CS_PAIRFLIP_CIFAR10) {
            put(&w, "cifar10");
        } else if (spec->map_kind == CS_PAIRFLIP_CYCLIC) {
            put(&w, "cyclic");
        } else {
            bool first = true;
            for (int c = 0; c < spec->map_len; c++) {
                if (spec->map[c] == c)
                    continue;
                if (!first)
                    put(&w, "+");
                put_int(&w, c);
                put(&w, ">");
                put_int(&w, spec->map[c]);
                first = false;
            }
            if (first) /* an identity map: write one fixed point so that it parses */
                put(&w, "0>0");
        }
    } else if (spec->kind == CS_NOISE_MATRIX) {
        put(&w, ":");
        for (int i = 0; i < spec->matrix_k; i++)
            for (int j = 0; j < spec->matrix_k; j++) {
                if (i || j)
                    put(&w, j ? "/" : ";");
                cs__num_format_double(num, sizeof num, spec->matrix[(size_t)i * (size_t)spec->matrix_k + (size_t)j]);
                put(&w, num);
            }
    }
    if (spec->kind != CS_PERTURB_NONE && spec->kind != CS_NOISE_MATRIX) {
        put(&w, ":");
        cs__num_format_double(num, sizeof num, spec->level);
        put(&w, num);
    }
    if (needed)
        *needed = w.len + 1;
    if (w.len + 1 > cap)
        return cs__error(CS_ERR_SIZE_MISMATCH, "cs_perturb_spec_format: needs %zu bytes, the buffer has %zu",
                         w.len + 1, cap);
    return CS_OK;
}
