/* The noise x volume grid: the data multiplier of a noisy row (cs_noise_multiplier) and the
 * matched-volume share (cs_volume_share) against closed forms on planted data and against their
 * bootstraps recomputed here from the documented streams; grid conditions of a study (nested
 * seeds: a grid cell's records are its reduction cell's), their store (format 5) and the
 * analyses read back from it (cs_results_grid_surface, cs_results_noise_multiplier,
 * cs_results_volume_share) against the same statistics of arrays gathered through the public
 * reading API. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <classsens.h>

#include "core/json.h"
#include "core/rng.h"
#include "fixtures.h"
#include "study/study_internal.h"

/* The bootstrap streams as docs/analysis.md names them ("CURV": the learning curve's, which the
 * multiplier replays; "SHRE": the share's). */
#define STREAM_CURVE 0x56525543u
#define STREAM_SHARE 0x45524853u

/* A planted row: acc(p, n) = a_p - b n^-c at the levels below, the clean accuracy at full data
 * a_0 - b N^-c. */
#define L 4
#define S 5
static const double levels_n[L] = { 250.0, 500.0, 1000.0, 2000.0 };
#define FULL 2000.0
#define A0 0.95
#define AP 0.93
#define B 2.0
#define C 0.5

static double planted(double a, double n)
{
    return a - B * pow(n, -C);
}

