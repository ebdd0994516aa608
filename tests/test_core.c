/* Core: status codes, the thread-local last error, version, the Philox generator and the
 * checked-size and options helpers, the thread team. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"
#include "core/team.h"
#include "fixtures.h"

START_TEST(status_codes_are_pinned_and_named)
{
    /* Values are part of the ABI: they must never change. */
    ck_assert_int_eq(CS_OK, 0);
    ck_assert_int_eq(CS_ERR_INVALID_ARGUMENT, -1);
    ck_assert_int_eq(CS_ERR_OUT_OF_MEMORY, -2);
    ck_assert_int_eq(CS_ERR_IO, -3);
    ck_assert_int_eq(CS_ERR_NOT_FOUND, -4);
    ck_assert_int_eq(CS_ERR_FORMAT, -5);
    ck_assert_int_eq(CS_ERR_TRUNCATED, -6);
    ck_assert_int_eq(CS_ERR_CORRUPT, -7);
    ck_assert_int_eq(CS_ERR_SIZE_MISMATCH, -8);
    ck_assert_int_eq(CS_ERR_OUT_OF_RANGE, -9);
    ck_assert_int_eq(CS_ERR_OVERFLOW, -10);
    ck_assert_int_eq(CS_ERR_UNSUPPORTED, -11);
    ck_assert_int_eq(CS_ERR_DIVERGED, -12);
    ck_assert_int_eq(CS_ERR_CANCELLED, -13);
    ck_assert_int_eq(CS_ERR_STATE, -14);
    ck_assert_str_eq(cs_status_str(CS_OK), "CS_OK");
    ck_assert_str_eq(cs_status_str(CS_ERR_TRUNCATED), "CS_ERR_TRUNCATED");
    ck_assert_str_eq(cs_status_str(CS_ERR_STATE), "CS_ERR_STATE");
    ck_assert_str_eq(cs_status_str(1), "CS_ERR_UNKNOWN");
    ck_assert_str_eq(cs_status_str(-15), "CS_ERR_UNKNOWN");
    for (int s = CS_ERR_STATE; s <= CS_OK; s++)
        ck_assert_str_ne(cs_status_str(s), "CS_ERR_UNKNOWN");
}
END_TEST

START_TEST(last_error_is_never_null_and_clears)
{
    cs_error_clear();
    ck_assert_ptr_nonnull(cs_last_error());
    ck_assert_str_eq(cs_last_error(), "no error");
    ck_assert_int_eq(cs_last_error_status(), CS_OK);
    ck_assert_int_eq(cs__error(CS_ERR_FORMAT, "file %s at %d", "x.idx", 12), CS_ERR_FORMAT);
    ck_assert_str_eq(cs_last_error(), "file x.idx at 12");
    ck_assert_int_eq(cs_last_error_status(), CS_ERR_FORMAT);
    cs_error_clear();
    ck_assert_str_eq(cs_last_error(), "no error");
}
END_TEST

START_TEST(long_error_messages_are_cut_with_an_ellipsis)
{
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cs__error(CS_ERR_IO, "%s", big);
    size_t len = strlen(cs_last_error());
    ck_assert_uint_lt(len, sizeof big);
    ck_assert_str_eq(cs_last_error() + len - 3, "...");
}
END_TEST

static void *fail_in_thread(void *arg)
{
    (void)arg;
    cs_dataset *ds = NULL;
    int rc = cs_dataset_from_memory(&ds, NULL, NULL, 1, 1, 1, 1, 2);
    return (void *)(intptr_t)(rc == CS_ERR_INVALID_ARGUMENT && strstr(cs_last_error(), "pixels"));
}

