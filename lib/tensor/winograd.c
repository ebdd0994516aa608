/* 3x3 stride-1 pad-1 convolutions by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2016).
 *
 * Why: these convolutions carry about 90 % of ResNet18's arithmetic and most of GoogLeNet's.
 * im2col + GEMM spends 9 multiply-adds per output per input channel and first writes a column
 * matrix 9 times the size of the input. F(2x2, 3x3) computes each 2x2 output tile from a 4x4
 * input tile with 16 multiply-adds per input channel instead of 36 (2.25x fewer), as 16
 * independent GEMMs, and its transformed input holds 4 values per output pixel, not 9.
 *
 * With g a 3x3 filter, d a 4x4 input tile and the constant matrices
 *   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]       (4x3)
 *   Bt = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]        (4x4)
 *   At = [1 1 1 0; 0 1 -1 -1]                           (2x4)
 * the 2x2 output tile is At [ sum over input channels of (G g Gt) .* (Bt d B) ] A. For every
 * one of the 16 positions xi of the 4x4 transformed tile this sum is a matrix product:
 *   M[xi] (C_out, P) = U[xi] (C_out, C_in) . V[xi] (C_in, P)
 * with U the transformed filters and V the transformed input tiles, P tiles side by side.
 * Tiles are numbered over the whole batch (image, tile row, tile column) and processed in
 * chunks (see CHUNK_FLOATS), so the GEMMs have enough columns even on 4x4 planes and the
 * scratch stays a few MiB on large ones. Output tiles that overhang an odd-sized plane read
 * zeros and their overhanging outputs are dropped.
 *
 * The gradient with respect to the input of a 3x3 stride-1 pad-p convolution is itself a 3x3
 * stride-1 convolution, pad 2 - p, of dY with the filters rotated by 180 degrees and C_in and
 * C_out swapped; so dx runs through the same code (see rotated_xi). dW reuses the input
 * transform (see transform_grad).
 *
 * Accuracy: the transforms multiply by 1/2 and add at most 9 terms; measured against the
 * double definition the outputs stay within a few float ulps of the tensor's scale, the same
 * order as im2col + GEMM (tests/test_conv.c). Loop orders are fixed, so results are
 * deterministic. */
#include <stddef.h>
#include <string.h>

#include "tensor/winograd.h"

/* Tiles per chunk. A chunk's V and M (16 (C_in + C_out) P floats) should stay in L2, where
 * the transforms and OpenBLAS's small-matrix kernel run up to twice as fast as from memory
 * (measured on ResNet18's layers, one thread: at C = 64 the 16 GEMMs ran at 118 GFLOP/s on
 * chunks of 64 tiles, 64 GFLOP/s on 256): CHUNK_FLOATS / (C_in + C_out) tiles. But each
 * GEMM also reads its U[xi] (C_out x C_in) once per chunk, and where that is the larger
 * operand (layer4, 1 MiB) more tiles per chunk pay off: at least C_in C_out / 2048. Within
 * [CHUNK_MIN, CHUNK_MAX], multiples of 16, or all the batch's tiles where they are fewer. */
enum { CHUNK_FLOATS = 8192, CHUNK_MIN = 16, CHUNK_MAX = 256 };

enum { XI = 16 }; /* positions of a transformed 4x4 tile */

/* U, V and M each hold 16 matrices, which the transforms read or write together, one entry
 * of each. Matrices a power-of-two size apart (64x256 floats, 64 KiB) would put all 16
 * entries in one L1 set and evict each other (the transforms ran 3-4x slower so); SKEW floats
 * (one cache line) between consecutive matrices spread them over 16 sets. */
enum { SKEW = 16 };

static size_t skewed(size_t floats)
{
    return floats + SKEW;
}

/* The convolution the code runs: in (N, C_in, H_in, W_in) -> out (N, C_out, H_out, W_out),
 * 3x3 filters, stride 1, zero padding pad; tiles of 2x2 outputs, th x tw per image. */
typedef struct geom {
    int n, c_in, c_out, h_in, w_in, h_out, w_out, pad;
    int th, tw;
    size_t tiles, chunk; /* tiles per image; tiles per chunk */
} geom;

