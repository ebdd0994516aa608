/* 3x3 stride-1 pad-1 convolutions by Winograd's minimal filtering F(2x2, 3x3) and F(4x4, 3x3)
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
 *
 * Why: these convolutions carry about 90 % of ResNet18's arithmetic and most of GoogLeNet's.
 * im2col + GEMM spends 9 multiply-adds per output per input channel and first writes a column
 * matrix 9 times the size of the input. F(m x m, 3x3) computes each m x m output tile from an
 * (m + 2) x (m + 2) input tile with (m + 2)^2 multiply-adds per input channel, as (m + 2)^2
 * independent GEMMs: F(2x2) 16 instead of 36 (2.25x fewer), F(4x4) 36 instead of 144 (4x).
 *
 * F(2x2), with g a 3x3 filter, d a 4x4 input tile and the constant matrices
 *   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]       (4x3)
 *   Bt = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]        (4x4)
 *   At = [1 1 1 0; 0 1 -1 -1]                           (2x4)
 * F(4x4), from the points 0, 1, -1, 2, -2 and infinity (Lavin & Gray's; NNPACK and oneDNN use
 * the same family), d 6x6:
 *   G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   Bt = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
 *         0 4 0 -5 0 1]
 *   At = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
 * The output tile is At [ sum over input channels of (G g Gt) .* (Bt d B) ] A. For every one
 * of the XI = (m + 2)^2 positions xi of the transformed tile this sum is a matrix product:
 *   M[xi] (C_out, P) = U[xi] (C_out, C_in) . V[xi] (C_in, P)
 * with U the transformed filters and V the transformed input tiles, P tiles side by side.
 * Tiles are numbered over the whole batch (image, tile row, tile column) and processed in
 * chunks (see CHUNK_FLOATS), so the GEMMs have enough columns even on 4x4 planes and the
 * scratch stays a few MiB on large ones. Output tiles that overhang an odd-sized plane read
 * zeros and their overhanging outputs are dropped. Which of the two a layer uses depends on
 * its plane (tile_side: F(4x4) from 12 x 12 on, measured).
 *
 * The gradient with respect to the input of a 3x3 stride-1 pad-p convolution is itself a 3x3
 * stride-1 convolution, pad 2 - p, of dY with the filters rotated by 180 degrees and C_in and
 * C_out swapped; so dx runs through the same code (see rotated_xi, transform_filters4). dW
 * reuses the input transform (see transform_grad2).
 *
 * Accuracy, against the double definition relative to the tensor's scale: F(2x2)'s transforms
 * multiply by 1/2 and add at most 9 terms, and its results stay within a few 1e-7, the same
 * order as im2col + GEMM. F(4x4)'s multiply by up to 8 and 5 and divide by 6 and 24, so the
 * sums over channels run on values up to ~100 times the inputs: 2-3e-6 at 16 channels,
 * 1.0-1.1e-5 at 256 and 512 (forward and dx; dW 3e-6), about 20 times F(2x2)'s and still
 * within every PyTorch fixture's tolerance (tests/test_conv.c, test_model.c). The filter
 * transforms run in double. Loop orders are fixed, so results are deterministic. */
#include <stddef.h>
#include <string.h>

#include "tensor/clones.h"
#include "tensor/precision.h"
#include "tensor/winograd.h"
#include "tensor/winograd_tiles.h"

