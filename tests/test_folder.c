/* Image folders: PNGs (libpng's simplified writer) and JPEGs (libjpeg) of every mode written
 * here into class folders, loaded back and compared with what was written, with a direct
 * computation of the resizing, and with libjpeg's own decoding; and every way such a folder
 * can be wrong. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include <classsens.h>

#include "fixtures.h"

/* ---- writing images ------------------------------------------------------------------------ */

/* Pixel value of channel ch at (x, y) of picture `seed`. */
static uint8_t pat(int seed, int x, int y, int ch)
{
    return (uint8_t)((seed * 37 + x * 11 + y * 29 + ch * 67 + x * y * 3) & 0xFF);
}

/* An interleaved w×h image of c channels from pat(); malloc'd. */
static uint8_t *picture(int seed, int w, int h, int c)
{
    uint8_t *p = malloc((size_t)w * (size_t)h * (size_t)c);
    ck_assert_ptr_nonnull(p);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++)
                p[((size_t)y * (size_t)w + (size_t)x) * (size_t)c + (size_t)ch] = pat(seed, x, y, ch);
    return p;
}

static char *mkpath(const char *rel)
{
    char *p = cs_test_path(cs_test_dir, rel);
    /* make the folders on the way */
    for (char *s = p + strlen(cs_test_dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    return p;
}

static void write_png(const char *rel, const uint8_t *px, int w, int h, png_uint_32 format, const void *colormap,
                      int entries)
{
    char *path = mkpath(rel);
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = format;
    img.colormap_entries = (png_uint_32)entries;
    ck_assert_msg(png_image_write_to_file(&img, path, 0, px, 0, colormap), "%s: %s", path, img.message);
    free(path);
}

static void write_jpeg(const char *rel, const uint8_t *px, int w, int h, int c, int quality)
{
    char *path = mkpath(rel);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = c;
    ci.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, quality, TRUE);
    for (int i = 0; i < ci.num_components; i++)
        ci.comp_info[i].h_samp_factor = ci.comp_info[i].v_samp_factor = 1; /* no chroma subsampling */
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)ci.next_scanline * (size_t)w * (size_t)c);
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    fclose(f);
    free(path);
}

/* libjpeg's own decoding of a file, interleaved; malloc'd. */
static uint8_t *decode_jpeg_directly(const char *rel, int *c)
{
    char *path = cs_test_path(cs_test_dir, rel);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    struct jpeg_decompress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_decompress(&ci);
    jpeg_stdio_src(&ci, f);
    jpeg_read_header(&ci, TRUE);
    jpeg_start_decompress(&ci);
    size_t row = (size_t)ci.output_width * (size_t)ci.output_components;
    uint8_t *px = malloc(row * ci.output_height);
    ck_assert_ptr_nonnull(px);
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW r = px + (size_t)ci.output_scanline * row;
        jpeg_read_scanlines(&ci, &r, 1);
    }
    *c = ci.output_components;
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    fclose(f);
    free(path);
    return px;
}

static void write_text(const char *rel, const char *text)
{
    char *path = mkpath(rel);
    cs_test_write(path, text, strlen(text), 0);
    free(path);
}

/* A gray w×h PNG of picture `seed` at rel. */
static void gray_png(const char *rel, int seed, int w, int h)
{
    uint8_t *p = picture(seed, w, h, 1);
    write_png(rel, p, w, h, PNG_FORMAT_GRAY, NULL, 0);
    free(p);
}

static cs_dataset *load(const char *sub, cs_split split, const cs_folder_options *o)
{
    char *root = cs_test_path(cs_test_dir, sub);
    cs_dataset *ds = NULL;
    int rc = cs_dataset_open_folder(&ds, root, split, o);
    ck_assert_msg(rc == CS_OK, "cs_dataset_open_folder(%s): %s: %s", root, cs_status_str(rc), cs_last_error());
    free(root);
    return ds;
}

static int open_rc(const char *sub, cs_split split, const cs_folder_options *o, cs_dataset **ds)
{
    char *root = cs_test_path(cs_test_dir, sub);
    *ds = NULL;
    int rc = cs_dataset_open_folder(ds, root, split, o);
    free(root);
    return rc;
}

/* ---- pixels -------------------------------------------------------------------------------- */