static geom geom_of(int n, int c_in, int c_out, int h_in, int w_in, int h_out, int w_out, int pad)
{
    geom g = { .n = n, .c_in = c_in, .c_out = c_out, .h_in = h_in, .w_in = w_in,
               .h_out = h_out, .w_out = w_out, .pad = pad };
    g.th = (h_out + 1) / 2;
    g.tw = (w_out + 1) / 2;
    g.tiles = (size_t)g.th * (size_t)g.tw;
    const size_t all = g.tiles * (size_t)n;
    size_t chunk = CHUNK_FLOATS / ((size_t)c_in + (size_t)c_out);
    const size_t by_filters = (size_t)c_in * (size_t)c_out / 2048;
    chunk = chunk > by_filters ? chunk : by_filters;
    chunk = chunk < CHUNK_MIN ? CHUNK_MIN : chunk > CHUNK_MAX ? CHUNK_MAX : chunk / 16 * 16;
    g.chunk = all < chunk ? all : chunk;
    return g;
}

static geom forward_geom(const cs__conv_shape *s)
{
    return geom_of(s->n, s->c_in, s->c_out, s->h_in, s->w_in, s->h_out, s->w_out, s->pad);
}

/* dx = conv(dY, rotated filters): from the output plane back to the input plane. */
static geom backward_geom(const cs__conv_shape *s)
{
    return geom_of(s->n, s->c_out, s->c_in, s->h_out, s->w_out, s->h_in, s->w_in, 2 - s->pad);
}

/* Few channels make the 16 GEMMs too thin to pay for the transforms: ResNet18's stem (3 in)
 * ran 4x slower this way than by im2col + GEMM. Very many make the transformed filters (16
 * C_in C_out floats, in every thread's workspace) larger than the rest of the model's
 * memory: above 1024 x 1024 channel pairs (64 MiB) the convolution stays with im2col. */
enum { MIN_CHANNELS = 16 };
#define MAX_CHANNEL_PAIRS ((size_t)1 << 20)

/* The weight gradient's 16 GEMMs produce (C_out, C_in) blocks over an inner dimension of one
 * chunk of tiles; below 64 channels on either side they are too small to beat one im2col GEMM
 * (custom's 32 -> 64 on 15x15: dW 7.4 ms by im2col, 9.0-9.6 by Winograd; ResNet18's 64 -> 64 on
 * 32x32: 41 against 28; one thread, batch 32). */
enum { MIN_WEIGHT_CHANNELS = 64 };

bool cs__winograd_weights_apply(const cs__conv_shape *s)
{
    return cs__winograd_applies(s) && s->c_in >= MIN_WEIGHT_CHANNELS && s->c_out >= MIN_WEIGHT_CHANNELS;
}

bool cs__winograd_applies(const cs__conv_shape *s)
{
    return s->kh == 3 && s->kw == 3 && s->stride == 1 && s->pad == 1 && s->c_in >= MIN_CHANNELS &&
           s->c_out >= MIN_CHANNELS && (size_t)s->c_in * (size_t)s->c_out <= MAX_CHANNEL_PAIRS;
}

/* Planes of at most SMALL_TW tiles per row (ResNet18's 8x8, 7x7 and 4x4 layers) are transformed
 * tile by tile: along such short runs the row-vectorised transforms spent more on setting up
 * their loops than on the tiles (145 ns per tile and channel at 4x4 against 22 at 32x32). */
enum { SMALL_TW = 4 };

static bool small_plane(const geom *g)
{
    return g->tw <= SMALL_TW;
}

/* Floats of the zero-padded copy of one input plane that the tile-by-tile input transform
 * reads: (2 th + 2) x (2 tw + 2). */
static size_t padded_plane(const geom *g)
{
    return (2 * (size_t)g->th + 2) * (2 * (size_t)g->tw + 2);
}

/* U (or dU), then V and M (or the gradient's Y) of one chunk, then the scratch of the
 * transforms (rows: input 10 (tw + 1), more than the output's and the gradient's 4 tw; on
 * small planes the padded plane). */
static size_t geom_workspace(const geom *g)
{
    return (size_t)XI * (skewed((size_t)g->c_out * (size_t)g->c_in) + skewed((size_t)g->c_in * g->chunk) +
                         skewed((size_t)g->c_out * g->chunk)) +
           10 * ((size_t)g->tw + 1) + (small_plane(g) ? padded_plane(g) : 0);
}

size_t cs__winograd_workspace(const cs__conv_shape *s)
{
    const geom f = forward_geom(s), b = backward_geom(s);
    const size_t wf = geom_workspace(&f), wb = geom_workspace(&b);
    return wf > wb ? wf : wb;
}

