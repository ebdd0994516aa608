/* Perturbations: spec strings, every noise and reduction mode, reports, determinism, and the
 * properties promised on the real Fashion-MNIST labels. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <classsens.h>

#include "fixtures.h"

/* A labels-only data set (1x1x1 images) with n_per[c] records of class c, classes interleaved. */
static cs_dataset *make_counts(const size_t *n_per, int k)
{
    size_t n = 0;
    for (int c = 0; c < k; c++)
        n += n_per[c];
    uint8_t *px = malloc(n);
    int32_t *lab = malloc(n * sizeof *lab);
    size_t left[64], at = 0;
    memcpy(left, n_per, (size_t)k * sizeof *left);
    while (at < n)
        for (int c = 0; c < k; c++)
            if (left[c]) {
                px[at] = (uint8_t)at;
                lab[at++] = c;
                left[c]--;
            }
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_from_memory(&ds, px, lab, n, 1, 1, 1, k));
    free(px);
    free(lab);
    return ds;
}

static cs_dataset *make_balanced(size_t per_class, int k)
{
    size_t n_per[64];
    for (int c = 0; c < k; c++)
        n_per[c] = per_class;
    return make_counts(n_per, k);
}

static cs_perturb_spec *parse(const char *text)
{
    cs_perturb_spec *s = NULL;
    cs_assert_ok(cs_perturb_spec_parse(&s, text));
    return s;
}

static void apply(cs_dataset **out, cs_perturb_report **rep, const cs_dataset *in, const char *text,
                  uint64_t seed)
{
    cs_perturb_spec *s = parse(text);
    cs_assert_ok(cs_perturb_apply(out, rep, in, s, seed));
    cs_perturb_spec_destroy(s);
}

/* Invariants every report satisfies, checked against the views themselves. */
static void check_report(const cs_dataset *in, const cs_dataset *out, const cs_perturb_report *r)
{
    int k = cs_dataset_num_classes(in);
    size_t *tr = calloc((size_t)k * (size_t)k, sizeof *tr), before[64], after[64], mine[64] = { 0 };
    cs_assert_ok(cs_perturb_report_transitions(tr, k, r));
    cs_assert_ok(cs_perturb_report_class_counts(before, after, k, r));
    ck_assert_uint_eq(cs_perturb_report_size_before(r), cs_dataset_size(in));
    ck_assert_uint_eq(cs_perturb_report_size_after(r), cs_dataset_size(out));
    size_t total = 0, off = 0;
    for (int t = 0; t < k; t++)
        for (int j = 0; j < k; j++) {
            total += tr[t * k + j];
            off += t != j ? tr[t * k + j] : 0;
        }
    ck_assert_uint_eq(total, cs_dataset_size(out));
    ck_assert_uint_eq(off, cs_perturb_report_changed(r));
    cs_assert_ok(cs_dataset_class_counts(mine, k, out));
    for (int j = 0; j < k; j++) {
        size_t col = 0;
        for (int t = 0; t < k; t++)
            col += tr[t * k + j];
        ck_assert_uint_eq(col, after[j]);
        ck_assert_uint_eq(mine[j], after[j]);
    }
    cs_assert_ok(cs_dataset_class_counts(mine, k, in));
    for (int t = 0; t < k; t++)
        ck_assert_uint_eq(mine[t], before[t]);
    ck_assert_double_eq_tol(cs_perturb_report_flip_rate(r),
                            (double)cs_perturb_report_changed(r) / (double)cs_dataset_size(in), 1e-15);
    /* The view shares its parent's pixels. */
    size_t src = cs_dataset_source_index(out, 0), at = 0;
    while (cs_dataset_source_index(in, at) != src)
        at++;
    ck_assert_ptr_eq(cs_dataset_image(out, 0), cs_dataset_image(in, at));
    free(tr);
}

START_TEST(spec_strings_round_trip)
{
    static const char *const canonical[] = {
        "none", "shuffle:0.3", "symmetric:0.2", "pairflip:cifar10:0.2", "pairflip:cyclic:0.45",
        "pairflip:2>0+3>5+5>3+9>1:0.2", "targeted:3+5:0.4", "matrix:0.8/0.2;0.1/0.9",
        "reduce:uniform:0.4", "reduce:stratified:0.1", "reduce:targeted:3+6:0.25", "shuffle:0.1",
        "shuffle:0.30000000000000004", "reduce:uniform:1",
    };
    for (size_t i = 0; i < sizeof canonical / sizeof canonical[0]; i++) {
        cs_perturb_spec *s = parse(canonical[i]);
        char buf[128];
        size_t needed = 0;
        cs_assert_ok(cs_perturb_spec_format(buf, sizeof buf, &needed, s));
        ck_assert_str_eq(buf, canonical[i]);
        ck_assert_uint_eq(needed, strlen(canonical[i]) + 1);
        cs_perturb_spec_destroy(s);
    }
    /* Non-canonical spellings are accepted and normalised. */
    cs_perturb_spec *s = parse("asymmetric:9>1+2>0:0.25");
    char buf[64];
    cs_assert_ok(cs_perturb_spec_format(buf, sizeof buf, NULL, s));
    ck_assert_str_eq(buf, "pairflip:2>0+9>1:0.25");
    ck_assert_int_eq(cs_perturb_spec_kind(s), CS_NOISE_PAIRFLIP);
    ck_assert_double_eq(cs_perturb_spec_level(s), 0.25);
    cs_perturb_spec_destroy(s);
    s = parse("matrix:0.8/0.2;0.4/0.6");
    ck_assert_double_eq_tol(cs_perturb_spec_level(s), 0.3, 1e-15); /* mean off-diagonal mass */
    /* A buffer too small gets a terminated prefix and the size it needs. */
    size_t needed = 0;
    cs_assert_fails(cs_perturb_spec_format(buf, 8, &needed, s), CS_ERR_SIZE_MISMATCH, "needs 23 bytes");
    ck_assert_str_eq(buf, "matrix:");
    ck_assert_uint_eq(needed, 23);
    /* Asking for the size only: no buffer. */
    ck_assert_int_eq(cs_perturb_spec_format(NULL, 0, &needed, s), CS_ERR_SIZE_MISMATCH);
    ck_assert_uint_eq(needed, 23);
    cs_perturb_spec_destroy(s);
}
END_TEST