START_TEST(png_modes_round_trip_exactly)
{
    const int w = 5, h = 3;
    uint8_t *g = picture(1, w, h, 1), *ga = picture(2, w, h, 2), *rgb = picture(3, w, h, 3);
    uint8_t *rgba = picture(4, w, h, 4), *idx = picture(5, w, h, 1);
    uint8_t cmap[256 * 3];
    for (int i = 0; i < 256; i++) {
        cmap[3 * i] = (uint8_t)i;
        cmap[3 * i + 1] = (uint8_t)(255 - i);
        cmap[3 * i + 2] = (uint8_t)(i * 7);
    }
    write_png("m/a/1_gray.png", g, w, h, PNG_FORMAT_GRAY, NULL, 0);
    write_png("m/a/2_ga.png", ga, w, h, PNG_FORMAT_GA, NULL, 0);
    write_png("m/a/3_rgb.png", rgb, w, h, PNG_FORMAT_RGB, NULL, 0);
    write_png("m/b/4_rgba.png", rgba, w, h, PNG_FORMAT_RGBA, NULL, 0);
    write_png("m/b/5_palette.png", idx, w, h, PNG_FORMAT_RGB_COLORMAP, cmap, 256);
    for (int policy = 0; policy < 2; policy++) {
        cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
        o.alpha = policy ? CS_FOLDER_ALPHA_BLACK : CS_FOLDER_ALPHA_DROP;
        cs_dataset *ds = load("m", CS_SPLIT_TRAIN, &o);
        int c, hh, ww;
        cs_assert_ok(cs_dataset_shape(&c, &hh, &ww, ds));
        ck_assert_int_eq(c, 3);
        ck_assert_int_eq(hh, h);
        ck_assert_int_eq(ww, w);
        ck_assert_uint_eq(cs_dataset_size(ds), 5);
        ck_assert_int_eq(cs_dataset_num_classes(ds), 2);
        ck_assert_str_eq(cs_dataset_class_name(ds, 0), "a");
        ck_assert_str_eq(cs_dataset_class_name(ds, 1), "b");
        const int labels[5] = { 0, 0, 0, 1, 1 };
        for (size_t r = 0; r < 5; r++) {
            ck_assert_int_eq(cs_dataset_label(ds, r), labels[r]);
            const uint8_t *im = cs_dataset_image(ds, r);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int ch = 0; ch < 3; ch++) {
                        size_t p = (size_t)y * (size_t)w + (size_t)x;
                        unsigned want;
                        if (r == 0)
                            want = g[p];
                        else if (r == 1)
                            want = policy ? (ga[2 * p] * ga[2 * p + 1] + 127u) / 255u : ga[2 * p];
                        else if (r == 2)
                            want = rgb[3 * p + (size_t)ch];
                        else if (r == 3)
                            want = policy ? (rgba[4 * p + (size_t)ch] * rgba[4 * p + 3] + 127u) / 255u
                                          : rgba[4 * p + (size_t)ch];
                        else
                            want = cmap[3 * idx[p] + (size_t)ch];
                        ck_assert_msg(im[(size_t)ch * (size_t)(w * h) + p] == want,
                                      "record %zu policy %d (%d,%d,%d): %u, expected %u", r, policy, x, y, ch,
                                      im[(size_t)ch * (size_t)(w * h) + p], want);
                    }
        }
        cs_dataset_destroy(ds);
    }
    /* Forced gray: PIL's luma of the colour images, the gray ones as they are. */
    cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
    o.channels = CS_FOLDER_CHANNELS_GRAY;
    cs_dataset *ds = load("m", CS_SPLIT_TRAIN, &o);
    const uint8_t *im0 = cs_dataset_image(ds, 0), *im2 = cs_dataset_image(ds, 2);
    for (size_t p = 0; p < (size_t)(w * h); p++) {
        ck_assert_uint_eq(im0[p], g[p]);
        unsigned l = (19595u * rgb[3 * p] + 38470u * rgb[3 * p + 1] + 7471u * rgb[3 * p + 2] + 32768u) >> 16;
        ck_assert_uint_eq(im2[p], l);
    }
    cs_dataset_destroy(ds);
    free(g);
    free(ga);
    free(rgb);
    free(rgba);
    free(idx);
}
END_TEST