/* Tiles per chunk. A chunk's V and M (XI (C_in + C_out) P floats) should stay in L2, where
 * the transforms and OpenBLAS's small-matrix kernel run up to twice as fast as from memory
 * (measured on ResNet18's layers, one thread, F(2x2): at C = 64 the 16 GEMMs ran at 118
 * GFLOP/s on chunks of 64 tiles, 64 GFLOP/s on 256): CHUNK_FLOATS floats, 512 KiB for
 * F(2x2). F(4x4)'s chunks hold twice that: at a third of the tiles per KiB its GEMMs were
 * left with 16 columns, and 1 MiB ran 5-10 % faster at 64 channels on 32x32 and 128 on 16x16
 * (12.0 against 13.0 ms forward, one thread, batch 32; 2 MiB no better). But each GEMM also
 * reads its U[xi] (C_out x C_in) once per chunk, and where that is the larger operand (1 MiB at
 * 512 channels) more tiles per chunk pay off: at least C_in C_out / 2048. Within [CHUNK_MIN,
 * CHUNK_MAX], multiples of 16, or all the batch's tiles where they are fewer.
 *
 * Those F(4x4) sizes were set when OpenBLAS computed the products. The library's own kernel
 * (gemm_avx512.c) works in panels of 32 columns, and a panel of 16 or fewer runs at half its
 * width: F(4x4)'s chunks of 16 tiles at 128 channels (one such panel) and of 48 at 64 (32 + 16)
 * left it there. So F(4x4)'s chunks are whole panels, at least CHUNK_MIN_F4, although V and M then
 * overflow L2: a 3x3 convolution, batch 32, one thread, forward / backward (dx + dW), best of 25
 * alternated in one process (session 9): 128 channels at 14x14 6.06 -> 5.33 / 13.88 -> 11.74 ms
 * (16 -> 64 tiles), at 16x16 6.06 -> 5.32 / 13.30 -> 11.73; 64 at 28x28 5.79 -> 5.68 / 12.80 ->
 * 12.52 (48 -> 64), at 32x32 7.75 -> 7.06 / 17.61 -> 15.66; 96 and 128 tiles no better than 64,
 * nor 32 or 64 for F(2x2)'s small planes. */
enum { CHUNK_FLOATS = 16 * 8192, CHUNK_MIN = 16, CHUNK_MIN_F4 = 64, CHUNK_PANEL = 32, CHUNK_MAX = 256 };

static geom geom_of(int n, int c_in, int c_out, int h_in, int w_in, int h_out, int w_out, int pad, int m)
{
    geom g = { .n = n, .c_in = c_in, .c_out = c_out, .h_in = h_in, .w_in = w_in,
               .h_out = h_out, .w_out = w_out, .pad = pad, .m = m, .xi = (m + 2) * (m + 2) };
    g.th = (h_out + m - 1) / m;
    g.tw = (w_out + m - 1) / m;
    g.tiles = (size_t)g.th * (size_t)g.tw;
    const size_t all = g.tiles * (size_t)n;
    const size_t floats = m == 2 ? CHUNK_FLOATS : 2 * (size_t)CHUNK_FLOATS;
    size_t chunk = floats / (size_t)g.xi / ((size_t)c_in + (size_t)c_out);
    const size_t by_filters = (size_t)c_in * (size_t)c_out / 2048;
    chunk = chunk > by_filters ? chunk : by_filters;
    chunk = chunk < CHUNK_MIN ? CHUNK_MIN : chunk > CHUNK_MAX ? CHUNK_MAX : chunk / 16 * 16;
    if (m == 4)
        chunk = chunk < CHUNK_MIN_F4 ? CHUNK_MIN_F4 : chunk / CHUNK_PANEL * CHUNK_PANEL;
    g.chunk = all < chunk ? all : chunk;
    return g;
}

/* F(4x4, 3x3) where the plane is at least MIN_F4_SIDE outputs on both sides, F(2x2, 3x3)
 * below, for all three passes. Per layer, one thread, batch 32, forward / dx / dW, F(4x4)
 * against F(2x2) (CPU time, best of 5, alternated): 64 channels at 32x32 0.88 / 0.87 / 0.93,
 * 128 at 16x16 0.80 / 0.80 / 0.80, 64 at 28x28 0.85-0.99, 128 at 14x14 0.92-1.05, 256 at 8x8
 * 0.94-1.02, 256 at 7x7 1.02-1.11, 512 at 4x4 1.35-1.50. On small planes a chunk holds few
 * tiles per image, F(4x4)'s tiles overhang as much or more, and its 36 GEMMs have as few
 * columns as there are images (4x4: one tile each), so F(2x2) stays there; it is also the
 * more accurate (see the file comment). */