/* U[xi] (C_out, C_in) at u + xi * skewed(C_out C_in): G g Gt of every filter g of
 * w (C_out, C_in, 3, 3). */
static void transform_filters(float *u, const float *w, int c_out, int c_in)
{
    const size_t plane = skewed((size_t)c_out * (size_t)c_in);
    for (size_t f = 0; f < (size_t)c_out * (size_t)c_in; f++) {
        const float *g = w + f * 9;
        float t[4][3];
        for (int b = 0; b < 3; b++) { /* t = G g */
            t[0][b] = g[b];
            t[1][b] = 0.5f * (g[b] + g[3 + b] + g[6 + b]);
            t[2][b] = 0.5f * (g[b] - g[3 + b] + g[6 + b]);
            t[3][b] = g[6 + b];
        }
        for (int a = 0; a < 4; a++) { /* U = t Gt */
            float *row = u + (size_t)(a * 4) * plane + f;
            row[0] = t[a][0];
            row[plane] = 0.5f * (t[a][0] + t[a][1] + t[a][2]);
            row[2 * plane] = 0.5f * (t[a][0] - t[a][1] + t[a][2]);
            row[3 * plane] = t[a][2];
        }
    }
}

/* The transformed filters of dx's convolution need no transform of their own. Rotating g by
 * 180 degrees reverses its rows and columns, and G (reversed columns) = P G with P the
 * permutation (3, 1, 2, 0) of G's rows; so G g' Gt = P (G g Gt) P: position (a, b) of the
 * rotated filter's U is position (P a, P b) of the forward's. With C_in and C_out swapped
 * too, dx's U[xi] is the forward's U[rotated_xi(xi)] transposed, which the GEMM reads as
 * such. */
static int rotated_xi(int xi)
{
    static const int p[4] = { 3, 1, 2, 0 };
    return p[xi / 4] * 4 + p[xi % 4];
}

/* A run of tiles in one tile row of one image: columns [tj0, tj1) of row ti of image img, with left
 * tiles of the chunk from its start on. Runs are walked by next_run rather than computed from the
 * flat tile number: the divisions cost more than transforming the 2 tiles of a 4x4 plane's tile
 * row. */
typedef struct run {
    int img, ti, tj0, tj1;
    size_t left;
} run;

static run clip(const geom *g, run r)
{
    r.tj1 = (size_t)(g->tw - r.tj0) < r.left ? g->tw : r.tj0 + (int)r.left;
    return r;
}

/* The first run of the chunk of np tiles from flat tile number p (image-major). */
static run first_run(const geom *g, size_t p, size_t np)
{
    const size_t in_img = p % g->tiles;
    const run r = { .img = (int)(p / g->tiles),
                    .ti = (int)(in_img / (size_t)g->tw),
                    .tj0 = (int)(in_img % (size_t)g->tw),
                    .left = np };
    return clip(g, r);
}

/* The run after r; one with no tiles (tj0 == tj1) past the chunk's end. */
static run next_run(const geom *g, run r)
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
static run next_image(const geom *g, run r, size_t *tiles)
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

static walk walk_begin(const geom *g, size_t p0, size_t np, int channels)
{
    walk w = { .start = first_run(g, p0, np), .channels = channels };
    w.after = next_image(g, w.start, &w.tiles);
    w.r = w.start;
    return w;
}

static bool walk_more(const walk *w)
{
    return w->r.tj1 > w->r.tj0;
}

static void walk_next(const geom *g, walk *w)
{
    w->q0 += (size_t)(w->r.tj1 - w->r.tj0);
    w->r = next_run(g, w->r);
    if (w->r.tj1 > w->r.tj0 && w->r.img == w->start.img)
        return;
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

/* t = Bt d on n columns of four input rows. */
static void bt_rows(float *restrict t0, float *restrict t1, float *restrict t2, float *restrict t3,
                    const float *restrict d0, const float *restrict d1, const float *restrict d2,
                    const float *restrict d3, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        t0[i] = d0[i] - d2[i];
        t1[i] = d1[i] + d2[i];
        t2[i] = d2[i] - d1[i];
        t3[i] = d1[i] - d3[i];
    }
}

