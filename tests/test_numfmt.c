/* Numbers in text (lib/core/numfmt.c): the shortest round-trip form, the C grammar reader, the
 * C-notation printf, and, run as `test_numfmt LOCALE` (ctest numfmt_locale), the same texts
 * and a whole study store, JSON and CSV written under a decimal-comma locale. That run exits
 * 77 (skipped) when the locale is not installed; scripts/setup.sh generates de_DE.UTF-8. */
#include <check.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/numfmt.h"
#include "fixtures.h"

/* The decimal-comma locale of the second run (argv[1]). */
static const char *comma_locale;

/* A double from 64 random bits (splitmix64), finite. */
static double random_double(uint64_t *state)
{
    for (;;) {
        uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        double v;
        memcpy(&v, &z, sizeof v);
        if (isfinite(v))
            return v;
    }
}

static const double samples[] = { 0.1, 0.2, 0.30000000000000004, 1.0 / 3.0, -2.5, 1e-5, 123456789.0,
                                  1e300, -1e-300, DBL_MAX, DBL_MIN, 4.9406564584124654e-324, 0.5,
                                  100, 1e21, 2.2250738585072009e-308 };
#define NSAMPLES (sizeof samples / sizeof samples[0])

static void assert_round_trip(double v)
{
    char s[CS__NUM_DOUBLE_CAP];
    size_t n = cs__num_format_double(s, sizeof s, v), used = 0;
    ck_assert_uint_eq(n, strlen(s));
    ck_assert_msg(strchr(s, ',') == NULL, "%s has a comma", s);
    double back = 0;
    int rc = cs__num_parse_double(&back, &used, s, n);
    ck_assert_msg(rc == CS_OK || rc == CS_ERR_OUT_OF_RANGE, "%s: %s", s, cs_status_str(rc));
    ck_assert_uint_eq(used, n);
    ck_assert_msg(memcmp(&back, &v, sizeof v) == 0, "%.17g became %s and read back as %.17g", v, s, back);
}

/* ---- in the C locale ------------------------------------------------------------------- */

START_TEST(doubles_format_in_the_shortest_round_trip_form)
{
    static const struct {
        double v;
        const char *text;
    } pinned[] = { { 0.1, "0.1" }, { 0.30000000000000004, "0.30000000000000004" }, { 1e-5, "1e-05" },
                   { 100, "100" }, { -2.5, "-2.5" }, { -0.0, "-0" }, { 1e21, "1e+21" },
                   { 1.0 / 3.0, "0.3333333333333333" } };
    char s[CS__NUM_DOUBLE_CAP];
    for (size_t i = 0; i < sizeof pinned / sizeof pinned[0]; i++) {
        cs__num_format_double(s, sizeof s, pinned[i].v);
        ck_assert_str_eq(s, pinned[i].text);
    }
    cs__num_format_double(s, sizeof s, NAN);
    ck_assert_str_eq(s, "nan");
    cs__num_format_double(s, sizeof s, -INFINITY);
    ck_assert_str_eq(s, "-inf");
    /* Truncation works like snprintf's. */
    ck_assert_uint_eq(cs__num_format_double(s, 4, 0.30000000000000004), 19);
    ck_assert_str_eq(s, "0.3");
    ck_assert_uint_eq(cs__num_format_double(NULL, 0, 2.5), 3);
}
END_TEST

START_TEST(random_doubles_round_trip_bit_exactly)
{
    uint64_t state = 42;
    for (size_t i = 0; i < NSAMPLES; i++)
        assert_round_trip(samples[i]);
    for (int i = 0; i < 20000; i++)
        assert_round_trip(random_double(&state));
}
END_TEST

