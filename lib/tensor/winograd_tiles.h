/* Internal to winograd.c and winograd_f4.c: the tile geometry of a Winograd convolution and
 * the order in which the transforms visit a chunk of tiles; the F(4x4) transforms. */
#ifndef CS_TENSOR_WINOGRAD_TILES_H
#define CS_TENSOR_WINOGRAD_TILES_H

#include <stdbool.h>
#include <stddef.h>

/* U, V and M each hold XI matrices, which the transforms read or write together, one entry
 * of each. Matrices a power-of-two size apart (64x256 floats, 64 KiB) would put all entries
 * in one L1 set and evict each other (the transforms ran 3-4x slower so); SKEW floats (one
 * cache line) between consecutive matrices spread them over as many sets. */
enum { SKEW = 16 };

static inline size_t skewed(size_t floats)
{
    return floats + SKEW;
}

/* The convolution the code runs: in (N, C_in, H_in, W_in) -> out (N, C_out, H_out, W_out),
 * 3x3 filters, stride 1, zero padding pad; tiles of m x m outputs (F(m x m, 3x3), m = 2 or 4)
 * from (m + 2) x (m + 2) inputs, xi = (m + 2)^2 positions, th x tw tiles per image. */
typedef struct geom {
    int n, c_in, c_out, h_in, w_in, h_out, w_out, pad;
    int m, xi;
    int th, tw;
    size_t tiles, chunk; /* tiles per image; tiles per chunk */
} geom;

/* Planes at most SMALL_W outputs wide (ResNet18's 8x8, 7x7 and 4x4 layers) are transformed
 * tile by tile: along such short runs the row-vectorised transforms spent more on setting up
 * their loops than on the tiles (F(2x2): 145 ns per tile and channel at 4x4 against 22 at
 * 32x32). */
enum { SMALL_W = 8 };

static inline bool small_plane(const geom *g)
{
    return g->m * g->tw <= SMALL_W;
}

/* Floats of the zero-padded copy of one input plane that the tile-by-tile input transform
 * reads: (m th + 2) x (m tw + 2). */
static inline size_t padded_plane(const geom *g)
{
    return ((size_t)g->m * (size_t)g->th + 2) * ((size_t)g->m * (size_t)g->tw + 2);
}

/* Floats of the transforms' rows: F(2x2) 10 (tw + 1) (input: 4 rows of 2 tw + 2 and a zero
 * row, more than the output's and the gradient's 4 tw); F(4x4) 40 chunk + 7 (4 tw + 2) (the
 * input's 36 rows of one value per tile of an (image, channel) pair, at most a chunk's, then
 * 6 rows of 4 tw + 2 and a zero row; the output's and the gradient's 16 + 24 rows of a
 * pair's tiles). */
static inline size_t row_floats(const geom *g)
{
    if (g->m == 2)
        return 10 * ((size_t)g->tw + 1);
    return 40 * g->chunk + 7 * (4 * (size_t)g->tw + 2);
}

/* A run of tiles in one tile row of one image: columns [tj0, tj1) of row ti of image img, with left
 * tiles of the chunk from its start on. Runs are walked by next_run rather than computed from the
 * flat tile number: the divisions cost more than transforming the 2 tiles of a 4x4 plane's tile
 * row. */
typedef struct run {
    int img, ti, tj0, tj1;
    size_t left;
} run;

static inline run clip(const geom *g, run r)
{
    r.tj1 = (size_t)(g->tw - r.tj0) < r.left ? g->tw : r.tj0 + (int)r.left;
    return r;
}

/* The first run of the chunk of np tiles from flat tile number p (image-major). */
static inline run first_run(const geom *g, size_t p, size_t np)
{
    const size_t in_img = p % g->tiles;
    const run r = { .img = (int)(p / g->tiles),
                    .ti = (int)(in_img / (size_t)g->tw),
                    .tj0 = (int)(in_img % (size_t)g->tw),
                    .left = np };
    return clip(g, r);
}

/* The run after r; one with no tiles (tj0 == tj1) past the chunk's end. */
static inline run next_run(const geom *g, run r)
{
    r.left -= (size_t)(r.tj1 - r.tj0);
    r.tj0 = 0;
    if (++r.ti == g->th) {
        r.ti = 0;
        r.img++;
    }
    return clip(g, r);
}

/* The first run after r's image (one with no tiles past the chunk's end), and through *tiles how
 * many tiles of the chunk lie in r's image from r on. */
static inline run next_image(const geom *g, run r, size_t *tiles)
{
    const int img = r.img;
    *tiles = 0;
    for (; r.tj1 > r.tj0 && r.img == img; r = next_run(g, r))
        *tiles += (size_t)(r.tj1 - r.tj0);
    return r;
}

/* The order in which the transforms visit a chunk: image by image; in an image, channel by
 * channel (consecutive runs touch consecutive rows of one plane, and small planes, 4x4: one
 * cache line, follow each other); in a channel, the image's runs in order. q0 is the run's
 * first tile within the chunk. */
typedef struct walk {
    run start, after, r; /* the image's first run, the next image's, the current one */
    size_t q_img, tiles, q0;
    int c, channels;
} walk;

static inline walk walk_begin(const geom *g, size_t p0, size_t np, int channels)
{
    walk w = { .start = first_run(g, p0, np), .channels = channels };
    w.after = next_image(g, w.start, &w.tiles);
    w.r = w.start;
    return w;
}

static inline bool walk_more(const walk *w)
{
    return w->r.tj1 > w->r.tj0;
}

/* From any run of an (image, channel) pair to the first run of the next pair: the image's
 * next channel, or after its last the next image's first. The F(4x4) transforms walk a pair
 * at a time: its runs' w.tiles tiles are consecutive in V and M (from w.q_img), so that their
 * loops run over all of them, not over one run's few. */
static inline void walk_next_channel(const geom *g, walk *w)
{
    if (++w->c == w->channels) { /* the next image */
        w->c = 0;
        w->q_img += w->tiles;
        w->start = w->after;
        if (w->start.tj1 > w->start.tj0)
            w->after = next_image(g, w->start, &w->tiles);
    }
    w->r = w->start;
    w->q0 = w->q_img;
}

static inline void walk_next(const geom *g, walk *w)
{
    w->q0 += (size_t)(w->r.tj1 - w->r.tj0);
    w->r = next_run(g, w->r);
    if (w->r.tj1 > w->r.tj0 && w->r.img == w->start.img)
        return;
    walk_next_channel(g, w);
}

/* F(4x4)'s transforms (winograd_f4.c), with the contracts of winograd.c's F(2x2) ones:
 * V[xi] (C_in, np) of tiles [p0, p0 + np) from the input; out from M[xi] (C_out, np) (written
 * as bias + value, or added when accumulate); the weight gradient's Y[xi] (C_out, np) from dY.
 * rows is row_floats(g) floats of scratch, then, on small planes, the padded plane. */
void cs__winograd4_input(float *v, float *rows, const float *in, const geom *g, size_t p0, size_t np);
void cs__winograd4_output(float *out, float *rows, const float *m, const float *bias, bool accumulate,
                          const geom *g, size_t p0, size_t np);
void cs__winograd4_grad(float *ygrad, float *rows, const float *dy, const geom *g, size_t p0, size_t np);

#endif
