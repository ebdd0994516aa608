/* The report's PNG writer: every image is decoded here with a reader written from the PNG
 * specification (chunk CRCs checked with zlib's crc32, IDAT inflated with zlib, the five row
 * filters undone) and compared byte for byte with the pixels it was made from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fixtures.h"
#include "report/png.h"

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth_pred(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Decode a PNG written by cs__png_encode into a malloc'd planar (C, H, W) image; asserts every
 * structural property on the way. filters_used[f] counts the rows that used filter f. */
static uint8_t *decode(const uint8_t *png, size_t n, int *channels, int *h, int *w,
                       int filters_used[5])
{
    static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    ck_assert_uint_ge(n, 8);
    ck_assert(memcmp(png, signature, 8) == 0);
    size_t at = 8, idat_n = 0;
    uint8_t *idat = NULL;
    int seen_ihdr = 0, seen_iend = 0, depth = 0, colour = -1;
    while (at < n) {
        ck_assert_uint_ge(n - at, 12);
        uint32_t len = get_u32(png + at);
        ck_assert_uint_ge(n - at - 12, len);
        const uint8_t *type = png + at + 4, *data = png + at + 8;
        uLong crc = crc32(crc32(0L, Z_NULL, 0), type, 4 + len);
        ck_assert_uint_eq(crc, get_u32(data + len));
        ck_assert(!seen_iend);
        if (memcmp(type, "IHDR", 4) == 0) {
            ck_assert(!seen_ihdr && at == 8 && len == 13);
            seen_ihdr = 1;
            *w = (int)get_u32(data);
            *h = (int)get_u32(data + 4);
            depth = data[8];
            colour = data[9];
            ck_assert_int_eq(data[10], 0);
            ck_assert_int_eq(data[11], 0);
            ck_assert_int_eq(data[12], 0);
        } else if (memcmp(type, "IDAT", 4) == 0) {
            ck_assert(seen_ihdr);
            idat = realloc(idat, idat_n + len + 1);
            ck_assert_ptr_nonnull(idat);
            memcpy(idat + idat_n, data, len);
            idat_n += len;
        } else if (memcmp(type, "IEND", 4) == 0) {
            ck_assert_uint_eq(len, 0);
            seen_iend = 1;
        } else {
            ck_abort_msg("unexpected chunk %.4s", (const char *)type);
        }
        at += 12 + len;
    }
    ck_assert(seen_ihdr && seen_iend && idat_n > 0);
    ck_assert_int_eq(depth, 8);
    ck_assert(colour == 0 || colour == 2);
    *channels = colour == 0 ? 1 : 3;
    const size_t bpp = (size_t)*channels, len = bpp * (size_t)*w, rows = (size_t)*h;
    uLongf raw_n = (uLongf)(rows * (len + 1));
    uint8_t *raw = malloc(raw_n + 1);
    ck_assert_ptr_nonnull(raw);
    uLongf got = raw_n;
    ck_assert_int_eq(uncompress(raw, &got, idat, (uLong)idat_n), Z_OK);
    ck_assert_uint_eq(got, raw_n);
    free(idat);
    uint8_t *recon = malloc(rows * len), *planar = malloc(rows * len);
    ck_assert(recon && planar);
    for (size_t y = 0; y < rows; y++) {
        const uint8_t *f = raw + y * (len + 1);
        uint8_t *cur = recon + y * len;
        const uint8_t *up = y > 0 ? recon + (y - 1) * len : NULL;
        ck_assert_uint_le(f[0], 4);
        filters_used[f[0]]++;
        for (size_t x = 0; x < len; x++) {
            int a = x >= bpp ? cur[x - bpp] : 0, b = up ? up[x] : 0;
            int c = up && x >= bpp ? up[x - bpp] : 0, pred = 0;
            switch (f[0]) {
            case 1: pred = a; break;
            case 2: pred = b; break;
            case 3: pred = (a + b) / 2; break;
            case 4: pred = paeth_pred(a, b, c); break;
            default: break;
            }
            cur[x] = (uint8_t)(f[1 + x] + pred);
        }
    }
    for (size_t ch = 0; ch < bpp; ch++)
        for (size_t y = 0; y < rows; y++)
            for (size_t x = 0; x < (size_t)*w; x++)
                planar[(ch * rows + y) * (size_t)*w + x] = recon[y * len + x * bpp + ch];
    free(raw);
    free(recon);
    return planar;
}

/* Random bytes in the left half of each row, smooth gradients in the right: both noisy rows
 * (where no filter helps) and predictable ones. */
