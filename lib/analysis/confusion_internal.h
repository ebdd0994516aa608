/* Internal: the layouts of the confusion matrix and of the replicate summary, shared by the
 * analysis files (counting, rendering, averaging, ranking), and the bootstrap helpers that
 * averaging and ranking both use. */
#ifndef CS_ANALYSIS_CONFUSION_INTERNAL_H
#define CS_ANALYSIS_CONFUSION_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <classsens/analysis.h>
#include <classsens/confusion.h>

#include "core/rng.h"

struct cs_confusion {
    int k;
    double total;      /* N */
    double *counts;    /* (K, K) C[true][pred]; the same block holds row and col */
    double *row;       /* (K) n_t = Σ_p C[t][p] */
    double *col;       /* (K) m_p = Σ_t C[t][p] */
    /* A mean matrix only (NULL otherwise): the replicate sums S (K, K) and their row sums (K),
     * of which counts and row are S / r. Ratios that rank (merge masses) are taken from S,
     * so that equal rationals are equal doubles; owned, freed with the matrix. */
    double *sums;
};

struct cs_confusion_stats {
    size_t r;
    int k;
    cs_average_options opts;   /* as validated, so that rankings reuse its interval settings */
    cs_confusion *mean;
    double *sd;                /* (K, K) sample sd of the counts; NaN when r = 1 */
    double *recall;            /* (K, r): recall of class t in replicate i at [t * r + i] */
    double *acc;               /* (r) overall accuracy of each replicate */
    double *class_mean;        /* (K) */
    double *class_lo;          /* (K) */
    double *class_hi;          /* (K) */
    double acc_mean, acc_lo, acc_hi;
    /* Sums over replicates of the correct records (x) and of the records (n) of each class,
     * the harmonic mean of the replicates' class totals (n_hm, the n of the Wilson interval),
     * and whether every replicate had the same total (then the mean is x / n, from integer
     * sums, and exact ties stay exact). */
    double *class_x;           /* (K) */
    double *class_n;           /* (K) */
    double *class_n_hm;        /* (K) */
    unsigned char *class_same; /* (K) */
    double acc_x, acc_n, acc_n_hm;
    int acc_same;
};

/* A matrix of k classes (k already validated) with zero counts; the caller fills counts and
 * then calls cs__confusion_finish(). `fn` names the public call for the OOM message. */
int cs__confusion_alloc(cs_confusion **out, int k, const char *fn);

/* Compute the row and column sums and the total from the counts. */
void cs__confusion_finish(cs_confusion *cm);

/* Fill idx with b resamples of n replicate indices (row j at idx[j * n]), drawn with
 * replacement from rng. */
void cs__seed_average_resample(size_t *idx, size_t b, size_t n, cs__rng *rng);

/* The percentile-bootstrap bounds: the (1 − c)/2 and (1 + c)/2 quantiles of means[0..b)
 * (which it reorders), interpolated linearly (NumPy's default "linear" method). No NaN. */
void cs__seed_average_percentiles(double *means, size_t b, double confidence, double *lo,
                                  double *hi);

/* Third and fourth counter words of the bootstrap streams, so that the resamples of an
 * average and of a ranking made from the same seed are independent. */
#define CS__PURPOSE_BOOT_AVERAGE 0x544F4F42u /* "BOOT" */
#define CS__PURPOSE_BOOT_DIFF 0x46464944u    /* "DIFF" */

#endif