/* Bt d B of one 4x4 tile d (rows pw apart) into its 16 positions, xi_stride apart. */
static inline void input_tile(float *restrict dst, size_t xi_stride, const float *d0, size_t pw)
{
    const float *d1 = d0 + pw, *d2 = d1 + pw, *d3 = d2 + pw;
    float tt[4][4];
    for (int u = 0; u < 4; u++) { /* t = Bt d */
        tt[0][u] = d0[u] - d2[u];
        tt[1][u] = d1[u] + d2[u];
        tt[2][u] = d2[u] - d1[u];
        tt[3][u] = d1[u] - d3[u];
    }
    for (int a = 0; a < 4; a++) { /* V = t B */
        dst[(size_t)(4 * a) * xi_stride] = tt[a][0] - tt[a][2];
        dst[(size_t)(4 * a + 1) * xi_stride] = tt[a][1] + tt[a][2];
        dst[(size_t)(4 * a + 2) * xi_stride] = tt[a][2] - tt[a][1];
        dst[(size_t)(4 * a + 3) * xi_stride] = tt[a][1] - tt[a][3];
    }
}

/* V[xi] (C_in, np) of tiles [p0, p0 + np): Bt d B of every input tile. For a run of tiles
 * in one tile row, t = Bt d is first computed along the whole run, on 4 rows of padded
 * columns (padded column q is input column q - pad); tile j then reads columns 2 j .. 2 j + 3
 * of t. Both passes are plain unit- or two-stride loops that the compiler vectorises; the
 * padding is never copied (rows outside the plane read a zero row). rows is scratch of
 * 10 (tw + 1) floats. */
static void transform_input(float *restrict v, float *restrict rows, const float *in, const geom *g, size_t p0,
                            size_t np)
{
    const size_t width = 2 * (size_t)g->tw + 2, xi_stride = skewed((size_t)g->c_in * np);
    const size_t in_img = (size_t)g->c_in * (size_t)g->h_in * (size_t)g->w_in;
    const size_t in_plane = (size_t)g->h_in * (size_t)g->w_in;
    float *t = rows, *zero = rows + 4 * width;
    memset(zero, 0, (size_t)g->w_in * sizeof *zero);
    const bool small = small_plane(g);
    float *padded = rows + 10 * ((size_t)g->tw + 1);
    const size_t pw = width; /* padded plane: (2 th + 2) rows of 2 tw + 2 */
    if (small)
        memset(padded, 0, padded_plane(g) * sizeof *padded);
    for (walk w = walk_begin(g, p0, np, g->c_in); walk_more(&w); walk_next(g, &w)) {
        const run r = w.r;
        const int c = w.c;
        const size_t q0 = w.q0;
        if (small) {
            if (q0 == w.q_img) { /* the image's first run in this channel: copy its plane */
                const float *plane = in + (size_t)r.img * in_img + (size_t)c * in_plane;
                for (int ih = 0; ih < g->h_in; ih++)
                    memcpy(padded + (size_t)(ih + g->pad) * pw + (size_t)g->pad, plane + (size_t)ih * (size_t)g->w_in,
                           (size_t)g->w_in * sizeof *padded);
            }
            float *vc = v + (size_t)c * np + q0;
            for (int tj = r.tj0; tj < r.tj1; tj++) {
                input_tile(vc + (tj - r.tj0), xi_stride, padded + (size_t)(2 * r.ti) * pw + 2 * (size_t)tj, pw);
            }
            continue;
        }
        const size_t j0 = (size_t)r.tj0, n = (size_t)(r.tj1 - r.tj0);
        /* padded columns [qa, qz) of the run inside the plane; the rest are 0 */
        const size_t lo = 2 * j0, hi = 2 * j0 + 2 * n + 2, lead = (size_t)g->pad;
        const size_t qa = lo > lead ? lo : lead;
        const size_t qz = hi < (size_t)g->w_in + lead ? hi : (size_t)g->w_in + lead;
        const float *plane = in + (size_t)r.img * in_img + (size_t)c * in_plane;
        const float *rowp[4];
        for (int i = 0; i < 4; i++) {
            const int ih = 2 * r.ti - g->pad + i;
            rowp[i] = ih < 0 || ih >= g->h_in ? zero : plane + (size_t)ih * (size_t)g->w_in;
            /* The same rows of the next channel's plane: a new stream for the hardware
             * prefetcher each time (at 32x32 a plane is a page, where its streams end),
             * so the loads would wait on memory. */
            if (rowp[i] != zero && c + 1 < g->c_in)
                for (size_t q = qa - lead; q < qz - lead; q += 16)
                    __builtin_prefetch(rowp[i] + in_plane + q);
        }
        float *t0 = t, *t1 = t0 + width, *t2 = t1 + width, *t3 = t2 + width;
        for (size_t q = lo; q < qa; q++)
            t0[q] = t1[q] = t2[q] = t3[q] = 0.0f;
        bt_rows(t0 + qa, t1 + qa, t2 + qa, t3 + qa, rowp[0] + (qa - lead), rowp[1] + (qa - lead),
                rowp[2] + (qa - lead), rowp[3] + (qa - lead), qz - qa);
        for (size_t q = qz > lo ? qz : lo; q < hi; q++)
            t0[q] = t1[q] = t2[q] = t3[q] = 0.0f;
        float *vc = v + (size_t)c * np + q0;
        for (int a = 0; a < 4; a++) { /* V = t B */
            const float *restrict ta = t + (size_t)a * width + lo;
            float *restrict v0 = vc + (size_t)(4 * a) * xi_stride, *restrict v1 = v0 + xi_stride;
            float *restrict v2 = v1 + xi_stride, *restrict v3 = v2 + xi_stride;
            for (size_t j = 0; j < n; j++) {
                const float e0 = ta[2 * j], o0 = ta[2 * j + 1], e1 = ta[2 * j + 2], o1 = ta[2 * j + 3];
                v0[j] = e0 - e1;
                v1[j] = o0 + e1;
                v2[j] = e1 - o0;
                v3[j] = o0 - o1;
            }
        }
    }
}

