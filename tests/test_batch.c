/* Float batches: normalisation, seeded augmentation and their determinism. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "fixtures.h"

enum { N = 64, C = 3, H = 6, W = 5 };

static cs_dataset *make(void)
{
    static uint8_t px[N * C * H * W];
    static int32_t lab[N];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = cs_test_byte(3, i);
    for (int i = 0; i < N; i++)
        lab[i] = i % 4;
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_from_memory(&ds, px, lab, N, C, H, W, 4));
    return ds;
}

static const float mean[C] = { 0.25f, 0.5f, 0.125f }, sd[C] = { 0.5f, 0.25f, 0.3f };

static float norm(int ch, uint8_t v)
{
    return ((float)v / 255.0f - mean[ch]) / sd[ch];
}

START_TEST(plain_batch_is_bytes_over_255)
{
    cs_dataset *ds = make();
    float out[2 * C * H * W];
    size_t idx[2] = { 5, 0 };
    cs_assert_ok(cs_dataset_batch(out, ds, idx, 2, NULL));
    for (size_t q = 0; q < C * H * W; q++) {
        ck_assert_float_eq(out[q], (float)cs_dataset_image(ds, 5)[q] / 255.0f);
        ck_assert_float_eq(out[C * H * W + q], (float)cs_dataset_image(ds, 0)[q] / 255.0f);
    }
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(normalisation_matches_torchvision_float32)
{
    cs_dataset *ds = make();
    float *out = malloc(sizeof(float) * N * C * H * W);
    cs_batch_options o = CS_BATCH_OPTIONS_INIT;
    o.mean = mean;
    o.std = sd;
    cs_assert_ok(cs_dataset_batch(out, ds, NULL, N, &o));
    for (size_t i = 0; i < N; i++)
        for (int ch = 0; ch < C; ch++)
            for (int q = 0; q < H * W; q++)
                ck_assert_float_eq(out[(i * C + (size_t)ch) * H * W + (size_t)q],
                                   norm(ch, cs_dataset_image(ds, i)[ch * H * W + q]));
    free(out);
    cs_dataset_destroy(ds);
}
END_TEST

/* Which (dy, dx, flip) with padding p reproduces `got` from image i; -1 if none does. */
static int find_transform(const cs_dataset *ds, size_t i, const float *got, int p, int *dy, int *dx, int *flip)
{
    const uint8_t *src = cs_dataset_image(ds, i);
    for (int f = 0; f < 2; f++)
        for (int y0 = 0; y0 <= 2 * p; y0++)
            for (int x0 = 0; x0 <= 2 * p; x0++) {
                int match = 1;
                for (int ch = 0; ch < C && match; ch++)
                    for (int y = 0; y < H && match; y++)
                        for (int x = 0; x < W && match; x++) {
                            int sy = y + y0 - p, sx = (f ? W - 1 - x : x) + x0 - p;
                            uint8_t v = sy >= 0 && sy < H && sx >= 0 && sx < W ? src[(ch * H + sy) * W + sx] : 0;
                            match = got[(ch * H + y) * W + x] == norm(ch, v);
                        }
                if (match) {
                    *dy = y0;
                    *dx = x0;
                    *flip = f;
                    return 0;
                }
            }
    return -1;
}

