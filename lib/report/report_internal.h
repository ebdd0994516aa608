/* Internal: what a report shows, computed once from a store (report.c) and written as HTML
 * with figures (html.c), CSV and JSON (tables.c). */
#ifndef CS_REPORT_INTERNAL_H
#define CS_REPORT_INTERNAL_H

#include <classsens/analysis.h>
#include <classsens/report.h>

#include "core/buf.h"
#include "core/json.h"

/* One (model, condition): the replicates that finished, summarised. */
typedef struct cs__rep_cell {
    cs_confusion_stats *stats;   /* NULL when no replicate finished */
    int finished;                /* replicates in the store */
    double acc, acc_lo, acc_hi;  /* overall accuracy over replicates */
    double *class_acc, *class_lo, *class_hi;       /* k each */
    double *relative;            /* k*k relative confusion vs the baseline (NULL for the baseline or
                                    when either is missing) */
    double *rel_acc;             /* k per-class relative accuracy (same conditions) */
    cs_class_score *by_accuracy; /* k, weakest first */
    cs_class_score *by_drop;     /* k, largest accuracy drop from the baseline first (NULL as relative) */
    double flip_rate;            /* mean realised flip rate over replicates (noise) */
    double train_size;           /* mean training records */
    double train_seconds;        /* mean training wall time */
} cs__rep_cell;

/* Agreement of the models on one condition's per-class scores. */
typedef struct cs__rep_agreement {
    int cond;                    /* condition index; the baseline means "difficulty" (1 − accuracy) */
    int m;                       /* models included (those with the cells) */
    int *models;                 /* m model indices */
    double w, p;                 /* Kendall's W and its p-value */
    double *spearman, *kendall, *jaccard; /* m*m */
} cs__rep_agreement;

/* A group of conditions of one family and kind that form a curve (e.g. shuffle at 0.1, 0.2, 0.3). */
typedef struct cs__rep_series {
    char kind[96];               /* the condition name without its level, e.g. "shuffle", "reduce:uniform" */
    cs_condition_family family;
    int n;                       /* points, the baseline first */
    int *conds;                  /* n condition indices, by level (noise ascending, fraction descending) */
} cs__rep_series;

/* A replicate at chance level while the other replicates of its (model, condition) are well
 * above it (docs/study.md, "Failed cells and outliers"): kept in every statistic, flagged. */
typedef struct cs__rep_outlier {
    int model, cond, replicate;
    double accuracy;             /* the replicate's test accuracy */
    double others_min;           /* the lowest accuracy of the other finished replicates */
} cs__rep_outlier;
/* The rule: accuracy <= chance + CHANCE_MARGIN while every other finished replicate (at least
 * one) reaches chance + ABOVE_MARGIN; chance is the share of the test set's largest class
 * (what a model that predicts one class for everything reaches; 1/K when balanced). */
#define CS__REPORT_CHANCE_MARGIN 0.05
#define CS__REPORT_ABOVE_MARGIN 0.20

/* One (model, class) learning curve (cs_results_learning_curve) and the numbers the report
 * reads off it, computed once so that the page and summary.json say the same. */
typedef struct cs__rep_curve {
    int status;                  /* of cs_results_learning_curve: CS_OK, CS_ERR_NOT_FOUND, CS_ERR_STATE */
    char *why;                   /* its message when not CS_OK (owned) */
    cs_learning_curve *lc;       /* the fit; NULL when not CS_OK */
    char *refused;               /* cs_learning_curve_check()'s message when it refuses (owned), else NULL */
    double pred[2][3];           /* value, lo, hi at 2x and 10x the largest count (NaN when refused) */
    int needed_status;           /* cs_learning_curve_needed: CS_OK, CS_ERR_OUT_OF_RANGE or CS_ERR_STATE */
    char *needed_why;            /* its message when not CS_OK (owned) */
    double needed[3];            /* count, lo, hi (hi, even lo, may be +inf) */
    size_t unreachable;          /* refits that cannot reach the target */
} cs__rep_curve;

/* One statistic of the noise x volume grid with its interval, or why there is none. */
typedef struct cs__rep_estimate {
    int status;                  /* CS_OK, or the refusal's status */
    char *why;                   /* the refusal's message (owned); NULL when CS_OK */
    double v, lo, hi;
} cs__rep_estimate;

/* The noise x volume grid (report_grid.c): its rows and columns, each (model, class, noisy row)'s
 * data multiplier, and each (model, class, noise with a matched control)'s volume share. */
typedef struct cs__rep_grid {
    int n_noise, n_reduce;       /* 0 when the study has no grid condition */
    int *noise;                  /* noise conditions with a grid point, by rate */
    int *reduce;                 /* reductions with a grid point, by fraction kept, largest first */
    cs__rep_estimate *mult;      /* n_models * k * n_noise, by model, class, row */
    int n_share;
    int *share_noise;            /* noise conditions with a matched control */
    cs__rep_estimate *share;     /* n_models * k * n_share, by model, class, condition */
    double *scratch;             /* 4k doubles for a point of the surface (summary.json) */
} cs__rep_grid;

/* Record-level sensitivity (report_records.c): flip detection, data-map shares and the
 * review-first list, computed once so that summary.json's "records" and the page's section
 * "Which records" say the same. */