/* out of tiles [p0, p0 + np) from M[xi] (C_out, np): At m A of every tile, the parts inside
 * the plane written as bias + value (bias may be NULL: 0) or, when accumulate, added. rows is
 * scratch of 4 tw floats: the even and odd columns of the tile row's two output rows. */
static void transform_output(float *out, float *restrict rows, const float *restrict m, const float *bias,
                             bool accumulate, const geom *g, size_t p0, size_t np)
{
    const size_t tw = (size_t)g->tw, xi_stride = skewed((size_t)g->c_out * np);
    const size_t out_plane = (size_t)g->h_out * (size_t)g->w_out;
    const size_t out_img = (size_t)g->c_out * out_plane;
    float *restrict ye0 = rows, *restrict yo0 = ye0 + tw, *restrict ye1 = yo0 + tw, *restrict yo1 = ye1 + tw;
    for (walk w = walk_begin(g, p0, np, g->c_out); walk_more(&w); walk_next(g, &w)) {
        const run r = w.r;
        const int k = w.c;
        const size_t q0 = w.q0;
        const float b = bias ? bias[k] : 0.0f;
        const size_t n = (size_t)(r.tj1 - r.tj0);
        const int oh = 2 * r.ti, ow0 = 2 * r.tj0;
        const int ow1 = 2 * r.tj1 < g->w_out ? 2 * r.tj1 : g->w_out;
        const int rows_in = g->h_out - oh < 2 ? g->h_out - oh : 2;
        const float *restrict mk = m + (size_t)k * np + q0;
        for (size_t j = 0; j < n; j++) {
            float t0[4], t1[4];
            for (int u = 0; u < 4; u++) { /* t = At m */
                const float m0 = mk[(size_t)u * xi_stride + j], m1 = mk[(size_t)(4 + u) * xi_stride + j];
                const float m2 = mk[(size_t)(8 + u) * xi_stride + j],
                            m3 = mk[(size_t)(12 + u) * xi_stride + j];
                t0[u] = m0 + m1 + m2;
                t1[u] = m1 - m2 - m3;
            }
            ye0[j] = t0[0] + t0[1] + t0[2]; /* Y = t A */
            yo0[j] = t0[1] - t0[2] - t0[3];
            ye1[j] = t1[0] + t1[1] + t1[2];
            yo1[j] = t1[1] - t1[2] - t1[3];
        }
        float *plane = out + (size_t)r.img * out_img + (size_t)k * out_plane;
        for (int a = 0; a < rows_in; a++) {
            float *dst = plane + (size_t)(oh + a) * (size_t)g->w_out + ow0;
            const float *ye = a ? ye1 : ye0, *yo = a ? yo1 : yo0;
            /* whole tiles, then the even column of a tile overhanging an odd width */
            const size_t pairs = (size_t)(ow1 - ow0) / 2, odd = (size_t)(ow1 - ow0) % 2;
            if (accumulate) {
                for (size_t j = 0; j < pairs; j++) {
                    dst[2 * j] += ye[j];
                    dst[2 * j + 1] += yo[j];
                }
                if (odd)
                    dst[2 * pairs] += ye[pairs];
            } else {
                for (size_t j = 0; j < pairs; j++) {
                    dst[2 * j] = b + ye[j];
                    dst[2 * j + 1] = b + yo[j];
                }
                if (odd)
                    dst[2 * pairs] = b + ye[pairs];
            }
        }
    }
}