START_TEST(last_error_is_per_thread)
{
    cs__error(CS_ERR_NOT_FOUND, "main thread message");
    pthread_t th;
    void *ok = NULL;
    ck_assert_int_eq(pthread_create(&th, NULL, fail_in_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(th, &ok), 0);
    ck_assert_msg(ok != NULL, "the other thread did not see its own error");
    ck_assert_str_eq(cs_last_error(), "main thread message");
    ck_assert_int_eq(cs_last_error_status(), CS_ERR_NOT_FOUND);
}
END_TEST

START_TEST(runtime_version_matches_the_header)
{
    ck_assert_str_eq(cs_version_string(), CS_VERSION_STRING);
    ck_assert_int_eq(cs_version_number(), CS_VERSION_NUMBER);
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", CS_VERSION_MAJOR, CS_VERSION_MINOR, CS_VERSION_PATCH);
    ck_assert_str_eq(cs_version_string(), expect);
}
END_TEST

START_TEST(philox_matches_random123_known_answers)
{
    /* The three "philox4x32 10" lines of Random123's kat_vectors. */
    static const uint32_t ctr[3][4] = {
        { 0, 0, 0, 0 },
        { 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu },
        { 0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u },
    };
    static const uint32_t key[3][2] = { { 0, 0 }, { 0xffffffffu, 0xffffffffu }, { 0xa4093822u, 0x299f31d0u } };
    static const uint32_t want[3][4] = {
        { 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u },
        { 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu },
        { 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u },
    };
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        cs__philox4x32_10(out, ctr[v], key[v]);
        for (int i = 0; i < 4; i++)
            ck_assert_msg(out[i] == want[v][i], "vector %d word %d: %08x != %08x", v, i, out[i], want[v][i]);
    }
}
END_TEST

START_TEST(rng_streams_are_reproducible_and_distinct)
{
    cs__rng a, b, c;
    cs__rng_init(&a, 42, 7);
    cs__rng_init(&b, 42, 7);
    cs__rng_init(&c, 42, 8);
    int same_as_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = cs__rng_u32(&a);
        ck_assert_uint_eq(x, cs__rng_u32(&b));
        same_as_c += x == cs__rng_u32(&c);
    }
    ck_assert_int_lt(same_as_c, 3);
    ck_assert_uint_ne(cs__seed_derive(1, 2), cs__seed_derive(1, 3));
    ck_assert_uint_ne(cs__seed_derive(1, 2), cs__seed_derive(2, 1));
    ck_assert_uint_eq(cs__seed_derive(5, 9), cs__seed_derive(5, 9));
}
END_TEST

START_TEST(rng_below_is_in_range_and_uniform)
{
    /* Chi-square goodness of fit over 10 cells, 100,000 draws: the 0.999 quantile of
     * chi2(9) is 27.88, so a correct generator fails this with probability 1e-3 -- and since
     * the seed is fixed the outcome is the same on every run. */
    enum { CELLS = 10, DRAWS = 100000 };
    size_t counts[CELLS] = { 0 };
    cs__rng r;
    cs__rng_init(&r, 2024, 0);
    for (int i = 0; i < DRAWS; i++) {
        uint64_t x = cs__rng_below(&r, CELLS);
        ck_assert_uint_lt(x, CELLS);
        counts[x]++;
    }
    double chi2 = 0, expect = (double)DRAWS / CELLS;
    for (int k = 0; k < CELLS; k++)
        chi2 += ((double)counts[k] - expect) * ((double)counts[k] - expect) / expect;
    ck_assert_double_lt(chi2, 27.88);
    ck_assert_uint_eq(cs__rng_below(&r, 1), 0);
    uint64_t big = (1ull << 40) + 3;
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_lt(cs__rng_below(&r, big), big);
    for (int i = 0; i < 1000; i++) {
        double u = cs__rng_uniform(&r);
        ck_assert(u >= 0.0 && u < 1.0);
    }
}
END_TEST

START_TEST(size_arithmetic_detects_overflow)
{
    size_t out = 7;
    ck_assert(cs__mul_size(&out, 1u << 20, 1u << 10));
    ck_assert_uint_eq(out, (size_t)1 << 30);
    ck_assert(!cs__mul_size(&out, SIZE_MAX / 2 + 1, 2));
    ck_assert(cs__mul_size(&out, 0, SIZE_MAX));
    ck_assert(!cs__add_size(&out, SIZE_MAX, 1));
    ck_assert(cs__add_size(&out, SIZE_MAX - 1, 1));
    ck_assert_uint_eq(out, SIZE_MAX);
}
END_TEST

START_TEST(aligned_blocks_are_aligned)
{
    for (size_t n = 1; n < 300; n += 37) {
        void *p = cs__aligned_alloc(n);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % CS__ALIGNMENT, 0);
        memset(p, 1, n);
        cs__aligned_free(p);
    }
    ck_assert_ptr_null(cs__aligned_alloc(0));
    ck_assert_ptr_null(cs__aligned_alloc(SIZE_MAX));
}
END_TEST

typedef struct opts_v2 {
    size_t struct_size;
    int a;
    int b; /* added "later" */
} opts_v2;

