/**
 * @file classsens/confusion.h
 * @brief Confusion matrices and what can be read from one: accuracy, per-class recall,
 *        precision and F1, normalised views, relative confusion against a baseline,
 *        directional confusion, merge candidates, and a text rendering.
 *
 * A ::cs_confusion holds a K×K matrix of counts C[t][p]: how many records of true class t
 * were predicted as class p (scikit-learn's orientation: rows are the truth). Counts are
 * stored as doubles so that a matrix can also hold a mean over replicates
 * (see cs_confusion_stats_mean()). Matrices are immutable after creation.
 *
 * Notation used in the formulas below: n_t = Σ_p C[t][p] (records of class t),
 * m_p = Σ_t C[t][p] (predictions of class p), N = Σ_t n_t.
 * A ratio whose denominator is 0 is NaN, never a silent 0.
 */
#ifndef CLASSSENS_CONFUSION_H
#define CLASSSENS_CONFUSION_H

#include <stddef.h>
#include <stdint.h>

#include <classsens/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Opaque, immutable K×K confusion matrix of counts C[true][pred]. */
typedef struct cs_confusion cs_confusion;

/** @brief How cs_confusion_normalized() scales the counts. */
typedef enum cs_normalize {
    CS_NORMALIZE_NONE = 0,    /**< The counts themselves. */
    CS_NORMALIZE_TRUE = 1,    /**< Each row divided by n_t: row t is P(pred | true = t); the diagonal is recall. */
    CS_NORMALIZE_PRED = 2,    /**< Each column divided by m_p: P(true | pred = p); the diagonal is precision. */
    CS_NORMALIZE_ALL = 3      /**< Every cell divided by N. */
} cs_normalize;

/**
 * @brief Count a confusion matrix from true and predicted labels.
 * @param[out] out  The new matrix; NULL on failure. Owned: free with cs_confusion_destroy().
 * @param truth     n true labels in [0, k).
 * @param pred      n predicted labels in [0, k).
 * @param n         Number of records (0 gives an all-zero matrix).
 * @param k         Number of classes, 2..65536.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (NULL arrays with n > 0, bad k);
 *         ::CS_ERR_OUT_OF_RANGE for a label outside [0, k) (the message names the array and
 *         index); ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_confusion_create(cs_confusion **out, const int32_t *truth, const int32_t *pred,
                               size_t n, int k);

/**
 * @brief Make a matrix from counts (which may be fractional, e.g. means).
 * @param[out] out  The new matrix; NULL on failure. Owned.
 * @param counts    k×k values, row-major C[true][pred], each finite and >= 0.
 * @param k         Number of classes, 2..65536.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT for NULL, bad k, or a negative or non-finite
 *         count (the message gives its row and column); ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_confusion_from_counts(cs_confusion **out, const double *counts, int k);

/** @brief Free a matrix. @param cm The matrix; NULL is accepted. */
CS_API void cs_confusion_destroy(cs_confusion *cm);

/**
 * @brief Number of classes K.
 * @param cm The matrix.
 * @return K; 0 when @p cm is NULL.
 */
CS_API int cs_confusion_num_classes(const cs_confusion *cm);

/**
 * @brief Total count N.
 * @param cm The matrix.
 * @return N; NaN when @p cm is NULL.
 */
CS_API double cs_confusion_total(const cs_confusion *cm);

/**
 * @brief One cell C[truth][pred].
 * @param cm    The matrix.
 * @param truth True class in [0, K).
 * @param pred  Predicted class in [0, K).
 * @return The count; NaN when @p cm is NULL or a class is out of range.
 */
CS_API double cs_confusion_count(const cs_confusion *cm, int truth, int pred);

/**
 * @brief The matrix, counted or normalised, into a caller buffer.
 * @param[out] out k×k values, row-major [true][pred]. Rows (or columns) with a zero total
 *                 are NaN under ::CS_NORMALIZE_TRUE (::CS_NORMALIZE_PRED).
 * @param k        Must equal cs_confusion_num_classes().
 * @param cm       The matrix.
 * @param how      ::cs_normalize.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_confusion_normalized(double *out, int k, const cs_confusion *cm, cs_normalize how);

/**
 * @brief Overall accuracy Σ_t C[t][t] / N.
 * @param cm The matrix.
 * @return The accuracy in [0, 1]; NaN when N = 0 or @p cm is NULL.
 */
CS_API double cs_confusion_accuracy(const cs_confusion *cm);