/* Y[xi] (C_out, np) of tiles [p0, p0 + np) for the weight gradient: A dy At of every 2x2
 * tile of dY (its entries outside an odd-sized plane are 0), with A = At transposed. The
 * weight gradient of filter (o, i) is then Gt [sum over tiles of Y[xi][o] V[xi][i]] G: the
 * forward's output is the bilinear form sum over xi of (A dy At) (G g Gt) (Bt d B), so its
 * derivative with respect to g is Gt [(A dy At) .* (Bt d B)] G. rows is scratch of 4 tw. */
static void transform_grad(float *restrict ygrad, float *restrict rows, const float *dy, const geom *g, size_t p0,
                           size_t np)
{
    const size_t tw = (size_t)g->tw, xi_stride = skewed((size_t)g->c_out * np);
    const size_t plane_size = (size_t)g->h_out * (size_t)g->w_out;
    const size_t img_size = (size_t)g->c_out * plane_size;
    float *restrict e0 = rows, *restrict o0 = e0 + tw, *restrict e1 = o0 + tw, *restrict o1 = e1 + tw;
    for (walk w = walk_begin(g, p0, np, g->c_out); walk_more(&w); walk_next(g, &w)) {
        const run r = w.r;
        const int k = w.c;
        const size_t q0 = w.q0;
        const size_t j0 = (size_t)r.tj0, n = (size_t)(r.tj1 - r.tj0);
        const float *plane = dy + (size_t)r.img * img_size + (size_t)k * plane_size;
        /* the tile row's two rows of dY, split into even and odd columns, 0 outside */
        for (int a = 0; a < 2; a++) {
            float *e = a ? e1 : e0, *o = a ? o1 : o0;
            const int oh = 2 * r.ti + a;
            const size_t cols = oh < g->h_out ? (size_t)g->w_out : 0;
            const float *row = plane + (size_t)oh * (size_t)g->w_out;
            for (size_t j = 0; j < n; j++) {
                const size_t ow = 2 * (j0 + j);
                e[j] = ow < cols ? row[ow] : 0.0f;
                o[j] = ow + 1 < cols ? row[ow + 1] : 0.0f;
            }
        }
        float *yk = ygrad + (size_t)k * np + q0;
        for (int a = 0; a < 4; a++) { /* r = A dy, then Y = r At */
            float *restrict y0 = yk + (size_t)(4 * a) * xi_stride, *restrict y1 = y0 + xi_stride;
            float *restrict y2 = y1 + xi_stride, *restrict y3 = y2 + xi_stride;
            for (size_t j = 0; j < n; j++) {
                const float re = a == 0 ? e0[j] : a == 1 ? e0[j] + e1[j] : a == 2 ? e0[j] - e1[j] : -e1[j];
                const float ro = a == 0 ? o0[j] : a == 1 ? o0[j] + o1[j] : a == 2 ? o0[j] - o1[j] : -o1[j];
                y0[j] = re;
                y1[j] = re + ro;
                y2[j] = re - ro;
                y3[j] = -ro;
            }
        }
    }
}

/* dw (C_out, C_in, 3, 3) += Gt D G of every filter's summed product D, at du + xi * skewed(C_out C_in). */
static void untransform_filters(float *dw, const float *du, int c_out, int c_in)
{
    const size_t plane = skewed((size_t)c_out * (size_t)c_in);
    for (size_t f = 0; f < (size_t)c_out * (size_t)c_in; f++) {
        float t[3][4];
        for (int b = 0; b < 4; b++) { /* t = Gt D */
            const float d0 = du[(size_t)b * plane + f], d1 = du[(size_t)(4 + b) * plane + f];
            const float d2 = du[(size_t)(8 + b) * plane + f], d3 = du[(size_t)(12 + b) * plane + f];
            t[0][b] = d0 + 0.5f * (d1 + d2);
            t[1][b] = 0.5f * (d1 - d2);
            t[2][b] = 0.5f * (d1 + d2) + d3;
        }
        float *g = dw + f * 9;
        for (int a = 0; a < 3; a++) { /* dW += t G */
            g[a * 3 + 0] += t[a][0] + 0.5f * (t[a][1] + t[a][2]);
            g[a * 3 + 1] += 0.5f * (t[a][1] - t[a][2]);
            g[a * 3 + 2] += 0.5f * (t[a][1] + t[a][2]) + t[a][3];
        }
    }
}

