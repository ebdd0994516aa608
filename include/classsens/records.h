/**
 * @file classsens/records.h
 * @brief Record-level training dynamics: per training record, how confidently and how
 *        consistently a model fits its (possibly noisy) label while it trains, and the same
 *        scores read back from a study's store.
 *
 * While cs_model_train() runs with ::cs_train_options.record_scores set, every record of the
 * training set is scored in every epoch from the forward pass that training computes anyway:
 * - p, the softmax probability of the record's training label;
 * - the margin, the label's logit minus the largest other logit (Pleiss et al. 2020).
 *
 * Kept per record: the mean of p over epochs (the "confidence" of the data maps of Swayamdipta
 * et al. 2020), its population standard deviation over epochs (their "variability"), the mean
 * margin (the area under the margin, AUM) and the class that most often had the largest other
 * logit. By default the scores come from the augmented, dropout-on, training-mode batches,
 * before each step's update: they cost no extra forward pass (cs_record_scores_set_pass()
 * selects an unaugmented evaluation-mode pass after each epoch instead). docs/study.md,
 * "Record scores", says more.
 */
#ifndef CLASSSENS_RECORDS_H
#define CLASSSENS_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include <classsens/common.h>
#include <classsens/model.h>
#include <classsens/study.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Accumulating record scores
 * A ::cs_record_scores holds the running sums of N records over any number of epochs, in
 * double precision, in O(N·K) memory. It is filled by cs_model_train() (through
 * ::cs_train_options.record_scores) or directly with cs_record_scores_add(). Every update is
 * made by one thread in record order, so the scores of a training run are bit-identical
 * whenever its logits are (same seed and thread count).
 * @{ */

/**
 * @brief Create an empty accumulator for @p n records of @p k classes.
 * @param[out] out The accumulator; NULL on failure. Owned: free with cs_record_scores_destroy().
 * @param n        Records (>= 1): cs_dataset_size() of the training set it will score.
 * @param k        Classes, 2 .. 65535 (a margin needs another class).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL @p out, @p n of 0, @p k out of range);
 *         ::CS_ERR_OVERFLOW; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_record_scores_create(cs_record_scores **out, size_t n, int k);

/** @brief Free an accumulator. @param s The accumulator; NULL is accepted. */
CS_API void cs_record_scores_destroy(cs_record_scores *s);

/**
 * @brief Add one observation of each of @p n records from their logits.
 *
 * For row j: p = softmax(logits_j)[labels_j], computed in double with the largest logit
 * subtracted first; the margin is logits_j[labels_j] minus the largest other logit (ties go to
 * the smaller class index, which is then counted as that row's "other" class).
 * @param s       The accumulator.
 * @param records @p n record indices, each < cs_record_scores_count().
 * @param logits  (n, K) logits, all finite.
 * @param labels  @p n labels in 0 .. K − 1 (the labels the records are trained with).
 * @param n       Rows (0 is accepted and adds nothing).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (a NULL pointer with @p n > 0, a non-finite
 *         logit: the message names the row and class); ::CS_ERR_OUT_OF_RANGE (a record index or
 *         label out of range). Nothing is added unless every row is valid.
 */
CS_API int cs_record_scores_add(cs_record_scores *s, const size_t *records, const float *logits /* (n, K) */,
                                const int32_t *labels, size_t n);

/** @brief Which forward passes cs_model_train() scores records from. */
typedef enum cs_record_scores_pass {
    CS_RECORD_SCORES_TRAINING = 0,   /**< The training passes themselves (default): augmented,
                                          dropout on, BatchNorm in training mode, before each
                                          step's update. No extra work but O(batch·K). */
    CS_RECORD_SCORES_EVALUATION = 1  /**< An extra pass after every epoch over the unaugmented
                                          training set in evaluation mode (BatchNorm running
                                          statistics, no dropout), as cs_model_predict() sees
                                          it: the weights at the end of the epoch. Costs one
                                          forward pass over the training set per epoch (about a
                                          third of an epoch), counted in the epoch's seconds. */
} cs_record_scores_pass;

/**
 * @brief Choose the passes cs_model_train() scores records from.
 * @param s    The accumulator.
 * @param pass ::CS_RECORD_SCORES_TRAINING or ::CS_RECORD_SCORES_EVALUATION.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL @p s, an unknown @p pass).
 */
CS_API int cs_record_scores_set_pass(cs_record_scores *s, cs_record_scores_pass pass);

/**
 * @brief The passes an accumulator scores records from.
 * @param s The accumulator.
 * @return A ::cs_record_scores_pass; ::CS_ERR_INVALID_ARGUMENT for NULL.
 */
CS_API int cs_record_scores_get_pass(const cs_record_scores *s);

/** @brief Records of an accumulator. @param s The accumulator. @return N; 0 for NULL. */
CS_API size_t cs_record_scores_count(const cs_record_scores *s);

/** @brief Classes of an accumulator. @param s The accumulator. @return K; 0 for NULL. */
CS_API int cs_record_scores_num_classes(const cs_record_scores *s);

/**
 * @brief The fewest observations of any record: after cs_model_train(), the epochs it
 *        completed (every epoch observes every record once).
 * @param s The accumulator.
 * @return The count (>= 0); ::CS_ERR_INVALID_ARGUMENT for NULL.
 */
CS_API int cs_record_scores_epochs(const cs_record_scores *s);

/**
 * @brief One record's scores.
 * @param[out] confidence  Mean of p over its observations (may be NULL).
 * @param[out] variability Population standard deviation of p over its observations (may be NULL).
 * @param[out] aum         Mean margin over its observations (may be NULL).
 * @param[out] other       The class most often the largest other logit, ties to the smaller
 *                         index (may be NULL).
 * @param s                The accumulator.
 * @param record           Record index, < cs_record_scores_count().
 * @return The record's number of observations (>= 0; with 0 the scores are NaN and @p other
 *         is −1); ::CS_ERR_INVALID_ARGUMENT (NULL @p s); ::CS_ERR_OUT_OF_RANGE.
 */
CS_API int cs_record_scores_get(double *confidence, double *variability, double *aum, int32_t *other,
                                const cs_record_scores *s, size_t record);

/**
 * @brief Every record's scores at once, as cs_record_scores_get() gives them, into caller
 *        arrays of @p n elements (each may be NULL).
 * @param[out] confidence  Means of p.
 * @param[out] variability Standard deviations of p.
 * @param[out] aum         Mean margins.
 * @param[out] other       Most frequent other classes.
 * @param[out] seen        Observations per record.
 * @param n                Length of every array: cs_record_scores_count().
 * @param s                The accumulator.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL @p s); ::CS_ERR_SIZE_MISMATCH (@p n is not
 *         the record count).
 */
CS_API int cs_record_scores_values(double *confidence, double *variability, double *aum, int32_t *other,
                                   int32_t *seen, size_t n, const cs_record_scores *s);

/** @} */

/** @name Record scores of a stored cell
 * A study records the scores of every cell it trains (::cs_study_options.record_scores) in a
 * sidecar file next to the cell file (format: docs/formats.md, "Record scores").
 * @{ */

/** @brief One cell's record scores, read from a store (see cs_results_cell_records()). */
typedef struct cs_cell_records cs_cell_records;

/**
 * @brief Read a finished cell's record scores.
 *
 * The sidecar is checked in full before anything is returned: its magic, version, length and
 * CRC-32, the size and CRC-32 its cell file records, K and N against the store (N is the cell's
 * training size), every source index (within the study's training set, none twice), every label
 * (< K), every score (finite, the confidence in [0, 1]) and the number of records whose training
 * label differs from their true one against the cell's perturbation report.
 * @param[out] out  The scores; NULL on failure. Owned: free with cs_cell_records_destroy().
 * @param r         The results.
 * @param model     Model index.
 * @param condition Condition index.
 * @param replicate Replicate index.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL); ::CS_ERR_OUT_OF_RANGE; ::CS_ERR_NOT_FOUND
 *         (the cell is not finished, or its file records no scores: a store written before
 *         scores existed or with them off); ::CS_ERR_CORRUPT (the sidecar is missing, damaged or
 *         disagrees with its cell: the message names the file and what is wrong);
 *         ::CS_ERR_FORMAT (a sidecar of an unknown version); ::CS_ERR_IO; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_results_cell_records(cs_cell_records **out, const cs_results *r, int model, int condition,
                                   int replicate);

/** @brief Free a cell's scores. @param c The scores; NULL is accepted. */
CS_API void cs_cell_records_destroy(cs_cell_records *c);

/** @brief Records of the cell (its training size). @param c The scores. @return N; 0 for NULL. */
CS_API size_t cs_cell_records_count(const cs_cell_records *c);

/** @brief Epochs the scores average over. @param c The scores. @return The epochs; 0 for NULL. */
CS_API int cs_cell_records_epochs(const cs_cell_records *c);

/**
 * @brief Each record's index in the study's training set (after any train_subset; without one,
 *        the record's index in the training split).
 * @param c The scores.
 * @return N indices, borrowed (valid while @p c lives); NULL for NULL.
 */
CS_API const uint32_t *cs_cell_records_source(const cs_cell_records *c);

/** @brief Each record's training label (after the cell's label noise). @param c The scores.
 *  @return N labels, borrowed; NULL for NULL. */
CS_API const int32_t *cs_cell_records_given(const cs_cell_records *c);

/** @brief Each record's true label (its label in the study's training set). @param c The scores.
 *  @return N labels, borrowed; NULL for NULL. */
CS_API const int32_t *cs_cell_records_truth(const cs_cell_records *c);

/** @brief Each record's confidence (mean p of its training label). @param c The scores.
 *  @return N values in [0, 1], borrowed; NULL for NULL. */
CS_API const float *cs_cell_records_confidence(const cs_cell_records *c);

/** @brief Each record's variability (standard deviation of p over epochs). @param c The scores.
 *  @return N values, borrowed; NULL for NULL. */
CS_API const float *cs_cell_records_variability(const cs_cell_records *c);

/** @brief Each record's area under the margin (mean margin over epochs). @param c The scores.
 *  @return N values, borrowed; NULL for NULL. */
CS_API const float *cs_cell_records_aum(const cs_cell_records *c);

/** @brief Each record's most frequent other class (the largest logit besides its training
 *         label's). @param c The scores. @return N classes, borrowed; NULL for NULL. */
CS_API const int32_t *cs_cell_records_other(const cs_cell_records *c);

/** @} */

/** @name Record-level sensitivity of a study
 * The record-level analyses of analysis.h gathered from a store: every finished cell that has
 * record scores contributes its sidecar (cs_results_cell_records()); cells that are not finished
 * or were stored without scores are left out. docs/analysis.md, "Record-level sensitivity from a
 * store", gives the formulas.
 * @{ */

/** @brief Flip detection of one (model, condition) over its replicates (cs_results_flip_detection()). */
typedef struct cs_flip_replicates cs_flip_replicates;

/**
 * @brief How well each record score finds the flipped records in every replicate of a noisy
 *        condition.
 *
 * For each replicate with scores, cs_flip_detection_compute() of each ::cs_record_score kind on
 * the cell's records, flipped where the training label differs from the true one, classes the
 * true labels; cs_flip_replicates_summary() summarises them over the replicates.
 * @param[out] out  The result; NULL on failure. Owned: free with cs_flip_replicates_destroy().
 * @param r         The results.
 * @param model     Model index.
 * @param condition A condition of family ::CS_CONDITION_NOISE or ::CS_CONDITION_GRID (a matched
 *                  control or a reduction flips no label).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL, a condition of another family);
 *         ::CS_ERR_OUT_OF_RANGE (@p model, @p condition); ::CS_ERR_NOT_FOUND (no finished
 *         replicate has scores); the errors of cs_results_cell_records() for a damaged sidecar;
 *         ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_results_flip_detection(cs_flip_replicates **out, const cs_results *r, int model, int condition);

/** @brief Free a result. @param f The result; NULL is accepted. */
CS_API void cs_flip_replicates_destroy(cs_flip_replicates *f);

/** @brief Replicates that contributed (finished, with scores). @param f The result.
 *  @return The count (>= 1); 0 for NULL. */
CS_API size_t cs_flip_replicates_count(const cs_flip_replicates *f);

/**
 * @brief One metric of one class and score over the replicates: cs_flip_detection_summarize()
 *        of the replicates' results (mean, Student t interval, replicates where it is defined).
 * @param[out] mean  The mean (or NULL).
 * @param[out] lo    Lower bound (or NULL).
 * @param[out] hi    Upper bound (or NULL).
 * @param[out] used  Replicates where the metric is defined (or NULL).
 * @param f          The result.
 * @param cls        The true class 0..K − 1, or ::CS_FLIP_ALL_CLASSES.
 * @param kind       The score.
 * @param metric     The metric.
 * @param confidence Interval coverage in (0, 1).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL @p f, bad @p kind, @p metric or
 *         @p confidence); ::CS_ERR_OUT_OF_RANGE (bad @p cls). Nothing is written on failure.
 */
CS_API int cs_flip_replicates_summary(double *mean, double *lo, double *hi, size_t *used,
                                      const cs_flip_replicates *f, int cls, cs_record_score kind,
                                      cs_flip_metric metric, double confidence);

/**
 * @brief Each class's data-map shares in one (model, condition), and how they moved from the
 *        baseline.
 *
 * Per replicate with scores, cs_data_map_regions() of its records by their true class; the share
 * is the mean over the replicates where it is defined, the shift cs_data_map_shift() of the
 * replicates against the same model's baseline replicates. At the baseline itself the shift is
 * 0 with bounds 0 (the same cells, not an independent sample). Every array is k×3 row-major,
 * [class·3 + ::cs_data_region]; each may be NULL.
 * @param[out] share Mean shares (NaN for a class without records in every replicate).
 * @param[out] shift Difference from the baseline.
 * @param[out] lo    Lower bound of the shift.
 * @param[out] hi    Upper bound of the shift.
 * @param[out] used  Replicates of the condition that contributed (or NULL).
 * @param k          cs_results_num_classes().
 * @param r          The results.
 * @param model      Model index.
 * @param condition  Condition index (any family).
 * @param confidence Interval coverage in (0, 1).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL @p r, bad @p confidence);
 *         ::CS_ERR_OUT_OF_RANGE; ::CS_ERR_SIZE_MISMATCH (@p k); ::CS_ERR_NOT_FOUND (no replicate
 *         of the condition, or of the baseline when a shift is asked for, has scores); the errors
 *         of cs_results_cell_records() for a damaged sidecar; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_results_data_map(double *share, double *shift, double *lo, double *hi, size_t *used, int k,
                               const cs_results *r, int model, int condition, double confidence);

/**
 * @brief The review-first ranking of the study's training records over every baseline cell (all
 *        models, all replicates) with scores: cs_review_rank() of their AUMs and other classes.
 *
 * A ranked record's index is its position in the study's training set (the records' source,
 * cs_cell_records_source()); its label the given (clean) one. Read it with cs_review_entry()
 * and cs_review_class_top().
 * @param[out] out   The ranking; NULL on failure. Owned: free with cs_review_destroy().
 * @param[out] cells The baseline cells that contributed (or NULL).
 * @param r          The results.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL); ::CS_ERR_NOT_FOUND (no baseline condition,
 *         or no finished baseline cell with scores); ::CS_ERR_OVERFLOW; the errors of
 *         cs_results_cell_records() for a damaged sidecar; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_results_review(cs_review **out, size_t *cells, const cs_results *r);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_RECORDS_H */
