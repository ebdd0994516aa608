/* Internal: helpers shared by the record-level analyses (flip_detection.c, record_review.c). */
#ifndef CS_ANALYSIS_RECORDS_INTERNAL_H
#define CS_ANALYSIS_RECORDS_INTERNAL_H

#include <stddef.h>

#include <classsens/analysis.h>

/* Stable merge sort of idx[0..n) by key[idx[i]] ascending (no NaN keys); tmp holds n entries.
 * Indices that start in increasing order end with ties broken by index. O(n log n). */
void cs__records_sort(size_t *idx, size_t *tmp, size_t n, const double *key);

/* CS_OK, or CS_ERR_INVALID_ARGUMENT naming fn, name[i] and the expected range when v is not a
 * valid score of its kind (finite; confidence in [0, 1]; variability in [0, 0.5]). */
int cs__records_check_score(const char *fn, const char *name, size_t i, double v,
                            cs_record_score kind);

#endif
