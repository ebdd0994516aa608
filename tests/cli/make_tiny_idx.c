/* make_tiny_idx: write a tiny, learnable image data set in the IDX format (raw, uncompressed)
 * for the command-line tests: K (2..5) classes of S×S grey images, each a bright shape
 * (horizontal bar, vertical bar, ring, X, square) at a random offset on a dim noisy background. Deterministic: the same arguments always give the same bytes.
 *
 *   make_tiny_idx DIR [TRAIN TEST SIDE CLASSES SEED]   (defaults 600 150 12 3 1)
 *
 * Writes DIR/train-images-idx3-ubyte, DIR/train-labels-idx1-ubyte, DIR/t10k-images-idx3-ubyte
 * and DIR/t10k-labels-idx1-ubyte (classes balanced, labels in a shuffled order). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64*: enough for test data, no library needed. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

static double uniform01(uint64_t *s)
{
    return (double)(next_random(s) >> 11) * (1.0 / 9007199254740992.0);
}

static void put_be32(FILE *f, uint32_t v)
{
    unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                           (unsigned char)v };
    fwrite(b, 1, 4, f);
}

/* Shapes that a horizontal flip (the training augmentation) leaves in their class. */
static int in_shape(int shape, double u, double v, int side)
{
    double r = side / 4.0;
    switch (shape) {
    case 0: return fabs(v) < 1.0;                                 /* horizontal bar */
    case 1: return fabs(u) < 1.0;                                 /* vertical bar */
    case 2: return fabs(sqrt(u * u + v * v) - r) < 0.9;           /* ring */
    case 3: return fabs(fabs(u) - fabs(v)) < 0.9 && fabs(u) < r;  /* X */
    default: return fabs(u) < r && fabs(v) < r;                   /* filled square */
    }
}

static void draw(unsigned char *img, int side, int label, uint64_t *rng)
{
    double cx = (side - 1) / 2.0 + (uniform01(rng) - 0.5) * side * 0.3;
    double cy = (side - 1) / 2.0 + (uniform01(rng) - 0.5) * side * 0.3;
    for (int y = 0; y < side; y++) {
        for (int x = 0; x < side; x++) {
            double v = 20.0 + 40.0 * uniform01(rng) + (in_shape(label, x - cx, y - cy, side) ? 160.0 : 0.0);
            img[y * side + x] = (unsigned char)(v > 255.0 ? 255.0 : v);
        }
    }
}

static int write_split(const char *dir, const char *prefix, int n, int side, int classes, uint64_t *rng)
{
    char ipath[4096], lpath[4096];
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte", dir, prefix);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte", dir, prefix);
    FILE *fi = fopen(ipath, "wb"), *fl = fopen(lpath, "wb");
    unsigned char *img = malloc((size_t)side * (size_t)side);
    int *labels = malloc((size_t)n * sizeof *labels);
    if (!fi || !fl || !img || !labels) {
        fprintf(stderr, "make_tiny_idx: cannot write %s: %s\n", !fi ? ipath : lpath, strerror(errno));
        return 1;
    }
    for (int i = 0; i < n; i++)
        labels[i] = i % classes;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(next_random(rng) % (uint64_t)(i + 1)), t = labels[i];
        labels[i] = labels[j];
        labels[j] = t;
    }
    put_be32(fi, 0x00000803u);
    put_be32(fi, (uint32_t)n);
    put_be32(fi, (uint32_t)side);
    put_be32(fi, (uint32_t)side);
    put_be32(fl, 0x00000801u);
    put_be32(fl, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        draw(img, side, labels[i], rng);
        fwrite(img, 1, (size_t)side * (size_t)side, fi);
        fputc(labels[i], fl);
    }
    int bad = ferror(fi) || ferror(fl);
    bad |= fclose(fi) != 0;
    bad |= fclose(fl) != 0;
    free(img);
    free(labels);
    if (bad)
        fprintf(stderr, "make_tiny_idx: write error in %s\n", dir);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 7) {
        fprintf(stderr, "usage: make_tiny_idx DIR [TRAIN TEST SIDE CLASSES SEED]\n");
        return 2;
    }
    int train = 600, test = 150, side = 12, classes = 3;
    uint64_t seed = 1;
    if (argc == 7) {
        train = atoi(argv[2]);
        test = atoi(argv[3]);
        side = atoi(argv[4]);
        classes = atoi(argv[5]);
        seed = strtoull(argv[6], NULL, 10);
    }
    if (train < classes || test < classes || side < 4 || side > 64 || classes < 2 || classes > 5) {
        fprintf(stderr, "make_tiny_idx: bad sizes\n");
        return 2;
    }
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;
    if (write_split(argv[1], "train", train, side, classes, &rng) != 0)
        return 1;
    return write_split(argv[1], "t10k", test, side, classes, &rng);
}
