/* JSON: the pretty writer's exact layout and misuse handling, the strict reader's acceptance,
 * errors (status, line:col, wording), locale independence and the typed lookups. */
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "core/buf.h"
#include "core/json.h"
#include "fixtures.h"

/* Parse a NUL-terminated text copied into an exact-size block, so that ASan sees any read
 * past its end. */
static int parse_exact(cs__json **out, const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, text, len);
    int rc = cs__json_parse(out, copy, len, "t.json");
    free(copy);
    return rc;
}

static cs__json *parse_ok(const char *text)
{
    cs__json *root = NULL;
    cs_assert_ok(parse_exact(&root, text, strlen(text)));
    ck_assert_ptr_nonnull(root);
    return root;
}

static void assert_parse_fails(const char *text, size_t len, int status, const char *needle)
{
    cs__json *root = (cs__json *)&root; /* must be reset to NULL */
    int rc = parse_exact(&root, text, len);
    ck_assert_msg(rc == status, "parsing \"%s\" returned %s, expected %s; message: %s", text,
                  cs_status_str(rc), cs_status_str(status), cs_last_error());
    ck_assert_msg(strstr(cs_last_error(), needle) != NULL, "parsing \"%s\": message lacks \"%s\": %s",
                  text, needle, cs_last_error());
    ck_assert_ptr_null(root);
}

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* A document with every kind of value, nesting and the layout cases. */
static void write_sample(cs__json_writer *w)
{
    static const double row[3] = { 1, 2.5, -3 };
    cs__jw_begin_object(w);
    cs__jw_key(w, "name");
    cs__jw_string(w, "fashion \"mnist\"");
    cs__jw_key(w, "k");
    cs__jw_int(w, 10);
    cs__jw_key(w, "ok");
    cs__jw_bool(w, 1);
    cs__jw_key(w, "no");
    cs__jw_bool(w, 0);
    cs__jw_key(w, "none");
    cs__jw_null(w);
    cs__jw_key(w, "row");
    cs__jw_doubles(w, row, 3);
    cs__jw_key(w, "empty_a");
    cs__jw_begin_array(w);
    cs__jw_end_array(w);
    cs__jw_key(w, "empty_o");
    cs__jw_begin_object(w);
    cs__jw_end_object(w);
    cs__jw_key(w, "matrix");
    cs__jw_begin_array(w);
    cs__jw_doubles(w, row, 2);
    cs__jw_doubles(w, row + 1, 2);
    cs__jw_end_array(w);
    cs__jw_key(w, "cells");
    cs__jw_begin_array(w);
    cs__jw_begin_object(w);
    cs__jw_key(w, "seed");
    cs__jw_uint(w, 18446744073709551615ull);
    cs__jw_key(w, "nan");
    cs__jw_double(w, NAN);
    cs__jw_end_object(w);
    cs__jw_end_array(w);
    cs__jw_key(w, "mixed");
    cs__jw_begin_array(w);
    cs__jw_int(w, -1);
    cs__jw_string(w, "a, \"b\\\", c");
    cs__jw_double(w, 0.1);
    cs__jw_begin_array(w);
    cs__jw_int(w, 2);
    cs__jw_end_array(w);
    cs__jw_null(w);
    cs__jw_end_array(w);
    cs__jw_end_object(w);
}

static const char sample_text[] =
    "{\n"
    "  \"name\": \"fashion \\\"mnist\\\"\",\n"
    "  \"k\": 10,\n"
    "  \"ok\": true,\n"
    "  \"no\": false,\n"
    "  \"none\": null,\n"
    "  \"row\": [1, 2.5, -3],\n"
    "  \"empty_a\": [],\n"
    "  \"empty_o\": {},\n"
    "  \"matrix\": [\n"
    "    [1, 2.5],\n"
    "    [2.5, -3]\n"
    "  ],\n"
    "  \"cells\": [\n"
    "    {\n"
    "      \"seed\": 18446744073709551615,\n"
    "      \"nan\": null\n"
    "    }\n"
    "  ],\n"
    "  \"mixed\": [\n"
    "    -1,\n"
    "    \"a, \\\"b\\\\\\\", c\",\n"
    "    0.1,\n"
    "    [2],\n"
    "    null\n"
    "  ]\n"
    "}\n";

START_TEST(writer_layout_is_pinned)
{
    cs__buf b = CS__BUF_INIT;
    cs__json_writer w;
    cs__jw_init(&w, &b);
    write_sample(&w);
    cs_assert_ok(cs__buf_status(&b, "sample"));
    ck_assert(cs__jw_finished(&w));
    ck_assert_str_eq(cs__buf_str(&b), sample_text);

    /* A scalar document, and the empty containers at the top. */
    const char *want[3] = { "42\n", "[]\n", "{}\n" };
    for (int i = 0; i < 3; i++) {
        cs__buf_reset(&b);
        cs__jw_init(&w, &b);
        if (i == 0) {
            cs__jw_int(&w, 42);
        } else if (i == 1) {
            cs__jw_begin_array(&w);
            cs__jw_end_array(&w);
        } else {
            cs__jw_begin_object(&w);
            cs__jw_end_object(&w);
        }
        ck_assert(cs__jw_finished(&w));
        ck_assert_str_eq(cs__buf_str(&b), want[i]);
    }
    cs__buf_free(&b);
}
END_TEST