START_TEST(options_copy_accepts_older_structs_and_refuses_newer)
{
    opts_v2 dst = { sizeof dst, 1, 2 };
    struct { size_t struct_size; int a; } old = { offsetof(opts_v2, b), 10 };
    cs_assert_ok(cs__options_copy(&dst, sizeof dst, &old, offsetof(opts_v2, a) + sizeof(int), "opts"));
    ck_assert_int_eq(dst.a, 10);
    ck_assert_int_eq(dst.b, 2); /* default kept */
    size_t tiny = 4;
    cs_assert_fails(cs__options_copy(&dst, sizeof dst, &tiny, 16, "opts"), CS_ERR_INVALID_ARGUMENT,
                    "struct_size is 4");
    struct { size_t struct_size; char pad[64]; } newer = { sizeof newer, { 0 } };
    cs_assert_fails(cs__options_copy(&dst, sizeof dst, &newer, 8, "opts"), CS_ERR_UNSUPPORTED,
                    "newer headers");
}
END_TEST

START_TEST(team_shares_cover_the_range_in_order)
{
    for (long long count = 0; count <= 40; count++) {
        for (int n = 1; n <= 9; n++) {
            long long next = 0;
            for (int t = 0; t < n; t++) {
                long long lo, hi;
                cs__team_share(count, t, n, &lo, &hi);
                ck_assert_int_eq(lo, next);
                ck_assert(hi - lo == count / n || hi - lo == count / n + 1);
                ck_assert_int_eq(hi - lo > count / n, t < count % n);
                next = hi;
            }
            ck_assert_int_eq(next, count);
        }
    }
}
END_TEST

enum { ROUNDS = 200, MAX_MEMBERS = 5 };
typedef struct team_probe {
    cs__team *team;
    int value[MAX_MEMBERS];
    int bad;               /* a member saw another's value of the wrong round */
    pthread_t who[MAX_MEMBERS];
} team_probe;

/* Every round each member writes its slot, waits, reads every slot, waits again: a barrier
 * that let a member through early would show a stale value. */
static void probe_member(void *arg, int t, int n)
{
    team_probe *p = arg;
    p->who[t] = pthread_self();
    for (int r = 1; r <= ROUNDS; r++) {
        p->value[t] = r * 10 + t;
        cs__team_barrier(p->team);
        for (int u = 0; u < n; u++)
            if (p->value[u] != r * 10 + u)
                __atomic_fetch_add(&p->bad, 1, __ATOMIC_RELAXED);
        cs__team_barrier(p->team);
    }
}

START_TEST(team_runs_every_member_with_working_barriers)
{
    for (int members = 1; members <= MAX_MEMBERS; members++) {
        team_probe p = { 0 };
        cs_assert_ok(cs__team_create(&p.team, members));
        ck_assert_int_eq(cs__team_size(p.team), members);
        for (int run = 0; run < 3; run++) {
            cs__team_run(p.team, probe_member, &p);
            ck_assert_int_eq(p.bad, 0);
            ck_assert(pthread_equal(p.who[0], pthread_self()));
            for (int t = 1; t < members; t++)
                ck_assert(!pthread_equal(p.who[t], pthread_self()));
        }
        cs__team_destroy(p.team);
    }
    cs__team *team = NULL;
    cs_assert_fails(cs__team_create(&team, 0), CS_ERR_INVALID_ARGUMENT, "0 members");
    ck_assert_ptr_null(team);
    cs__team_destroy(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, status_codes_are_pinned_and_named);
    tcase_add_test(tc, last_error_is_never_null_and_clears);
    tcase_add_test(tc, long_error_messages_are_cut_with_an_ellipsis);
    tcase_add_test(tc, last_error_is_per_thread);
    tcase_add_test(tc, runtime_version_matches_the_header);
    tcase_add_test(tc, philox_matches_random123_known_answers);
    tcase_add_test(tc, rng_streams_are_reproducible_and_distinct);
    tcase_add_test(tc, rng_below_is_in_range_and_uniform);
    tcase_add_test(tc, size_arithmetic_detects_overflow);
    tcase_add_test(tc, aligned_blocks_are_aligned);
    tcase_add_test(tc, options_copy_accepts_older_structs_and_refuses_newer);
    tcase_add_test(tc, team_shares_cover_the_range_in_order);
    tcase_add_test(tc, team_runs_every_member_with_working_barriers);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