START_TEST(the_reader_takes_the_c_grammar_and_nothing_else)
{
    static const struct {
        const char *text;
        size_t used;
        double v;
    } ok[] = { { "1.5", 3, 1.5 }, { "-0.25e2x", 7, -25 }, { "+.5", 3, 0.5 }, { "5.", 2, 5 },
               { "1e", 1, 1 }, { "2E+3,", 4, 2000 }, { "0x1p-3", 6, 0.125 }, { "0x.8", 4, 0.5 },
               { "1,5", 1, 1 }, { "007", 3, 7 } };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double v = -1;
        size_t used = 0;
        ck_assert_int_eq(cs__num_parse_double(&v, &used, ok[i].text, strlen(ok[i].text)), CS_OK);
        ck_assert_uint_eq(used, ok[i].used);
        ck_assert_double_eq(v, ok[i].v);
    }
    static const char *const bad[] = { "", " 1", "-", ".", "e5", "inf", "nan", ",5", "+-1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 7;
        ck_assert_int_eq(cs__num_parse_double(&v, NULL, bad[i], strlen(bad[i])), CS_ERR_FORMAT);
        ck_assert_double_eq(v, 7);
    }
    /* n bounds the reading: "12" of "123". */
    double v = 0;
    size_t used = 0;
    ck_assert_int_eq(cs__num_parse_double(&v, &used, "123", 2), CS_OK);
    ck_assert_double_eq(v, 12);
    /* Beyond the range: the nearest value and CS_ERR_OUT_OF_RANGE. */
    ck_assert_int_eq(cs__num_parse_double(&v, NULL, "1e400", 5), CS_ERR_OUT_OF_RANGE);
    ck_assert(isinf(v));
    ck_assert_int_eq(cs__num_parse_double(&v, NULL, "1e-400", 6), CS_ERR_OUT_OF_RANGE);
    ck_assert_double_eq(v, 0);
    /* A number longer than the stack buffer: 300 digits of 1/3. */
    char longer[305] = "0.";
    memset(longer + 2, '3', 300);
    longer[302] = '\0';
    ck_assert_int_eq(cs__num_parse_double(&v, &used, longer, strlen(longer)), CS_OK);
    ck_assert_uint_eq(used, 302);
    ck_assert_double_eq(v, 1.0 / 3.0);
}
END_TEST

START_TEST(printf_passes_every_conversion_through)
{
    char s[256];
    int n = cs__num_snprintf(s, sizeof s, "%d|%5.2f|%-6s|%zu|%lld|%x|%c|%%|%.3e|%g|%*.*f|%p", -3, 2.5, "ab",
                             (size_t)7, -8LL, 255u, 'z', 1234.5, 0.1, 6, 1, 9.25, (void *)0);
    char want[256];
    int m = snprintf(want, sizeof want, "%d|%5.2f|%-6s|%zu|%lld|%x|%c|%%|%.3e|%g|%*.*f|%p", -3, 2.5, "ab",
                     (size_t)7, -8LL, 255u, 'z', 1234.5, 0.1, 6, 1, 9.25, (void *)0);
    ck_assert_int_eq(n, m);
    ck_assert_str_eq(s, want);
    /* Truncated like snprintf: the length of the whole text comes back. */
    ck_assert_int_eq(cs__num_snprintf(s, 5, "%.2f and more", 3.14159), 13);
    ck_assert_str_eq(s, "3.14");
    ck_assert_int_eq(cs__num_snprintf(NULL, 0, "%g", 0.5), 3);
    /* A conversion wider than the stack buffer. */
    char *wide = malloc(1200);
    ck_assert_int_eq(cs__num_snprintf(wide, 1200, "%1000.3f|", 1.5), 1001);
    ck_assert_str_eq(wide + 995, "1.500|");
    free(wide);
    /* Grouping depends on the locale, and %n writes: both refused. */
    char grouped[] = "x%'dy", writes[] = "x%ny";
    ck_assert_int_eq(cs__num_snprintf(s, sizeof s, grouped, 1000), -1);
    ck_assert_str_eq(s, "");
    int where = 0;
    ck_assert_int_eq(cs__num_snprintf(s, sizeof s, writes, &where), -1);
}
END_TEST