#define CS__REPORT_REVIEW_TOP 20       /* records listed overall */
#define CS__REPORT_REVIEW_CLASS_TOP 5  /* records listed per class */
#define CS__REPORT_THUMB_SCALE 3       /* thumbnails: the image scaled up, nearest neighbour */
typedef struct cs__rep_records {
    char *why;                   /* NULL when some cell has record scores; else why none (owned) */
    int n_flip;
    int *flip;                   /* noise and grid conditions, in condition order */
    double *det;                 /* by model, flip condition, class (k: all), score, metric: mean,
                                    lo, hi, replicates (NaN without scores) */
    size_t *det_used;            /* n_models * n_flip: replicates with scores (0: none) */
    double *dm;                  /* by model, condition, class, region: share, shift, lo, hi */
    size_t *dm_used;             /* n_models * n_conds: replicates with scores (0: none) */
    cs_review *review;           /* NULL when no baseline cell has scores */
    size_t review_cells;
    cs_dataset *train_view;      /* the study's training set rebuilt from opts.train_data (owned;
                                    NULL: opts.train_data itself, or no data) */
} cs__rep_records;

/* The options of every fit: the report's confidence, otherwise CS_LEARNING_CURVE_OPTIONS_INIT. */
void cs__report_curve_options(cs_learning_curve_options *o, const cs_report_options *opts);

typedef struct cs__report {
    const cs_results *r;
    cs_report_options opts;
    int k, n_models, n_conds, reps;
    const char **class_names;    /* k, borrowed */
    cs__rep_cell *cells;         /* n_models * n_conds */
    cs__rep_agreement *agree;    /* n_conds entries; agree[j].m == 0 when not computed */
    cs__rep_series *series;
    int n_series;
    int strongest_noise;         /* condition index, -1 when none */
    int strongest_reduction;     /* condition index, -1 when none */
    double chance;               /* the test set's largest class share (NaN without a finished cell) */
    cs__rep_outlier *outliers;   /* n_outliers, by model, condition, replicate */
    int n_outliers;
    cs__rep_curve *curves;       /* n_models * k, by model then class */
    int n_curves_fitted;         /* entries with status CS_OK */
    cs__rep_grid grid;
    cs__rep_records rec;
} cs__report;

/* The outlier rule in words, for the page and summary.json. */
void cs__report_outlier_rule(cs__buf *out, const cs__report *rep);

static inline cs__rep_cell *cs__rep_at(const cs__report *rep, int model, int cond)
{
    return &rep->cells[(size_t)model * (size_t)rep->n_conds + (size_t)cond];
}

/* Build and free the analysis. */
int cs__report_prepare(cs__report *rep, const cs_results *r, const cs_report_options *opts);
void cs__report_free(cs__report *rep);

/* The writers: each fills `out` (appending). */
int cs__report_csv(cs__buf *out, const cs__report *rep);
/* learning_curves.csv: one row per model and class (html_curves.c). */
int cs__report_curves_csv(cs__buf *out, const cs__report *rep);
/* A summary.json number that may be an unbounded interval's end: null for NaN, the string "inf"
 * for +inf (JSON numbers cannot say it), otherwise the number (tables.c). */
void cs__report_jw_bound(cs__json_writer *w, const char *key, double v);
/* RFC 4180: a field quoted when it holds a comma, a quote or a line break. */
void cs__report_csv_field(cs__buf *out, const char *s);
/* Write records.csv.gz to `path`: every stored record score of every finished cell
 * (classsens/records.h), one cell at a time; *cells counts the cells that have scores (0: the
 * store has none, and no file is written). A damaged sidecar fails it with
 * cs_results_cell_records()'s status and message, and leaves no file. */
int cs__report_records_csv(const char *path, int *cells, const cs__report *rep);
int cs__report_summary_json(cs__buf *out, const cs__report *rep);
/* The page; when fig_dir is not NULL every figure is also written there as its own file. */
int cs__report_html(cs__buf *out, const cs__report *rep, const char *fig_dir);

/* A fraction as a percentage with `decimals` decimals, "–" when not finite; with its interval
 * in a <span class="ci"> when both bounds are finite (html.c). */
void cs__report_pct(cs__buf *b, double v, int decimals);
/* A library message in a table cell or note: XML-escaped, from after its last "cs_name: "
 * prefix (the function and the cell it was about), its first letter capitalised. */
void cs__report_reason(cs__buf *b, const char *msg);
void cs__report_pct_interval(cs__buf *b, double mean, double lo, double hi);
/* The section "How much data would fix it" (html_curves.c). */
int cs__report_html_data(cs__buf *out, const cs__report *rep, const char *fig_dir);
/* Append the SVG in `fig` to the page as a <figure> with its caption and, when fig_dir is not
 * NULL, write it as fig_dir/<file_stem>.svg (stem made file-name safe). CS_OK or the write's error. */
int cs__report_figure(cs__buf *out, const char *fig_dir, const cs__buf *fig, const char *file_stem,
                      const char *caption);

/* The noise x volume grid (report_grid.c): computed by prepare, written into summary.json's
 * "grid" and "volume_share" members, and as the page's section "Noise x volume". */
int cs__report_prepare_grid(cs__report *rep);
void cs__report_free_grid(cs__report *rep);
void cs__report_grid_json(cs__json_writer *w, const cs__report *rep);
void cs__report_html_grid(cs__buf *out, const cs__report *rep);

/* Record-level sensitivity (report_records.c): computed by prepare (a damaged sidecar or a
 * wrong opts.train_data fails it), written into summary.json's "records" and as the page's
 * section "Which records". */
int cs__report_prepare_records(cs__report *rep);
void cs__report_free_records(cs__report *rep);
void cs__report_records_json(cs__json_writer *w, const cs__report *rep);
int cs__report_html_records(cs__buf *out, const cs__report *rep);

/* A one-sentence reading of Kendall's W and its p-value for m models and k classes. */
void cs__report_agreement_sentence(cs__buf *out, double w, double p, int m, const char *what);

#endif
