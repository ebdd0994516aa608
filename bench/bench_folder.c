/* bench_folder: how fast cs_dataset_open_folder loads an image folder, next to the IDX load of
 * the same images. It writes Fashion-MNIST's training split (60,000 gray 28x28 images) into a
 * temporary directory twice, as PNGs (libpng) and as JPEGs (libjpeg, quality 95), in the
 * ImageFolder layout DIR/png/K_NAME/INDEX.png; times the IDX load and the folder loads with the
 * library's default threads and with one thread (median of --repeat runs, each after the
 * first with the files in the page cache); checks that the PNG folder gives the IDX pixels and
 * labels exactly; and removes the directory.
 *
 *   bench_folder [--repeat R] [--tmp DIR] [--fashion-dir DIR]
 *
 * Machines are shared and noisy; compare numbers measured in one sitting. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include <classsens.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const char *what)
{
    fprintf(stderr, "bench_folder: %s\n", what);
    exit(1);
}

static void die_cs(const char *what, int rc)
{
    fprintf(stderr, "bench_folder: %s: %s: %s\n", what, cs_status_str(rc), cs_last_error());
    exit(1);
}

static void write_png(const char *path, const uint8_t *px, int h, int w)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_GRAY;
    if (!png_image_write_to_file(&img, path, 0, px, 0, NULL))
        die(img.message);
}

static void write_jpeg(const char *path, const uint8_t *px, int h, int w)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path);
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = 1;
    ci.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 95, TRUE);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)ci.next_scanline * (size_t)w);
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    if (fclose(f) != 0)
        die(path);
}

/* Class folder name of class k: "K_NAME" with '/' (as in "T-shirt/top") made '-', so that
 * byte order keeps the IDX class order. */
static void class_dir(char *buf, size_t cap, const char *root, const cs_dataset *ds, int k)
{
    char name[128];
    snprintf(name, sizeof name, "%d_%s", k, cs_dataset_class_name(ds, k));
    for (char *p = name; *p; p++)
        if (*p == '/')
            *p = '-';
    snprintf(buf, cap, "%s/%s", root, name);
}