START_TEST(palette_transparency_becomes_alpha)
{
    const int w = 4, h = 2;
    uint8_t idx[8] = { 0, 1, 2, 3, 3, 2, 1, 0 };
    const uint8_t cmap[4 * 4] = { 10, 20, 30, 0, 200, 100, 50, 128, 255, 255, 255, 255, 7, 8, 9, 64 };
    write_png("p/a/pal.png", idx, w, h, PNG_FORMAT_RGBA_COLORMAP, cmap, 4);
    gray_png("p/b/g.png", 1, w, h);
    cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
    o.alpha = CS_FOLDER_ALPHA_BLACK;
    cs_dataset *ds = load("p", CS_SPLIT_TRAIN, &o);
    const uint8_t *im = cs_dataset_image(ds, 0);
    for (int p = 0; p < w * h; p++)
        for (int ch = 0; ch < 3; ch++) {
            const uint8_t *e = cmap + 4 * idx[p];
            ck_assert_uint_eq(im[ch * w * h + p], (e[ch] * e[3] + 127u) / 255u);
        }
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(gray_folder_gives_one_channel_and_16_bit_is_refused)
{
    gray_png("g/x/a.png", 1, 4, 4);
    gray_png("g/y/b.png", 2, 4, 4);
    cs_dataset *ds = load("g", CS_SPLIT_TRAIN, NULL);
    int c, h, w;
    cs_assert_ok(cs_dataset_shape(&c, &h, &w, ds));
    ck_assert_int_eq(c, 1);
    cs_dataset_destroy(ds);
    cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
    o.channels = CS_FOLDER_CHANNELS_RGB;
    ds = load("g", CS_SPLIT_TRAIN, &o);
    cs_assert_ok(cs_dataset_shape(&c, &h, &w, ds));
    ck_assert_int_eq(c, 3);
    const uint8_t *im = cs_dataset_image(ds, 1);
    ck_assert_int_eq(memcmp(im, im + 16, 16), 0);
    ck_assert_int_eq(memcmp(im, im + 32, 16), 0);
    ck_assert_uint_eq(im[5], pat(2, 1, 1, 0));
    cs_dataset_destroy(ds);

    uint16_t deep[16];
    for (int i = 0; i < 16; i++)
        deep[i] = (uint16_t)(i * 4000);
    write_png("g/y/c.png", (const uint8_t *)deep, 4, 4, PNG_FORMAT_LINEAR_Y, NULL, 0);
    cs_assert_fails(open_rc("g", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_UNSUPPORTED, "g/y/c.png: PNG with 16-bit");
    ck_assert_ptr_null(ds);
}
END_TEST

START_TEST(jpeg_equals_libjpeg_decoding)
{
    const int w = 16, h = 8;
    uint8_t *rgb = picture(7, w, h, 3), *g = picture(8, w, h, 1);
    write_jpeg("j/c0/rgb.jpg", rgb, w, h, 3, 100);
    write_jpeg("j/c1/gray.JPEG", g, w, h, 1, 100);
    cs_dataset *ds = load("j", CS_SPLIT_TRAIN, NULL);
    ck_assert_uint_eq(cs_dataset_size(ds), 2);
    int c, hh, ww;
    cs_assert_ok(cs_dataset_shape(&c, &hh, &ww, ds));
    ck_assert_int_eq(c, 3);
    const char *files[2] = { "j/c0/rgb.jpg", "j/c1/gray.JPEG" };
    for (size_t r = 0; r < 2; r++) {
        int dc;
        uint8_t *ref = decode_jpeg_directly(files[r], &dc);
        const uint8_t *im = cs_dataset_image(ds, r);
        const uint8_t *orig = r == 0 ? rgb : g;
        for (size_t p = 0; p < (size_t)(w * h); p++)
            for (int ch = 0; ch < 3; ch++) {
                uint8_t got = im[(size_t)ch * (size_t)(w * h) + p];
                ck_assert_uint_eq(got, ref[p * (size_t)dc + (size_t)(dc == 3 ? ch : 0)]);
                int o = orig[p * (size_t)(dc == 3 ? 3 : 1) + (size_t)(dc == 3 ? ch : 0)];
                ck_assert_msg(abs(got - o) <= 12, "record %zu pixel %zu: %d vs written %d", r, p, got, o);
            }
        free(ref);
    }
    cs_dataset_destroy(ds);
    free(rgb);
    free(g);
}
END_TEST

/* The documented filter computed directly, one output pixel at a time, in doubles. */
static double tap(int in, int out, int o, int j)
{
    if (out <= in) {
        double lo = (double)o * in / out, hi = (double)(o + 1) * in / out;
        double ov = fmin(hi, j + 1.0) - fmax(lo, (double)j);
        return ov > 0 ? ov / ((double)in / out) : 0.0;
    }
    double x = (o + 0.5) * in / out - 0.5;
    if (x < 0)
        x = 0;
    if (x > in - 1)
        x = in - 1;
    int j0 = (int)floor(x);
    double f = x - j0;
    return j == j0 ? 1.0 - f : j == j0 + 1 ? f : 0.0;
}

START_TEST(resizing_matches_a_direct_computation)
{
    /* (in w, in h) -> (out w, out h): shrink both, grow both, shrink one and grow the other,
     * and a non-integer shrink. */
    const int cases[4][4] = { { 6, 4, 3, 2 }, { 2, 3, 5, 7 }, { 8, 2, 3, 5 }, { 7, 5, 3, 2 } };
    for (int t = 0; t < 4; t++) {
        int iw = cases[t][0], ih = cases[t][1], ow = cases[t][2], oh = cases[t][3];
        char rel[64];
        snprintf(rel, sizeof rel, "r%d/a/x.png", t);
        gray_png(rel, 10 + t, iw, ih);
        snprintf(rel, sizeof rel, "r%d/b/y.png", t);
        gray_png(rel, 20 + t, ih, iw); /* another size: resizing also unifies sizes */
        snprintf(rel, sizeof rel, "r%d", t);
        cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
        o.width = ow;
        o.height = oh;
        cs_dataset *ds = load(rel, CS_SPLIT_TRAIN, &o);
        const uint8_t *im = cs_dataset_image(ds, 0);
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++) {
                double v = 0;
                for (int sy = 0; sy < ih; sy++)
                    for (int sx = 0; sx < iw; sx++)
                        v += tap(iw, ow, x, sx) * tap(ih, oh, y, sy) * pat(10 + t, sx, sy, 0);
                int want = (int)floor(v + 0.5 + 1e-9);
                ck_assert_msg(im[y * ow + x] == want, "case %d (%d,%d): %d, expected %d (%.6f)", t, x, y,
                              im[y * ow + x], want, v);
            }
        cs_dataset_destroy(ds);
    }
}
END_TEST

/* ---- layout and order ---------------------------------------------------------------------- */

START_TEST(classes_and_files_in_torchvision_order)
{
    gray_png("o/b/2.png", 1, 3, 3);
    gray_png("o/b/10.png", 2, 3, 3);
    gray_png("o/B/z.PNG", 3, 3, 3);
    gray_png("o/a_b/sub/y.png", 4, 3, 3);
    gray_png("o/a_b/x.png", 5, 3, 3);
    gray_png("o/a_b/a-b/w.png", 6, 3, 3);
    write_text("o/a_b/.DS_Store", "ignored");
    write_text("o/README.txt", "a file beside the class folders is ignored");
    gray_png("o/.hidden/q.png", 7, 3, 3);
    gray_png("o/\xc3\xa9t\xc3\xa9/e.png", 8, 3, 3); /* "été": after "b" by bytes and by code point */
    cs_dataset *ds = load("o", CS_SPLIT_TRAIN, NULL);
    ck_assert_int_eq(cs_dataset_num_classes(ds), 4);
    ck_assert_str_eq(cs_dataset_class_name(ds, 3), "\xc3\xa9t\xc3\xa9");
    ck_assert_str_eq(cs_dataset_class_name(ds, 0), "B");
    ck_assert_str_eq(cs_dataset_class_name(ds, 1), "a_b");
    ck_assert_str_eq(cs_dataset_class_name(ds, 2), "b");
    /* Folders by path ("" < "a-b" < "sub"), files by name; "10" before "2" (bytes). */
    const int seeds[6] = { 3, 5, 6, 4, 2, 1 }, labels[6] = { 0, 1, 1, 1, 2, 2 };
    ck_assert_uint_eq(cs_dataset_size(ds), 7);
    ck_assert_int_eq(cs_dataset_label(ds, 6), 3);
    for (size_t r = 0; r < 6; r++) {
        ck_assert_int_eq(cs_dataset_label(ds, r), labels[r]);
        ck_assert_uint_eq(cs_dataset_image(ds, r)[4], pat(seeds[r], 1, 1, 0));
    }
    cs_dataset_destroy(ds);
}
END_TEST

START_TEST(train_and_test_folders)
{
    gray_png("s/train/cat/1.png", 1, 2, 2);
    gray_png("s/train/cat/2.png", 2, 2, 2);
    gray_png("s/train/dog/3.png", 3, 2, 2);
    gray_png("s/test/cat/4.png", 4, 2, 2);
    gray_png("s/test/dog/5.png", 5, 2, 2);
    cs_dataset *tr = load("s", CS_SPLIT_TRAIN, NULL), *te = load("s", CS_SPLIT_TEST, NULL);
    ck_assert_uint_eq(cs_dataset_size(tr), 3);
    ck_assert_uint_eq(cs_dataset_size(te), 2);
    ck_assert_str_eq(cs_dataset_class_name(te, 1), "dog");
    ck_assert_uint_eq(cs_dataset_image(te, 1)[0], pat(5, 0, 0, 0));
    cs_dataset_destroy(tr);
    cs_dataset_destroy(te);
    cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
    o.test_fraction = 0.5;
    cs_dataset *ds;
    cs_assert_fails(open_rc("s", CS_SPLIT_TRAIN, &o, &ds), CS_ERR_INVALID_ARGUMENT, "train/ and test/");
    gray_png("s/test/emu/6.png", 6, 2, 2);
    cs_assert_fails(open_rc("s", CS_SPLIT_TEST, NULL, &ds), CS_ERR_SIZE_MISMATCH, "different class folders");
    /* A single root has no test split unless a fraction is given. */
    cs_assert_fails(open_rc("s/train", CS_SPLIT_TEST, NULL, &ds), CS_ERR_NOT_FOUND, "no test split");
}
END_TEST

START_TEST(seeded_stratified_split)
{
    const int per_class[3] = { 10, 7, 1 };
    const char *cls[3] = { "a", "b", "c" };
    int seed = 100;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < per_class[k]; i++) {
            char rel[64];
            snprintf(rel, sizeof rel, "f/%s/%02d.png", cls[k], i);
            gray_png(rel, seed++, 2, 2);
        }
    cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
    o.test_fraction = 0.3;
    o.seed = 42;
    cs_dataset *tr = load("f", CS_SPLIT_TRAIN, &o), *te = load("f", CS_SPLIT_TEST, &o);
    ck_assert_uint_eq(cs_dataset_size(tr) + cs_dataset_size(te), 18);
    /* round(10 · 0.3) = 3, round(7 · 0.3) = 2, round(1 · 0.3) = 0 per class in test */
    int counts[3] = { 0, 0, 0 };
    for (size_t i = 0; i < cs_dataset_size(te); i++)
        counts[cs_dataset_label(te, i)]++;
    ck_assert_int_eq(counts[0], 3);
    ck_assert_int_eq(counts[1], 2);
    ck_assert_int_eq(counts[2], 0);
    /* Disjoint and complete: every picture's first pixel appears once across the splits. */
    int seen[256] = { 0 };
    for (size_t i = 0; i < cs_dataset_size(tr); i++)
        seen[cs_dataset_image(tr, i)[0]]++;
    for (size_t i = 0; i < cs_dataset_size(te); i++)
        seen[cs_dataset_image(te, i)[0]]++;
    for (int s = 100; s < 118; s++)
        ck_assert_int_eq(seen[pat(s, 0, 0, 0)], 1);
    /* Same seed, same split; another seed, another split. */
    cs_dataset *te2 = load("f", CS_SPLIT_TEST, &o);
    for (size_t i = 0; i < cs_dataset_size(te); i++)
        ck_assert_uint_eq(cs_dataset_image(te2, i)[0], cs_dataset_image(te, i)[0]);
    int differs = 0;
    for (uint64_t s = 1; s <= 5 && !differs; s++) {
        o.seed = s;
        cs_dataset *te3 = load("f", CS_SPLIT_TEST, &o);
        for (size_t i = 0; i < cs_dataset_size(te); i++)
            differs |= cs_dataset_image(te3, i)[0] != cs_dataset_image(te, i)[0];
        cs_dataset_destroy(te3);
    }
    ck_assert(differs);
    cs_dataset_destroy(tr);
    cs_dataset_destroy(te);
    cs_dataset_destroy(te2);
}
END_TEST