START_TEST(writer_output_reads_back)
{
    cs__buf b = CS__BUF_INIT;
    cs__json_writer w;
    cs__jw_init(&w, &b);
    write_sample(&w);
    cs__json *root = parse_ok(cs__buf_str(&b));
    ck_assert_int_eq(cs__json_type_of(root), CS__JSON_OBJECT);
    ck_assert_uint_eq(cs__json_len(root), 11);
    ck_assert_str_eq(cs__json_key_at(root, 0), "name");
    ck_assert_str_eq(cs__json_key_at(root, 10), "mixed");
    ck_assert_str_eq(cs__json_string(cs__json_get(root, "name")), "fashion \"mnist\"");
    ck_assert(cs__json_number(cs__json_get(root, "k")) == 10);
    ck_assert_int_eq(cs__json_bool(cs__json_get(root, "ok")), 1);
    ck_assert_int_eq(cs__json_bool(cs__json_get(root, "no")), 0);
    ck_assert_int_eq(cs__json_type_of(cs__json_get(root, "none")), CS__JSON_NULL);
    ck_assert_ptr_nonnull(cs__json_get(root, "none"));
    double row[3];
    cs_assert_ok(cs__json_numbers(cs__json_get(root, "row"), row, 3, "row"));
    ck_assert(row[0] == 1 && row[1] == 2.5 && row[2] == -3);
    ck_assert_int_eq(cs__json_type_of(cs__json_get(root, "empty_a")), CS__JSON_ARRAY);
    ck_assert_uint_eq(cs__json_len(cs__json_get(root, "empty_a")), 0);
    ck_assert_int_eq(cs__json_type_of(cs__json_get(root, "empty_o")), CS__JSON_OBJECT);
    ck_assert_uint_eq(cs__json_len(cs__json_get(root, "empty_o")), 0);
    const cs__json *m = cs__json_get(root, "matrix");
    ck_assert_uint_eq(cs__json_len(m), 2);
    ck_assert(cs__json_number(cs__json_at(cs__json_at(m, 1), 1)) == -3);
    const cs__json *cell = cs__json_at(cs__json_get(root, "cells"), 0);
    ck_assert(cs__json_number(cs__json_get(cell, "seed")) == 18446744073709551615.0);
    ck_assert_int_eq(cs__json_type_of(cs__json_get(cell, "nan")), CS__JSON_NULL);
    const cs__json *mixed = cs__json_get(root, "mixed");
    ck_assert_uint_eq(cs__json_len(mixed), 5);
    ck_assert_str_eq(cs__json_string(cs__json_at(mixed, 1)), "a, \"b\\\", c");
    ck_assert(cs__json_number(cs__json_at(mixed, 2)) == 0.1);
    ck_assert(cs__json_number(cs__json_at(cs__json_at(mixed, 3), 0)) == 2);
    cs__json_free(root);

    /* Deep nesting both ways: 32 levels written, read back. */
    cs__buf_reset(&b);
    cs__jw_init(&w, &b);
    for (int i = 0; i < CS__JSON_WRITER_MAX_DEPTH; i++) {
        if (i % 2) {
            cs__jw_begin_object(&w);
            cs__jw_key(&w, "x");
        } else {
            cs__jw_begin_array(&w);
        }
    }
    cs__jw_int(&w, 7);
    for (int i = CS__JSON_WRITER_MAX_DEPTH - 1; i >= 0; i--) {
        if (i % 2)
            cs__jw_end_object(&w);
        else
            cs__jw_end_array(&w);
    }
    ck_assert(cs__jw_finished(&w));
    root = parse_ok(cs__buf_str(&b));
    const cs__json *v = root;
    for (int i = 0; i < CS__JSON_WRITER_MAX_DEPTH; i++)
        v = i % 2 ? cs__json_get(v, "x") : cs__json_at(v, 0);
    ck_assert(cs__json_number(v) == 7);
    cs__json_free(root);
    cs__buf_free(&b);
}
END_TEST