enum { MIN_F4_SIDE = 12 };

/* Under bf16 products (precision.h: the calling thread's precision) always F(2x2): the GEMMs
 * round the transformed tiles and filters to 8-bit mantissas, and F(4x4)'s transformed values
 * are several times larger than the outputs they sum to (factors up to 8 and 5, cancelling
 * sums), so one 64-channel convolution came out 2.6 % off its fp32 result through F(4x4),
 * 0.4 % through F(2x2) and 0.2 % through im2col. */
static int fp32_tile_side(int h_out, int w_out)
{
    return h_out >= MIN_F4_SIDE && w_out >= MIN_F4_SIDE ? 4 : 2;
}

static int tile_side(int h_out, int w_out)
{
    return cs__precision_get() == CS_PRECISION_BF16 ? 2 : fp32_tile_side(h_out, w_out);
}

static geom forward_geom_of(const cs__conv_shape *s, int side)
{
    return geom_of(s->n, s->c_in, s->c_out, s->h_in, s->w_in, s->h_out, s->w_out, s->pad, side);
}

static geom forward_geom(const cs__conv_shape *s)
{
    return forward_geom_of(s, tile_side(s->h_out, s->w_out));
}

/* dx = conv(dY, rotated filters): from the output plane back to the input plane. */
static geom backward_geom_of(const cs__conv_shape *s, int side)
{
    return geom_of(s->n, s->c_out, s->c_in, s->h_out, s->w_out, s->h_in, s->w_in, 2 - s->pad, side);
}

static geom backward_geom(const cs__conv_shape *s)
{
    return backward_geom_of(s, tile_side(s->h_in, s->w_in));
}

/* Few channels make the GEMMs too thin to pay for the transforms: ResNet18's stem (3 in)
 * ran 4x slower this way than by im2col + GEMM. Very many make the transformed filters (XI
 * C_in C_out floats, in every thread's workspace) larger than the rest of the model's
 * memory: above 1024 x 1024 channel pairs the convolution stays with im2col. */
enum { MIN_CHANNELS = 16 };
#define MAX_CHANNEL_PAIRS ((size_t)1 << 20)

/* The weight gradient's GEMMs produce (C_out, C_in) blocks over an inner dimension of one
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

/* U (or dU), then V and M (or the gradient's Y) of one chunk, then the scratch of the
 * transforms (rows; on small planes also the padded plane). */
static size_t geom_workspace(const geom *g)
{
    return (size_t)g->xi * (skewed((size_t)g->c_out * (size_t)g->c_in) + skewed((size_t)g->c_in * g->chunk) +
                            skewed((size_t)g->c_out * g->chunk)) +
           row_floats(g) + (small_plane(g) ? padded_plane(g) : 0);
}

size_t cs__winograd_workspace(const cs__conv_shape *s)
{
    /* dW uses the forward's geometry. A model's precision may change between passes (F(2x2)
     * under bf16), so the scratch covers both tile sizes. */
    const geom g[4] = { forward_geom_of(s, fp32_tile_side(s->h_out, s->w_out)), forward_geom_of(s, 2),
                        backward_geom_of(s, fp32_tile_side(s->h_in, s->w_in)), backward_geom_of(s, 2) };
    size_t most = 0;
    for (int i = 0; i < 4; i++) {
        const size_t w = geom_workspace(&g[i]);
        most = w > most ? w : most;
    }
    return most;
}

/* F(2x2)'s U[xi] (C_out, C_in) at u + xi * skewed(C_out C_in): G g Gt of every filter g of
 * w (C_out, C_in, 3, 3). */
CS_CLONES static void transform_filters2(float *u, const float *w, int c_out, int c_in)
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