static uint8_t *image(int channels, int h, int w, uint32_t seed)
{
    size_t n = (size_t)channels * (size_t)h * (size_t)w;
    uint8_t *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    for (int ch = 0; ch < channels; ch++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t i = ((size_t)ch * (size_t)h + (size_t)y) * (size_t)w + (size_t)x;
                p[i] = x < w / 2 ? cs_test_byte(seed, i) : (uint8_t)(7 * x + 3 * y + 50 * ch);
            }
    return p;
}

static void roundtrip(int channels, int h, int w, uint32_t seed, int filters_used[5])
{
    uint8_t *px = image(channels, h, w, seed);
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__png_encode(&b, px, channels, h, w));
    int c2, h2, w2;
    uint8_t *back = decode((const uint8_t *)b.data, b.len, &c2, &h2, &w2, filters_used);
    ck_assert_int_eq(c2, channels);
    ck_assert_int_eq(h2, h);
    ck_assert_int_eq(w2, w);
    ck_assert(memcmp(back, px, (size_t)channels * (size_t)h * (size_t)w) == 0);
    free(back);
    free(px);
    cs__buf_free(&b);
}

START_TEST(images_of_odd_sizes_decode_to_their_pixels)
{
    static const int shapes[][3] = { { 1, 1, 1 }, { 1, 3, 5 }, { 1, 5, 3 }, { 1, 28, 28 },
                                     { 3, 1, 1 }, { 3, 3, 5 }, { 3, 32, 32 }, { 1, 1, 64 },
                                     { 3, 64, 1 } };
    int used[5] = { 0 };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        roundtrip(shapes[i][0], shapes[i][1], shapes[i][2], (uint32_t)i + 1, used);
    /* The gradients and the noise make the per-row choice differ between rows. */
    int kinds = 0;
    for (int f = 0; f < 5; f++)
        kinds += used[f] > 0;
    ck_assert_int_ge(kinds, 2);
}
END_TEST

START_TEST(smooth_image_uses_prediction_filters)
{
    uint8_t px[16 * 16];
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            px[y * 16 + x] = (uint8_t)(10 * x + 5 * y);
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__png_encode(&b, px, 1, 16, 16));
    int c, h, w, used[5] = { 0 };
    uint8_t *back = decode((const uint8_t *)b.data, b.len, &c, &h, &w, used);
    ck_assert(memcmp(back, px, sizeof px) == 0);
    ck_assert_int_eq(used[0], 0); /* a linear ramp is never cheapest unfiltered */
    free(back);
    cs__buf_free(&b);
}
END_TEST

START_TEST(same_image_gives_same_bytes)
{
    uint8_t *px = image(3, 7, 9, 11);
    cs__buf a = CS__BUF_INIT, b = CS__BUF_INIT;
    cs_assert_ok(cs__png_encode(&a, px, 3, 7, 9));
    cs_assert_ok(cs__png_encode(&b, px, 3, 7, 9));
    ck_assert_uint_eq(a.len, b.len);
    ck_assert(memcmp(a.data, b.data, a.len) == 0);
    /* Appends after what the buffer held. */
    cs__buf_puts(&b, "|");
    cs_assert_ok(cs__png_encode(&b, px, 3, 7, 9));
    ck_assert_uint_eq(b.len, 2 * a.len + 1);
    ck_assert(memcmp(b.data + a.len + 1, a.data, a.len) == 0);
    free(px);
    cs__buf_free(&a);
    cs__buf_free(&b);
}
END_TEST

START_TEST(scale_repeats_each_pixel_factor_times)
{
    const uint8_t px[3 * 2 * 2] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }; /* (3, 2, 2) */
    uint8_t *s = NULL;
    cs_assert_ok(cs__png_scale(&s, px, 3, 2, 2, 3));
    for (int ch = 0; ch < 3; ch++)
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 6; x++)
                ck_assert_uint_eq(s[(ch * 6 + y) * 6 + x], px[(ch * 2 + y / 3) * 2 + x / 3]);
    free(s);
    cs_assert_ok(cs__png_scale(&s, px, 1, 3, 4, 1));
    ck_assert(memcmp(s, px, 12) == 0);
    free(s);
}
END_TEST