static int cmp_double(const void *p, const void *q)
{
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

/* NumPy's "linear" quantile of sorted v[0..n). */
static double quantile(const double *v, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return v[n - 1];
    double f = h - (double)i;
    return f == 0.0 || v[i + 1] == v[i] ? v[i] : v[i] + f * (v[i + 1] - v[i]);
}

/* got within rel (relative, absolute below 1) of want; NaN and infinities must match exactly. */
static void assert_close(double got, double want, double rel)
{
    if (isnan(want)) {
        ck_assert_msg(isnan(got), "got %.17g, want NaN", got);
        return;
    }
    if (isinf(want)) {
        ck_assert(got == want);
        return;
    }
    ck_assert_msg(fabs(got - want) <= rel * fmax(1.0, fabs(want)), "got %.17g, want %.17g", got, want);
}

START_TEST(multiplier_is_the_closed_form_on_a_planted_surface)
{
    double acc[L * S], target[S];
    for (int l = 0; l < L; l++)
        for (int s = 0; s < S; s++)
            acc[l * S + s] = planted(AP, levels_n[l]);
    for (int s = 0; s < S; s++)
        target[s] = planted(A0, FULL);
    /* a_p - b n^-c = a_0 - b N^-c  <=>  n = (b / (a_p - t))^(1/c). */
    const double t = planted(A0, FULL);
    const double want = pow(B / (AP - t), 1.0 / C) / FULL;
    double m = NAN, lo = NAN, hi = NAN;
    size_t unreachable = 99;
    cs_assert_ok(cs_noise_multiplier(&m, &lo, &hi, &unreachable, levels_n, L, acc, S, target, FULL, NULL));
    assert_close(m, want, 1e-6);
    /* Every seed agrees: every resample is the same row and target. */
    assert_close(lo, want, 1e-6);
    assert_close(hi, want, 1e-6);
    ck_assert_uint_eq(unreachable, 0);
    ck_assert(want > 3.0 && want < 3.5); /* the planted row needs about 3.3 times the data */
}
END_TEST

/* Seeds that differ: accuracy offsets per seed, the same at every level (a seed that is lucky is
 * lucky everywhere), and a target per seed. */
static void noisy_row(double *acc, double *target, int vary_target)
{
    static const double off[S] = { -0.012, 0.004, 0.010, -0.003, 0.001 };
    for (int l = 0; l < L; l++)
        for (int s = 0; s < S; s++)
            acc[l * S + s] = planted(AP, levels_n[l]) + off[s] * (1.0 + 0.1 * l);
    for (int s = 0; s < S; s++)
        target[s] = planted(A0, FULL) + (vary_target ? 0.5 * off[(s + 2) % S] : 0.0);
}

START_TEST(multiplier_with_a_fixed_target_has_the_curves_interval)
{
    double acc[L * S], target[S];
    noisy_row(acc, target, 0);
    cs_learning_curve *lc = NULL;
    cs_assert_ok(cs_learning_curve_fit(&lc, levels_n, L, acc, S, NULL));
    double n = NAN, nlo = NAN, nhi = NAN;
    size_t miss = 0, miss2 = 0;
    cs_assert_ok(cs_learning_curve_needed(&n, &nlo, &nhi, &miss, lc, target[0]));
    double m = NAN, lo = NAN, hi = NAN;
    cs_assert_ok(cs_noise_multiplier(&m, &lo, &hi, &miss2, levels_n, L, acc, S, target, FULL, NULL));
    assert_close(m, n / FULL, 1e-12);
    assert_close(lo, nlo / FULL, 1e-12);
    assert_close(hi, nhi / FULL, 1e-12);
    ck_assert_uint_eq(miss, miss2);
    cs_learning_curve_destroy(lc);
}
END_TEST

START_TEST(multiplier_bootstraps_target_and_curve_jointly)
{
    double acc[L * S], target[S];
    noisy_row(acc, target, 1);
    cs_learning_curve_options o = CS_LEARNING_CURVE_OPTIONS_INIT;
    o.bootstrap_resamples = 200;
    o.seed = 5;
    double m = NAN, lo = NAN, hi = NAN;
    size_t miss = 0;
    cs_assert_ok(cs_noise_multiplier(&m, &lo, &hi, &miss, levels_n, L, acc, S, target, FULL, &o));
    /* The same resamples drawn here: refit each resampled row (its fit of the seed means is the
     * library's refit) and pair it with the target of the same draws. */
    cs__rng rng;
    cs__rng_init(&rng, o.seed, STREAM_CURVE);
    double work[200], racc[L * S];
    size_t missed = 0;
    for (int j = 0; j < 200; j++) {
        int idx[S];
        double t = 0.0;
        for (int s = 0; s < S; s++)
            idx[s] = (int)cs__rng_below(&rng, S);
        for (int s = 0; s < S; s++) {
            t += target[idx[s]];
            for (int l = 0; l < L; l++)
                racc[l * S + s] = acc[l * S + idx[s]];
        }
        t /= S;
        cs_learning_curve *lc = NULL;
        cs_learning_curve_options one = o;
        one.bootstrap_resamples = 100;
        cs_assert_ok(cs_learning_curve_fit(&lc, levels_n, L, racc, S, &one));
        double a, b, c;
        cs_assert_ok(cs_learning_curve_param(&a, NULL, NULL, lc, CS_CURVE_PARAM_A));
        cs_assert_ok(cs_learning_curve_param(&b, NULL, NULL, lc, CS_CURVE_PARAM_B));
        cs_assert_ok(cs_learning_curve_param(&c, NULL, NULL, lc, CS_CURVE_PARAM_C));
        if (!(t < a)) {
            missed++;
            work[j] = INFINITY;
        } else {
            work[j] = b == 0.0 ? 0.0 : pow(b / (a - t), 1.0 / c) / FULL;
        }
        cs_learning_curve_destroy(lc);
    }
    qsort(work, 200, sizeof *work, cmp_double);
    assert_close(lo, quantile(work, 200, 0.025), 1e-8);
    assert_close(hi, quantile(work, 200, 0.975), 1e-8);
    ck_assert_uint_eq(miss, missed);
    ck_assert(lo <= m && m <= hi);
}
END_TEST

START_TEST(multiplier_refuses_with_the_reason)
{
    double acc[L * S], target[S];
    noisy_row(acc, target, 0);
    double m = 42.0;
    /* The clean accuracy above the noisy asymptote: no amount of noisy data reaches it. */
    double high[S];
    for (int s = 0; s < S; s++)
        high[s] = AP + 0.03;
    cs_assert_fails(cs_noise_multiplier(&m, NULL, NULL, NULL, levels_n, L, acc, S, high, FULL, NULL),
                    CS_ERR_OUT_OF_RANGE, "no amount of data at this noise level reaches it");
    ck_assert(m == 42.0);
    /* Two levels: a, b and c are not identified. */
    cs_assert_fails(cs_noise_multiplier(&m, NULL, NULL, NULL, levels_n + 2, 2, acc + 2 * S, S, target, FULL, NULL),
                    CS_ERR_STATE, "at least 3 are needed");
    /* A poor fit: accuracies that fall with the count. */
    double bad[L * S];
    for (int l = 0; l < L; l++)
        for (int s = 0; s < S; s++)
            bad[l * S + s] = (l % 2 ? 0.5 : 0.8) + 0.001 * s;
    cs_assert_fails(cs_noise_multiplier(&m, NULL, NULL, NULL, levels_n, L, bad, S, target, FULL, NULL),
                    CS_ERR_STATE, "the fit is poor");
    cs_assert_fails(cs_noise_multiplier(&m, NULL, NULL, NULL, levels_n, L, acc, S, NULL, FULL, NULL),
                    CS_ERR_INVALID_ARGUMENT, "target is NULL");
    cs_assert_fails(cs_noise_multiplier(&m, NULL, NULL, NULL, levels_n, L, acc, S, target, 0.0, NULL),
                    CS_ERR_INVALID_ARGUMENT, "full is 0");
    target[3] = 1.5;
    cs_assert_fails(cs_noise_multiplier(&m, NULL, NULL, NULL, levels_n, L, acc, S, target, FULL, NULL),
                    CS_ERR_INVALID_ARGUMENT, "target[3] is 1.5");
    ck_assert(m == 42.0);
}
END_TEST

START_TEST(share_is_the_planted_share)
{
    /* matched = clean - share (clean - noisy) in every seed: the share of the means is exact. */
    double clean[S], matched[S], noisy[S];
    for (int s = 0; s < S; s++) {
        clean[s] = 0.9 + 0.01 * s;
        noisy[s] = 0.6 + 0.02 * s;
        matched[s] = clean[s] - 0.375 * (clean[s] - noisy[s]);
    }
    double v = NAN, lo = NAN, hi = NAN;
    cs_assert_ok(cs_volume_share(&v, &lo, &hi, clean, matched, noisy, S, NULL));
    assert_close(v, 0.375, 1e-12);
    assert_close(lo, 0.375, 1e-12);
    assert_close(hi, 0.375, 1e-12);
    /* The whole damage explained (matched = noisy), and none (matched = clean). */
    cs_assert_ok(cs_volume_share(&v, NULL, NULL, clean, noisy, noisy, S, NULL));
    assert_close(v, 1.0, 1e-12);
    cs_assert_ok(cs_volume_share(&v, NULL, NULL, clean, clean, noisy, S, NULL));
    assert_close(v, 0.0, 1e-12);
}
END_TEST

START_TEST(share_interval_is_the_paired_bootstrap)
{
    static const double clean[S] = { 0.90, 0.88, 0.93, 0.91, 0.89 };
    static const double matched[S] = { 0.85, 0.86, 0.84, 0.88, 0.80 };
    static const double noisy[S] = { 0.70, 0.74, 0.69, 0.72, 0.75 };
    cs_volume_share_options o = CS_VOLUME_SHARE_OPTIONS_INIT;
    o.bootstrap_resamples = 500;
    o.seed = 3;
    o.confidence = 0.9;
    double v = NAN, lo = NAN, hi = NAN;
    cs_assert_ok(cs_volume_share(&v, &lo, &hi, clean, matched, noisy, S, &o));
    double c = 0, m = 0, n = 0;
    for (int s = 0; s < S; s++) {
        c += clean[s] / S;
        m += matched[s] / S;
        n += noisy[s] / S;
    }
    assert_close(v, (c - m) / (c - n), 1e-12);
    cs__rng rng;
    cs__rng_init(&rng, o.seed, STREAM_SHARE);
    double work[500];
    size_t kept = 0;
    for (int j = 0; j < 500; j++) {
        double cj = 0, mj = 0, nj = 0;
        for (int s = 0; s < S; s++) {
            int i = (int)cs__rng_below(&rng, S);
            cj += clean[i];
            mj += matched[i];
            nj += noisy[i];
        }
        if ((cj - nj) / S >= o.min_damage)
            work[kept++] = (cj - mj) / (cj - nj);
    }
    ck_assert_uint_eq(kept, 500);
    qsort(work, kept, sizeof *work, cmp_double);
    assert_close(lo, quantile(work, kept, 0.05), 1e-12);
    assert_close(hi, quantile(work, kept, 0.95), 1e-12);
    /* One seed: no spread to estimate. */
    cs_assert_ok(cs_volume_share(&v, &lo, &hi, clean, matched, noisy, 1, NULL));
    assert_close(v, (clean[0] - matched[0]) / (clean[0] - noisy[0]), 1e-12);
    ck_assert(isnan(lo) && isnan(hi));
}
END_TEST

START_TEST(share_is_undefined_without_damage)
{
    double clean[S], same[S];
    for (int s = 0; s < S; s++)
        clean[s] = same[s] = 0.8 + 0.01 * s;
    same[0] -= 0.02; /* a mean drop of 0.004, below the default 0.01 */
    double v = 1.0, lo = 1.0, hi = 1.0;
    cs_assert_fails(cs_volume_share(&v, &lo, &hi, clean, clean, same, S, NULL), CS_ERR_STATE, "undefined");
    ck_assert(isnan(v) && isnan(lo) && isnan(hi));
    /* Noise that helps is no damage either. */
    cs_assert_fails(cs_volume_share(&v, NULL, NULL, same, same, clean, S, NULL), CS_ERR_STATE, "less than min_damage");
    cs_volume_share_options o = CS_VOLUME_SHARE_OPTIONS_INIT;
    o.min_damage = 0.001;
    cs_assert_ok(cs_volume_share(&v, NULL, NULL, clean, clean, same, S, &o));
    assert_close(v, 0.0, 1e-12);
}
END_TEST

START_TEST(share_refuses_bad_input)
{
    double a[S] = { 0.5, 0.5, 0.5, 0.5, 0.5 }, z[S] = { 0.1, 0.1, 0.1, 0.1, 0.1 };
    double v = 0;
    cs_assert_fails(cs_volume_share(&v, NULL, NULL, NULL, a, z, S, NULL), CS_ERR_INVALID_ARGUMENT, "clean is NULL");
    cs_assert_fails(cs_volume_share(&v, NULL, NULL, a, a, z, 0, NULL), CS_ERR_INVALID_ARGUMENT, "seeds is 0");
    double bad[S] = { 0.5, NAN, 0.5, 0.5, 0.5 };
    cs_assert_fails(cs_volume_share(&v, NULL, NULL, a, bad, z, S, NULL), CS_ERR_INVALID_ARGUMENT, "matched[1]");
    cs_volume_share_options o = CS_VOLUME_SHARE_OPTIONS_INIT;
    o.bootstrap_resamples = 10;
    cs_assert_fails(cs_volume_share(&v, NULL, NULL, a, a, z, S, &o), CS_ERR_INVALID_ARGUMENT, "at least 100");
    o = (cs_volume_share_options)CS_VOLUME_SHARE_OPTIONS_INIT;
    o.min_damage = -1;
    cs_assert_fails(cs_volume_share(&v, NULL, NULL, a, a, z, S, &o), CS_ERR_INVALID_ARGUMENT, "min_damage is -1");
    cs_volume_share_options init;
    memset(&init, 0xff, sizeof init);
    cs_assert_ok(cs_volume_share_options_init(&init));
    o = (cs_volume_share_options)CS_VOLUME_SHARE_OPTIONS_INIT;
    ck_assert(init.min_damage == o.min_damage && init.bootstrap_resamples == o.bootstrap_resamples);
    cs_assert_fails(cs_volume_share_options_init(NULL), CS_ERR_INVALID_ARGUMENT, "opts is NULL");
}
END_TEST

/* ---- grid conditions of a study ------------------------------------------------------------- */

#define K 3
#define REPS 3

static cs_dataset *train_set, *test_set;
static char *root_dir, *main_store;

static cs_perturb_spec *spec_of(const char *text)
{
    cs_perturb_spec *spec = NULL;
    cs_assert_ok(cs_perturb_spec_parse(&spec, text));
    return spec;
}

static void add_grid(cs_study *s, const char *noise, const char *reduce)
{
    cs_perturb_spec *n = spec_of(noise), *r = spec_of(reduce);
    cs_assert_ok(cs_study_add_grid(s, n, r));
    cs_perturb_spec_destroy(n);
    cs_perturb_spec_destroy(r);
}

/* One small lenet, 1 epoch, REPS replicates, matched controls; the grid shuffle:0.3 x uniform
 * {0.25, 0.5, 0.75} and shuffle:0.3 x stratified 0.5 (the pure conditions come with them). */
static cs_study *grid_study(void)
{
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = REPS;
    so.seed = 13;
    so.jobs = 2;
    so.matched_controls = 1;
    cs_study *s = NULL;
    cs_assert_ok(cs_study_create(&s, train_set, test_set, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 1;
    to.batch_size = 16;
    to.crop_padding = 0;
    to.horizontal_flip = 0;
    cs_assert_ok(cs_study_add_model(s, "small", "lenet", 0.25, &to));
    add_grid(s, "shuffle:0.3", "reduce:uniform:0.25");
    add_grid(s, "shuffle:0.3", "reduce:uniform:0.5");
    add_grid(s, "shuffle:0.3", "reduce:uniform:0.75");
    add_grid(s, "shuffle:0.3", "reduce:stratified:0.5");
    return s;
}

static void store_setup(void)
{
    train_set = cs_test_bands(150, 1);
    test_set = cs_test_bands(60, 2);
    root_dir = cs_test_tmpdir();
    main_store = cs_test_path(root_dir, "main");
    cs_study *s = grid_study();
    cs_assert_ok(cs_study_run(s, main_store));
    cs_study_destroy(s);
}

static void store_teardown(void)
{
    cs_dataset_destroy(train_set);
    cs_dataset_destroy(test_set);
    cs_test_rmtree(root_dir);
    free(root_dir);
    free(main_store);
}

static int cond_index(const cs_results *r, const char *name)
{
    for (int j = 0; j < cs_results_num_conditions(r); j++)
        if (strcmp(cs_results_condition_name(r, j), name) == 0)
            return j;
    ck_abort_msg("no condition %s", name);
    return -1;
}

START_TEST(grid_conditions_are_named_and_ordered)
{
    cs_study *s = grid_study();
    /* baseline, shuffle, its control, uniform 0.25, grid, uniform 0.5, grid, uniform 0.75, grid,
     * stratified 0.5, grid. */
    ck_assert_int_eq(cs_study_num_cells(s), 11 * REPS);
    cs_study_cell_info info;
    info.struct_size = sizeof info;
    cs_assert_ok(cs_study_cell(&info, s, 4 * REPS));
    ck_assert_str_eq(info.condition, "reduce:uniform:0.25/shuffle:0.3");
    /* Refusals: a reduction as the noise, a targeted reduction, a point twice. */
    cs_perturb_spec *n = spec_of("shuffle:0.3"), *u = spec_of("reduce:uniform:0.5"),
                    *t = spec_of("reduce:targeted:1:0.5");
    cs_assert_fails(cs_study_add_grid(s, u, u), CS_ERR_INVALID_ARGUMENT, "noise is a data reduction");
    cs_assert_fails(cs_study_add_grid(s, n, t), CS_ERR_INVALID_ARGUMENT, "reduce is a targeted reduction");
    cs_assert_fails(cs_study_add_grid(s, n, n), CS_ERR_INVALID_ARGUMENT, "reduce is a label-noise perturbation");
    cs_assert_fails(cs_study_add_grid(s, n, u), CS_ERR_INVALID_ARGUMENT,
                    "\"reduce:uniform:0.5/shuffle:0.3\" is already in the study");
    cs_assert_fails(cs_study_add_grid(NULL, n, u), CS_ERR_INVALID_ARGUMENT, "study is NULL");
    cs_assert_fails(cs_study_add_grid(s, NULL, u), CS_ERR_INVALID_ARGUMENT, "noise is NULL");
    ck_assert_int_eq(cs_study_num_cells(s), 11 * REPS);
    /* A grid point that fails after its noise level (and its matched control) was added leaves
     * the study as it was: here the reduction keeps no record of a class. */
    cs_perturb_spec *n2 = spec_of("shuffle:0.1"), *tiny = spec_of("reduce:uniform:0.001");
    const int failed = cs_study_add_grid(s, n2, tiny);
    ck_assert_int_ne(failed, CS_OK);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "reduce:uniform:0.001"));
    ck_assert_int_eq(cs_study_num_cells(s), 11 * REPS);
    cs_assert_ok(cs_study_add_condition(s, n2));
    ck_assert_int_eq(cs_study_num_cells(s), 13 * REPS);
    cs_perturb_spec_destroy(n2);
    cs_perturb_spec_destroy(tiny);
    cs_perturb_spec_destroy(n);
    cs_perturb_spec_destroy(u);
    cs_perturb_spec_destroy(t);
    cs_study_destroy(s);
}
END_TEST

static int same_records(const cs_dataset *a, const cs_dataset *b)
{
    int c, h, w;
    cs_dataset_shape(&c, &h, &w, a);
    if (cs_dataset_size(a) != cs_dataset_size(b))
        return 0;
    for (size_t i = 0; i < cs_dataset_size(a); i++)
        if (memcmp(cs_dataset_image(a, i), cs_dataset_image(b, i), (size_t)c * (size_t)h * (size_t)w) != 0)
            return 0;
    return 1;
}

START_TEST(grid_cell_is_its_reduction_cell_with_the_noise_seed)
{
    cs_study *s = grid_study();
    const int grid = 6, reduce = 5, noise = 1; /* reduce:uniform:0.5/shuffle:0.3 and its sides */
    ck_assert_str_eq(s->cfg.conds[grid].name, "reduce:uniform:0.5/shuffle:0.3");
    for (int rep = 0; rep < REPS; rep++) {
        cs_dataset *g = NULL, *g2 = NULL, *red = NULL, *noisy = NULL;
        cs_perturb_report *gr = NULL, *gr2 = NULL, *grr = NULL, *rr = NULL, *nr = NULL;
        uint64_t gseed = 0, rseed = 0, seed2 = 0;
        cs_assert_ok(cs__study_training_set(s, grid, rep, &g, &gr, &grr, &gseed));
        cs_assert_ok(cs__study_training_set(s, reduce, rep, &red, &rr, NULL, &rseed));
        /* The reduced set: the reduction cell's records, in its order. */
        ck_assert(same_records(g, red));
        ck_assert_uint_eq(cs_perturb_report_size_after(grr), cs_dataset_size(red));
        /* The noise: the noise condition's seed applied to the reduction cell's set. */
        ck_assert(gseed == cs__study_seed(13, CS__STUDY_SEED_PERTURB, NULL, "shuffle:0.3", rep));
        ck_assert(rseed == cs__study_seed(13, CS__STUDY_SEED_PERTURB, NULL, "reduce:uniform:0.5", rep));
        cs_assert_ok(cs_perturb_apply(&noisy, &nr, red, s->specs[noise], gseed));
        ck_assert(same_records(g, noisy));
        ck_assert_mem_eq(cs_dataset_labels(g), cs_dataset_labels(noisy), sizeof(int32_t) * cs_dataset_size(g));
        ck_assert_uint_eq(cs_perturb_report_changed(gr), cs_perturb_report_changed(nr));
        ck_assert_uint_gt(cs_perturb_report_changed(gr), 0);
        /* Bit for bit again. */
        cs_assert_ok(cs__study_training_set(s, grid, rep, &g2, &gr2, NULL, &seed2));
        ck_assert(same_records(g, g2));
        ck_assert_mem_eq(cs_dataset_labels(g), cs_dataset_labels(g2), sizeof(int32_t) * cs_dataset_size(g));
        cs_dataset_destroy(g);
        cs_dataset_destroy(g2);
        cs_dataset_destroy(red);
        cs_dataset_destroy(noisy);
        cs_perturb_report_destroy(gr);
        cs_perturb_report_destroy(gr2);
        cs_perturb_report_destroy(grr);
        cs_perturb_report_destroy(rr);
        cs_perturb_report_destroy(nr);
    }
    cs_study_destroy(s);
}
END_TEST

START_TEST(store_records_grid_points_and_their_volumes)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, main_store));
    ck_assert_int_eq(cs_results_cells_finished(r), 11 * REPS);
    const int noise = cond_index(r, "shuffle:0.3"), half = cond_index(r, "reduce:uniform:0.5");
    const int grid = cond_index(r, "reduce:uniform:0.5/shuffle:0.3");
    cs_condition_family f;
    cs_assert_ok(cs_results_condition_family(&f, r, grid));
    ck_assert_int_eq(f, CS_CONDITION_GRID);
    assert_close(cs_results_condition_level(r, grid), 0.3, 0);
    int gn = -1, gr = -1, cell = -1;
    cs_assert_ok(cs_results_condition_grid(&gn, &gr, r, grid));
    ck_assert_int_eq(gn, noise);
    ck_assert_int_eq(gr, half);
    cs_assert_ok(cs_results_grid_cell(&cell, r, noise, half));
    ck_assert_int_eq(cell, grid);
    cs_assert_ok(cs_results_grid_cell(&cell, r, noise, 0));
    ck_assert_int_eq(cell, noise);
    cs_assert_ok(cs_results_grid_cell(&cell, r, 0, half));
    ck_assert_int_eq(cell, half);
    cs_assert_ok(cs_results_grid_cell(&cell, r, 0, 0));
    ck_assert_int_eq(cell, 0);
    cs_assert_fails(cs_results_grid_cell(&cell, r, half, noise), CS_ERR_INVALID_ARGUMENT, "not a noise condition");
    cs_assert_fails(cs_results_condition_grid(&gn, &gr, r, noise), CS_ERR_INVALID_ARGUMENT,
                    "is a noise condition, not a grid point");
    size_t full[K];
    cs_assert_ok(cs_dataset_class_counts(full, K, train_set));
    for (int rep = 0; rep < REPS; rep++) {
        size_t vg[K], vr[K], cg[K], vn[K], cr[K];
        cs_assert_ok(cs_results_cell_volume_counts(vg, K, r, 0, grid, rep));
        cs_assert_ok(cs_results_cell_class_counts(cr, K, r, 0, half, rep));
        cs_assert_ok(cs_results_cell_volume_counts(vr, K, r, 0, half, rep));
        cs_assert_ok(cs_results_cell_volume_counts(vn, K, r, 0, noise, rep));
        cs_assert_ok(cs_results_cell_class_counts(cg, K, r, 0, grid, rep));
        cs_cell_result c;
        c.struct_size = sizeof c;
        cs_assert_ok(cs_results_cell(&c, r, 0, grid, rep));
        size_t sum = 0, sum_g = 0;
        for (int i = 0; i < K; i++) {
            ck_assert_uint_eq(vg[i], cr[i]); /* the reduction cell's records */
            ck_assert_uint_eq(vr[i], cr[i]);
            ck_assert_uint_eq(vn[i], full[i]);
            sum += vg[i];
            sum_g += cg[i];
        }
        ck_assert_uint_eq(sum, c.train_size);
        ck_assert_uint_eq(sum_g, c.train_size);
        ck_assert_uint_gt(c.changed, 0);
        assert_close(c.flip_rate, (double)c.changed / (double)c.train_size, 0);
    }
    cs_results_destroy(r);
    /* The configuration names both sides; the store is format 5. */
    char *cfg_path = cs_test_path(main_store, "study.json");
    size_t n = 0;
    char *text = (char *)cs_test_read(cfg_path, &n);
    ck_assert_ptr_nonnull(strstr(text, "\"version\": 5"));
    ck_assert_ptr_nonnull(strstr(text, "\"name\": \"reduce:uniform:0.5/shuffle:0.3\",\n        \"family\": \"grid\""));
    ck_assert_ptr_nonnull(strstr(text, "\"reduction\": \"reduce:uniform:0.5\",\n        \"noise\": \"shuffle:0.3\""));
    free(text);
    free(cfg_path);
    /* Resuming trains nothing. */
    cs_study *s = grid_study();
    cs_assert_ok(cs_study_run(s, main_store));
    cs_study_destroy(s);
}
END_TEST