/* out = conv(in) [+ bias], or out += conv(in) when accumulate, with U already transformed:
 * the forward's U[xi] (C_out, C_in) of this convolution or, when transposed, the U of the
 * convolution it is the gradient of (see rotated_xi). */
static void run_conv(float *out, const float *in, const float *u, bool transposed, const float *bias, bool accumulate,
                     const geom *g, float *work)
{
    float *v = work;
    float *m = v + (size_t)XI * skewed((size_t)g->c_in * g->chunk);
    float *rows = m + (size_t)XI * skewed((size_t)g->c_out * g->chunk);
    const size_t all = g->tiles * (size_t)g->n;
    for (size_t p0 = 0; p0 < all; p0 += g->chunk) {
        const size_t np = all - p0 < g->chunk ? all - p0 : g->chunk;
        transform_input(v, rows, in, g, p0, np);
        for (int xi = 0; xi < XI; xi++) {
            const int from = transposed ? rotated_xi(xi) : xi;
            cs__sgemm(transposed, false, g->c_out, (int)np, g->c_in, 1.0f,
                      u + (size_t)from * skewed((size_t)g->c_out * (size_t)g->c_in), transposed ? g->c_out : g->c_in,
                      v + (size_t)xi * skewed((size_t)g->c_in * np), (int)np, 0.0f,
                      m + (size_t)xi * skewed((size_t)g->c_out * np), (int)np);
        }
        transform_output(out, rows, m, bias, accumulate, g, p0, np);
    }
}

void cs__winograd_forward(float *y, const float *x, const float *w, const float *b, const cs__conv_shape *s,
                          float *work)
{
    const geom g = forward_geom(s);
    float *u = work;
    transform_filters(u, w, s->c_out, s->c_in);
    run_conv(y, x, u, false, b, false, &g, u + (size_t)XI * skewed((size_t)s->c_out * (size_t)s->c_in));
}

void cs__winograd_backward_data(float *dx, const float *dy, const float *w, const cs__conv_shape *s, float *work)
{
    const geom g = backward_geom(s);
    float *u = work;
    transform_filters(u, w, s->c_out, s->c_in);
    run_conv(dx, dy, u, true, NULL, true, &g, u + (size_t)XI * skewed((size_t)s->c_out * (size_t)s->c_in));
}

void cs__winograd_backward_weights(float *dw, const float *dy, const float *x, const cs__conv_shape *s,
                                   float *work)
{
    const geom g = forward_geom(s);
    float *du = work;
    float *v = du + (size_t)XI * skewed((size_t)s->c_out * (size_t)s->c_in);
    float *yg = v + (size_t)XI * skewed((size_t)g.c_in * g.chunk);
    float *rows = yg + (size_t)XI * skewed((size_t)g.c_out * g.chunk);
    const size_t all = g.tiles * (size_t)g.n;
    for (size_t p0 = 0; p0 < all; p0 += g.chunk) {
        const size_t np = all - p0 < g.chunk ? all - p0 : g.chunk;
        transform_input(v, rows, x, &g, p0, np);
        transform_grad(yg, rows, dy, &g, p0, np);
        /* dU[xi] (C_out, C_in) (+)= Y[xi] (C_out, np) . V[xi] (C_in, np)^T, summed over chunks in order */
        for (int xi = 0; xi < XI; xi++)
            cs__sgemm(false, true, g.c_out, g.c_in, (int)np, 1.0f, yg + (size_t)xi * skewed((size_t)g.c_out * np),
                      (int)np, v + (size_t)xi * skewed((size_t)g.c_in * np), (int)np, p0 == 0 ? 0.0f : 1.0f,
                      du + (size_t)xi * skewed((size_t)g.c_out * (size_t)g.c_in), g.c_in);
    }
    untransform_filters(dw, du, s->c_out, s->c_in);
}