START_TEST(base64_matches_rfc_4648_vectors)
{
    static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                         "Zm9vYmFy" };
    for (int i = 0; i < 7; i++) {
        cs__buf b = CS__BUF_INIT;
        cs__base64(&b, (const uint8_t *)plain[i], strlen(plain[i]));
        ck_assert_str_eq(cs__buf_str(&b), coded[i]);
        cs__buf_free(&b);
    }
    const uint8_t high[3] = { 0xfb, 0xff, 0xbf };
    cs__buf b = CS__BUF_INIT;
    cs__base64(&b, high, 3);
    ck_assert_str_eq(cs__buf_str(&b), "+/+/");
    cs__buf_free(&b);
}
END_TEST

static int unbase64(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

START_TEST(data_uri_holds_the_scaled_png)
{
    uint8_t *px = image(1, 28, 28, 3);
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__png_data_uri(&b, px, 1, 28, 28, 2));
    const char prefix[] = "data:image/png;base64,";
    ck_assert(strncmp(b.data, prefix, sizeof prefix - 1) == 0);
    const char *s = b.data + sizeof prefix - 1;
    size_t sl = strlen(s);
    ck_assert_uint_eq(sl % 4, 0);
    uint8_t *png = malloc(sl);
    size_t n = 0;
    for (size_t i = 0; i < sl; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            int d = s[i + j] == '=' ? (pad++, 0) : unbase64(s[i + j]);
            ck_assert_int_ge(d, 0);
            v = v << 6 | (uint32_t)d;
        }
        png[n++] = (uint8_t)(v >> 16);
        if (pad < 2)
            png[n++] = (uint8_t)(v >> 8);
        if (pad < 1)
            png[n++] = (uint8_t)v;
    }
    int c, h, w, used[5] = { 0 };
    uint8_t *back = decode(png, n, &c, &h, &w, used);
    ck_assert_int_eq(c, 1);
    ck_assert_int_eq(h, 56);
    ck_assert_int_eq(w, 56);
    for (int y = 0; y < 56; y++)
        for (int x = 0; x < 56; x++)
            ck_assert_uint_eq(back[y * 56 + x], px[(y / 2) * 28 + x / 2]);
    free(back);
    free(png);
    free(px);
    cs__buf_free(&b);
}
END_TEST

START_TEST(bad_input_is_refused_and_appends_nothing)
{
    uint8_t px[12] = { 0 }, *s = NULL;
    cs__buf b = CS__BUF_INIT;
    cs__buf_puts(&b, "keep");
    cs_assert_fails(cs__png_encode(NULL, px, 1, 2, 2), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs__png_encode(&b, NULL, 1, 2, 2), CS_ERR_INVALID_ARGUMENT, "pixels is NULL");
    cs_assert_fails(cs__png_encode(&b, px, 2, 2, 2), CS_ERR_INVALID_ARGUMENT, "channels is 2");
    cs_assert_fails(cs__png_encode(&b, px, 4, 1, 1), CS_ERR_INVALID_ARGUMENT, "channels is 4");
    cs_assert_fails(cs__png_encode(&b, px, 1, 0, 2), CS_ERR_INVALID_ARGUMENT, "0x2");
    cs_assert_fails(cs__png_encode(&b, px, 1, 2, CS__PNG_MAX_SIDE + 1), CS_ERR_INVALID_ARGUMENT,
                    "expected sides 1..4096");
    cs_assert_fails(cs__png_scale(&s, px, 1, 2, 2, 0), CS_ERR_INVALID_ARGUMENT, "factor is 0");
    cs_assert_fails(cs__png_scale(&s, px, 1, 2, 2, CS__PNG_MAX_FACTOR + 1),
                    CS_ERR_INVALID_ARGUMENT, "factor is 65");
    cs_assert_fails(cs__png_scale(&s, px, 1, 100, 2, 64), CS_ERR_INVALID_ARGUMENT,
                    "exceeds the largest side");
    ck_assert_ptr_null(s);
    cs_assert_fails(cs__png_data_uri(&b, px, 1, 2, 2, 0), CS_ERR_INVALID_ARGUMENT, "factor is 0");
    ck_assert_str_eq(cs__buf_str(&b), "keep");
    cs__buf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("png");
    TCase *tc = tcase_create("png");
    tcase_add_test(tc, images_of_odd_sizes_decode_to_their_pixels);
    tcase_add_test(tc, smooth_image_uses_prediction_filters);
    tcase_add_test(tc, same_image_gives_same_bytes);
    tcase_add_test(tc, scale_repeats_each_pixel_factor_times);
    tcase_add_test(tc, base64_matches_rfc_4648_vectors);
    tcase_add_test(tc, data_uri_holds_the_scaled_png);
    tcase_add_test(tc, bad_input_is_refused_and_appends_nothing);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