static double write_folder(const char *root, const cs_dataset *ds, int jpeg)
{
    int c, h, w;
    cs_dataset_shape(&c, &h, &w, ds);
    double t0 = now_s();
    if (mkdir(root, 0755) != 0)
        die(root);
    char dir[4096], path[4200];
    for (int k = 0; k < cs_dataset_num_classes(ds); k++) {
        class_dir(dir, sizeof dir, root, ds, k);
        if (mkdir(dir, 0755) != 0)
            die(dir);
    }
    for (size_t i = 0; i < cs_dataset_size(ds); i++) {
        class_dir(dir, sizeof dir, root, ds, cs_dataset_label(ds, i));
        snprintf(path, sizeof path, "%s/%05zu.%s", dir, i, jpeg ? "jpg" : "png");
        if (jpeg)
            write_jpeg(path, cs_dataset_image(ds, i), h, w);
        else
            write_png(path, cs_dataset_image(ds, i), h, w);
    }
    return now_s() - t0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static double median_load(const char *what, int repeat, const char *root, const char *idx_dir, int threads,
                          cs_dataset **keep)
{
    double *t = malloc(sizeof *t * (size_t)repeat);
    if (!t)
        die("out of memory");
    for (int r = 0; r < repeat; r++) {
        cs_dataset *ds = NULL;
        double t0 = now_s();
        int rc;
        if (root) {
            cs_folder_options o = CS_FOLDER_OPTIONS_INIT;
            o.threads = threads;
            rc = cs_dataset_open_folder(&ds, root, CS_SPLIT_TRAIN, &o);
        } else {
            rc = cs_dataset_open_fashion_mnist(&ds, idx_dir, CS_SPLIT_TRAIN);
        }
        t[r] = now_s() - t0;
        if (rc != CS_OK)
            die_cs(what, rc);
        if (keep && !*keep)
            *keep = ds;
        else
            cs_dataset_destroy(ds);
    }
    qsort(t, (size_t)repeat, sizeof *t, cmp_double);
    double m = t[repeat / 2];
    free(t);
    return m;
}

int main(int argc, char **argv)
{
    int repeat = 3;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", *fashion = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--tmp") == 0 && i + 1 < argc)
            tmp = argv[++i];
        else if (strcmp(argv[i], "--fashion-dir") == 0 && i + 1 < argc)
            fashion = argv[++i];
        else {
            fprintf(stderr, "usage: bench_folder [--repeat R] [--tmp DIR] [--fashion-dir DIR]\n");
            return 2;
        }
    }
    if (repeat < 1 || repeat > 100)
        die("--repeat wants 1..100");
    cs_dataset *idx = NULL;
    double t_idx = median_load("IDX load", repeat, NULL, fashion, 0, &idx);
    char root[4096], png_root[4200], jpg_root[4200];
    snprintf(root, sizeof root, "%s/bench_folder-XXXXXX", tmp);
    if (!mkdtemp(root)) {
        fprintf(stderr, "bench_folder: cannot make a temporary directory in %s: %s\n", tmp, strerror(errno));
        exit(1);
    }
    snprintf(png_root, sizeof png_root, "%s/png", root);
    snprintf(jpg_root, sizeof jpg_root, "%s/jpg", root);
    double w_png = write_folder(png_root, idx, 0), w_jpg = write_folder(jpg_root, idx, 1);

    cs_dataset *from_png = NULL;
    double t_png = median_load("PNG folder", repeat, png_root, NULL, 0, &from_png);
    double t_png1 = median_load("PNG folder, 1 thread", repeat, png_root, NULL, 1, NULL);
    double t_jpg = median_load("JPEG folder", repeat, jpg_root, NULL, 0, NULL);
    double t_jpg1 = median_load("JPEG folder, 1 thread", repeat, jpg_root, NULL, 1, NULL);

    /* Folder order is class by class, files by index: walk the IDX records in that order. */
    size_t n = cs_dataset_size(idx), r = 0, mismatches = 0;
    for (int k = 0; k < cs_dataset_num_classes(idx); k++)
        for (size_t i = 0; i < n; i++)
            if (cs_dataset_label(idx, i) == k) {
                mismatches += r >= cs_dataset_size(from_png) || cs_dataset_label(from_png, r) != k ||
                              memcmp(cs_dataset_image(from_png, r), cs_dataset_image(idx, i), 28 * 28) != 0;
                r++;
            }
    nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);

    int threads = 0;
    const char *env = getenv("CLASSSENS_NUM_THREADS");
    threads = env && *env ? atoi(env) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    printf("Fashion-MNIST train: %zu images 1x28x28, median of %d loads (page cache warm after the first)\n", n,
           repeat);
    printf("%-34s %9s %12s\n", "load", "seconds", "images/s");
    printf("%-34s %9.3f %12.0f\n", "IDX (gzip)", t_idx, (double)n / t_idx);
    char label[64];
    snprintf(label, sizeof label, "PNG folder, default threads (%d)", threads);
    printf("%-34s %9.3f %12.0f\n", label, t_png, (double)n / t_png);
    printf("%-34s %9.3f %12.0f\n", "PNG folder, 1 thread", t_png1, (double)n / t_png1);
    snprintf(label, sizeof label, "JPEG folder, default threads (%d)", threads);
    printf("%-34s %9.3f %12.0f\n", label, t_jpg, (double)n / t_jpg);
    printf("%-34s %9.3f %12.0f\n", "JPEG folder, 1 thread", t_jpg1, (double)n / t_jpg1);
    printf("writing the folders (not the library): PNG %.1f s, JPEG %.1f s\n", w_png, w_jpg);
    printf("PNG folder equals the IDX images and labels: %s (%zu mismatches)\n", mismatches ? "NO" : "yes",
           mismatches);
    cs_dataset_destroy(idx);
    cs_dataset_destroy(from_png);
    return mismatches ? 1 : 0;
}