START_TEST(strings_are_escaped_and_decoded)
{
    cs__buf b = CS__BUF_INIT;
    cs__json_writer w;
    cs__jw_init(&w, &b);
    cs__jw_begin_array(&w);
    cs__jw_string(&w, "q\"b\\s/\n\t\x01\x1f\x7f");
    cs__jw_string(&w, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    cs__jw_string(&w, "bad \xff \xc3( \xed\xa0\x80!");
    cs__jw_string(&w, NULL);
    cs__jw_string(&w, "");
    cs__jw_end_array(&w);
    ck_assert_str_eq(cs__buf_str(&b),
                     "[\"q\\\"b\\\\s/\\u000a\\u0009\\u0001\\u001f\x7f\", "
                     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\", "
                     "\"bad \\ufffd \\ufffd( \\ufffd\\ufffd\\ufffd!\", null, \"\"]\n");
    cs__json *root = parse_ok(cs__buf_str(&b));
    ck_assert_str_eq(cs__json_string(cs__json_at(root, 0)), "q\"b\\s/\n\t\x01\x1f\x7f");
    ck_assert_str_eq(cs__json_string(cs__json_at(root, 1)),
                     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    ck_assert_str_eq(cs__json_string(cs__json_at(root, 2)),
                     "bad \xef\xbf\xbd \xef\xbf\xbd( \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!");
    ck_assert_ptr_null(cs__json_string(cs__json_at(root, 3)));
    ck_assert_str_eq(cs__json_string(cs__json_at(root, 4)), "");
    cs__json_free(root);
    cs__buf_free(&b);

    /* Every escape the reader knows, surrogate pairs combined, raw UTF-8 kept, and escaped
     * member names. */
    root = parse_ok("{\"k\\u00e9\\n\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041\\u00e9\\u20AC"
                    "\\uD83D\\uDE00\\ud834\\udd1e \xe2\x82\xac \\uFFFF\"}");
    ck_assert_str_eq(cs__json_key_at(root, 0), "k\xc3\xa9\n");
    ck_assert_str_eq(cs__json_string(cs__json_get(root, "k\xc3\xa9\n")),
                     "\" \\ / \b \f \n \r \t A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                     "\xf0\x9d\x84\x9e \xe2\x82\xac \xef\xbf\xbf");
    cs__json_free(root);
}
END_TEST

static double parse_number(const char *text)
{
    cs__json *root = parse_ok(text);
    ck_assert_int_eq(cs__json_type_of(root), CS__JSON_NUMBER);
    double v = cs__json_number(root);
    cs__json_free(root);
    return v;
}

static const char *write_double(cs__buf *b, double v)
{
    cs__json_writer w;
    cs__buf_reset(b);
    cs__jw_init(&w, b);
    cs__jw_double(&w, v);
    ck_assert(cs__jw_finished(&w));
    return cs__buf_str(b);
}

START_TEST(numbers_read_and_write_exactly)
{
    ck_assert(parse_number("0.1") == 0.1);
    ck_assert(parse_number("1e-300") == 1e-300);
    ck_assert(parse_number("1E+2") == 100);
    ck_assert(parse_number("-2.5e-3") == -2.5e-3);
    ck_assert(parse_number("0") == 0 && !signbit(parse_number("0")));
    ck_assert(parse_number("-0") == 0 && signbit(parse_number("-0")));
    ck_assert(parse_number("-0.0e0") == 0 && signbit(parse_number("-0.0e0")));
    ck_assert(parse_number("1.7976931348623157e308") == DBL_MAX);
    ck_assert(parse_number("4.9406564584124654e-324") == 4.9406564584124654e-324);
    ck_assert(parse_number("1e-400") == 0); /* underflow rounds to zero; only overflow fails */
    ck_assert(parse_number("9007199254740992") == 9007199254740992.0);
    ck_assert(parse_number("-9007199254740992") == -9007199254740992.0);
    ck_assert(parse_number(" \t\r\n 12 \n") == 12);

    cs__buf b = CS__BUF_INIT;
    ck_assert_str_eq(write_double(&b, 0.1), "0.1\n");
    ck_assert_str_eq(write_double(&b, -0.0), "-0\n");
    ck_assert_str_eq(write_double(&b, 0.0), "0\n");
    ck_assert_str_eq(write_double(&b, 1e-300), "1e-300\n");
    ck_assert_str_eq(write_double(&b, DBL_MAX), "1.7976931348623157e+308\n");
    ck_assert_str_eq(write_double(&b, 9007199254740992.0), "9007199254740992\n");
    ck_assert_str_eq(write_double(&b, NAN), "null\n");
    ck_assert_str_eq(write_double(&b, INFINITY), "null\n");
    ck_assert_str_eq(write_double(&b, -INFINITY), "null\n");

    cs__json_writer w;
    cs__buf_reset(&b);
    cs__jw_init(&w, &b);
    cs__jw_begin_array(&w);
    cs__jw_int(&w, LLONG_MIN);
    cs__jw_int(&w, LLONG_MAX);
    cs__jw_uint(&w, ULLONG_MAX);
    cs__jw_int(&w, 9007199254740992LL);
    cs__jw_end_array(&w);
    ck_assert_str_eq(cs__buf_str(&b), "[-9223372036854775808, 9223372036854775807, "
                                      "18446744073709551615, 9007199254740992]\n");
    cs__buf_free(&b);
}
END_TEST

START_TEST(random_doubles_round_trip_bit_exactly)
{
    enum { N = 10000 };
    double *v = malloc(N * sizeof *v), *back = malloc(N * sizeof *back);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(back);
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < N; i++) {
        do {
            uint64_t bits = xorshift64(&s);
            if (i % 4 == 3) /* also integers up to 2^53, exactly */
                v[i] = (double)(bits >> 11) * (i % 8 == 3 ? -1 : 1);
            else
                memcpy(&v[i], &bits, sizeof bits);
        } while (!isfinite(v[i]));
    }
    cs__buf b = CS__BUF_INIT;
    cs__json_writer w;
    cs__jw_init(&w, &b);
    cs__jw_doubles(&w, v, N);
    cs_assert_ok(cs__buf_status(&b, "doubles"));
    cs__json *root = parse_ok(cs__buf_str(&b));
    cs_assert_ok(cs__json_numbers(root, back, N, "doubles"));
    for (size_t i = 0; i < N; i++)
        ck_assert_msg(memcmp(&v[i], &back[i], sizeof v[i]) == 0, "%.17g read back as %.17g", v[i],
                      back[i]);
    cs__json_free(root);
    cs__buf_free(&b);
    free(v);
    free(back);
}
END_TEST

/* The decimal-comma locale of the `json_locale` ctest (`test_json LOCALE`); main() has checked
 * that it exists and exited 77, ctest's "Skipped", where it does not. */
static const char *comma_locale;

START_TEST(numbers_ignore_the_host_locale)
{
    ck_assert_ptr_nonnull(setlocale(LC_NUMERIC, comma_locale));
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 1.5);
    ck_assert_str_eq(probe, "1,5");
    cs__json *root = NULL;
    int rc = cs__json_parse(&root, "[0.5, 1.25e2, -3.75, 1e-300]", 28, "t.json");
    cs__buf b = CS__BUF_INIT;
    cs__json_writer w;
    cs__jw_init(&w, &b);
    cs__jw_doubles(&w, (const double[]){ 0.5, -3.75, 1e-300 }, 3);
    char got[64];
    snprintf(got, sizeof got, "%s", cs__buf_str(&b));
    cs__buf_free(&b);
    setlocale(LC_NUMERIC, "C");
    cs_assert_ok(rc);
    ck_assert(cs__json_number(cs__json_at(root, 0)) == 0.5);
    ck_assert(cs__json_number(cs__json_at(root, 1)) == 125);
    ck_assert(cs__json_number(cs__json_at(root, 2)) == -3.75);
    ck_assert(cs__json_number(cs__json_at(root, 3)) == 1e-300);
    cs__json_free(root);
    ck_assert_msg(strcmp(got, "[0.5, -3.75, 1e-300]\n") == 0, "under %s: %s", comma_locale, got);
}
END_TEST

START_TEST(syntax_errors_name_line_column_and_what_was_found)
{
    static const struct {
        const char *text;
        const char *needle;
    } cases[] = {
        { "", "t.json:1:1: expected a value (found end of input)" },
        { "  \n  ", "t.json:2:3: expected a value (found end of input)" },
        { "[1, 2", "t.json:1:6: expected ',' or ']' (found end of input)" },
        { "[1,]", "t.json:1:4: expected a value (found ']')" },
        { "[1 2]", "t.json:1:4: expected ',' or ']' (found '2')" },
        { "{\"a\" 1}", "t.json:1:6: expected ':' (found '1')" },
        { "{\"a\":1,}", "t.json:1:8: expected a member name in double quotes (found '}')" },
        { "{a:1}", "t.json:1:2: expected a member name in double quotes (found 'a')" },
        { "{\"a\":1 \"b\":2}", "t.json:1:8: expected ',' or '}' (found '\"')" },
        { "tru", "t.json:1:4: expected 'true' (found end of input)" },
        { "nul1", "t.json:1:4: expected 'null' (found '1')" },
        { "True", "t.json:1:1: expected a value (found 'T')" },
        { "1 2", "t.json:1:3: expected end of input (found '2')" },
        { "{}}", "t.json:1:3: expected end of input (found '}')" },
        { "[1]\n\n  x", "t.json:3:3: expected end of input (found 'x')" },
        { "[1,\r\n 2 x]", "t.json:2:4: expected ',' or ']' (found 'x')" },
        { "01", "t.json:1:2: expected '.', 'e' or the end of the number after a leading 0 "
                "(found '1': leading zeros are not allowed)" },
        { "-007", "t.json:1:3: expected '.', 'e'" },
        { "1.", "t.json:1:3: expected a digit after the decimal point (found end of input)" },
        { "1.e5", "t.json:1:3: expected a digit after the decimal point (found 'e')" },
        { "1e", "t.json:1:3: expected a digit in the exponent (found end of input)" },
        { "1e+", "t.json:1:4: expected a digit in the exponent (found end of input)" },
        { "-", "t.json:1:2: expected a digit (found end of input)" },
        { "-a", "t.json:1:2: expected a digit (found 'a')" },
        { ".5", "t.json:1:1: expected a value (found '.')" },
        { "+1", "t.json:1:1: expected a value (found '+')" },
        { "0x10", "t.json:1:2: expected end of input (found 'x')" },
        { "NaN", "t.json:1:1: expected a value (found 'N')" },
        { "-Infinity", "t.json:1:2: expected a digit (found 'I')" },
        { "1e400", "t.json:1:1: number out of range of a double (found 1e400)" },
        { "[-1.8e308]", "t.json:1:2: number out of range of a double (found -1.8e308)" },
        { "\"abc", "t.json:1:5: expected '\"' to end the string (found end of input)" },
        { "\"a\tb\"", "t.json:1:3: expected a character or an escape in a string "
                      "(found control character 0x09: write it as \\u0009)" },
        { "\"a\nb\"", "t.json:1:3: expected a character or an escape in a string" },
        { "\"\\x\"", "t.json:1:3: expected an escape (one of \" \\ / b f n r t u) (found 'x')" },
        { "\"\\'\"", "t.json:1:3: expected an escape" },
        { "\"\\", "t.json:1:3: expected an escape (one of \" \\ / b f n r t u) (found end of input)" },
        { "\"\\u12G4\"", "t.json:1:6: expected a hex digit (found 'G')" },
        { "\"\\u12", "t.json:1:6: expected a hex digit (found end of input)" },
        { "\"\\u0000\"", "t.json:1:2: \\u0000 is not allowed in strings" },
        { "\"\\ud800\"", "t.json:1:2: lone surrogate \\uD800 (expected a \\uDC00-\\uDFFF escape" },
        { "\"\\ud800x\"", "t.json:1:2: lone surrogate \\uD800" },
        { "\"\\ud800\\u0041\"", "t.json:1:2: lone surrogate \\uD800 (expected a \\uDC00-\\uDFFF "
                                "escape after it, found \\u0041)" },
        { "\"\\ud800\\ud800\"", "t.json:1:2: lone surrogate \\uD800" },
        { "\"\\ud800\\uZ\"", "t.json:1:10: expected a hex digit (found 'Z')" },
        { "\"x\\udc00\"", "t.json:1:3: lone surrogate \\uDC00 (a low surrogate without a high one" },
        { "\"\xff\"", "t.json:1:2: expected valid UTF-8 in a string (found byte 0xFF)" },
        { "\"\xc3\"", "t.json:1:3: expected valid UTF-8 in a string (found '\"')" },
        { "\"\xc0\xaf\"", "t.json:1:2: expected valid UTF-8 in a string (found byte 0xC0)" },
        { "\"\xe0\x80\xaf\"", "t.json:1:3: expected valid UTF-8 in a string (found byte 0x80)" },
        { "\"\xed\xa0\x80\"", "t.json:1:3: expected valid UTF-8 in a string (found byte 0xA0)" },
        { "\"\xf4\x90\x80\x80\"", "t.json:1:3: expected valid UTF-8 in a string (found byte 0x90)" },
        { "\"\xf0\x9f\x98", "t.json:1:5: expected valid UTF-8 in a string (found end of input)" },
        { "\xef\xbb\xbf{}", "t.json:1:1: expected a value (found byte 0xEF)" },
        { "[\x01]", "t.json:1:2: expected a value (found control character 0x01)" },
        { "{\"a\":1,\"b\":{},\"a\":2}", "t.json:1:15: duplicate member \"a\"" },
        { "{\"a\":{\"x\":1,\n\"x\":2}}", "t.json:2:1: duplicate member \"x\"" },
        { "{\"\\u0061\":1,\"a\":2}", "t.json:1:13: duplicate member \"a\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_parse_fails(cases[i].text, strlen(cases[i].text), CS_ERR_FORMAT, cases[i].needle);

    /* A raw NUL byte, outside and inside a string. */
    assert_parse_fails("[1,\0]", 5, CS_ERR_FORMAT, "t.json:1:4: expected a value (found control character 0x00)");
    assert_parse_fails("\"a\0\"", 4, CS_ERR_FORMAT, "t.json:1:3: expected a character or an escape");

    /* Duplicates in a large object (the sorted check): the first repeat in document order. */
    char big[1024], needle[64];
    size_t n = 0;
    n += (size_t)snprintf(big + n, sizeof big - n, "{");
    for (int k = 0; k < 40; k++)
        n += (size_t)snprintf(big + n, sizeof big - n, "\"k%02d\":%d,", k, k);
    size_t tail = n;
    snprintf(big + tail, sizeof big - tail, "\"k30\":0,\"k07\":0}");
    snprintf(needle, sizeof needle, "t.json:1:%zu: duplicate member \"k30\"", tail + 1);
    assert_parse_fails(big, strlen(big), CS_ERR_FORMAT, needle);
    snprintf(big + tail, sizeof big - tail, "\"k40\":0,\"k07\":0}");
    snprintf(needle, sizeof needle, "t.json:1:%zu: duplicate member \"k07\"", tail + 9);
    assert_parse_fails(big, strlen(big), CS_ERR_FORMAT, needle);
    snprintf(big + tail, sizeof big - tail, "\"k40\":0,\"k41\":0}");
    cs__json *root = parse_ok(big);
    ck_assert_uint_eq(cs__json_len(root), 42);
    ck_assert(cs__json_number(cs__json_get(root, "k39")) == 39);
    cs__json_free(root);
}
END_TEST

START_TEST(nesting_is_limited_to_64_levels)
{
    char text[2 * 65 + 1];
    for (int depth = 63; depth <= 65; depth++) {
        memset(text, '[', (size_t)depth);
        memset(text + depth, ']', (size_t)depth);
        cs__json *root = NULL;
        int rc = parse_exact(&root, text, 2 * (size_t)depth);
        if (depth <= CS__JSON_MAX_DEPTH) {
            cs_assert_ok(rc);
            cs__json_free(root);
        } else {
            ck_assert_int_eq(rc, CS_ERR_FORMAT);
            ck_assert_str_eq(cs_last_error(), "t.json:1:65: nesting deeper than 64 levels");
        }
    }
    /* Objects count too. */
    char objs[65 * 6 + 65 + 1];
    size_t n = 0;
    for (int i = 0; i < 65; i++) {
        memcpy(objs + n, "{\"a\":", 5);
        n += 5;
    }
    objs[n++] = '1';
    memset(objs + n, '}', 65);
    n += 65;
    assert_parse_fails(objs, n, CS_ERR_FORMAT, "t.json:1:321: nesting deeper than 64 levels");
}
END_TEST

START_TEST(bad_arguments_and_oversized_text_are_refused)
{
    cs__json *root = NULL;
    cs_assert_fails(cs__json_parse(NULL, "1", 1, "t.json"), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs__json_parse(&root, NULL, 3, "t.json"), CS_ERR_INVALID_ARGUMENT,
                    "t.json: text is NULL but its length is 3");
    cs_assert_fails(cs__json_parse(&root, NULL, 0, "t.json"), CS_ERR_FORMAT,
                    "t.json:1:1: expected a value (found end of input)");
    /* The length is refused before a byte is read. */
    cs_assert_fails(cs__json_parse(&root, "1", CS__JSON_MAX_TEXT + 1, "big.json"), CS_ERR_OVERFLOW,
                    "big.json: 1073741825 bytes of JSON is more than the 1073741824 bytes allowed");
    ck_assert_ptr_null(root);
    cs_assert_fails(cs__json_parse(&root, "[", 1, NULL), CS_ERR_FORMAT, "JSON:1:2: expected a value");
    cs__json_free(NULL);
}
END_TEST

START_TEST(truncated_and_damaged_documents_fail_cleanly)
{
    cs__buf b = CS__BUF_INIT;
    cs__json_writer w;
    cs__jw_init(&w, &b);
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "s\xc3\xa9");
    cs__jw_string(&w, "a\"\\\n\xf0\x9f\x98\x80 z");
    cs__jw_key(&w, "n");
    cs__jw_doubles(&w, (const double[]){ -0.0, 1e-300, 123456.789, -1.5e300 }, 4);
    cs__jw_key(&w, "o");
    cs__jw_begin_array(&w);
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "t");
    cs__jw_bool(&w, 1);
    cs__jw_key(&w, "f");
    cs__jw_bool(&w, 0);
    cs__jw_key(&w, "z");
    cs__jw_null(&w);
    cs__jw_end_object(&w);
    cs__jw_end_array(&w);
    cs__jw_end_object(&w);
    cs_assert_ok(cs__buf_status(&b, "doc"));
    /* A surrogate pair in escaped form as well. */
    const char *written = cs__buf_str(&b);
    char doc[512];
    ck_assert_uint_lt(b.len + 40, sizeof doc);
    size_t len = (size_t)snprintf(doc, sizeof doc, "[\"\\ud83d\\ude00\\u00e9\", %s]", written);
    cs__buf_free(&b);

    cs__json *root = NULL;
    cs_assert_ok(parse_exact(&root, doc, len));
    cs__json_free(root);
    /* Every proper prefix up to the closing bracket is incomplete. */
    for (size_t k = 0; k < len; k++) {
        root = (cs__json *)&root;
        int rc = parse_exact(&root, doc, k);
        ck_assert_msg(rc == CS_ERR_FORMAT, "prefix of %zu bytes: %s: %s", k, cs_status_str(rc),
                      cs_last_error());
        ck_assert_ptr_null(root);
        ck_assert_msg(strstr(cs_last_error(), "t.json:") == cs_last_error(), "%s", cs_last_error());
    }
    /* Any byte replaced: parsed or refused with CS_ERR_FORMAT, never a crash or a leak. */
    static const char repl[] = { '\0', '"', '\\', '[', '{', ',', ':', '0', 'e', '-', ' ', '\x80' };
    char *copy = malloc(len);
    ck_assert_ptr_nonnull(copy);
    for (size_t k = 0; k < len; k++) {
        for (size_t r = 0; r < sizeof repl; r++) {
            memcpy(copy, doc, len);
            copy[k] = repl[r];
            root = NULL;
            int rc = cs__json_parse(&root, copy, len, "t.json");
            ck_assert_msg(rc == CS_OK || rc == CS_ERR_FORMAT, "byte %zu -> 0x%02x: %s", k,
                          (unsigned char)repl[r], cs_status_str(rc));
            ck_assert((rc == CS_OK) == (root != NULL));
            cs__json_free(root);
        }
    }
    free(copy);
}
END_TEST

START_TEST(accessors_tolerate_the_wrong_kind)
{
    cs__json *root = parse_ok("{\"a\": [1, \"x\", true, null], \"b\": {\"c\": false}}");
    ck_assert_int_eq(cs__json_type_of(NULL), CS__JSON_NULL);
    ck_assert_ptr_null(cs__json_get(root, "zz"));
    ck_assert_ptr_null(cs__json_get(root, NULL));
    ck_assert_ptr_null(cs__json_get(NULL, "a"));
    const cs__json *a = cs__json_get(root, "a");
    ck_assert_ptr_null(cs__json_get(a, "a")); /* not an object */
    ck_assert_uint_eq(cs__json_len(a), 4);
    ck_assert_uint_eq(cs__json_len(root), 2);
    ck_assert_uint_eq(cs__json_len(cs__json_at(a, 0)), 0);
    ck_assert_uint_eq(cs__json_len(NULL), 0);
    ck_assert_ptr_null(cs__json_at(a, 4));
    ck_assert_ptr_null(cs__json_at(cs__json_at(a, 1), 0));
    ck_assert_ptr_null(cs__json_key_at(a, 0));
    ck_assert_ptr_null(cs__json_key_at(root, 2));
    ck_assert_str_eq(cs__json_key_at(root, 1), "b");
    ck_assert_ptr_eq(cs__json_at(root, 1), cs__json_get(root, "b"));
    ck_assert(isnan(cs__json_number(cs__json_at(a, 1))));
    ck_assert(isnan(cs__json_number(NULL)));
    ck_assert_ptr_null(cs__json_string(cs__json_at(a, 0)));
    ck_assert_int_eq(cs__json_bool(cs__json_at(a, 2)), 1);
    ck_assert_int_eq(cs__json_bool(cs__json_get(cs__json_get(root, "b"), "c")), 0);
    ck_assert_int_eq(cs__json_bool(cs__json_at(a, 3)), -1);
    ck_assert_int_eq(cs__json_bool(NULL), -1);
    ck_assert_str_eq(cs__json_type_name(CS__JSON_OBJECT), "an object");
    cs__json_free(root);
}
END_TEST

START_TEST(typed_lookups_explain_what_is_wrong)
{
    cs__json *root = parse_ok("{\"acc\": 0.75, \"name\": \"x\", \"half\": 3.5, \"k\": 10, \"nan\": null,"
                              " \"big\": 1e300, \"min\": -9223372036854775808,"
                              " \"max\": 9223372036854775807, \"arr\": [1, null, 2], \"obj\": {},"
                              " \"bad\": [1, \"2\"]}");
    double d = -1;
    long long i = -1;
    const char *s = NULL;
    const cs__json *v = NULL;
    cs_assert_ok(cs__json_get_number(root, "acc", &d, "cell.json"));
    ck_assert(d == 0.75);
    cs_assert_ok(cs__json_get_number(root, "nan", &d, "cell.json"));
    ck_assert(isnan(d));
    cs_assert_fails(cs__json_get_number(root, "loss", &d, "cell.json"), CS_ERR_FORMAT,
                    "cell.json: member \"loss\" is missing");
    cs_assert_fails(cs__json_get_number(root, "name", &d, "cell.json"), CS_ERR_FORMAT,
                    "cell.json: member \"name\" must be a number (got a string)");
    cs_assert_fails(cs__json_get_number(cs__json_get(root, "arr"), "x", &d, "cell.json"),
                    CS_ERR_FORMAT, "cell.json: expected an object holding member \"x\" (got an array)");
    cs_assert_fails(cs__json_get_number(root, NULL, &d, "cell.json"), CS_ERR_INVALID_ARGUMENT,
                    "member name is NULL");

    cs_assert_ok(cs__json_get_int(root, "k", 0, 10, &i, "cell.json"));
    ck_assert_int_eq(i, 10);
    cs_assert_fails(cs__json_get_int(root, "half", 0, 10, &i, "cell.json"), CS_ERR_FORMAT,
                    "cell.json: member \"half\" must be an integer in [0, 10] (got 3.5)");
    cs_assert_fails(cs__json_get_int(root, "k", 0, 9, &i, "cell.json"), CS_ERR_FORMAT,
                    "must be an integer in [0, 9] (got 10)");
    cs_assert_fails(cs__json_get_int(root, "acc", 0, 9, &i, "cell.json"), CS_ERR_FORMAT,
                    "(got 0.75)");
    cs_assert_fails(cs__json_get_int(root, "big", LLONG_MIN, LLONG_MAX, &i, "cell.json"),
                    CS_ERR_FORMAT, "(got 1e+300)");
    cs_assert_fails(cs__json_get_int(root, "name", 0, 9, &i, "cell.json"), CS_ERR_FORMAT,
                    "member \"name\" must be an integer in [0, 9] (got a string)");
    cs_assert_fails(cs__json_get_int(root, "nan", 0, 9, &i, "cell.json"), CS_ERR_FORMAT, "(got null)");
    cs_assert_ok(cs__json_get_int(root, "min", LLONG_MIN, LLONG_MAX, &i, "cell.json"));
    ck_assert(i == LLONG_MIN);
    /* 2^63 - 1 is not a double: it reads as 2^63, beyond long long. */
    cs_assert_fails(cs__json_get_int(root, "max", LLONG_MIN, LLONG_MAX, &i, "cell.json"),
                    CS_ERR_FORMAT, "(got 9.223372036854776e+18)");
    ck_assert(i == LLONG_MIN); /* untouched */

    cs_assert_ok(cs__json_get_string(root, "name", &s, "cell.json"));
    ck_assert_str_eq(s, "x");
    cs_assert_fails(cs__json_get_string(root, "k", &s, "cell.json"), CS_ERR_FORMAT,
                    "member \"k\" must be a string (got a number)");
    cs_assert_ok(cs__json_get_array(root, "arr", &v, "cell.json"));
    ck_assert_uint_eq(cs__json_len(v), 3);
    cs_assert_fails(cs__json_get_array(root, "obj", &v, "cell.json"), CS_ERR_FORMAT,
                    "member \"obj\" must be an array (got an object)");
    cs_assert_ok(cs__json_get_object(root, "obj", &v, "cell.json"));
    ck_assert_int_eq(cs__json_type_of(v), CS__JSON_OBJECT);
    cs_assert_fails(cs__json_get_object(root, "arr", &v, "cell.json"), CS_ERR_FORMAT,
                    "member \"arr\" must be an object (got an array)");
    cs_assert_fails(cs__json_get_object(NULL, "arr", &v, NULL), CS_ERR_FORMAT,
                    "JSON: expected an object holding member \"arr\" (got null)");

    double out[3] = { 0, 0, 0 };
    cs_assert_ok(cs__json_numbers(cs__json_get(root, "arr"), out, 3, "arr"));
    ck_assert(out[0] == 1 && isnan(out[1]) && out[2] == 2);
    cs_assert_fails(cs__json_numbers(cs__json_get(root, "arr"), out, 2, "cell.json: arr"),
                    CS_ERR_FORMAT, "cell.json: arr: expected an array of 2 numbers (got 3 elements)");
    cs_assert_fails(cs__json_numbers(cs__json_get(root, "bad"), out, 2, "bad"), CS_ERR_FORMAT,
                    "bad: element 1 must be a number (got a string)");
    cs_assert_fails(cs__json_numbers(cs__json_get(root, "obj"), out, 2, "obj"), CS_ERR_FORMAT,
                    "obj: expected an array of 2 numbers (got an object)");
    cs_assert_fails(cs__json_numbers(cs__json_get(root, "arr"), NULL, 3, "arr"),
                    CS_ERR_INVALID_ARGUMENT, "arr: output for 3 numbers is NULL");
    cs__json_free(root);
}
END_TEST

typedef void (*misuse_fn)(cs__json_writer *w);

static void key_at_top(cs__json_writer *w) { cs__jw_key(w, "a"); }
static void key_in_array(cs__json_writer *w) { cs__jw_begin_array(w); cs__jw_key(w, "a"); }
static void value_without_key(cs__json_writer *w) { cs__jw_begin_object(w); cs__jw_int(w, 1); }
static void two_keys(cs__json_writer *w) { cs__jw_begin_object(w); cs__jw_key(w, "a"); cs__jw_key(w, "b"); }
static void null_key(cs__json_writer *w) { cs__jw_begin_object(w); cs__jw_key(w, NULL); }
static void end_object_of_array(cs__json_writer *w) { cs__jw_begin_array(w); cs__jw_end_object(w); }
static void end_array_of_object(cs__json_writer *w) { cs__jw_begin_object(w); cs__jw_end_array(w); }
static void end_at_top(cs__json_writer *w) { cs__jw_end_array(w); }
static void end_with_key_pending(cs__json_writer *w) { cs__jw_begin_object(w); cs__jw_key(w, "a"); cs__jw_end_object(w); }
static void second_value(cs__json_writer *w) { cs__jw_int(w, 1); cs__jw_int(w, 2); }
static void extra_end(cs__json_writer *w) { cs__jw_begin_array(w); cs__jw_end_array(w); cs__jw_end_array(w); }
static void null_doubles(cs__json_writer *w) { cs__jw_doubles(w, NULL, 2); }
static void too_deep(cs__json_writer *w)
{
    for (int i = 0; i <= CS__JSON_WRITER_MAX_DEPTH; i++)
        cs__jw_begin_array(w);
}

START_TEST(writer_misuse_marks_the_buffer_failed)
{
    static const misuse_fn cases[] = { key_at_top, key_in_array, value_without_key, two_keys,
                                       null_key, end_object_of_array, end_array_of_object,
                                       end_at_top, end_with_key_pending, second_value, extra_end,
                                       null_doubles, too_deep };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cs__buf b = CS__BUF_INIT;
        cs__json_writer w;
        cs__jw_init(&w, &b);
        cases[i](&w);
        ck_assert_msg(b.failed == 1, "misuse case %zu was not detected", i);
        ck_assert_int_eq(cs__buf_status(&b, "misuse.json"), CS_ERR_OUT_OF_MEMORY);
        ck_assert(!cs__jw_finished(&w));
        /* Everything after is a no-op that does not crash. */
        size_t len = b.len;
        cs__jw_end_object(&w);
        cs__jw_end_array(&w);
        cs__jw_key(&w, "x");
        cs__jw_string(&w, "x");
        cs__jw_doubles(&w, (const double[]){ 1 }, 1);
        ck_assert_uint_eq(b.len, len);
        cs__buf_free(&b);
    }
    /* An unfinished document is not failed, just not finished. */
    cs__buf b = CS__BUF_INIT;
    cs__json_writer w;
    cs__jw_init(&w, &b);
    cs__jw_begin_object(&w);
    ck_assert_int_eq(b.failed, 0);
    ck_assert(!cs__jw_finished(&w));
    cs__buf_free(&b);
    /* NULL writers and buffers are ignored. */
    cs__jw_init(NULL, &b);
    cs__jw_int(NULL, 1);
    cs__jw_init(&w, NULL);
    cs__jw_begin_array(&w);
    cs__jw_key(&w, "a");
    ck_assert(!cs__jw_finished(&w));
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1) {
        /* `test_json LOCALE`: only the case that needs a decimal-comma locale. */
        comma_locale = argv[1];
        if (!cs_test_comma_locale(comma_locale))
            return CS_TEST_SKIPPED;
        Suite *s = suite_create("json_locale");
        TCase *tc = tcase_create("json_locale");
        tcase_add_test(tc, numbers_ignore_the_host_locale);
        suite_add_tcase(s, tc);
        return cs_test_run(s);
    }
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, writer_layout_is_pinned);
    tcase_add_test(tc, writer_output_reads_back);
    tcase_add_test(tc, strings_are_escaped_and_decoded);
    tcase_add_test(tc, numbers_read_and_write_exactly);
    tcase_add_test(tc, random_doubles_round_trip_bit_exactly);
    tcase_add_test(tc, syntax_errors_name_line_column_and_what_was_found);
    tcase_add_test(tc, nesting_is_limited_to_64_levels);
    tcase_add_test(tc, bad_arguments_and_oversized_text_are_refused);
    tcase_add_test(tc, truncated_and_damaged_documents_fail_cleanly);
    tcase_add_test(tc, accessors_tolerate_the_wrong_kind);
    tcase_add_test(tc, typed_lookups_explain_what_is_wrong);
    tcase_add_test(tc, writer_misuse_marks_the_buffer_failed);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