START_TEST(same_bytes_for_any_thread_count)
{
    for (int i = 0; i < 40; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "t/c%d/%02d.%s", i % 3, i, i % 2 ? "png" : "jpg");
        uint8_t *p = picture(i, 9 + i % 4, 7, 3);
        if (i % 2)
            write_png(rel, p, 9 + i % 4, 7, PNG_FORMAT_RGB, NULL, 0);
        else
            write_jpeg(rel, p, 9 + i % 4, 7, 3, 90);
        free(p);
    }
    cs_dataset *ref = NULL;
    const int threads[4] = { 1, 2, 3, 7 };
    for (int t = 0; t < 4; t++) {
        cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
        o.threads = threads[t];
        o.width = 8;
        o.height = 8;
        cs_dataset *ds = load("t", CS_SPLIT_TRAIN, &o);
        ck_assert_uint_eq(cs_dataset_size(ds), 40);
        if (!ref) {
            ref = ds;
            continue;
        }
        for (size_t r = 0; r < 40; r++) {
            ck_assert_int_eq(cs_dataset_label(ds, r), cs_dataset_label(ref, r));
            ck_assert_int_eq(memcmp(cs_dataset_image(ds, r), cs_dataset_image(ref, r), 3 * 64), 0);
        }
        cs_dataset_destroy(ds);
    }
    cs_dataset_destroy(ref);
}
END_TEST