START_TEST(augmentation_is_a_padded_crop_and_flip)
{
    cs_dataset *ds = make();
    enum { P = 2 };
    float *out = malloc(sizeof(float) * N * C * H * W);
    cs_batch_options o = CS_BATCH_OPTIONS_INIT;
    o.mean = mean;
    o.std = sd;
    o.crop_padding = P;
    o.horizontal_flip = 1;
    o.seed = 99;
    int seen_offset[2 * P + 1] = { 0 }, flips = 0;
    for (int round = 0; round < 8; round++) {
        o.counter = (uint64_t)round * N;
        cs_assert_ok(cs_dataset_batch(out, ds, NULL, N, &o));
        for (size_t i = 0; i < N; i++) {
            int dy, dx, f;
            ck_assert_msg(find_transform(ds, i, out + i * C * H * W, P, &dy, &dx, &f) == 0,
                          "image %zu of round %d is no crop/flip of its source", i, round);
            seen_offset[dy]++;
            seen_offset[dx]++;
            flips += f;
        }
    }
    /* 512 draws of a fair coin: 256 +- 4.5 sigma. */
    ck_assert_int_gt(flips, 256 - 51);
    ck_assert_int_lt(flips, 256 + 51);
    for (int d = 0; d <= 2 * P; d++)
        ck_assert_msg(seen_offset[d] > 120, "offset %d drawn only %d of 1024 times", d, seen_offset[d]);
    free(out);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(padding_becomes_minus_mean_over_std)
{
    cs_dataset *ds = make();
    /* A padding larger than the image forces some fully padded windows. */
    cs_batch_options o = CS_BATCH_OPTIONS_INIT;
    o.mean = mean;
    o.std = sd;
    o.crop_padding = 12;
    o.seed = 5;
    float *out = malloc(sizeof(float) * N * C * H * W);
    cs_assert_ok(cs_dataset_batch(out, ds, NULL, N, &o));
    int padded = 0;
    for (size_t q = 0; q < (size_t)N * C * H * W; q++) {
        int ch = (int)(q / (H * W)) % C;
        padded += out[q] == -mean[ch] / sd[ch];
    }
    ck_assert_int_gt(padded, N * C * H * W / 2);
    free(out);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(augmentation_is_deterministic_and_split_invariant)
{
    cs_dataset *ds = make();
    size_t idx[N];
    for (int i = 0; i < N; i++)
        idx[i] = (size_t)(N - 1 - i) / 2;
    cs_batch_options o = CS_BATCH_OPTIONS_INIT;
    o.crop_padding = 3;
    o.horizontal_flip = 1;
    o.seed = 0xC0FFEE;
    o.counter = 1000;
    size_t image = C * H * W;
    float *a = malloc(sizeof(float) * N * image), *b = malloc(sizeof(float) * N * image);
    cs_assert_ok(cs_dataset_batch(a, ds, idx, N, &o));
    cs_assert_ok(cs_dataset_batch(b, ds, idx, N, &o));
    ck_assert(memcmp(a, b, sizeof(float) * N * image) == 0);
    /* Split at 17: the second call continues the counter. */
    cs_assert_ok(cs_dataset_batch(b, ds, idx, 17, &o));
    o.counter += 17;
    cs_assert_ok(cs_dataset_batch(b + 17 * image, ds, idx + 17, N - 17, &o));
    ck_assert(memcmp(a, b, sizeof(float) * N * image) == 0);
    /* Another seed gives another batch. */
    o.counter = 1000;
    o.seed++;
    cs_assert_ok(cs_dataset_batch(b, ds, idx, N, &o));
    ck_assert(memcmp(a, b, sizeof(float) * N * image) != 0);
    free(a);
    free(b);
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(batch_rejects_bad_input)
{
    cs_dataset *ds = make();
    float out[2 * C * H * W];
    size_t idx[2] = { 0, 64 };
    cs_batch_options o = CS_BATCH_OPTIONS_INIT;
    cs_assert_fails(cs_dataset_batch(out, NULL, NULL, 1, NULL), CS_ERR_INVALID_ARGUMENT, "ds");
    cs_assert_fails(cs_dataset_batch(NULL, ds, NULL, 1, NULL), CS_ERR_INVALID_ARGUMENT, "out");
    cs_assert_fails(cs_dataset_batch(out, ds, NULL, 0, NULL), CS_ERR_INVALID_ARGUMENT, "n is 0");
    cs_assert_fails(cs_dataset_batch(out, ds, NULL, 65, NULL), CS_ERR_OUT_OF_RANGE, "64 records");
    cs_assert_fails(cs_dataset_batch(out, ds, idx, 2, NULL), CS_ERR_OUT_OF_RANGE, "indices[1] is 64");
    float bad_std[C] = { 1, 0, 1 }, nan_mean[C] = { 0, 0, NAN };
    o.std = bad_std;
    cs_assert_fails(cs_dataset_batch(out, ds, NULL, 1, &o), CS_ERR_INVALID_ARGUMENT, "std[1]");
    bad_std[1] = INFINITY;
    cs_assert_fails(cs_dataset_batch(out, ds, NULL, 1, &o), CS_ERR_INVALID_ARGUMENT, "std[1]");
    o.std = NULL;
    o.mean = nan_mean;
    cs_assert_fails(cs_dataset_batch(out, ds, NULL, 1, &o), CS_ERR_INVALID_ARGUMENT, "mean[2]");
    o.mean = NULL;
    o.crop_padding = -1;
    cs_assert_fails(cs_dataset_batch(out, ds, NULL, 1, &o), CS_ERR_INVALID_ARGUMENT, "crop_padding is -1");
    o.crop_padding = 25;
    cs_assert_fails(cs_dataset_batch(out, ds, NULL, 1, &o), CS_ERR_INVALID_ARGUMENT, "crop_padding is 25");
    o.crop_padding = 0;
    o.struct_size = 8;
    cs_assert_fails(cs_dataset_batch(out, ds, NULL, 1, &o), CS_ERR_INVALID_ARGUMENT, "struct_size is 8");
    o.struct_size = sizeof o + 8;
    cs_assert_fails(cs_dataset_batch(out, ds, NULL, 1, &o), CS_ERR_UNSUPPORTED, "newer headers");
    cs_dataset_destroy(ds);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("batch");
    tcase_add_test(tc, plain_batch_is_bytes_over_255);
    tcase_add_test(tc, normalisation_matches_torchvision_float32);
    tcase_add_test(tc, augmentation_is_a_padded_crop_and_flip);
    tcase_add_test(tc, padding_becomes_minus_mean_over_std);
    tcase_add_test(tc, augmentation_is_deterministic_and_split_invariant);
    tcase_add_test(tc, batch_rejects_bad_input);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