START_TEST(edited_grid_stores_are_refused)
{
    const char *dir = main_store; /* restored below */
    char rel[512];
    cs_assert_ok(cs__study_cell_path(rel, sizeof rel, "small", "reduce:uniform:0.5/shuffle:0.3", 0));
    char *cell = cs_test_path(dir, rel);
    size_t n = 0;
    char *orig = (char *)cs_test_read(cell, &n);
    ck_assert_ptr_nonnull(strstr(orig, "\"reduction\": {"));
    cs__json *root = NULL;
    cs_assert_ok(cs__json_parse(&root, orig, n, cell));
    /* The noise stage starts from the reduced set: its size_before is the reduction's size_after. */
    double red_after = 0, noise_before = 0;
    cs_assert_ok(cs__json_get_number(cs__json_get(root, "reduction"), "size_after", &red_after, cell));
    cs_assert_ok(cs__json_get_number(cs__json_get(root, "perturbation"), "size_before", &noise_before, cell));
    ck_assert(red_after == noise_before && red_after < 150);
    cs__json_free(root);
    /* Without its reduction report (the checksum made right again), the cell is refused by name. */
    char *edit = strdup(orig);
    char *key = strstr(edit, "\"reduction\": {");
    memcpy(key, "\"reductiox\"", 11);
    char *sum = strstr(edit, ",\n  \"checksum\": \"");
    ck_assert_ptr_nonnull(sum);
    char hex[9];
    snprintf(hex, sizeof hex, "%08lx", crc32(crc32(0L, Z_NULL, 0), (const Bytef *)edit, (uInt)(sum + 2 - edit)));
    memcpy(sum + strlen(",\n  \"checksum\": \""), hex, 8);
    cs_test_write(cell, edit, n, 0);
    cs_results *r = NULL;
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_FORMAT, "member \"reduction\" must be an object");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "reduce-uniform-0.5-shuffle-0.3__r0.json"));
    free(edit);
    cs_test_write(cell, orig, n, 0);
    cs_assert_ok(cs_results_open(&r, dir));
    cs_results_destroy(r);
    r = NULL;
    /* A study.json of format 4 (its checksum made right) cannot hold grid conditions. */
    char *cfg = cs_test_path(dir, "study.json");
    size_t cn = 0;
    char *ctext = (char *)cs_test_read(cfg, &cn);
    char *v4 = strdup(ctext);
    char *ver = strstr(v4, "\"version\": 5");
    ck_assert_ptr_nonnull(ver);
    ver[strlen("\"version\": ")] = '4';
    sum = strstr(v4, ",\n  \"checksum\": \"");
    ck_assert_ptr_nonnull(sum);
    snprintf(hex, sizeof hex, "%08lx", crc32(crc32(0L, Z_NULL, 0), (const Bytef *)v4, (uInt)(sum + 2 - v4)));
    memcpy(sum + strlen(",\n  \"checksum\": \""), hex, 8);
    cs_test_write(cfg, v4, cn, 0);
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_FORMAT,
                    "store format version 4 has no grid conditions, but \"reduce:uniform:0.25/shuffle:0.3\" is one");
    cs_test_write(cfg, ctext, cn, 0);
    cs_assert_ok(cs_results_open(&r, dir));
    cs_results_destroy(r);
    free(v4);
    free(ctext);
    free(cfg);
    free(orig);
    free(cell);
}
END_TEST