/* ---- bad input ----------------------------------------------------------------------------- */

/* A good two-class folder `sub` of 2x2 gray PNGs, with room for one bad thing in class b. */
static void base_folder(const char *sub)
{
    char rel[128];
    snprintf(rel, sizeof rel, "%s/a/1.png", sub);
    gray_png(rel, 1, 2, 2);
    snprintf(rel, sizeof rel, "%s/b/2.png", sub);
    gray_png(rel, 2, 2, 2);
}

static uint8_t *file_bytes(const char *rel, size_t *n)
{
    char *path = cs_test_path(cs_test_dir, rel);
    uint8_t *b = cs_test_read(path, n);
    free(path);
    return b;
}

static void put_bytes(const char *rel, const uint8_t *b, size_t n)
{
    char *path = mkpath(rel);
    cs_test_write(path, b, n, 0);
    free(path);
}

START_TEST(every_bad_input_is_named)
{
    cs_dataset *ds;
    size_t n;
    /* truncated PNG */
    base_folder("b1");
    uint8_t *png = file_bytes("b1/a/1.png", &n);
    put_bytes("b1/b/3.png", png, n - 20);
    cs_assert_fails(open_rc("b1", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_TRUNCATED, "b1/b/3.png: PNG ends early");
    ck_assert_ptr_null(ds);
    /* a PNG whose IDAT CRC is damaged */
    base_folder("b2");
    uint8_t *bad = malloc(n);
    memcpy(bad, png, n);
    bad[n - 14] ^= 0x55; /* last byte of the IDAT CRC (IEND is the final 12 bytes) */
    put_bytes("b2/b/3.png", bad, n);
    cs_assert_fails(open_rc("b2", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_CORRUPT, "b2/b/3.png");
    free(bad);
    /* truncated and corrupt JPEGs */
    uint8_t *pic = picture(3, 16, 16, 3);
    write_jpeg("j0.jpg", pic, 16, 16, 3, 90);
    free(pic);
    size_t jn;
    uint8_t *jpg = file_bytes("j0.jpg", &jn);
    base_folder("b3");
    put_bytes("b3/b/3.jpg", jpg, jn / 2);
    cs_assert_fails(open_rc("b3", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_TRUNCATED, "b3/b/3.jpg: JPEG ends early");
    base_folder("b4");
    put_bytes("b4/b/3.jpg", jpg, 40);
    ck_assert_int_lt(open_rc("b4", CS_SPLIT_TRAIN, NULL, &ds), 0);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "b4/b/3.jpg"));
    base_folder("b5");
    uint8_t *junk = malloc(jn);
    memcpy(junk, jpg, jn);
    junk[2] = 0xFF;
    junk[3] = 0x01; /* a marker that does not exist where APP0 stood */
    put_bytes("b5/b/3.jpeg", junk, jn);
    cs_assert_fails(open_rc("b5", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_CORRUPT, "b5/b/3.jpeg: corrupt JPEG data");
    free(junk);
    /* a text file named like an image; a file that is not an image at all */
    base_folder("b6");
    write_text("b6/b/3.png", "not a png");
    cs_assert_fails(open_rc("b6", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_FORMAT, "b6/b/3.png: neither a PNG");
    base_folder("b7");
    write_text("b7/b/notes.txt", "hello");
    cs_assert_fails(open_rc("b7", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_FORMAT, "b7/b/notes.txt: not an image file");
    /* an empty class folder, and a class folder with only non-images */
    base_folder("b8");
    char *empty = mkpath("b8/c/x");
    *strrchr(empty, '/') = '\0';
    mkdir(empty, 0755);
    cs_assert_fails(open_rc("b8", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_NOT_FOUND, "b8/c has no image files");
    free(empty);
    /* a symbolic-link loop, and links refused when not followed */
    base_folder("b9");
    char *link = mkpath("b9/b/deeper/up");
    ck_assert_int_eq(symlink("..", link), 0);
    cs_assert_fails(open_rc("b9", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_FORMAT, "b9/b/deeper/up: a symbolic-link loop");
    free(link);
    base_folder("b10");
    char *target = cs_test_path(cs_test_dir, "b10/a/1.png");
    link = mkpath("b10/b/alias.png");
    ck_assert_int_eq(symlink(target, link), 0);
    cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
    o.follow_symlinks = 0;
    cs_assert_fails(open_rc("b10", CS_SPLIT_TRAIN, &o, &ds), CS_ERR_UNSUPPORTED, "b10/b/alias.png: a symbolic link");
    ds = load("b10", CS_SPLIT_TRAIN, NULL);
    ck_assert_uint_eq(cs_dataset_size(ds), 3);
    cs_dataset_destroy(ds);
    free(link);
    free(target);
    /* a dangling link; a FIFO with an image's name (never opened: it would block) */
    base_folder("b14");
    link = mkpath("b14/b/gone.png");
    ck_assert_int_eq(symlink("/nonexistent/x.png", link), 0);
    cs_assert_fails(open_rc("b14", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_NOT_FOUND,
                    "b14/b/gone.png: a symbolic link to nothing");
    free(link);
    base_folder("b15");
    char *fifo = mkpath("b15/b/pipe.png");
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    cs_assert_fails(open_rc("b15", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_FORMAT, "b15/b/pipe.png: not a regular file");
    free(fifo);
    /* an unreadable file (root reads everything: then only the mode change is made) */
    base_folder("b11");
    char *locked = mkpath("b11/b/3.png");
    cs_test_write(locked, png, n, 0);
    ck_assert_int_eq(chmod(locked, 0), 0);
    if (access(locked, R_OK) != 0)
        cs_assert_fails(open_rc("b11", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_IO, "b11/b/3.png: cannot open");
    chmod(locked, 0644);
    free(locked);
    /* mixed sizes without a size; one class; a missing root */
    base_folder("b12");
    gray_png("b12/b/3.png", 3, 3, 2);
    cs_assert_fails(open_rc("b12", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_SIZE_MISMATCH, "b12/b/3.png is 3 x 2 pixels");
    gray_png("b13/only/1.png", 1, 2, 2);
    cs_assert_fails(open_rc("b13", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_NOT_FOUND, "1 class folder");
    cs_assert_fails(open_rc("nowhere", CS_SPLIT_TRAIN, NULL, &ds), CS_ERR_NOT_FOUND, "nowhere");
    free(png);
    free(jpg);
}
END_TEST

START_TEST(skip_bad_counts_and_names_the_skipped)
{
    base_folder("k");
    gray_png("k/b/4.png", 4, 2, 2);
    write_text("k/a/0.png", "broken");
    write_text("k/b/3.txt", "text");
    cs_folder_report rep;
    cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
    o.skip_bad = 1;
    o.report = &rep;
    cs_dataset *ds = load("k", CS_SPLIT_TRAIN, &o);
    ck_assert_uint_eq(cs_dataset_size(ds), 3);
    ck_assert_uint_eq(rep.files, 5);
    ck_assert_uint_eq(rep.loaded, 3);
    ck_assert_uint_eq(rep.skipped, 2);
    ck_assert_ptr_nonnull(strstr(rep.first_skipped[0], "k/a/0.png: neither a PNG"));
    ck_assert_ptr_nonnull(strstr(rep.first_skipped[1], "k/b/3.txt: not an image file"));
    ck_assert_str_eq(rep.first_skipped[2], "");
    ck_assert_int_eq(cs_dataset_label(ds, 0), 0);
    ck_assert_uint_eq(cs_dataset_image(ds, 2)[0], pat(4, 0, 0, 0));
    cs_dataset_destroy(ds);
    /* Without skip_bad the first bad file in record order is the one named. */
    o.skip_bad = 0;
    cs_assert_fails(open_rc("k", CS_SPLIT_TRAIN, &o, &ds), CS_ERR_FORMAT, "k/a/0.png");
    ck_assert_uint_eq(rep.files, 5);
}
END_TEST

START_TEST(bad_arguments_and_options)
{
    base_folder("z");
    char *root = cs_test_path(cs_test_dir, "z");
    cs_dataset *ds;
    cs_folder_options o = CS_FOLDER_OPTIONS_INIT, init;
    memset(&init, 0xAB, sizeof init);
    cs_assert_ok(cs_folder_options_init(&init));
    ck_assert_uint_eq(init.struct_size, sizeof init);
    ck_assert(init.width == 0 && init.height == 0 && init.channels == CS_FOLDER_CHANNELS_AUTO);
    ck_assert(init.alpha == CS_FOLDER_ALPHA_DROP && init.test_fraction == 0.0 && init.seed == 0);
    ck_assert(init.skip_bad == 0 && init.follow_symlinks == 1 && init.threads == 0 && init.report == NULL);
    cs_assert_fails(cs_folder_options_init(NULL), CS_ERR_INVALID_ARGUMENT, "opts is NULL");
    cs_assert_fails(cs_dataset_open_folder(NULL, root, CS_SPLIT_TRAIN, NULL), CS_ERR_INVALID_ARGUMENT, "out");
    cs_assert_fails(cs_dataset_open_folder(&ds, NULL, CS_SPLIT_TRAIN, NULL), CS_ERR_INVALID_ARGUMENT, "root is NULL");
    cs_assert_fails(cs_dataset_open_folder(&ds, root, (cs_split)5, NULL), CS_ERR_INVALID_ARGUMENT, "split is 5");
    o.width = 4;
    cs_assert_fails(cs_dataset_open_folder(&ds, root, CS_SPLIT_TRAIN, &o), CS_ERR_INVALID_ARGUMENT, "4 x 0");
    o.width = 0;
    o.channels = (cs_folder_channels)3;
    cs_assert_fails(cs_dataset_open_folder(&ds, root, CS_SPLIT_TRAIN, &o), CS_ERR_INVALID_ARGUMENT, "channels is 3");
    o.channels = CS_FOLDER_CHANNELS_AUTO;
    o.alpha = (cs_folder_alpha)-1;
    cs_assert_fails(cs_dataset_open_folder(&ds, root, CS_SPLIT_TRAIN, &o), CS_ERR_INVALID_ARGUMENT, "alpha is -1");
    o.alpha = CS_FOLDER_ALPHA_DROP;
    o.test_fraction = 1.0;
    cs_assert_fails(cs_dataset_open_folder(&ds, root, CS_SPLIT_TRAIN, &o), CS_ERR_INVALID_ARGUMENT, "test_fraction");
    o.test_fraction = NAN;
    cs_assert_fails(cs_dataset_open_folder(&ds, root, CS_SPLIT_TRAIN, &o), CS_ERR_INVALID_ARGUMENT, "test_fraction");
    o.test_fraction = 0;
    o.threads = -1;
    cs_assert_fails(cs_dataset_open_folder(&ds, root, CS_SPLIT_TRAIN, &o), CS_ERR_INVALID_ARGUMENT, "threads is -1");
    o.threads = 0;
    o.skip_bad = 2;
    cs_assert_fails(cs_dataset_open_folder(&ds, root, CS_SPLIT_TRAIN, &o), CS_ERR_INVALID_ARGUMENT, "skip_bad is 2");
    o.skip_bad = 0;
    o.struct_size = 4;
    cs_assert_fails(cs_dataset_open_folder(&ds, root, CS_SPLIT_TRAIN, &o), CS_ERR_INVALID_ARGUMENT, "struct_size");
    o.struct_size = sizeof o + 8;
    cs_assert_fails(cs_dataset_open_folder(&ds, root, CS_SPLIT_TRAIN, &o), CS_ERR_UNSUPPORTED, "struct_size");
    free(root);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("folder");
    TCase *tc = tcase_create("folder");
    tcase_add_checked_fixture(tc, cs_test_dir_setup, cs_test_dir_teardown);
    tcase_add_test(tc, png_modes_round_trip_exactly);
    tcase_add_test(tc, palette_transparency_becomes_alpha);
    tcase_add_test(tc, gray_folder_gives_one_channel_and_16_bit_is_refused);
    tcase_add_test(tc, jpeg_equals_libjpeg_decoding);
    tcase_add_test(tc, resizing_matches_a_direct_computation);
    tcase_add_test(tc, classes_and_files_in_torchvision_order);
    tcase_add_test(tc, train_and_test_folders);
    tcase_add_test(tc, seeded_stratified_split);
    tcase_add_test(tc, same_bytes_for_any_thread_count);
    tcase_add_test(tc, every_bad_input_is_named);
    tcase_add_test(tc, skip_bad_counts_and_names_the_skipped);
    tcase_add_test(tc, bad_arguments_and_options);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
