/**
 * @file classsens/report.h
 * @brief Reports from a results store: one self-contained HTML page with inline SVG
 *        figures, every figure as its own SVG file, a tidy CSV and a JSON summary.
 *
 * Everything is computed from the store alone (see cs_results_open()), so a report can be
 * rebuilt at any time without training, and a partial store gives a partial report (cells
 * not yet finished are left out and counted).
 */
#ifndef CLASSSENS_REPORT_H
#define CLASSSENS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <classsens/analysis.h>
#include <classsens/common.h>
#include <classsens/study.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Options of cs_report_write(). Initialise with ::CS_REPORT_OPTIONS_INIT. */
typedef struct cs_report_options {
    size_t struct_size;       /**< sizeof(cs_report_options). */
    double confidence;        /**< Coverage of every interval, in (0, 1); default 0.95. */
    cs_interval interval;     /**< Replicate intervals: ::CS_INTERVAL_WILSON (default),
                                   ::CS_INTERVAL_BOOTSTRAP or ::CS_INTERVAL_T. */
    int top_k;                /**< Weakest classes listed and compared across models; default 3. */
    double merge_threshold;   /**< Merge candidates: pairs whose symmetric confusion, as a
                                   fraction of the two classes' test records, is at least this;
                                   default 0.05. */
    int figures;              /**< Non-zero (default): also write every figure as an SVG file
                                   under `figures/`. */
    const char *title;        /**< Page title; NULL: "Class sensitivity: " + the data set's name. */
    double target;            /**< Target accuracy of the learning curves, in (0, 1): the report
                                   gives the training records of each class needed to reach it
                                   (cs_learning_curve_needed()); default 0.9. Appended in 1.x: a
                                   caller built with an older struct gets the default. */
    const cs_dataset *train_data; /**< The training split the study was created with (before any
                                   train_subset), or NULL (default). Given, the section "Which
                                   records" shows the records to review first as thumbnails and
                                   names each record's index in the data set's file; it must be
                                   the study's split (cs_report_write() checks its fingerprint).
                                   Borrowed for the call. Appended in 1.x: an older struct gets
                                   NULL. */
} cs_report_options;

/** @brief Defaults: 95 % Wilson score intervals, top 3, merge threshold 0.05, figure files,
 *         default title, target accuracy 0.9, no training data. */
#define CS_REPORT_OPTIONS_INIT { sizeof(cs_report_options), 0.95, CS_INTERVAL_WILSON, 3, 0.05, 1, NULL, 0.9, NULL }

/**
 * @brief Fill @p opts with exactly what ::CS_REPORT_OPTIONS_INIT gives (for bindings, which
 *        cannot use the macro).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_report_options_init(cs_report_options *opts);

/**
 * @brief Write the report of a store.
 *
 * Files written into @p out_dir (created when missing, one level), each atomically:
 * - `report.html`: Table 1 (baseline accuracy, epochs and batch size per model), baseline
 *   confusion matrices, the mean and relative confusion matrix of every condition and model,
 *   the weakest classes at the strongest noise and the strongest reduction side by side,
 *   per-class accuracy curves against the noise rate and the fraction kept with confidence
 *   bands, directional confusions, merge candidates, and cross-model agreement (Kendall's W,
 *   its p-value, pairwise Spearman ρ) with a one-sentence reading, and per model a figure and a
 *   table of every class's learning curve ("How much data would fix it"), and "Which records":
 *   per model how well each record score finds the flipped labels of every noise and grid
 *   condition, per class, the classes' data-map shares and their shifts, and the records to
 *   review first (thumbnails when ::cs_report_options.train_data is given). No script, no
 *   network: images are data: URIs.
 * - `figures/NAME.svg`: every figure of the page (when figures are on).
 * - `results.csv`: model, condition, level, replicate, true, pred, count — one row per cell
 *   and matrix entry.
 * - `learning_curves.csv`: the learning curves of `summary.json` as one row per model and
 *   class (docs/study.md lists the columns).
 * - `summary.json`: per model and condition, accuracy and per-class accuracy with intervals,
 *   weakest-class rankings, relative accuracy, the agreement statistics, and per model and
 *   class the learning curve (cs_results_learning_curve(), with the report's confidence and
 *   otherwise ::CS_LEARNING_CURVE_OPTIONS_INIT): its levels, parameters and fit, the accuracy
 *   predicted at 2 and 10 times the largest count, and the records needed for the target
 *   accuracy, or why the curve is refused; and "records", the record-level statistics of the
 *   page (classsens/records.h), or why the store has none (docs/study.md lists every member).
 * - `records.csv.gz`, only when the store holds record scores (classsens/records.h): model,
 *   condition, replicate, record, given, true, flipped, confidence, variability, aum, other —
 *   one row per training record of every finished cell that has scores (docs/formats.md).
 *   A damaged record-score sidecar fails the call with the status and message of
 *   cs_results_cell_records().
 * Confusion matrices are drawn as in the reference study: ground truth along the bottom,
 * predictions on the left, class names on both axes, counts in the cells, a colour scale.
 * @param r        The results.
 * @param out_dir  The output directory (often the store itself).
 * @param opts     Options, or NULL for ::CS_REPORT_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (also a ::cs_report_options.train_data of the
 *         study's size whose fingerprint differs: other pixels, labels or order);
 *         ::CS_ERR_SIZE_MISMATCH (a train_data of another shape, K or size than the study's
 *         training split); ::CS_ERR_STATE when no baseline cell is finished yet; ::CS_ERR_IO; ::CS_ERR_UNSUPPORTED for a newer options struct;
 *         ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_report_write(const cs_results *r, const char *out_dir, const cs_report_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_REPORT_H */