START_TEST(failed_grid_cells_are_kept_with_both_seeds)
{
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = 1;
    so.seed = 13;
    cs_study *s = NULL;
    cs_assert_ok(cs_study_create(&s, train_set, test_set, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 1;
    to.batch_size = 16;
    to.lr = 1e30; /* diverges in its first epoch */
    cs_assert_ok(cs_study_add_model(s, "wild", "lenet", 0.25, &to));
    add_grid(s, "shuffle:0.3", "reduce:uniform:0.5");
    ck_assert_int_eq(cs_study_num_cells(s), 4);
    cs_study_record *rec = NULL;
    cs_assert_ok(cs_study_train_cell(&rec, s, 3)); /* reduce:uniform:0.5/shuffle:0.3 */
    ck_assert_int_eq(cs_study_record_failed(rec), 1);
    size_t len = 0;
    const char *data = cs_study_record_data(&len, rec);
    char want[64];
    snprintf(want, sizeof want, "\"reduction\": \"%016llx\"",
             (unsigned long long)cs__study_seed(13, CS__STUDY_SEED_PERTURB, NULL, "reduce:uniform:0.5", 0));
    ck_assert_ptr_nonnull(strstr(data, want));
    char *dir = cs_test_path(root_dir, "failed");
    cs_assert_ok(cs_study_prepare(s, dir));
    int cell = -1;
    double acc = 0.0;
    cs_assert_ok(cs_study_store_record(&cell, &acc, s, dir, data, len));
    ck_assert_int_eq(cell, 3);
    cs_study_record_destroy(rec);
    cs_study_destroy(s);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    ck_assert_int_eq(cs_results_cells_failed(r), 1);
    cs_cell_failure f;
    f.struct_size = sizeof f;
    cs_assert_ok(cs_results_cell_failure(&f, r, 0, 3, 0));
    ck_assert_int_eq(f.status, CS_ERR_DIVERGED);
    cs_results_destroy(r);
    free(dir);
}
END_TEST

/* The class's recall in a cell, from its matrix (0 without test records). */
static double cell_recall(const cs_results *r, int cond, int rep, int cls)
{
    cs_cell_result c;
    c.struct_size = sizeof c;
    cs_assert_ok(cs_results_cell(&c, r, 0, cond, rep));
    double rec[K];
    cs_assert_ok(cs_confusion_class_metrics(rec, NULL, NULL, K, c.confusion));
    return isnan(rec[cls]) ? 0.0 : rec[cls];
}

START_TEST(surface_is_the_average_of_the_point)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, main_store));
    const int noise = cond_index(r, "shuffle:0.3"), q = cond_index(r, "reduce:uniform:0.25");
    const int grid = cond_index(r, "reduce:uniform:0.25/shuffle:0.3");
    const cs_confusion *cms[REPS];
    double vol[K] = { 0 };
    for (int rep = 0; rep < REPS; rep++) {
        cs_cell_result c;
        c.struct_size = sizeof c;
        cs_assert_ok(cs_results_cell(&c, r, 0, grid, rep));
        cms[rep] = c.confusion;
        size_t v[K];
        cs_assert_ok(cs_results_cell_volume_counts(v, K, r, 0, grid, rep));
        for (int i = 0; i < K; i++)
            vol[i] += (double)v[i] / REPS;
    }
    cs_confusion_stats *st = NULL;
    cs_assert_ok(cs_confusion_average(&st, cms, REPS, NULL));
    double wm[K], wl[K], wh[K], m[K], l[K], h[K], v[K];
    cs_assert_ok(cs_confusion_stats_class_accuracy(wm, wl, wh, K, st));
    int used = 0;
    cs_assert_ok(cs_results_grid_surface(m, l, h, v, &used, K, r, 0, noise, q, NULL));
    ck_assert_int_eq(used, REPS);
    for (int i = 0; i < K; i++) {
        assert_close(m[i], wm[i], 0);
        assert_close(l[i], wl[i], 0);
        assert_close(h[i], wh[i], 0);
        assert_close(v[i], vol[i], 1e-12);
    }
    cs_confusion_stats_destroy(st);
    cs_assert_fails(cs_results_grid_surface(m, l, h, v, &used, K + 1, r, 0, noise, q, NULL), CS_ERR_SIZE_MISMATCH,
                    "k is 4");
    cs_assert_fails(cs_results_grid_surface(m, l, h, v, &used, K, r, 0, q, noise, NULL), CS_ERR_INVALID_ARGUMENT,
                    "not a noise condition");
    cs_results_destroy(r);
}
END_TEST

