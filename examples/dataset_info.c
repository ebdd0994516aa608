/* dataset_info: describe a data set — sizes, per-class counts, per-channel statistics, load
 * time — and preview a few images as ASCII art (and optionally as PGM/PPM files).
 *
 *   dataset_info [DATA] [--preview N] [--pgm DIR]
 *
 * DATA is fashion-mnist (the default; Debian's dataset-fashion-mnist or
 * $CLASSSENS_FASHION_MNIST_DIR), fashion-mnist:DIR, cifar10:PATH (directory or .tar.gz), or
 * idx:TRAIN_IMAGES,TRAIN_LABELS[,TEST_IMAGES,TEST_LABELS]. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <classsens.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: dataset_info [DATA] [--preview N] [--pgm DIR]\n"
            "  DATA: fashion-mnist (default) | fashion-mnist:DIR | cifar10:PATH |\n"
            "        idx:TRAIN_IMAGES,TRAIN_LABELS[,TEST_IMAGES,TEST_LABELS]\n"
            "  --preview N  show the first N training images as ASCII art (default 3)\n"
            "  --pgm DIR    also write them as PGM (1 channel) or PPM (3 channels) files into DIR\n");
}

/* Opens one split; *absent is set when the spec has no such split (idx without test files). */
static int open_split(const char *spec, cs_split split, cs_dataset **out, int *absent)
{
    *absent = 0;
    if (strcmp(spec, "fashion-mnist") == 0)
        return cs_dataset_open_fashion_mnist(out, NULL, split);
    if (strncmp(spec, "fashion-mnist:", 14) == 0)
        return cs_dataset_open_fashion_mnist(out, spec + 14, split);
    if (strncmp(spec, "cifar10:", 8) == 0)
        return cs_dataset_open_cifar10(out, spec + 8, split);
    if (strncmp(spec, "idx:", 4) == 0) {
        char buf[4096];
        if (strlen(spec + 4) >= sizeof buf)
            return CS_ERR_INVALID_ARGUMENT;
        strcpy(buf, spec + 4);
        char *parts[4] = { 0 };
        int count = 0;
        for (char *tok = strtok(buf, ","); tok && count < 4; tok = strtok(NULL, ","))
            parts[count++] = tok;
        if (count != 2 && count != 4) {
            fprintf(stderr, "dataset_info: idx: wants 2 or 4 comma-separated paths, got %d\n", count);
            return CS_ERR_INVALID_ARGUMENT;
        }
        if (split == CS_SPLIT_TEST && count == 2) {
            *absent = 1;
            return CS_OK;
        }
        int at = split == CS_SPLIT_TRAIN ? 0 : 2;
        return cs_dataset_open_idx(out, parts[at], parts[at + 1]);
    }
    fprintf(stderr, "dataset_info: unknown data set '%s'\n", spec);
    usage(stderr);
    return CS_ERR_INVALID_ARGUMENT;
}

static void describe(const char *title, const cs_dataset *ds, double seconds)
{
    int c, h, w, k = cs_dataset_num_classes(ds);
    cs_dataset_shape(&c, &h, &w, ds);
    printf("%s: %zu images of %dx%dx%d, %d classes, loaded in %.3f s\n", title,
           cs_dataset_size(ds), c, h, w, k, seconds);
    size_t *counts = calloc((size_t)k, sizeof *counts);
    double *mean = calloc((size_t)c, sizeof *mean), *sd = calloc((size_t)c, sizeof *sd);
    if (counts && cs_dataset_class_counts(counts, k, ds) == CS_OK) {
        printf("  %-3s %-14s %8s %7s\n", "k", "class", "count", "share");
        for (int i = 0; i < k; i++)
            printf("  %-3d %-14s %8zu %6.2f%%\n", i, cs_dataset_class_name(ds, i), counts[i],
                   100.0 * (double)counts[i] / (double)cs_dataset_size(ds));
    }
    if (mean && sd && cs_dataset_channel_stats(mean, sd, c, ds) == CS_OK)
        for (int ch = 0; ch < c; ch++)
            printf("  channel %d: mean %.4f  std %.4f  (pixel / 255)\n", ch, mean[ch], sd[ch]);
    free(counts);
    free(mean);
    free(sd);
}