/* F(2x2)'s transformed filters of dx's convolution need no transform of their own. Rotating g by
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

/* The F(4x4) filter transforms work on FILTER_BLOCK filters at a time, their taps first copied
 * into tap-major rows (g[k][j]: tap k of the block's filter j), so that each step is a loop
 * over the block that the compiler vectorises, in double as before. One filter at a time they
 * stayed scalar, about 170 cycles a filter with their divisions: 1.5 % of the CPU samples of
 * a training step of ResNet18 without skips at 28x28, 0.6 % in blocks. Same operations in the
 * same order for every value, so the same bits. (F(2x2)'s transforms gained nothing so: they
 * are bound by writing U, 16 floats a filter, not by arithmetic.) */
enum { FILTER_BLOCK = 32 };

/* G v for columns v = (a[j], b[j], c[j]) of n filters, F(4x4)'s G (6x3), in double (1/6, 1/12
 * and 1/24 are not floats): t_r[j] = row r of G v. */
static inline void g4_columns(double *restrict t0, double *restrict t1, double *restrict t2, double *restrict t3,
                              double *restrict t4, double *restrict t5, const double *restrict a,
                              const double *restrict b, const double *restrict c, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        t0[j] = 0.25 * a[j];
        t1[j] = -(a[j] + b[j] + c[j]) / 6.0;
        t2[j] = -(a[j] - b[j] + c[j]) / 6.0;
        t3[j] = a[j] / 24.0 + b[j] / 12.0 + c[j] / 6.0;
        t4[j] = a[j] / 24.0 - b[j] / 12.0 + c[j] / 6.0;
        t5[j] = c[j];
    }
}

/* F(4x4)'s U[xi] at u + xi * skewed(C_out C_in): G g Gt of every filter g of w (C_out, C_in,
 * 3, 3). Not rotated: U[xi] is (C_out, C_in), the forward's. Rotated: U[xi] is (C_in, C_out),
 * the filters of dx's convolution (each filter rotated by 180 degrees, C_in and C_out swapped):
 * F(2x2)'s permutation trick (rotated_xi) has no counterpart here, as reversing G's rows maps
 * the point 2 to 1/2, which F(4x4) does not use. Blocks in the order of U, so that its 36
 * planes are written in runs. */
CS_CLONES static void transform_filters4(float *u, const float *w, int c_out, int c_in, bool rotated)
{
    const size_t plane = skewed((size_t)c_out * (size_t)c_in), count = (size_t)c_out * (size_t)c_in;
    const size_t cols = rotated ? (size_t)c_out : (size_t)c_in;
    size_t r = 0, q = 0; /* U's entry f = r cols + q is filter (o, i) */
    for (size_t f0 = 0; f0 < count; f0 += FILTER_BLOCK) {
        const size_t nb = count - f0 < FILTER_BLOCK ? count - f0 : FILTER_BLOCK;
        double g[9][FILTER_BLOCK], t[6][3][FILTER_BLOCK];
        for (size_t j = 0; j < nb; j++) {
            const size_t o = rotated ? q : r, i = rotated ? r : q;
            const float *src = w + (o * (size_t)c_in + i) * 9;
            for (int k = 0; k < 9; k++)
                g[k][j] = src[rotated ? 8 - k : k];
            if (++q == cols) {
                q = 0;
                r++;
            }
        }
        for (int b = 0; b < 3; b++) /* t = G g */
            g4_columns(t[0][b], t[1][b], t[2][b], t[3][b], t[4][b], t[5][b], g[b], g[3 + b], g[6 + b], nb);
        for (int a = 0; a < 6; a++) { /* U = t Gt */
            double row[6][FILTER_BLOCK];
            g4_columns(row[0], row[1], row[2], row[3], row[4], row[5], t[a][0], t[a][1], t[a][2], nb);
            for (int b = 0; b < 6; b++) {
                float *restrict dst = u + (size_t)(a * 6 + b) * plane + f0;
                for (size_t j = 0; j < nb; j++)
                    dst[j] = (float)row[b][j];
            }
        }
    }
}