START_TEST(multiplier_and_share_are_those_of_the_gathered_arrays)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, main_store));
    const int noise = cond_index(r, "shuffle:0.3");
    const int control = cond_index(r, "matched:shuffle:0.3");
    /* The row independently: kept 1 and the four grid points, by mean volume. */
    const char *row[5] = { "shuffle:0.3", "reduce:uniform:0.25/shuffle:0.3", "reduce:uniform:0.5/shuffle:0.3",
                           "reduce:stratified:0.5/shuffle:0.3", "reduce:uniform:0.75/shuffle:0.3" };
    cs_learning_curve_options lo_opts = CS_LEARNING_CURVE_OPTIONS_INIT;
    lo_opts.min_r2 = 0.0;
    for (int cls = 0; cls < K; cls++) {
        double count[5], accs[5][REPS], target[REPS], full = 0;
        for (int p = 0; p < 5; p++) {
            const int j = cond_index(r, row[p]);
            count[p] = 0;
            for (int rep = 0; rep < REPS; rep++) {
                size_t v[K];
                cs_assert_ok(cs_results_cell_volume_counts(v, K, r, 0, j, rep));
                count[p] += (double)v[cls];
                accs[p][rep] = cell_recall(r, j, rep, cls);
            }
            count[p] /= REPS; /* the mean as the library takes it: the sum, then one division */
        }
        for (int rep = 0; rep < REPS; rep++) {
            size_t v[K];
            cs_assert_ok(cs_results_cell_volume_counts(v, K, r, 0, 0, rep));
            full = (double)v[cls];
            target[rep] = cell_recall(r, 0, rep, cls);
        }
        /* Sort by count, merging equal counts (uniform 0.5 and stratified 0.5 may draw the same
         * number of a class). */
        int order[5] = { 0, 1, 2, 3, 4 };
        for (int a = 1; a < 5; a++)
            for (int b = a; b > 0 && count[order[b]] < count[order[b - 1]]; b--) {
                int t = order[b];
                order[b] = order[b - 1];
                order[b - 1] = t;
            }
        double x[5], acc[5 * REPS];
        int nx = 0;
        for (int a = 0; a < 5;) {
            int e = a;
            while (e < 5 && count[order[e]] == count[order[a]])
                e++;
            for (int rep = 0; rep < REPS; rep++) {
                double sum = 0;
                for (int q = a; q < e; q++)
                    sum += accs[order[q]][rep];
                acc[nx * REPS + rep] = sum / (e - a);
            }
            x[nx++] = count[order[a]];
            a = e;
        }
        double m1 = NAN, l1 = NAN, h1 = NAN, m2 = NAN, l2 = NAN, h2 = NAN;
        int rc1 = cs_noise_multiplier(&m1, &l1, &h1, NULL, x, nx, acc, REPS, target, full, &lo_opts);
        char why[512];
        snprintf(why, sizeof why, "%s", cs_last_error());
        int rc2 = cs_results_noise_multiplier(&m2, &l2, &h2, r, 0, cls, noise, &lo_opts);
        ck_assert_int_eq(rc1, rc2);
        if (rc1 == CS_OK) {
            assert_close(m2, m1, 0);
            assert_close(l2, l1, 0);
            assert_close(h2, h1, 0);
        } else {
            ck_assert_ptr_nonnull(strstr(cs_last_error(), why));
        }
        /* The share: baseline, control and noise, paired. */
        double c[REPS], mt[REPS], nz[REPS];
        for (int rep = 0; rep < REPS; rep++) {
            c[rep] = cell_recall(r, 0, rep, cls);
            mt[rep] = cell_recall(r, control, rep, cls);
            nz[rep] = cell_recall(r, noise, rep, cls);
        }
        double s1 = NAN, sl1 = NAN, sh1 = NAN, s2 = 7, sl2 = 7, sh2 = 7;
        rc1 = cs_volume_share(&s1, &sl1, &sh1, c, mt, nz, REPS, NULL);
        rc2 = cs_results_volume_share(&s2, &sl2, &sh2, r, 0, cls, noise, NULL);
        ck_assert_int_eq(rc1, rc2);
        ck_assert(rc1 == CS_OK || rc1 == CS_ERR_STATE);
        if (rc1 == CS_OK) {
            assert_close(s2, s1, 0);
            assert_close(sl2, sl1, 0);
            assert_close(sh2, sh1, 0);
        } else {
            ck_assert(isnan(s2) && isnan(sl2) && isnan(sh2));
        }
    }
    double v = 0;
    cs_assert_fails(cs_results_noise_multiplier(&v, NULL, NULL, r, 0, 0, control, NULL), CS_ERR_INVALID_ARGUMENT,
                    "is not a noise condition");
    cs_assert_fails(cs_results_volume_share(&v, NULL, NULL, r, 0, K, noise, NULL), CS_ERR_OUT_OF_RANGE, "class 3");
    cs_assert_fails(cs_results_volume_share(&v, NULL, NULL, NULL, 0, 0, noise, NULL), CS_ERR_INVALID_ARGUMENT,
                    "results is NULL");
    cs_results_destroy(r);
}
END_TEST