/**
 * @brief Per-class recall (the study's "class accuracy") C[t][t] / n_t, precision
 *        C[p][p] / m_p, and F1 = 2·precision·recall / (precision + recall).
 * @param[out] recall    k values, or NULL.
 * @param[out] precision k values, or NULL.
 * @param[out] f1        k values, or NULL. NaN where a denominator is 0; F1 is 0 when both
 *                       precision and recall are 0.
 * @param k              Must equal cs_confusion_num_classes().
 * @param cm             The matrix.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_confusion_class_metrics(double *recall, double *precision, double *f1,
                                      int k, const cs_confusion *cm);

/**
 * @brief Relative confusion against a baseline: the difference of row-normalised matrices,
 *        R[t][p] = C[t][p] / n_t − B[t][p] / b_t.
 *
 * Positive off-diagonal cells are confusions that the perturbation made more frequent;
 * the diagonal is the change of recall. Each row sums to 0 (up to rounding).
 * @param[out] out k×k values, row-major [true][pred]; NaN in rows where either total is 0.
 * @param k        Must equal both matrices' K.
 * @param pert     The perturbed condition's matrix C.
 * @param base     The baseline matrix B (same K).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_confusion_relative(double *out, int k, const cs_confusion *pert,
                                 const cs_confusion *base);

/**
 * @brief Per-class relative accuracy against a baseline: rel[t] = recall_C(t) / recall_B(t).
 *
 * 1 means unchanged, 0.8 means the class kept 80 % of its baseline recall. The absolute
 * accuracy drop, recall_B(t) − recall_C(t), is the "sensitivity" ranked by cs_rank_weakest().
 * @param[out] out k values; NaN where the baseline recall is 0 or undefined.
 * @param k        Must equal both matrices' K.
 * @param pert     The perturbed condition's matrix.
 * @param base     The baseline matrix (same K).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_confusion_relative_accuracy(double *out, int k,
                                          const cs_confusion *pert, const cs_confusion *base);

/**
 * @brief Directional confusion of every pair: A[a][b] = (C[a][b] − C[b][a]) / (C[a][b] + C[b][a]).
 *
 * A[a][b] = 1: true a is taken for b, never the reverse; −1: only b is taken for a; 0:
 * symmetric. A[b][a] = −A[a][b].
 * @param[out] out k×k values; NaN on the diagonal and where C[a][b] + C[b][a] = 0.
 * @param k        Must equal cs_confusion_num_classes().
 * @param cm       The matrix.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_SIZE_MISMATCH.
 */
CS_API int cs_confusion_asymmetry(double *out, int k, const cs_confusion *cm);

/** @brief One directed confusion "true class → predicted class". */
typedef struct cs_directed_confusion {
    int truth;          /**< True class t. */
    int pred;           /**< Predicted class p (≠ t). */
    double count;       /**< C[t][p]. */
    double rate;        /**< C[t][p] / n_t: the share of class t lost to p. */
    double asymmetry;   /**< A[t][p] as in cs_confusion_asymmetry(). */
} cs_directed_confusion;

/**
 * @brief The largest off-diagonal cells, largest count first (ties: smaller t, then smaller p).
 * @param[out] out   Up to @p max entries.
 * @param elem_size  sizeof(cs_directed_confusion) as the caller knows it: elements are written at this
 *                   stride with the members that fit (docs/conventions.md, "Arrays of structs
 *                   that can grow"); larger than this library's struct: ::CS_ERR_UNSUPPORTED.
 * @param max        Capacity of @p out (>= 0).
 * @param[out] count Entries written: min(max, number of non-zero off-diagonal cells).
 * @param cm         The matrix.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_confusion_top_directed(cs_directed_confusion *out, size_t elem_size, int max,
                                     int *count, const cs_confusion *cm);

/** @brief A pair of classes and how much they are confused with each other. */
typedef struct cs_class_pair {
    int a;              /**< The smaller class index. */
    int b;              /**< The larger class index. */
    double mass;        /**< (C[a][b] + C[b][a]) / (n_a + n_b). */
    double a_to_b;      /**< C[a][b]. */
    double b_to_a;      /**< C[b][a]. */
} cs_class_pair;

/**
 * @brief Merge candidates: class pairs ranked by symmetric confusion mass
 *        (C[a][b] + C[b][a]) / (n_a + n_b), largest first (ties: smaller a, then smaller b).
 * @param[out] out   Up to @p max pairs.
 * @param elem_size  sizeof(cs_class_pair) as the caller knows it: elements are written at this
 *                   stride with the members that fit (docs/conventions.md, "Arrays of structs
 *                   that can grow"); larger than this library's struct: ::CS_ERR_UNSUPPORTED.
 * @param max        Capacity of @p out (>= 0).
 * @param[out] count Pairs written.
 * @param cm         The matrix.
 * @param threshold  Keep only pairs whose mass is >= this (0 keeps every confused pair;
 *                   pairs with zero mass are never listed).
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT (also for a threshold outside [0, 1]).
 */
CS_API int cs_confusion_merge_candidates(cs_class_pair *out, size_t elem_size,
                                         int max, int *count, const cs_confusion *cm, double threshold);

/**
 * @brief Render the matrix as text for a terminal, in the reference study's orientation:
 *        ground truth along the bottom (one column per true class), predictions on the left
 *        (one row per predicted class), both axes labelled with class names.
 *
 * Cell (row p, column t) shows C[t][p]: counts as integers when every count is integral
 * (else with one decimal) under ::CS_NORMALIZE_NONE, percentages with one decimal otherwise.
 * @param[out] buf    Destination; may be NULL when @p cap is 0 (to ask for the size).
 * @param cap         Capacity of @p buf in bytes.
 * @param[out] needed Bytes the text needs including the terminating NUL (may be NULL).
 * @param cm          The matrix.
 * @param names       K class names, or NULL for "0" … "K−1".
 * @param how         What the cells show (::cs_normalize).
 * @return ::CS_OK (the text fitted); ::CS_ERR_SIZE_MISMATCH when @p cap is too small (buf
 *         then holds a truncated, terminated prefix if cap > 0); ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_confusion_render(char *buf, size_t cap, size_t *needed,
                               const cs_confusion *cm, const char *const *names, cs_normalize how);

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_CONFUSION_H */
