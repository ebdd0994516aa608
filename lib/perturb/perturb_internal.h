/* Internal: spec and report layouts, and the two engines behind cs_perturb_apply(). */
#ifndef CS_PERTURB_INTERNAL_H
#define CS_PERTURB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <classsens/perturb.h>

/* Random streams of one perturbation (Philox counter words 2-3): the kind in the high half,
 * the purpose in the low half. Choosing records, drawing labels and ordering each class never
 * share random numbers, and neither do two kinds applied with the same seed (a stratified
 * reduction followed by pairflip noise must not flip exactly the records the reduction put
 * first). Within one kind the streams do not depend on the level, which is what nests the
 * subsets of different rates and fractions. */
enum {
    CS__STREAM_SELECT = 1,        /* which records get noise */
    CS__STREAM_LABELS = 2,        /* which labels they get */
    CS__STREAM_KEEP = 3,          /* uniform reduction order */
    CS__STREAM_CLASS = 0x10000    /* + class: per-class order (pairflip, matrix, stratified) */
};

static inline uint64_t cs__perturb_stream(cs_perturb_kind kind, uint64_t purpose)
{
    return (uint64_t)kind << 32 | purpose;
}

struct cs_perturb_spec {
    cs_perturb_kind kind;
    double level;
    int *classes;              /* targeted kinds: distinct class indices */
    int num_classes;
    cs_pairflip_map map_kind;  /* pairflip */
    int *map;                  /* user map: map[c] for c < map_len */
    int map_len;
    bool map_len_fixed;        /* set by cs_perturb_spec_set_map: K must equal map_len; parsed
                                  maps list pairs only, unlisted classes keep their label */
    double *matrix;            /* matrix: k x k row-major */
    int matrix_k;
};

struct cs_perturb_report {
    cs_perturb_kind kind;
    int k;
    size_t before, after, selected, changed;
    size_t *transitions;       /* k x k */
    size_t *counts_before;     /* k */
    size_t *counts_after;      /* k */
};

static inline bool cs__perturb_is_noise(cs_perturb_kind kind)
{
    return kind >= CS_NOISE_SHUFFLE && kind <= CS_NOISE_TARGETED;
}

static inline bool cs__perturb_is_reduction(cs_perturb_kind kind)
{
    return kind >= CS_REDUCE_UNIFORM && kind <= CS_REDUCE_TARGETED;
}

/* Check that a spec is complete and consistent with K (classes, map, matrix). */
int cs__perturb_spec_check(const cs_perturb_spec *spec, int k);

/* The full map c -> map[c] for K classes (identity where the spec says nothing). */
void cs__perturb_spec_full_map(const cs_perturb_spec *spec, int k, int *map);

/* round(v), half away from zero, for non-negative v. */
size_t cs__perturb_round(double v);

/* Rewrite labels[0..n) in place as the noise spec says; *selected receives the number of
 * records chosen for relabelling. */
int cs__perturb_noise(int32_t *labels, size_t n, int k, const cs_perturb_spec *spec, uint64_t seed,
                      size_t *selected);

/* The records a reduction keeps, ascending, in a new array of *kept_n entries. */
int cs__perturb_reduce(size_t **kept, size_t *kept_n, const int32_t *labels, size_t n, int k,
                       const cs_perturb_spec *spec, uint64_t seed);

/* Permute a[0..n) in place, uniformly at random (Fisher-Yates on the given stream). */
void cs__perturb_shuffle(size_t *a, size_t n, uint64_t seed, uint64_t stream);

/* Group records by class in one pass (a stable counting sort): the records of class c are
 * order[start[c] .. start[c + 1]), in input order. order has n entries, start k + 1. */
void cs__perturb_group_by_class(const int32_t *labels, size_t n, int k, size_t *order, size_t *start);

#endif