START_TEST(spec_strings_are_validated)
{
    static const struct {
        const char *text;
        int status;
        const char *needle;
    } bad[] = {
        { "", CS_ERR_INVALID_ARGUMENT, "unknown kind \"\"" },
        { "gaussian:0.1", CS_ERR_INVALID_ARGUMENT, "unknown kind \"gaussian\"" },
        { "shuffle", CS_ERR_INVALID_ARGUMENT, "the noise rate is missing" },
        { "shuffle:abc", CS_ERR_INVALID_ARGUMENT, "\"abc\" is not a number" },
        { "shuffle:nan", CS_ERR_INVALID_ARGUMENT, "\"nan\" is not a number" },
        { "shuffle:1.5", CS_ERR_OUT_OF_RANGE, "noise rate 1.5 is outside [0, 1]" },
        { "symmetric:-0.1", CS_ERR_OUT_OF_RANGE, "noise rate -0.1 is outside [0, 1]" },
        { "shuffle:0.1:0.2", CS_ERR_INVALID_ARGUMENT, "unexpected \":0.2\" at the end" },
        { "reduce:uniform:0", CS_ERR_OUT_OF_RANGE, "kept fraction 0 is outside (0, 1]" },
        { "reduce:stratified:1.2", CS_ERR_OUT_OF_RANGE, "kept fraction 1.2 is outside (0, 1]" },
        { "reduce:random:0.5", CS_ERR_INVALID_ARGUMENT, "unknown reduction \"random\"" },
        { "reduce", CS_ERR_INVALID_ARGUMENT, "reduce needs a mode" },
        { "reduce:stratified", CS_ERR_INVALID_ARGUMENT, "the kept fraction is missing" },
        { "pairflip:0.2", CS_ERR_INVALID_ARGUMENT, "the noise rate is missing (pairflip:cifar10|cyclic|FROM>TO+...:RATE)" },
        { "pairflip:9-1:0.2", CS_ERR_INVALID_ARGUMENT, "a map entry is FROM>TO" },
        { "pairflip:9>1+9>2:0.2", CS_ERR_INVALID_ARGUMENT, "class 9 is mapped twice" },
        { "pairflip:9>1,2>0:0.2", CS_ERR_INVALID_ARGUMENT, "joined by '+', found ','" },
        { "targeted:3+3:0.1", CS_ERR_INVALID_ARGUMENT, "class 3 is listed twice" },
        { "targeted:x:0.1", CS_ERR_INVALID_ARGUMENT, "expected a class index" },
        { "targeted:-1:0.1", CS_ERR_INVALID_ARGUMENT, "expected a class index" },
        { "reduce:targeted:0.5", CS_ERR_INVALID_ARGUMENT, "the kept fraction is missing" },
        { "matrix", CS_ERR_INVALID_ARGUMENT, "matrix needs rows" },
        { "matrix:0.5/0.5;0.2", CS_ERR_INVALID_ARGUMENT, "a matrix of 2 rows needs 4 entries, found 3" },
        { "matrix:0.5/0.5/0/0;0.2;1/0/0/0", CS_ERR_INVALID_ARGUMENT, "row 0 has 4 entries, expected 3" },
        { "matrix:0.5/0.6;0.5/0.5", CS_ERR_INVALID_ARGUMENT, "row 0 sums to 1.1" },
        { "matrix:1.5/-0.5;0/1", CS_ERR_INVALID_ARGUMENT, "T[0][1] is -0.5" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cs_perturb_spec *s = (cs_perturb_spec *)&s;
        int rc = cs_perturb_spec_parse(&s, bad[i].text);
        ck_assert_msg(rc == bad[i].status, "\"%s\": %s (%s), expected %s", bad[i].text, cs_status_str(rc),
                      cs_last_error(), cs_status_str(bad[i].status));
        ck_assert_msg(strstr(cs_last_error(), bad[i].needle) != NULL, "\"%s\": message lacks \"%s\": %s",
                      bad[i].text, bad[i].needle, cs_last_error());
        ck_assert_ptr_null(s);
    }
    cs_assert_fails(cs_perturb_spec_parse(NULL, "none"), CS_ERR_INVALID_ARGUMENT, "out");
    cs_perturb_spec *s = NULL;
    cs_assert_fails(cs_perturb_spec_parse(&s, NULL), CS_ERR_INVALID_ARGUMENT, "text");
}
END_TEST

START_TEST(spec_setters_are_validated)
{
    cs_perturb_spec *s = NULL;
    cs_assert_fails(cs_perturb_spec_create(&s, (cs_perturb_kind)42, 0.1), CS_ERR_INVALID_ARGUMENT, "unknown kind 42");
    cs_assert_fails(cs_perturb_spec_create(&s, CS_NOISE_SHUFFLE, NAN), CS_ERR_OUT_OF_RANGE, "outside [0, 1]");
    cs_assert_fails(cs_perturb_spec_create(NULL, CS_NOISE_SHUFFLE, 0.1), CS_ERR_INVALID_ARGUMENT, "out");
    cs_assert_ok(cs_perturb_spec_create(&s, CS_NOISE_SHUFFLE, 0.1));
    int classes[2] = { 1, 2 };
    cs_assert_fails(cs_perturb_spec_set_classes(s, classes, 2), CS_ERR_INVALID_ARGUMENT, "only targeted kinds");
    cs_assert_fails(cs_perturb_spec_set_map(s, CS_PAIRFLIP_CYCLIC, NULL, 0), CS_ERR_INVALID_ARGUMENT, "only pairflip");
    double t[4] = { 1, 0, 0, 1 };
    cs_assert_fails(cs_perturb_spec_set_matrix(s, t, 2), CS_ERR_INVALID_ARGUMENT, "only matrix");
    cs_perturb_spec_destroy(s);
    cs_assert_ok(cs_perturb_spec_create(&s, CS_NOISE_PAIRFLIP, 0.1));
    int map[3] = { 1, 2, 3 };
    cs_assert_fails(cs_perturb_spec_set_map(s, CS_PAIRFLIP_USER, map, 3), CS_ERR_OUT_OF_RANGE, "map[2] is 3");
    cs_assert_fails(cs_perturb_spec_set_map(s, CS_PAIRFLIP_USER, NULL, 3), CS_ERR_INVALID_ARGUMENT, "map is NULL");
    cs_perturb_spec_destroy(s);
    cs_assert_ok(cs_perturb_spec_create(&s, CS_REDUCE_TARGETED, 0.5));
    cs_assert_fails(cs_perturb_spec_set_classes(s, classes, 0), CS_ERR_INVALID_ARGUMENT, "n is 0");
    classes[1] = -4;
    cs_assert_fails(cs_perturb_spec_set_classes(s, classes, 2), CS_ERR_INVALID_ARGUMENT, "classes[1] is -4");
    cs_perturb_spec_destroy(s);
    cs_assert_ok(cs_perturb_spec_create(&s, CS_NOISE_MATRIX, 0));
    double inf[4] = { INFINITY, 0, 0, 1 };
    cs_assert_fails(cs_perturb_spec_set_matrix(s, inf, 2), CS_ERR_INVALID_ARGUMENT, "T[0][0] is inf");
    cs_assert_fails(cs_perturb_spec_set_matrix(s, t, 1), CS_ERR_INVALID_ARGUMENT, "k is 1");
    cs_perturb_spec_destroy(s);
    cs_perturb_spec_destroy(NULL);
    ck_assert_int_eq(cs_perturb_spec_kind(NULL), CS_PERTURB_INVALID);
    ck_assert(isnan(cs_perturb_spec_level(NULL)));
}
END_TEST

START_TEST(shuffle_permutes_exactly_round_xn_labels)
{
    size_t n_per[4] = { 100, 50, 30, 21 };
    cs_dataset *ds = make_counts(n_per, 4), *out = NULL;
    cs_perturb_report *r = NULL;
    apply(&out, &r, ds, "shuffle:0.3", 7);
    check_report(ds, out, r);
    ck_assert_uint_eq(cs_perturb_report_selected(r), 60); /* round(0.3 * 201) = round(60.3) */
    ck_assert_uint_le(cs_perturb_report_changed(r), 60);
    ck_assert_uint_gt(cs_perturb_report_changed(r), 25);
    size_t before[4], after[4];
    cs_assert_ok(cs_perturb_report_class_counts(before, after, 4, r));
    for (int c = 0; c < 4; c++)
        ck_assert_uint_eq(before[c], after[c]); /* a permutation keeps class counts */
    ck_assert_int_eq(cs_perturb_report_kind(r), CS_NOISE_SHUFFLE);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    /* Rate 0 changes nothing, rate 1 selects everything. */
    apply(&out, &r, ds, "shuffle:0", 7);
    ck_assert_uint_eq(cs_perturb_report_changed(r), 0);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    apply(&out, &r, ds, "shuffle:1", 7);
    ck_assert_uint_eq(cs_perturb_report_selected(r), 201);
    check_report(ds, out, r);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(symmetric_flips_every_selected_record_to_another_class)
{
    cs_dataset *ds = make_balanced(300, 5), *out = NULL;
    cs_perturb_report *r = NULL;
    apply(&out, &r, ds, "symmetric:0.25", 11);
    check_report(ds, out, r);
    ck_assert_uint_eq(cs_perturb_report_selected(r), 375);
    ck_assert_uint_eq(cs_perturb_report_changed(r), 375); /* never to the same class */
    ck_assert_double_eq_tol(cs_perturb_report_flip_rate(r), 0.25, 1e-15);
    /* New labels are uniform over the other four classes: each off-diagonal cell ~ 375/20. */
    size_t tr[25];
    cs_assert_ok(cs_perturb_report_transitions(tr, 5, r));
    for (int t = 0; t < 5; t++)
        for (int j = 0; j < 5; j++)
            if (t != j)
                ck_assert_msg(tr[t * 5 + j] > 5 && tr[t * 5 + j] < 40, "cell %d->%d has %zu", t, j, tr[t * 5 + j]);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(pairflip_follows_the_map_with_exact_counts)
{
    cs_dataset *ds = make_balanced(100, 10), *out = NULL;
    cs_perturb_report *r = NULL;
    apply(&out, &r, ds, "pairflip:cifar10:0.2", 3);
    check_report(ds, out, r);
    size_t tr[100];
    cs_assert_ok(cs_perturb_report_transitions(tr, 10, r));
    static const int to[10] = { 0, 1, 0, 5, 7, 3, 6, 7, 8, 1 };
    for (int c = 0; c < 10; c++) {
        for (int j = 0; j < 10; j++) {
            size_t want = j == c ? (to[c] == c ? 100 : 80) : (j == to[c] ? 20 : 0);
            ck_assert_msg(tr[c * 10 + j] == want, "cifar10 map: cell %d->%d is %zu, expected %zu", c, j,
                          tr[c * 10 + j], want);
        }
    }
    ck_assert_uint_eq(cs_perturb_report_changed(r), 100);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    apply(&out, &r, ds, "pairflip:cyclic:0.35", 3);
    cs_assert_ok(cs_perturb_report_transitions(tr, 10, r));
    for (int c = 0; c < 10; c++)
        ck_assert_uint_eq(tr[c * 10 + (c + 1) % 10], 35);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    /* A parsed map lists only moved classes; the others keep their labels. */
    apply(&out, &r, ds, "pairflip:4>6:0.5", 3);
    ck_assert_uint_eq(cs_perturb_report_changed(r), 50);
    cs_assert_ok(cs_perturb_report_transitions(tr, 10, r));
    ck_assert_uint_eq(tr[4 * 10 + 6], 50);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(matrix_noise_uses_largest_remainder_counts)
{
    size_t n_per[3] = { 10, 7, 4 };
    cs_dataset *ds = make_counts(n_per, 3), *out = NULL;
    cs_perturb_report *r = NULL;
    /* Class 0 (10): 2.5/2.5/5 -> 2,2,5 + one for the first largest remainder -> 3,2,5.
     * Class 1 (7): 0/1/0 -> 0,7,0. Class 2 (4): 0.3/0.3/0.4 -> 1.2,1.2,1.6 -> 1,1,1 + 1 (j=2). */
    apply(&out, &r, ds, "matrix:0.25/0.25/0.5;0/1/0;0.3/0.3/0.4", 5);
    check_report(ds, out, r);
    size_t tr[9];
    cs_assert_ok(cs_perturb_report_transitions(tr, 3, r));
    static const size_t want[9] = { 3, 2, 5, 0, 7, 0, 1, 1, 2 };
    for (int i = 0; i < 9; i++)
        ck_assert_msg(tr[i] == want[i], "cell %d is %zu, expected %zu", i, tr[i], want[i]);
    ck_assert_uint_eq(cs_perturb_report_selected(r), 7 + 0 + 2);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(targeted_noise_touches_only_chosen_classes)
{
    cs_dataset *ds = make_balanced(80, 6), *out = NULL;
    cs_perturb_report *r = NULL;
    apply(&out, &r, ds, "targeted:1+4:0.5", 9);
    check_report(ds, out, r);
    ck_assert_uint_eq(cs_perturb_report_selected(r), 80);
    ck_assert_uint_eq(cs_perturb_report_changed(r), 80);
    size_t tr[36];
    cs_assert_ok(cs_perturb_report_transitions(tr, 6, r));
    for (int c = 0; c < 6; c++)
        if (c != 1 && c != 4)
            ck_assert_uint_eq(tr[c * 6 + c], 80);
    ck_assert_uint_eq(tr[1 * 6 + 1] + tr[4 * 6 + 4], 80);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(reductions_keep_exact_nested_subsets)
{
    size_t n_per[3] = { 90, 60, 33 };
    cs_dataset *ds = make_counts(n_per, 3);
    static const char *const modes[2] = { "uniform", "stratified" };
    for (int m = 0; m < 2; m++) {
        cs_dataset *big = NULL, *small = NULL;
        cs_perturb_report *rb = NULL, *rs = NULL;
        char text[64];
        snprintf(text, sizeof text, "reduce:%s:0.4", modes[m]);
        apply(&big, &rb, ds, text, 21);
        snprintf(text, sizeof text, "reduce:%s:0.1", modes[m]);
        apply(&small, &rs, ds, text, 21);
        check_report(ds, big, rb);
        check_report(ds, small, rs);
        ck_assert_uint_eq(cs_perturb_report_changed(rb), 0);
        if (m == 0) {
            ck_assert_uint_eq(cs_dataset_size(big), 73);   /* round(0.4 * 183) */
            ck_assert_uint_eq(cs_dataset_size(small), 18); /* round(18.3) */
        } else {
            size_t after[3];
            cs_assert_ok(cs_perturb_report_class_counts(NULL, after, 3, rs));
            ck_assert(after[0] == 9 && after[1] == 6 && after[2] == 3); /* round(3.3) */
            cs_assert_ok(cs_perturb_report_class_counts(NULL, after, 3, rb));
            ck_assert(after[0] == 36 && after[1] == 24 && after[2] == 13); /* round(13.2) */
        }
        ck_assert_uint_eq(cs_perturb_report_selected(rb), 183 - cs_dataset_size(big));
        /* Nested: every record of the 10 % subset is in the 40 % subset; both ascending. */
        size_t j = 0;
        for (size_t i = 0; i < cs_dataset_size(small); i++) {
            size_t src = cs_dataset_source_index(small, i);
            while (j < cs_dataset_size(big) && cs_dataset_source_index(big, j) < src)
                j++;
            ck_assert_msg(j < cs_dataset_size(big) && cs_dataset_source_index(big, j) == src,
                          "%s: record %zu of the 10%% subset is not in the 40%% subset", modes[m], src);
        }
        cs_perturb_report_destroy(rb);
        cs_perturb_report_destroy(rs);
        cs_dataset_destroy(big);
        cs_dataset_destroy(small);
    }
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(targeted_reduction_keeps_other_classes_whole)
{
    size_t n_per[4] = { 40, 40, 40, 40 };
    cs_dataset *ds = make_counts(n_per, 4), *out = NULL;
    cs_perturb_report *r = NULL;
    apply(&out, &r, ds, "reduce:targeted:2:0.25", 1);
    check_report(ds, out, r);
    size_t after[4];
    cs_assert_ok(cs_perturb_report_class_counts(NULL, after, 4, r));
    ck_assert(after[0] == 40 && after[1] == 40 && after[2] == 10 && after[3] == 40);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(reductions_that_empty_a_class_are_refused)
{
    size_t n_per[3] = { 100, 100, 4 };
    cs_dataset *ds = make_counts(n_per, 3), *out = (cs_dataset *)&out;
    cs_perturb_report *r = (cs_perturb_report *)&r;
    cs_perturb_spec *s = parse("reduce:stratified:0.1");
    cs_assert_fails(cs_perturb_apply(&out, &r, ds, s, 1), CS_ERR_OUT_OF_RANGE,
                    "fraction 0.1 of class 2 (4 records) would leave it empty; stratified reduction keeps every class");
    ck_assert_ptr_null(out);
    ck_assert_ptr_null(r);
    cs_perturb_spec_destroy(s);
    s = parse("reduce:targeted:2:0.1");
    cs_assert_fails(cs_perturb_apply(&out, NULL, ds, s, 1), CS_ERR_OUT_OF_RANGE, "class 2 (4 records)");
    cs_perturb_spec_destroy(s);
    /* Uniform reduction promises nothing per class, but must keep something. */
    s = parse("reduce:uniform:0.001");
    cs_assert_fails(cs_perturb_apply(&out, NULL, ds, s, 1), CS_ERR_OUT_OF_RANGE, "keeps none");
    cs_perturb_spec_destroy(s);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(apply_checks_the_spec_against_the_data)
{
    cs_dataset *ds = make_balanced(10, 5), *out = NULL;
    cs_perturb_spec *s = parse("targeted:2+7:0.1");
    cs_assert_fails(cs_perturb_apply(&out, NULL, ds, s, 1), CS_ERR_OUT_OF_RANGE,
                    "targeted class 7 does not exist (the data set has 5 classes)");
    cs_perturb_spec_destroy(s);
    s = parse("pairflip:cifar10:0.1");
    cs_assert_fails(cs_perturb_apply(&out, NULL, ds, s, 1), CS_ERR_UNSUPPORTED, "needs 10 classes, the data set has 5");
    cs_perturb_spec_destroy(s);
    s = parse("pairflip:9>1:0.1");
    cs_assert_fails(cs_perturb_apply(&out, NULL, ds, s, 1), CS_ERR_OUT_OF_RANGE, "sends class 9 to 1");
    cs_perturb_spec_destroy(s);
    s = parse("matrix:0.5/0.5;0.5/0.5");
    cs_assert_fails(cs_perturb_apply(&out, NULL, ds, s, 1), CS_ERR_SIZE_MISMATCH, "is 2x2, the data set has 5");
    cs_perturb_spec_destroy(s);
    cs_assert_ok(cs_perturb_spec_create(&s, CS_NOISE_PAIRFLIP, 0.1));
    int map[4] = { 1, 2, 3, 0 };
    cs_assert_ok(cs_perturb_spec_set_map(s, CS_PAIRFLIP_USER, map, 4));
    cs_assert_fails(cs_perturb_apply(&out, NULL, ds, s, 1), CS_ERR_SIZE_MISMATCH, "map has 4 entries");
    cs_perturb_spec_destroy(s);
    cs_assert_ok(cs_perturb_spec_create(&s, CS_NOISE_MATRIX, 0));
    cs_assert_fails(cs_perturb_apply(&out, NULL, ds, s, 1), CS_ERR_INVALID_ARGUMENT, "has no matrix");
    cs_perturb_spec_destroy(s);
    cs_assert_ok(cs_perturb_spec_create(&s, CS_NOISE_TARGETED, 0.2));
    cs_assert_fails(cs_perturb_apply(&out, NULL, ds, s, 1), CS_ERR_INVALID_ARGUMENT, "has no classes");
    cs_assert_fails(cs_perturb_apply(&out, NULL, NULL, s, 1), CS_ERR_INVALID_ARGUMENT, "in is NULL");
    cs_assert_fails(cs_perturb_apply(&out, NULL, ds, NULL, 1), CS_ERR_INVALID_ARGUMENT, "spec is NULL");
    cs_assert_fails(cs_perturb_apply(NULL, NULL, ds, s, 1), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_perturb_spec_destroy(s);
    cs_dataset_destroy(ds);
}
END_TEST

static int same_labels(const cs_dataset *a, const cs_dataset *b)
{
    return cs_dataset_size(a) == cs_dataset_size(b) &&
           memcmp(cs_dataset_labels(a), cs_dataset_labels(b), cs_dataset_size(a) * sizeof(int32_t)) == 0;
}

typedef struct job {
    const cs_dataset *in;
    const char *spec;
    cs_dataset *out;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    cs_perturb_spec *s = NULL;
    if (cs_perturb_spec_parse(&s, j->spec) == CS_OK)
        cs_perturb_apply(&j->out, NULL, j->in, s, 1234);
    cs_perturb_spec_destroy(s);
    return NULL;
}

START_TEST(same_seed_same_view_in_any_thread)
{
    cs_dataset *ds = make_balanced(200, 10);
    static const char *const specs[] = { "shuffle:0.3", "symmetric:0.2", "pairflip:cifar10:0.3",
                                         "targeted:3+5:0.4", "reduce:uniform:0.4", "reduce:stratified:0.1" };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        cs_dataset *a = NULL, *b = NULL, *c = NULL;
        apply(&a, NULL, ds, specs[i], 1234);
        apply(&b, NULL, ds, specs[i], 1235);
        job j = { ds, specs[i], NULL };
        pthread_t th;
        ck_assert_int_eq(pthread_create(&th, NULL, run_job, &j), 0);
        apply(&c, NULL, ds, specs[i], 1234);
        pthread_join(th, NULL);
        ck_assert_ptr_nonnull(j.out);
        ck_assert_msg(same_labels(a, j.out) && same_labels(a, c), "%s: same seed, different result", specs[i]);
        int differs = !same_labels(a, b);
        for (size_t q = 0; q < cs_dataset_size(a) && !differs && cs_dataset_size(a) == cs_dataset_size(b); q++)
            differs = cs_dataset_source_index(a, q) != cs_dataset_source_index(b, q);
        ck_assert_msg(differs, "%s: another seed gave the same result", specs[i]);
        cs_dataset_destroy(a);
        cs_dataset_destroy(b);
        cs_dataset_destroy(c);
        cs_dataset_destroy(j.out);
    }
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(matched_reduction_removes_what_noise_corrupted)
{
    cs_dataset *ds = make_balanced(100, 10), *noisy = NULL, *matched = NULL;
    cs_perturb_report *r = NULL, *rm = NULL;
    apply(&noisy, &r, ds, "shuffle:0.3", 5);
    cs_perturb_spec *s = NULL;
    cs_assert_ok(cs_perturb_matched_reduction(&s, r));
    ck_assert_int_eq(cs_perturb_spec_kind(s), CS_REDUCE_UNIFORM);
    ck_assert_double_eq_tol(cs_perturb_spec_level(s), 1.0 - cs_perturb_report_flip_rate(r), 1e-15);
    cs_assert_ok(cs_perturb_apply(&matched, &rm, ds, s, 5));
    ck_assert_uint_eq(cs_perturb_report_selected(rm), cs_perturb_report_changed(r));
    cs_perturb_spec *bad = NULL;
    cs_assert_fails(cs_perturb_matched_reduction(&bad, rm), CS_ERR_INVALID_ARGUMENT, "report is of a reduction");
    cs_assert_fails(cs_perturb_matched_reduction(&bad, NULL), CS_ERR_INVALID_ARGUMENT, "noise_report");
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(noisy);
    apply(&noisy, &r, ds, "symmetric:1", 5);
    cs_assert_fails(cs_perturb_matched_reduction(&bad, r), CS_ERR_OUT_OF_RANGE, "every record was flipped");
    cs_perturb_spec_destroy(s);
    cs_perturb_report_destroy(r);
    cs_perturb_report_destroy(rm);
    cs_dataset_destroy(noisy);
    cs_dataset_destroy(matched);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(perturbations_compose_on_views)
{
    cs_dataset *ds = make_balanced(50, 4), *reduced = NULL, *noisy = NULL, *base = NULL;
    cs_perturb_report *r = NULL;
    apply(&reduced, NULL, ds, "reduce:stratified:0.5", 2);
    apply(&noisy, &r, reduced, "symmetric:0.2", 2);
    check_report(reduced, noisy, r);
    ck_assert_uint_eq(cs_perturb_report_size_before(r), 100);
    ck_assert_uint_eq(cs_perturb_report_changed(r), 20);
    for (size_t i = 0; i < cs_dataset_size(noisy); i++)
        ck_assert_uint_eq(cs_dataset_source_index(noisy, i), cs_dataset_source_index(reduced, i));
    cs_perturb_report_destroy(r);
    /* "none" is the identity. */
    apply(&base, &r, ds, "none", 2);
    ck_assert(same_labels(base, ds));
    ck_assert_uint_eq(cs_perturb_report_changed(r), 0);
    ck_assert_uint_eq(cs_perturb_report_selected(r), 0);
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(base);
    cs_dataset_destroy(noisy);
    cs_dataset_destroy(reduced);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(report_accessors_reject_bad_input)
{
    size_t counts[4];
    ck_assert_uint_eq(cs_perturb_report_size_before(NULL), 0);
    ck_assert_uint_eq(cs_perturb_report_changed(NULL), 0);
    ck_assert(isnan(cs_perturb_report_flip_rate(NULL)));
    ck_assert_int_eq(cs_perturb_report_kind(NULL), CS_PERTURB_INVALID);
    cs_assert_fails(cs_perturb_report_transitions(counts, 2, NULL), CS_ERR_INVALID_ARGUMENT, "report is NULL");
    cs_dataset *ds = make_balanced(5, 2), *out = NULL;
    cs_perturb_report *r = NULL;
    apply(&out, &r, ds, "shuffle:0.5", 1);
    cs_assert_fails(cs_perturb_report_transitions(counts, 3, r), CS_ERR_SIZE_MISMATCH, "k is 3, the report has 2");
    cs_assert_fails(cs_perturb_report_class_counts(NULL, NULL, 2, r), CS_ERR_INVALID_ARGUMENT, "every output");
    cs_perturb_report_destroy(r);
    cs_perturb_report_destroy(NULL);
    cs_dataset_destroy(out);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(noise_selections_are_nested_across_rates)
{
    cs_dataset *ds = make_balanced(100, 6);
    static const char *const kinds[2] = { "symmetric", "targeted:1+4" };
    for (int m = 0; m < 2; m++) {
        cs_dataset *lo = NULL, *hi = NULL;
        char text[64];
        snprintf(text, sizeof text, "%s:0.1", kinds[m]);
        apply(&lo, NULL, ds, text, 8);
        snprintf(text, sizeof text, "%s:0.2", kinds[m]);
        apply(&hi, NULL, ds, text, 8);
        size_t changed_lo = 0;
        for (size_t i = 0; i < cs_dataset_size(ds); i++) {
            if (cs_dataset_label(lo, i) == cs_dataset_label(ds, i))
                continue;
            changed_lo++;
            /* Chosen at 0.1 means chosen at 0.2, with the same new label. */
            ck_assert_msg(cs_dataset_label(hi, i) == cs_dataset_label(lo, i),
                          "%s: record %zu flipped at 0.1 but not the same way at 0.2", kinds[m], i);
        }
        ck_assert_uint_gt(changed_lo, 0);
        cs_dataset_destroy(lo);
        cs_dataset_destroy(hi);
    }
    /* Targeted reductions nest like the others. */
    cs_dataset *big = NULL, *small = NULL;
    apply(&big, NULL, ds, "reduce:targeted:2+3:0.5", 8);
    apply(&small, NULL, ds, "reduce:targeted:2+3:0.2", 8);
    char *in_big = calloc(cs_dataset_size(ds), 1);
    for (size_t i = 0; i < cs_dataset_size(big); i++)
        in_big[cs_dataset_source_index(big, i)] = 1;
    for (size_t i = 0; i < cs_dataset_size(small); i++)
        ck_assert(in_big[cs_dataset_source_index(small, i)]);
    free(in_big);
    cs_dataset_destroy(big);
    cs_dataset_destroy(small);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(composed_perturbations_choose_independently)
{
    /* A stratified reduction then pairflip noise, both with the same seed: the noise must not
     * fall preferentially on the records the reduction ranks first (its nested 5 % subset).
     * Over 40 seeds, the share of the 5 % subset that is flipped should be ~the rate 0.1. */
    cs_dataset *ds = make_balanced(200, 10);
    size_t in_small_flipped = 0, in_small = 0;
    for (uint64_t seed = 0; seed < 40; seed++) {
        cs_dataset *half = NULL, *small = NULL, *noisy = NULL;
        apply(&half, NULL, ds, "reduce:stratified:0.5", seed);
        apply(&small, NULL, ds, "reduce:stratified:0.05", seed);
        apply(&noisy, NULL, half, "pairflip:cyclic:0.1", seed);
        char *small_set = calloc(cs_dataset_size(ds), 1);
        for (size_t i = 0; i < cs_dataset_size(small); i++)
            small_set[cs_dataset_source_index(small, i)] = 1;
        for (size_t i = 0; i < cs_dataset_size(half); i++) {
            if (!small_set[cs_dataset_source_index(half, i)])
                continue;
            in_small++;
            in_small_flipped += cs_dataset_label(noisy, i) != cs_dataset_label(half, i);
        }
        free(small_set);
        cs_dataset_destroy(half);
        cs_dataset_destroy(small);
        cs_dataset_destroy(noisy);
    }
    double share = (double)in_small_flipped / (double)in_small;
    /* 400 records per seed x 40 seeds: 10 % +- 1.5 % is > 6 sigma either way. */
    ck_assert_msg(share > 0.085 && share < 0.115, "%.4f of the nested subset flipped, expected ~0.1", share);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(long_and_odd_spec_strings_are_handled)
{
    /* A long level is parsed whole, never cut to a prefix that happens to be valid. */
    char text[512];
    snprintf(text, sizeof text, "shuffle:0.3%0100dgarbage", 0);
    cs_perturb_spec *s = (cs_perturb_spec *)&s;
    cs_assert_fails(cs_perturb_spec_parse(&s, text), CS_ERR_INVALID_ARGUMENT, "is not a number");
    ck_assert_ptr_null(s);
    snprintf(text, sizeof text, "shuffle:0.3%0100d1e5", 0);
    cs_assert_fails(cs_perturb_spec_parse(&s, text), CS_ERR_OUT_OF_RANGE, "outside [0, 1]");
    snprintf(text, sizeof text, "reduce:uniform:0.%0100d5", 0);
    s = parse(text);
    ck_assert_double_eq(cs_perturb_spec_level(s), 5e-101);
    cs_perturb_spec_destroy(s);
    /* Long inputs keep the diagnosis in the message. */
    char *huge = malloc(5000);
    memset(huge, 'x', 4999);
    huge[4999] = '\0';
    cs_assert_fails(cs_perturb_spec_parse(&s, huge), CS_ERR_INVALID_ARGUMENT, "unknown kind");
    memcpy(huge, "matrix:", 7);
    for (int i = 7; i < 4999; i++)
        huge[i] = '/';
    cs_assert_fails(cs_perturb_spec_parse(&s, huge), CS_ERR_INVALID_ARGUMENT, "entries");
    free(huge);
    static const struct {
        const char *text;
        int status;
        const char *needle;
    } odd[] = {
        { "targeted:1+:0.1", CS_ERR_INVALID_ARGUMENT, "expected a class index" },
        { "matrix:;", CS_ERR_INVALID_ARGUMENT, "needs 4 entries" },
        { "matrix:1", CS_ERR_INVALID_ARGUMENT, "k is 1" },
        { "reduce:targeted::0.5", CS_ERR_INVALID_ARGUMENT, "expected a class index" },
        { "shuffle: 0.5", CS_ERR_INVALID_ARGUMENT, "is not a number" },
        { "shuffle:0.5 ", CS_ERR_INVALID_ARGUMENT, "is not a number" },
        { "shuffle:1e-400", CS_ERR_OUT_OF_RANGE, "outside the range of a double" },
        { "shuffle:1e400", CS_ERR_OUT_OF_RANGE, "outside the range of a double" },
        { "targeted:70000:0.1", CS_ERR_INVALID_ARGUMENT, "expected a class index (0..65535)" },
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        int rc = cs_perturb_spec_parse(&s, odd[i].text);
        ck_assert_msg(rc == odd[i].status && strstr(cs_last_error(), odd[i].needle),
                      "\"%s\": %s: %s", odd[i].text, cs_status_str(rc), cs_last_error());
    }
    /* A subnormal reads as the nearest one, written exactly in hexadecimal or rounded in
     * decimal, and its formatted text parses to the same spec (a fuzzing finding: the decimal
     * form of 0x1p-1031 was refused as out of range). */
    s = parse("matrix:1/0/0x1p-1031;.25/.5/.25;0/01.e-300/1");
    char sub[96];
    cs_assert_ok(cs_perturb_spec_format(sub, sizeof sub, NULL, s));
    ck_assert_str_eq(sub, "matrix:1/0/4.34584737989688e-311;0.25/0.5/0.25;0/1e-300/1");
    cs_perturb_spec_destroy(s);
    s = parse(sub);
    char sub2[96];
    cs_assert_ok(cs_perturb_spec_format(sub2, sizeof sub2, NULL, s));
    ck_assert_str_eq(sub2, sub);
    cs_perturb_spec_destroy(s);
    s = parse("shuffle:4.9e-324");
    ck_assert(cs_perturb_spec_level(s) > 0 && cs_perturb_spec_level(s) < 1e-320);
    cs_perturb_spec_destroy(s);
    /* Hexadecimal floats are numbers too; -0 is normalised to 0. */
    s = parse("shuffle:0x1p-3");
    ck_assert_double_eq(cs_perturb_spec_level(s), 0.125);
    cs_perturb_spec_destroy(s);
    s = parse("shuffle:-0");
    char buf[32];
    cs_assert_ok(cs_perturb_spec_format(buf, sizeof buf, NULL, s));
    ck_assert_str_eq(buf, "shuffle:0");
    cs_perturb_spec_destroy(s);
    /* A class list longer than any fixed buffer. */
    char *many = malloc(8 * 400 + 32);
    int at = snprintf(many, 32, "targeted:");
    for (int c = 0; c < 400; c++)
        at += snprintf(many + at, 16, c ? "+%d" : "%d", c);
    snprintf(many + at, 16, ":0.5");
    s = parse(many);
    size_t needed = 0;
    ck_assert_int_eq(cs_perturb_spec_format(NULL, 0, &needed, s), CS_ERR_SIZE_MISMATCH);
    ck_assert_uint_eq(needed, strlen(many) + 1);
    cs_perturb_spec_destroy(s);
    free(many);
}
END_TEST

START_TEST(incomplete_specs_do_not_format)
{
    cs_perturb_spec *s = NULL;
    char buf[64];
    cs_assert_ok(cs_perturb_spec_create(&s, CS_NOISE_TARGETED, 0.3));
    cs_assert_fails(cs_perturb_spec_format(buf, sizeof buf, NULL, s), CS_ERR_INVALID_ARGUMENT, "has no classes yet");
    cs_perturb_spec_destroy(s);
    cs_assert_ok(cs_perturb_spec_create(&s, CS_NOISE_MATRIX, 0));
    cs_assert_fails(cs_perturb_spec_format(buf, sizeof buf, NULL, s), CS_ERR_INVALID_ARGUMENT, "has no matrix yet");
    cs_perturb_spec_destroy(s);
    /* A setter-built user map formats as its moved pairs. */
    cs_assert_ok(cs_perturb_spec_create(&s, CS_NOISE_PAIRFLIP, 0.5));
    int map[4] = { 1, 1, 2, 0 };
    cs_assert_ok(cs_perturb_spec_set_map(s, CS_PAIRFLIP_USER, map, 4));
    cs_assert_ok(cs_perturb_spec_format(buf, sizeof buf, NULL, s));
    ck_assert_str_eq(buf, "pairflip:0>1+3>0:0.5");
    cs_perturb_spec_destroy(s);
    /* A matched reduction needs a noise report. */
    cs_dataset *ds = make_balanced(10, 2), *out = NULL;
    cs_perturb_report *r = NULL;
    apply(&out, &r, ds, "none", 1);
    cs_assert_fails(cs_perturb_matched_reduction(&s, r), CS_ERR_INVALID_ARGUMENT, "of no perturbation");
    cs_perturb_report_destroy(r);
    cs_dataset_destroy(out);
    cs_dataset_destroy(ds);
}
END_TEST

/* ---- properties on the real Fashion-MNIST training labels ------------------------------- */
/* `test_perturb real` (the ctest perturb_real) runs these, or exits 77 without the data. */

static const char *fashion_dir;
static cs_dataset *fashion;

static void load_fashion(void)
{
    fashion = NULL;
    cs_assert_ok(cs_dataset_open_fashion_mnist(&fashion, fashion_dir, CS_SPLIT_TRAIN));
}

static void free_fashion(void)
{
    cs_dataset_destroy(fashion);
    fashion = NULL;
}

START_TEST(real_labels_shuffle_and_symmetric)
{
    for (int x10 = 1; x10 <= 3; x10++) {
        char text[32];
        double x = x10 / 10.0;
        snprintf(text, sizeof text, "shuffle:%g", x);
        cs_dataset *out = NULL;
        cs_perturb_report *r = NULL;
        apply(&out, &r, fashion, text, 2020);
        check_report(fashion, out, r);
        ck_assert_uint_eq(cs_perturb_report_selected(r), (size_t)llround(x * 60000));
        size_t after[10];
        cs_assert_ok(cs_perturb_report_class_counts(NULL, after, 10, r));
        for (int c = 0; c < 10; c++)
            ck_assert_uint_eq(after[c], 6000);
        /* A record keeps its label with probability ~1/10: realised ~0.9x (±1 %). */
        ck_assert_double_eq_tol(cs_perturb_report_flip_rate(r), 0.9 * x, 0.01 * x);
        cs_perturb_report_destroy(r);
        cs_dataset_destroy(out);
        snprintf(text, sizeof text, "symmetric:%g", x);
        apply(&out, &r, fashion, text, 2020);
        check_report(fashion, out, r);
        ck_assert_uint_eq(cs_perturb_report_changed(r), (size_t)llround(x * 60000));
        ck_assert_uint_eq(cs_perturb_report_selected(r), cs_perturb_report_changed(r));
        cs_perturb_report_destroy(r);
        cs_dataset_destroy(out);
    }
}
END_TEST

START_TEST(real_labels_stratified_and_nested)
{
    cs_dataset *f40 = NULL, *f10 = NULL;
    cs_perturb_report *r40 = NULL, *r10 = NULL;
    apply(&f40, &r40, fashion, "reduce:stratified:0.4", 77);
    apply(&f10, &r10, fashion, "reduce:stratified:0.1", 77);
    check_report(fashion, f40, r40);
    check_report(fashion, f10, r10);
    size_t a40[10], a10[10];
    cs_assert_ok(cs_perturb_report_class_counts(NULL, a40, 10, r40));
    cs_assert_ok(cs_perturb_report_class_counts(NULL, a10, 10, r10));
    for (int c = 0; c < 10; c++) {
        ck_assert_uint_eq(a40[c], 2400);
        ck_assert_uint_eq(a10[c], 600);
    }
    char *in40 = calloc(60000, 1);
    for (size_t i = 0; i < cs_dataset_size(f40); i++)
        in40[cs_dataset_source_index(f40, i)] = 1;
    for (size_t i = 0; i < cs_dataset_size(f10); i++)
        ck_assert(in40[cs_dataset_source_index(f10, i)]);
    free(in40);
    cs_perturb_report_destroy(r40);
    cs_perturb_report_destroy(r10);
    cs_dataset_destroy(f40);
    cs_dataset_destroy(f10);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "real") == 0) {
        fashion_dir = cs_test_fashion_dir();
        if (!fashion_dir)
            return CS_TEST_SKIPPED;
        Suite *s = suite_create("perturb_real");
        TCase *real = tcase_create("real_labels");
        tcase_set_timeout(real, 120);
        tcase_add_unchecked_fixture(real, load_fashion, free_fashion);
        tcase_add_test(real, real_labels_shuffle_and_symmetric);
        tcase_add_test(real, real_labels_stratified_and_nested);
        suite_add_tcase(s, real);
        return cs_test_run(s);
    }
    Suite *s = suite_create("perturb");
    TCase *tc = tcase_create("perturb");
    tcase_add_test(tc, spec_strings_round_trip);
    tcase_add_test(tc, spec_strings_are_validated);
    tcase_add_test(tc, spec_setters_are_validated);
    tcase_add_test(tc, shuffle_permutes_exactly_round_xn_labels);
    tcase_add_test(tc, symmetric_flips_every_selected_record_to_another_class);
    tcase_add_test(tc, pairflip_follows_the_map_with_exact_counts);
    tcase_add_test(tc, matrix_noise_uses_largest_remainder_counts);
    tcase_add_test(tc, targeted_noise_touches_only_chosen_classes);
    tcase_add_test(tc, reductions_keep_exact_nested_subsets);
    tcase_add_test(tc, targeted_reduction_keeps_other_classes_whole);
    tcase_add_test(tc, reductions_that_empty_a_class_are_refused);
    tcase_add_test(tc, apply_checks_the_spec_against_the_data);
    tcase_add_test(tc, same_seed_same_view_in_any_thread);
    tcase_add_test(tc, matched_reduction_removes_what_noise_corrupted);
    tcase_add_test(tc, perturbations_compose_on_views);
    tcase_add_test(tc, report_accessors_reject_bad_input);
    tcase_add_test(tc, noise_selections_are_nested_across_rates);
    tcase_add_test(tc, composed_perturbations_choose_independently);
    tcase_add_test(tc, long_and_odd_spec_strings_are_handled);
    tcase_add_test(tc, incomplete_specs_do_not_format);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