/* ASCII art: one character per pixel pair horizontally (terminal cells are ~2:1). */
static void preview(const cs_dataset *ds, size_t i)
{
    static const char ramp[] = " .:-=+*#%@";
    int c, h, w;
    cs_dataset_shape(&c, &h, &w, ds);
    const uint8_t *img = cs_dataset_image(ds, i);
    size_t plane = (size_t)h * (size_t)w;
    printf("\nimage %zu: class %d (%s)\n", i, cs_dataset_label(ds, i),
           cs_dataset_class_name(ds, cs_dataset_label(ds, i)));
    for (int y = 0; y < h; y++) {
        putchar(' ');
        for (int x = 0; x < w; x++) {
            unsigned sum = 0;
            for (int ch = 0; ch < c; ch++)
                sum += img[(size_t)ch * plane + (size_t)y * (size_t)w + (size_t)x];
            putchar(ramp[(sum / (unsigned)c) * 10u / 256u]);
            putchar(ramp[(sum / (unsigned)c) * 10u / 256u]);
        }
        putchar('\n');
    }
}

static int write_pnm(const cs_dataset *ds, size_t i, const char *dir)
{
    int c, h, w;
    cs_dataset_shape(&c, &h, &w, ds);
    if (c != 1 && c != 3)
        return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/image%zu.%s", dir, i, c == 1 ? "pgm" : "ppm");
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "dataset_info: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    const uint8_t *img = cs_dataset_image(ds, i);
    size_t plane = (size_t)h * (size_t)w;
    fprintf(f, "P%c\n%d %d\n255\n", c == 1 ? '5' : '6', w, h);
    for (size_t p = 0; p < plane; p++)
        for (int ch = 0; ch < c; ch++)
            fputc(img[(size_t)ch * plane + p], f);
    int bad = fclose(f) != 0;
    printf("  wrote %s\n", path);
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    const char *spec = "fashion-mnist", *pgm_dir = NULL;
    long previews = 3;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[a], "--preview") == 0 && a + 1 < argc) {
            char *end;
            previews = strtol(argv[++a], &end, 10);
            if (*end || previews < 0) {
                fprintf(stderr, "dataset_info: --preview wants a count >= 0, got '%s'\n", argv[a]);
                return 2;
            }
        } else if (strcmp(argv[a], "--pgm") == 0 && a + 1 < argc) {
            pgm_dir = argv[++a];
        } else if (argv[a][0] == '-') {
            fprintf(stderr, "dataset_info: unknown option '%s'\n", argv[a]);
            usage(stderr);
            return 2;
        } else {
            spec = argv[a];
        }
    }
    printf("libclasssens %s, data set %s\n", cs_version_string(), spec);

    cs_dataset *train = NULL, *test = NULL;
    int absent;
    double t0 = now_seconds();
    int status = open_split(spec, CS_SPLIT_TRAIN, &train, &absent);
    double t1 = now_seconds();
    if (status == CS_OK)
        status = open_split(spec, CS_SPLIT_TEST, &test, &absent);
    double t2 = now_seconds();
    if (status != CS_OK) {
        fprintf(stderr, "dataset_info: %s: %s\n", cs_status_str(status), cs_last_error());
        cs_dataset_destroy(train);
        return 1;
    }
    describe("train", train, t1 - t0);
    if (test)
        describe("test", test, t2 - t1);
    int rc = 0;
    for (long i = 0; i < previews && (size_t)i < cs_dataset_size(train); i++) {
        preview(train, (size_t)i);
        if (pgm_dir && write_pnm(train, (size_t)i, pgm_dir) != 0)
            rc = 1;
    }
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    return rc;
}