/* t = Bt d on n columns of four input rows. */
CS_CLONES static void bt_rows(float *restrict t0, float *restrict t1, float *restrict t2, float *restrict t3,
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
CS_CLONES static void transform_input2(float *restrict v, float *restrict rows, const float *in, const geom *g, size_t p0,
                            size_t np)
{
    const size_t width = 2 * (size_t)g->tw + 2, xi_stride = skewed((size_t)g->c_in * np);
    const size_t in_img = (size_t)g->c_in * (size_t)g->h_in * (size_t)g->w_in;
    const size_t in_plane = (size_t)g->h_in * (size_t)g->w_in;
    float *t = rows, *zero = rows + 4 * width;
    memset(zero, 0, (size_t)g->w_in * sizeof *zero);
    const bool small = small_plane(g);
    float *padded = rows + row_floats(g);
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
CS_CLONES static void transform_output2(float *out, float *restrict rows, const float *restrict m, const float *bias,
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
CS_CLONES static void transform_grad2(float *restrict ygrad, float *restrict rows, const float *dy, const geom *g, size_t p0,
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

static void transform_grad(float *ygrad, float *rows, const float *dy, const geom *g, size_t p0, size_t np)
{
    if (g->m == 2)
        transform_grad2(ygrad, rows, dy, g, p0, np);
    else
        cs__winograd4_grad(ygrad, rows, dy, g, p0, np);
}

/* F(2x2): dw (C_out, C_in, 3, 3) += Gt D G of every filter's summed product D, at du + xi * skewed(C_out C_in). */
CS_CLONES static void untransform_filters2(float *dw, const float *du, int c_out, int c_in)
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

/* F(4x4): dw (C_out, C_in, 3, 3) += Gt D G of every filter's summed product D (6x6) at
 * du + xi * skewed(C_out C_in), in double; FILTER_BLOCK filters at a time (see
 * transform_filters4). */
CS_CLONES static void untransform_filters4(float *dw, const float *du, int c_out, int c_in)
{
    static const double g4[6][3] = { { 0.25, 0, 0 },
                                     { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
                                     { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
                                     { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
                                     { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
                                     { 0, 0, 1 } };
    const size_t plane = skewed((size_t)c_out * (size_t)c_in), count = (size_t)c_out * (size_t)c_in;
    for (size_t f0 = 0; f0 < count; f0 += FILTER_BLOCK) {
        const size_t nb = count - f0 < FILTER_BLOCK ? count - f0 : FILTER_BLOCK;
        double t[3][6][FILTER_BLOCK];
        float r[9][FILTER_BLOCK];
        for (int i = 0; i < 3; i++)
            for (int b = 0; b < 6; b++)
                for (size_t j = 0; j < nb; j++)
                    t[i][b][j] = 0.0;
        for (int a = 0; a < 6; a++) /* t = Gt D */
            for (int b = 0; b < 6; b++) {
                const float *d = du + (size_t)(a * 6 + b) * plane + f0;
                for (int i = 0; i < 3; i++)
                    for (size_t j = 0; j < nb; j++)
                        t[i][b][j] += g4[a][i] * (double)d[j];
            }
        for (int i = 0; i < 3; i++) /* dW += t G */
            for (int k = 0; k < 3; k++)
                for (size_t j = 0; j < nb; j++) {
                    double sum = 0;
                    for (int b = 0; b < 6; b++)
                        sum += t[i][b][j] * g4[b][k];
                    r[i * 3 + k][j] = (float)sum;
                }
        float *dst = dw + f0 * 9;
        for (size_t j = 0; j < nb; j++)
            for (int k = 0; k < 9; k++)
                dst[j * 9 + k] += r[k][j];
    }
}


static void transform_input(float *v, float *rows, const float *in, const geom *g, size_t p0, size_t np)
{
    if (g->m == 2)
        transform_input2(v, rows, in, g, p0, np);
    else
        cs__winograd4_input(v, rows, in, g, p0, np);
}

/* out = conv(in) [+ bias], or out += conv(in) when accumulate, with U already transformed:
 * U[xi] (C_out, C_in) of this convolution or, when transposed (F(2x2)'s dx), the U of the
 * convolution it is the gradient of, read transposed at rotated_xi(xi). */
static void run_conv(float *out, const float *in, const float *u, bool transposed, const float *bias, bool accumulate,
                     const geom *g, float *work)
{
    float *v = work;
    float *m = v + (size_t)g->xi * skewed((size_t)g->c_in * g->chunk);
    float *rows = m + (size_t)g->xi * skewed((size_t)g->c_out * g->chunk);
    const size_t all = g->tiles * (size_t)g->n;
    for (size_t p0 = 0; p0 < all; p0 += g->chunk) {
        const size_t np = all - p0 < g->chunk ? all - p0 : g->chunk;
        transform_input(v, rows, in, g, p0, np);
        for (int xi = 0; xi < g->xi; xi++) {
            const int from = transposed ? rotated_xi(xi) : xi;
            cs__sgemm(transposed, false, g->c_out, (int)np, g->c_in, 1.0f,
                      u + (size_t)from * skewed((size_t)g->c_out * (size_t)g->c_in), transposed ? g->c_out : g->c_in,
                      v + (size_t)xi * skewed((size_t)g->c_in * np), (int)np, 0.0f,
                      m + (size_t)xi * skewed((size_t)g->c_out * np), (int)np);
        }
        if (g->m == 2)
            transform_output2(out, rows, m, bias, accumulate, g, p0, np);
        else
            cs__winograd4_output(out, rows, m, bias, accumulate, g, p0, np);
    }
}

void cs__winograd_forward(float *y, const float *x, const float *w, const float *b, const cs__conv_shape *s,
                          float *work)
{
    const geom g = forward_geom(s);
    float *u = work;
    if (g.m == 2)
        transform_filters2(u, w, s->c_out, s->c_in);
    else
        transform_filters4(u, w, s->c_out, s->c_in, false);
    run_conv(y, x, u, false, b, false, &g, u + (size_t)g.xi * skewed((size_t)s->c_out * (size_t)s->c_in));
}

void cs__winograd_backward_data(float *dx, const float *dy, const float *w, const cs__conv_shape *s, float *work)
{
    const geom g = backward_geom(s);
    float *u = work;
    if (g.m == 2) /* the forward's U, read permuted and transposed */
        transform_filters2(u, w, s->c_out, s->c_in);
    else
        transform_filters4(u, w, s->c_out, s->c_in, true);
    run_conv(dx, dy, u, g.m == 2, NULL, true, &g, u + (size_t)g.xi * skewed((size_t)s->c_out * (size_t)s->c_in));
}

void cs__winograd_backward_weights(float *dw, const float *dy, const float *x, const cs__conv_shape *s,
                                   float *work)
{
    const geom g = forward_geom(s);
    float *du = work;
    float *v = du + (size_t)g.xi * skewed((size_t)s->c_out * (size_t)s->c_in);
    float *yg = v + (size_t)g.xi * skewed((size_t)g.c_in * g.chunk);
    float *rows = yg + (size_t)g.xi * skewed((size_t)g.c_out * g.chunk);
    const size_t all = g.tiles * (size_t)g.n;
    for (size_t p0 = 0; p0 < all; p0 += g.chunk) {
        const size_t np = all - p0 < g.chunk ? all - p0 : g.chunk;
        transform_input(v, rows, x, &g, p0, np);
        transform_grad(yg, rows, dy, &g, p0, np);
        /* dU[xi] (C_out, C_in) (+)= Y[xi] (C_out, np) . V[xi] (C_in, np)^T, summed over chunks in order */
        for (int xi = 0; xi < g.xi; xi++)
            cs__sgemm(false, true, g.c_out, g.c_in, (int)np, 1.0f, yg + (size_t)xi * skewed((size_t)g.c_out * np),
                      (int)np, v + (size_t)xi * skewed((size_t)g.c_in * np), (int)np, p0 == 0 ? 0.0f : 1.0f,
                      du + (size_t)xi * skewed((size_t)g.c_out * (size_t)g.c_in), g.c_in);
    }
    if (g.m == 2)
        untransform_filters2(dw, du, s->c_out, s->c_in);
    else
        untransform_filters4(dw, du, s->c_out, s->c_in);
}
