/* make_tiny_npz: write two tiny NumPy archives (zip, stored members, as np.savez writes) for the
 * command-line tests of `--data npz:`. Deterministic: the same directory gets the same bytes.
 *
 *   make_tiny_npz DIR
 *
 * DIR/keras.npz: x_train (8, 4, 4, 3) uint8 channels last, y_train (8,) int64 = i % 3,
 * x_test (4, 4, 4, 3), y_test (4,) int64, class_names (3,) '<U3' cat, dog, eel.
 * DIR/single.npz: images (6, 5, 5) uint8, labels (6,) uint8 = i % 2. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 256;
        b->p = realloc(b->p, b->cap);
        if (!b->p) {
            fprintf(stderr, "make_tiny_npz: out of memory\n");
            exit(1);
        }
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void le(buf *b, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        uint8_t c = (uint8_t)(v >> (8 * i));
        put(b, &c, 1);
    }
}

/* A version 1.0 .npy array, header padded to 64 bytes as numpy does. */
static buf npy(const char *descr, const char *shape, const void *data, size_t n)
{
    char dict[128];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    size_t hl = strlen(dict) + 1;
    hl += (64 - (10 + hl) % 64) % 64;
    buf b = { 0 };
    put(&b, "\x93NUMPY\x01\x00", 8);
    le(&b, hl, 2);
    put(&b, dict, strlen(dict));
    for (size_t i = strlen(dict); i + 1 < hl; i++)
        put(&b, " ", 1);
    put(&b, "\n", 1);
    put(&b, data, n);
    return b;
}

static void write_npz(const char *dir, const char *file, const char *const *names, buf *arrays, int count)
{
    buf z = { 0 }, cd = { 0 };
    for (int i = 0; i < count; i++) {
        uint32_t crc = (uint32_t)crc32(0L, arrays[i].p, (uInt)arrays[i].len);
        size_t nl = strlen(names[i]);
        uint64_t offset = z.len;
        le(&z, 0x04034b50u, 4);
        le(&z, 20, 2);
        le(&z, 0, 2);
        le(&z, 0, 2);
        le(&z, 0, 4);
        le(&z, crc, 4);
        le(&z, arrays[i].len, 4);
        le(&z, arrays[i].len, 4);
        le(&z, nl, 2);
        le(&z, 0, 2);
        put(&z, names[i], nl);
        put(&z, arrays[i].p, arrays[i].len);
        le(&cd, 0x02014b50u, 4);
        le(&cd, 20, 2);
        le(&cd, 20, 2);
        le(&cd, 0, 2);
        le(&cd, 0, 2);
        le(&cd, 0, 4);
        le(&cd, crc, 4);
        le(&cd, arrays[i].len, 4);
        le(&cd, arrays[i].len, 4);
        le(&cd, nl, 2);
        le(&cd, 0, 8);
        le(&cd, 0, 4);
        le(&cd, offset, 4);
        put(&cd, names[i], nl);
        free(arrays[i].p);
    }
    uint64_t cd_offset = z.len;
    put(&z, cd.p, cd.len);
    le(&z, 0x06054b50u, 4);
    le(&z, 0, 4);
    le(&z, (uint64_t)count, 2);
    le(&z, (uint64_t)count, 2);
    le(&z, cd.len, 4);
    le(&z, cd_offset, 4);
    le(&z, 0, 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(z.p, 1, z.len, f) != z.len || fclose(f) != 0) {
        fprintf(stderr, "make_tiny_npz: cannot write %s\n", path);
        exit(1);
    }
    free(z.p);
    free(cd.p);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_tiny_npz DIR\n");
        return 2;
    }
    uint8_t px[8 * 4 * 4 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 37 % 251);
    int64_t y[8];
    for (int i = 0; i < 8; i++)
        y[i] = i % 3;
    uint32_t names[3][3] = { { 'c', 'a', 't' }, { 'd', 'o', 'g' }, { 'e', 'e', 'l' } };
    const char *const keras[] = { "x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy", "class_names.npy" };
    buf k[5] = { npy("|u1", "(8, 4, 4, 3)", px, sizeof px), npy("<i8", "(8,)", y, sizeof y),
                 npy("|u1", "(4, 4, 4, 3)", px, 4 * 4 * 4 * 3), npy("<i8", "(4,)", y, 4 * sizeof *y),
                 npy("<U3", "(3,)", names, sizeof names) };
    write_npz(argv[1], "keras.npz", keras, k, 5);
    uint8_t lab[6] = { 0, 1, 0, 1, 0, 1 };
    const char *const single[] = { "images.npy", "labels.npy" };
    buf s[2] = { npy("|u1", "(6, 5, 5)", px, 6 * 5 * 5), npy("|u1", "(6,)", lab, sizeof lab) };
    write_npz(argv[1], "single.npz", single, s, 2);
    return 0;
}