/* ---- under a decimal-comma locale ------------------------------------------------------ */

static void use_comma_locale(void)
{
    ck_assert_ptr_nonnull(setlocale(LC_ALL, comma_locale));
    ck_assert_str_eq(localeconv()->decimal_point, ",");
}

static void back_to_c(void)
{
    setlocale(LC_ALL, "C");
}

START_TEST(numbers_use_a_point_under_a_comma_locale)
{
    char c_text[NSAMPLES][CS__NUM_DOUBLE_CAP], printed[128], c_printed[128];
    for (size_t i = 0; i < NSAMPLES; i++)
        cs__num_format_double(c_text[i], sizeof c_text[i], samples[i]);
    cs__num_snprintf(c_printed, sizeof c_printed, "%g %.3f %e %a %10.1f", 2.5, -0.125, 1e-7, 0.75, 3.25);

    use_comma_locale();
    char plain[32];
    snprintf(plain, sizeof plain, "%g", 2.5);
    ck_assert_str_eq(plain, "2,5"); /* the C library itself follows the locale */
    for (size_t i = 0; i < NSAMPLES; i++) {
        char s[CS__NUM_DOUBLE_CAP];
        cs__num_format_double(s, sizeof s, samples[i]);
        ck_assert_str_eq(s, c_text[i]);
        assert_round_trip(samples[i]);
    }
    uint64_t state = 7;
    for (int i = 0; i < 5000; i++)
        assert_round_trip(random_double(&state));
    cs__num_snprintf(printed, sizeof printed, "%g %.3f %e %a %10.1f", 2.5, -0.125, 1e-7, 0.75, 3.25);
    ck_assert_str_eq(printed, c_printed);
    double v = 0;
    size_t used = 0;
    ck_assert_int_eq(cs__num_parse_double(&v, &used, "1.25,3", 6), CS_OK);
    ck_assert_uint_eq(used, 4);
    ck_assert_double_eq(v, 1.25);
    /* Error messages too. */
    cs_perturb_spec *spec = NULL;
    ck_assert_int_eq(cs_perturb_spec_parse(&spec, "shuffle:1.5"), CS_ERR_OUT_OF_RANGE);
    ck_assert_msg(strstr(cs_last_error(), "1.5") != NULL, "%s", cs_last_error());
    ck_assert_int_eq(cs_perturb_spec_parse(&spec, "shuffle:0,5"), CS_ERR_INVALID_ARGUMENT);
    cs_assert_ok(cs_perturb_spec_parse(&spec, "shuffle:0.25"));
    ck_assert_double_eq(cs_perturb_spec_level(spec), 0.25);
    cs_perturb_spec_destroy(spec);
    /* Nothing above changed the locale. */
    ck_assert_str_eq(localeconv()->decimal_point, ",");
    back_to_c();
}
END_TEST

/* The JSON writer's bytes for a few numbers, and what the reader makes of them. */
static char *json_text(void)
{
    cs__buf b = CS__BUF_INIT;
    cs__json_writer w;
    cs__jw_init(&w, &b);
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "values");
    cs__jw_doubles(&w, samples, NSAMPLES);
    cs__jw_key(&w, "half");
    cs__jw_double(&w, 0.5);
    cs__jw_end_object(&w);
    ck_assert(cs__jw_finished(&w));
    char *text = strdup(cs__buf_str(&b));
    cs__buf_free(&b);
    cs__json *root = NULL;
    cs_assert_ok(cs__json_parse(&root, text, strlen(text), "numbers.json"));
    double back[NSAMPLES];
    cs_assert_ok(cs__json_numbers(cs__json_get(root, "values"), back, NSAMPLES, "numbers.json"));
    ck_assert(memcmp(back, samples, sizeof back) == 0);
    cs__json_free(root);
    return text;
}