/* summary.json's estimate object: {value, lo, hi} ("inf" for +inf) or {value: null, reason}. */
static void check_estimate(const cs__json *e, int rc, double v, double lo, double hi, const char *why)
{
    const cs__json *value = cs__json_get(e, "value");
    if (rc != CS_OK) {
        ck_assert_int_eq(cs__json_type_of(value), CS__JSON_NULL);
        ck_assert_str_eq(cs__json_string(cs__json_get(e, "reason")), why);
        return;
    }
    const double want[3] = { v, lo, hi };
    const char *keys[3] = { "value", "lo", "hi" };
    for (int q = 0; q < 3; q++) {
        const cs__json *x = cs__json_get(e, keys[q]);
        if (isinf(want[q]))
            ck_assert_str_eq(cs__json_string(x), "inf");
        else if (isnan(want[q]))
            ck_assert_int_eq(cs__json_type_of(x), CS__JSON_NULL);
        else
            ck_assert(cs__json_number(x) == want[q]);
    }
}

START_TEST(report_carries_the_grid)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, main_store));
    char *dir = cs_test_path(root_dir, "report");
    cs_assert_ok(cs_report_write(r, dir, NULL));
    char *path = cs_test_path(dir, "summary.json");
    size_t n = 0;
    char *text = (char *)cs_test_read(path, &n);
    cs__json *doc = NULL;
    cs_assert_ok(cs__json_parse(&doc, text, n, path));
    const cs__json *grid = cs__json_get(doc, "grid");
    ck_assert_uint_eq(cs__json_len(cs__json_get(grid, "noise_conditions")), 1);
    /* Kept fractions largest first; uniform 0.5 and stratified 0.5 in the store's order. */
    const cs__json *reds = cs__json_get(grid, "reduction_conditions");
    ck_assert_uint_eq(cs__json_len(reds), 4);
    ck_assert_str_eq(cs__json_string(cs__json_at(reds, 0)), "reduce:uniform:0.75");
    ck_assert_str_eq(cs__json_string(cs__json_at(reds, 3)), "reduce:uniform:0.25");
    const cs__json *model = cs__json_at(cs__json_get(grid, "models"), 0);
    /* (1 + 1 noise) x (1 + 4 kept) points, each as cs_results_grid_surface gives it. */
    const cs__json *surface = cs__json_get(model, "surface");
    ck_assert_uint_eq(cs__json_len(surface), 10);
    const int noise = cond_index(r, "shuffle:0.3");
    for (size_t i = 0; i < 10; i++) {
        const cs__json *pt = cs__json_at(surface, i);
        const int j = cond_index(r, cs__json_string(cs__json_get(pt, "condition")));
        int pn = 0, pr = 0;
        if (j != 0 && cs_results_condition_grid(&pn, &pr, r, j) != CS_OK) {
            cs_condition_family f;
            cs_assert_ok(cs_results_condition_family(&f, r, j));
            pn = f == CS_CONDITION_NOISE ? j : 0;
            pr = f == CS_CONDITION_REDUCTION ? j : 0;
        }
        double m[K], l[K], h[K], v[K];
        int used = 0;
        cs_assert_ok(cs_results_grid_surface(m, l, h, v, &used, K, r, 0, pn, pr, NULL));
        ck_assert(cs__json_number(cs__json_get(pt, "noise")) == (pn ? 0.3 : 0.0));
        ck_assert_int_eq((int)cs__json_number(cs__json_get(pt, "replicates")), used);
        const cs__json *cls = cs__json_get(pt, "classes");
        for (int t = 0; t < K; t++) {
            const cs__json *c = cs__json_at(cls, (size_t)t);
            ck_assert(cs__json_number(cs__json_get(c, "mean")) == m[t]);
            ck_assert(cs__json_number(cs__json_get(c, "records")) == v[t]);
        }
    }
    cs_learning_curve_options lo = CS_LEARNING_CURVE_OPTIONS_INIT;
    const cs__json *mults = cs__json_get(cs__json_at(cs__json_get(model, "multipliers"), 0), "classes");
    const cs__json *shares =
        cs__json_get(cs__json_at(cs__json_get(cs__json_at(cs__json_get(cs__json_get(doc, "volume_share"), "models"), 0),
                                              "conditions"),
                                 0),
                     "classes");
    for (int t = 0; t < K; t++) {
        double v = NAN, l = NAN, h = NAN;
        int rc = cs_results_noise_multiplier(&v, &l, &h, r, 0, t, noise, &lo);
        check_estimate(cs__json_get(cs__json_at(mults, (size_t)t), "multiplier"), rc, v, l, h, cs_last_error());
        rc = cs_results_volume_share(&v, &l, &h, r, 0, t, noise, NULL);
        check_estimate(cs__json_get(cs__json_at(shares, (size_t)t), "share"), rc, v, l, h, cs_last_error());
    }
    /* results.csv places every cell on the grid; the page has the section. */
    char *csv_path = cs_test_path(dir, "results.csv");
    char *csv = (char *)cs_test_read(csv_path, &n);
    ck_assert_ptr_nonnull(strstr(csv, "\nsmall,reduce:stratified:0.5/shuffle:0.3,0.3,2,top,top,"));
    ck_assert_ptr_nonnull(strstr(csv, ",0.3,0.5\n"));
    char *page_path = cs_test_path(dir, "report.html");
    char *page = (char *)cs_test_read(page_path, &n);
    ck_assert_ptr_nonnull(strstr(page, "<h2 id=\"grid\">Noise x volume</h2>"));
    ck_assert_ptr_nonnull(strstr(page, "small: data needed to match the clean accuracy"));
    ck_assert_ptr_nonnull(strstr(page, "small: share of the noise damage explained by lost volume"));
    ck_assert_ptr_null(strstr(page, "<script"));
    free(page);
    free(page_path);
    free(csv);
    free(csv_path);
    cs__json_free(doc);
    free(text);
    free(path);
    free(dir);
    cs_results_destroy(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("grid");
    TCase *stats = tcase_create("statistics");
    tcase_add_test(stats, multiplier_is_the_closed_form_on_a_planted_surface);
    tcase_add_test(stats, multiplier_with_a_fixed_target_has_the_curves_interval);
    tcase_add_test(stats, multiplier_bootstraps_target_and_curve_jointly);
    tcase_add_test(stats, multiplier_refuses_with_the_reason);
    tcase_add_test(stats, share_is_the_planted_share);
    tcase_add_test(stats, share_interval_is_the_paired_bootstrap);
    tcase_add_test(stats, share_is_undefined_without_damage);
    tcase_add_test(stats, share_refuses_bad_input);
    suite_add_tcase(s, stats);
    TCase *tc = tcase_create("study");
    tcase_add_unchecked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, grid_conditions_are_named_and_ordered);
    tcase_add_test(tc, grid_cell_is_its_reduction_cell_with_the_noise_seed);
    tcase_add_test(tc, store_records_grid_points_and_their_volumes);
    tcase_add_test(tc, edited_grid_stores_are_refused);
    tcase_add_test(tc, failed_grid_cells_are_kept_with_both_seeds);
    tcase_add_test(tc, surface_is_the_average_of_the_point);
    tcase_add_test(tc, multiplier_and_share_are_those_of_the_gathered_arrays);
    tcase_add_test(tc, report_carries_the_grid);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