START_TEST(json_is_byte_identical_under_a_comma_locale)
{
    char *c_text = json_text();
    use_comma_locale();
    char *comma_text = json_text();
    back_to_c();
    ck_assert_str_eq(comma_text, c_text);
    free(c_text);
    free(comma_text);
}
END_TEST

/* One small study (one model, fractional learning rate and noise level) run into `dir` and
 * reported there. */
static void study_and_report(const char *dir)
{
    cs_dataset *train = cs_test_bands(120, 1), *test = cs_test_bands(40, 2);
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = 1;
    so.seed = 3;
    cs_study *s = NULL;
    cs_assert_ok(cs_study_create(&s, train, test, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 1;
    to.batch_size = 16;
    to.lr = 0.025;
    to.momentum = 0.875;
    to.crop_padding = 0;
    to.horizontal_flip = 0;
    cs_assert_ok(cs_study_add_model(s, NULL, "lenet", 0.5, &to));
    cs_perturb_spec *spec = NULL;
    cs_assert_ok(cs_perturb_spec_parse(&spec, "shuffle:0.35"));
    cs_assert_ok(cs_study_add_condition(s, spec));
    cs_perturb_spec_destroy(spec);
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    cs_assert_ok(cs_report_write(r, dir, NULL));
    cs_results_destroy(r);
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
}

static void assert_same_file(const char *a, const char *b, const char *name)
{
    char *pa = cs_test_path(a, name), *pb = cs_test_path(b, name);
    size_t na = 0, nb = 0;
    uint8_t *ta = cs_test_read(pa, &na), *tb = cs_test_read(pb, &nb);
    size_t at = 0;
    while (at < na && at < nb && ta[at] == tb[at])
        at++;
    size_t from = at > 12 ? at - 12 : 0;
    ck_assert_msg(na == nb && at == na, "%s differs between the C and %s runs from byte %zu: \"%.80s\" vs "
                  "\"%.80s\"", name, comma_locale, at, (const char *)ta + from, (const char *)tb + from);
    free(ta);
    free(tb);
    free(pa);
    free(pb);
}

START_TEST(a_store_and_its_report_are_byte_identical_under_a_comma_locale)
{
    char *c_dir = cs_test_path(cs_test_dir, "c"), *comma_dir = cs_test_path(cs_test_dir, "comma");
    study_and_report(c_dir);
    use_comma_locale();
    study_and_report(comma_dir);
    back_to_c();
    /* The configuration with its fractional numbers, and the report's files: every cell's
     * numbers were read back from the store to make them. Cells themselves hold timings. */
    assert_same_file(c_dir, comma_dir, "study.json");
    assert_same_file(c_dir, comma_dir, "results.csv");
    assert_same_file(c_dir, comma_dir, "summary.json");
    char *csv = cs_test_path(comma_dir, "results.csv");
    size_t n = 0;
    char *text = (char *)cs_test_read(csv, &n);
    ck_assert_ptr_nonnull(strstr(text, "0.35"));
    free(text);
    free(csv);
    free(c_dir);
    free(comma_dir);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1) {
        comma_locale = argv[1];
        if (!cs_test_comma_locale(comma_locale))
            return CS_TEST_SKIPPED;
    }
    Suite *s = suite_create("numfmt");
    TCase *tc = tcase_create("numfmt");
    if (!comma_locale) {
        tcase_add_test(tc, doubles_format_in_the_shortest_round_trip_form);
        tcase_add_test(tc, random_doubles_round_trip_bit_exactly);
        tcase_add_test(tc, the_reader_takes_the_c_grammar_and_nothing_else);
        tcase_add_test(tc, printf_passes_every_conversion_through);
    } else {
        tcase_add_checked_fixture(tc, cs_test_dir_setup, cs_test_dir_teardown);
        tcase_add_test(tc, numbers_use_a_point_under_a_comma_locale);
        tcase_add_test(tc, json_is_byte_identical_under_a_comma_locale);
        tcase_add_test(tc, a_store_and_its_report_are_byte_identical_under_a_comma_locale);
    }
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
