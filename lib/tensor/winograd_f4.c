/* Winograd F(4x4, 3x3)'s input, output and weight-gradient transforms (see winograd.c for the
 * matrices, the layout of U, V and M and the accuracy): 6x6 input tiles, 4x4 output tiles, 36
 * positions. Each transform walks a chunk's runs of tiles like F(2x2)'s and works a run's tiles
 * side by side, one unit-stride loop per row of the tile, which the compiler vectorises. */
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "tensor/avx512.h"
#include "tensor/clones.h"
#include "tensor/winograd.h"
#include "tensor/winograd_tiles.h"

/* The F(4x4) transforms below run as loops over the tiles of a run, one loop per row of the
 * tile, in these helpers: their restrict parameters tell the compiler that the rows do not
 * overlap, which block-scope restrict pointers do not (GCC then gave up vectorising for the
 * number of aliasing checks). */

/* y = At x along n columns, At = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]. */
static inline void at6_rows(float *restrict y0, float *restrict y1, float *restrict y2, float *restrict y3,
                            const float *restrict x0, const float *restrict x1, const float *restrict x2,
                            const float *restrict x3, const float *restrict x4, const float *restrict x5, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        const float s12 = x1[j] + x2[j], d12 = x1[j] - x2[j], s34 = x3[j] + x4[j], d34 = x3[j] - x4[j];
        y0[j] = x0[j] + s12 + s34;
        y1[j] = d12 + 2.0f * d34;
        y2[j] = s12 + 4.0f * s34;
        y3[j] = d12 + 8.0f * d34 + x5[j];
    }
}

/* t = A e along n columns, A = At transposed (6x4). */
static inline void a6_rows(float *restrict t0, float *restrict t1, float *restrict t2, float *restrict t3,
                           float *restrict t4, float *restrict t5, const float *restrict e0, const float *restrict e1,
                           const float *restrict e2, const float *restrict e3, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        const float s = e0[j] + e2[j], d = e1[j] + e3[j], s4 = e0[j] + 4.0f * e2[j];
        const float d4 = 2.0f * e1[j] + 8.0f * e3[j];
        t0[j] = e0[j];
        t1[j] = s + d;
        t2[j] = s - d;
        t3[j] = s4 + d4;
        t4[j] = s4 - d4;
        t5[j] = e3[j];
    }
}

/* v = x B for n tiles, x_c[j] the value in column c of tile j's row (of t = Bt d). */
static inline void b6_tiles(float *restrict v0, float *restrict v1, float *restrict v2, float *restrict v3,
                            float *restrict v4, float *restrict v5, const float *restrict x0, const float *restrict x1,
                            const float *restrict x2, const float *restrict x3, const float *restrict x4,
                            const float *restrict x5, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        const float p = x4[j] - 4.0f * x2[j], q = 4.0f * x1[j] - x3[j];
        const float r = x4[j] - x2[j], s = 2.0f * (x3[j] - x1[j]);
        v0[j] = 4.0f * x0[j] - 5.0f * x2[j] + x4[j];
        v1[j] = p - q;
        v2[j] = p + q;
        v3[j] = r + s;
        v4[j] = r - s;
        v5[j] = 4.0f * x1[j] - 5.0f * x3[j] + x5[j];
    }
}

/* The transforms' data movement (split_tiles, gather_columns) in AVX-512 where the CPU and the
 * operating system have it (cs__cpu_avx512; the library is built for any x86-64, so these
 * functions carry their own target). Both pick lanes 4 j + c of a row with two-source permutes:
 * as loops the compiler left them scalar on rows of 7 tiles (28x28 planes), a third of the input
 * transform's samples there. They load only the floats the loops read and store only what the
 * loops write, so the bits are the same. */
static atomic_bool loops_only; /* cs__winograd4_loops_only */

void cs__winograd4_loops_only(bool on)
{
    atomic_store(&loops_only, on);
}

static bool has_avx512(void)
{
    return !atomic_load_explicit(&loops_only, memory_order_relaxed) && cs__cpu_avx512();
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CS_F4_AVX512 1

/* split_tiles: seven tiles at a time, whose 30 floats of t (28 of their own and the next
 * tile's first two) fit two registers. */
__attribute__((target("avx512f"))) static void split_tiles_avx512(float *x, size_t stride, const float *t, size_t n)
{
    const __m512i lanes = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    for (size_t j0 = 0; j0 < n; j0 += 7) {
        const int nj = n - j0 < 7 ? (int)(n - j0) : 7, avail = 4 * nj + 2;
        const float *s = t + 4 * j0;
        const __m512 lo = _mm512_maskz_loadu_ps(cs__lanes16(avail), s);
        const __m512 hi = _mm512_maskz_loadu_ps(cs__lanes16(avail - 16), s + 16);
        for (int c = 0; c < 6; c++)
            _mm512_mask_storeu_ps(x + (size_t)c * stride + j0, cs__lanes16(nj),
                                  _mm512_permutex2var_ps(lo, _mm512_add_epi32(lanes, _mm512_set1_epi32(c)), hi));
    }
}

/* gather_columns: eight tiles (32 floats of the row) at a time; the floats from avail on are
 * not loaded but zero. */
__attribute__((target("avx512f"))) static void gather_columns_avx512(float *e, size_t stride, const float *row,
                                                                    size_t avail, size_t n)
{
    const __m512i lanes = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
    for (size_t j0 = 0; j0 < n; j0 += 8) {
        const int nj = n - j0 < 8 ? (int)(n - j0) : 8;
        const int av = avail > 4 * j0 ? (avail - 4 * j0 < 32 ? (int)(avail - 4 * j0) : 32) : 0;
        const __m512 lo = _mm512_maskz_loadu_ps(cs__lanes16(av), row + 4 * j0);
        const __m512 hi = _mm512_maskz_loadu_ps(cs__lanes16(av - 16), row + 4 * j0 + 16);
        for (int c = 0; c < 4; c++)
            _mm512_mask_storeu_ps(e + (size_t)c * stride + j0, cs__lanes16(nj),
                                  _mm512_permutex2var_ps(lo, _mm512_add_epi32(lanes, _mm512_set1_epi32(c)), hi));
    }
}
#endif

/* The four columns of n tiles of an output row, stride apart, 0 from avail floats on (past
 * the plane): e_c[j] = row[4 j + c] where 4 j + c < avail. */
static inline void gather_columns(float *restrict e, size_t stride, const float *row, size_t avail, size_t n,
                                  bool avx512)
{
#ifdef CS_F4_AVX512
    if (avx512) {
        gather_columns_avx512(e, stride, row, avail, n);
        return;
    }
#else
    (void)avx512;
#endif
    for (int c = 0; c < 4; c++) {
        float *restrict ec = e + (size_t)c * stride;
        for (size_t j = 0; j < n; j++) {
            const size_t ow = 4 * j + (size_t)c;
            ec[j] = ow < avail ? row[ow] : 0.0f;
        }
    }
}

/* The six columns of n tiles of a row t, stride apart: x_c[j] = t[4 j + c]. avx512: has_avx512(). */
static inline void split_tiles(float *restrict x, size_t stride, const float *restrict t, size_t n, bool avx512)
{
#ifdef CS_F4_AVX512
    if (avx512) {
        split_tiles_avx512(x, stride, t, n);
        return;
    }
#else
    (void)avx512;
#endif
    float *restrict x0 = x, *restrict x1 = x0 + stride, *restrict x2 = x1 + stride;
    float *restrict x3 = x2 + stride, *restrict x4 = x3 + stride, *restrict x5 = x4 + stride;
    for (size_t j = 0; j < n; j++) {
        x0[j] = t[4 * j];
        x1[j] = t[4 * j + 1];
        x2[j] = t[4 * j + 2];
        x3[j] = t[4 * j + 3];
        x4[j] = t[4 * j + 4];
        x5[j] = t[4 * j + 5];
    }
}

/* F(4x4)'s Y[xi] (C_out, np) for the weight gradient: A dy At of every 4x4 tile of dY (0
 * outside the plane), A = At transposed (6x4), as transform_grad2, an (image, channel) pair at
 * a time (walk_next_channel): e[a][c] (16 rows of cap) holds row a, column c of each of its
 * tiles, t = A e (24 rows), then Y = t At over all the pair's tiles. */
CS_CLONES static void winograd4_grad_clones(float *restrict ygrad, float *restrict rows, const float *dy, const geom *g,
                                            size_t p0, size_t np)
{
    const size_t cap = g->chunk, xi_stride = skewed((size_t)g->c_out * np);
    const size_t plane_size = (size_t)g->h_out * (size_t)g->w_out;
    const size_t img_size = (size_t)g->c_out * plane_size;
    float *tt = rows + 16 * cap;
    const bool avx512 = has_avx512();
    for (walk w = walk_begin(g, p0, np, g->c_out); walk_more(&w); walk_next_channel(g, &w)) {
        const int k = w.c;
        const float *plane = dy + (size_t)w.start.img * img_size + (size_t)k * plane_size;
        size_t o = 0;
        for (run r = w.start; r.tj1 > r.tj0 && r.img == w.start.img; r = next_run(g, r)) {
            const size_t j0 = (size_t)r.tj0, n = (size_t)(r.tj1 - r.tj0);
            for (int a = 0; a < 4; a++) {
                const int oh = 4 * r.ti + a;
                const size_t cols = oh < g->h_out ? (size_t)g->w_out : 0, lead = 4 * j0;
                const float *row = plane + (oh < g->h_out ? (size_t)oh * (size_t)g->w_out + lead : 0);
                gather_columns(rows + (size_t)(4 * a) * cap + o, cap, row, cols > lead ? cols - lead : 0, n, avx512);
            }
            o += n;
        }
        /* t = A dy into tt[r][c] (24 rows of cap), then Y = t At: unit-stride loops */
        for (int c = 0; c < 4; c++) {
            const float *e0 = rows + (size_t)c * cap;
            float *t0 = tt + (size_t)c * cap;
            const size_t ts = 4 * cap;
            a6_rows(t0, t0 + ts, t0 + 2 * ts, t0 + 3 * ts, t0 + 4 * ts, t0 + 5 * ts, e0, e0 + ts, e0 + 2 * ts,
                    e0 + 3 * ts, o);
        }
        float *yk = ygrad + (size_t)k * np + w.q_img;
        for (int a = 0; a < 6; a++) {
            const float *x0 = tt + (size_t)(4 * a) * cap;
            float *y0 = yk + (size_t)(6 * a) * xi_stride;
            a6_rows(y0, y0 + xi_stride, y0 + 2 * xi_stride, y0 + 3 * xi_stride, y0 + 4 * xi_stride,
                    y0 + 5 * xi_stride, x0, x0 + cap, x0 + 2 * cap, x0 + 3 * cap, o);
        }
    }
}

void cs__winograd4_grad(float *restrict ygrad, float *restrict rows, const float *dy, const geom *g, size_t p0,
                        size_t np)
{
    winograd4_grad_clones(ygrad, rows, dy, g, p0, np);
}

/* t = Bt d on n columns of six input rows, F(4x4)'s
 *   Bt = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]. */
CS_CLONES static void bt6_rows(float *restrict t, size_t width, const float *restrict d0, const float *restrict d1,
                     const float *restrict d2, const float *restrict d3, const float *restrict d4,
                     const float *restrict d5, size_t n)
{
    float *restrict t0 = t, *restrict t1 = t0 + width, *restrict t2 = t1 + width;
    float *restrict t3 = t2 + width, *restrict t4 = t3 + width, *restrict t5 = t4 + width;
    for (size_t i = 0; i < n; i++) {
        const float p = d4[i] - 4.0f * d2[i], q = 4.0f * d1[i] - d3[i];
        const float r = d4[i] - d2[i], s = 2.0f * (d3[i] - d1[i]);
        t0[i] = 4.0f * d0[i] - 5.0f * d2[i] + d4[i];
        t1[i] = p - q;
        t2[i] = p + q;
        t3[i] = r + s;
        t4[i] = r - s;
        t5[i] = 4.0f * d1[i] - 5.0f * d3[i] + d5[i];
    }
}

/* Bt x of six values into v[0..5] (F(4x4)'s input transform along one direction). */
#define BT6(v, x0, x1, x2, x3, x4, x5)                                                                          \
    do {                                                                                                        \
        const float p_ = (x4) - 4.0f * (x2), q_ = 4.0f * (x1) - (x3);                                          \
        const float r_ = (x4) - (x2), s_ = 2.0f * ((x3) - (x1));                                               \
        (v)[0] = 4.0f * (x0) - 5.0f * (x2) + (x4);                                                              \
        (v)[1] = p_ - q_;                                                                                       \
        (v)[2] = p_ + q_;                                                                                       \
        (v)[3] = r_ + s_;                                                                                       \
        (v)[4] = r_ - s_;                                                                                       \
        (v)[5] = 4.0f * (x1) - 5.0f * (x3) + (x5);                                                              \
    } while (0)

/* Bt d B of one 6x6 tile d (rows pw apart) into its 36 positions, xi_stride apart. */
static inline void input_tile6(float *restrict dst, size_t xi_stride, const float *d0, size_t pw)
{
    float tt[6][6];
    for (int u = 0; u < 6; u++) { /* t = Bt d */
        float c[6];
        BT6(c, d0[u], d0[pw + u], d0[2 * pw + u], d0[3 * pw + u], d0[4 * pw + u], d0[5 * pw + u]);
        for (int a = 0; a < 6; a++)
            tt[a][u] = c[a];
    }
    for (int a = 0; a < 6; a++) { /* V = t B */
        float c[6];
        BT6(c, tt[a][0], tt[a][1], tt[a][2], tt[a][3], tt[a][4], tt[a][5]);
        for (int b = 0; b < 6; b++)
            dst[(size_t)(6 * a + b) * xi_stride] = c[b];
    }
}

/* F(4x4)'s V[xi] (C_in, np) of tiles [p0, p0 + np): as transform_input2, an (image, channel)
 * pair at a time (walk_next_channel). Each run of tiles is a tile row: 6 rows of 4 n + 2 padded
 * columns, t = Bt d down the columns; tile j reads columns 4 j .. 4 j + 5 of t, which
 * split_tiles copies into x[a][c] (36 rows of cap, one value per tile of the pair); then V = t B
 * runs over all the pair's tiles at once, not over one row's few (7 on a 28x28 plane). */
CS_CLONES static void winograd4_input_clones(float *restrict v, float *restrict rows, const float *in, const geom *g,
                                             size_t p0, size_t np)
{
    const size_t cap = g->chunk, width = 4 * (size_t)g->tw + 2, xi_stride = skewed((size_t)g->c_in * np);
    const size_t in_img = (size_t)g->c_in * (size_t)g->h_in * (size_t)g->w_in;
    const size_t in_plane = (size_t)g->h_in * (size_t)g->w_in;
    float *x = rows, *t = rows + 36 * cap, *zero = t + 6 * width;
    memset(zero, 0, (size_t)g->w_in * sizeof *zero);
    const bool small = small_plane(g);
    const bool avx512 = has_avx512();
    float *padded = rows + row_floats(g);
    const size_t pw = width;
    if (small)
        memset(padded, 0, padded_plane(g) * sizeof *padded);
    for (walk w = walk_begin(g, p0, np, g->c_in); walk_more(&w); walk_next_channel(g, &w)) {
        const int c = w.c;
        const float *plane = in + (size_t)w.start.img * in_img + (size_t)c * in_plane;
        float *vc = v + (size_t)c * np + w.q_img;
        if (small) {
            for (int ih = 0; ih < g->h_in; ih++)
                memcpy(padded + (size_t)(ih + g->pad) * pw + (size_t)g->pad, plane + (size_t)ih * (size_t)g->w_in,
                           (size_t)g->w_in * sizeof *padded);
            size_t o = 0;
            for (run r = w.start; r.tj1 > r.tj0 && r.img == w.start.img; r = next_run(g, r))
                for (int tj = r.tj0; tj < r.tj1; tj++)
                    input_tile6(vc + o++, xi_stride, padded + (size_t)(4 * r.ti) * pw + 4 * (size_t)tj, pw);
            continue;
        }
        size_t o = 0;
        for (run r = w.start; r.tj1 > r.tj0 && r.img == w.start.img; r = next_run(g, r)) {
            const size_t j0 = (size_t)r.tj0, n = (size_t)(r.tj1 - r.tj0);
            const size_t lo = 4 * j0, hi = 4 * j0 + 4 * n + 2, lead = (size_t)g->pad;
            const size_t qa = lo > lead ? lo : lead;
            const size_t qz = hi < (size_t)g->w_in + lead ? hi : (size_t)g->w_in + lead;
            const float *rowp[6];
            for (int i = 0; i < 6; i++) {
                const int ih = 4 * r.ti - g->pad + i;
                rowp[i] = ih < 0 || ih >= g->h_in ? zero : plane + (size_t)ih * (size_t)g->w_in;
                if (rowp[i] != zero && c + 1 < g->c_in) /* see winograd.c's transform_input2 */
                    for (size_t q = qa - lead; q < qz - lead; q += 16)
                        __builtin_prefetch(rowp[i] + in_plane + q);
            }
            for (size_t q = lo; q < qa; q++)
                for (int a = 0; a < 6; a++)
                    t[(size_t)a * width + q] = 0.0f;
            const size_t off = qa - lead;
            bt6_rows(t + qa, width, rowp[0] + off, rowp[1] + off, rowp[2] + off, rowp[3] + off, rowp[4] + off,
                     rowp[5] + off, qz - qa);
            for (size_t q = qz > lo ? qz : lo; q < hi; q++)
                for (int a = 0; a < 6; a++)
                    t[(size_t)a * width + q] = 0.0f;
            for (int a = 0; a < 6; a++)
                split_tiles(x + (size_t)(6 * a) * cap + o, cap, t + (size_t)a * width + lo, n, avx512);
            o += n;
        }
        for (int a = 0; a < 6; a++) {
            const float *x0 = x + (size_t)(6 * a) * cap;
            float *v0 = vc + (size_t)(6 * a) * xi_stride;
            b6_tiles(v0, v0 + xi_stride, v0 + 2 * xi_stride, v0 + 3 * xi_stride, v0 + 4 * xi_stride,
                     v0 + 5 * xi_stride, x0, x0 + cap, x0 + 2 * cap, x0 + 3 * cap, x0 + 4 * cap, x0 + 5 * cap, o);
        }
    }
}

void cs__winograd4_input(float *restrict v, float *restrict rows, const float *in, const geom *g, size_t p0,
                         size_t np)
{
    winograd4_input_clones(v, rows, in, g, p0, np);
}

/* F(4x4)'s output transform: as winograd.c's transform_output2, At m A of every 6x6 tile into
 * 4x4 outputs, an (image, channel) pair at a time (walk_next_channel), whose tiles are
 * consecutive in M: t = At m (24 rows of cap, one value per tile of the pair) and Y = t A
 * (16 rows: output row a, column c of each tile) over all of them, then each run's tiles are
 * written to their plane's rows. */
CS_CLONES static void winograd4_output_clones(float *out, float *restrict rows, const float *restrict m,
                                              const float *bias, bool accumulate, const geom *g, size_t p0, size_t np)
{
    const size_t cap = g->chunk, xi_stride = skewed((size_t)g->c_out * np);
    const size_t out_plane = (size_t)g->h_out * (size_t)g->w_out;
    const size_t out_img = (size_t)g->c_out * out_plane;
    float *tt = rows + 16 * cap;
    for (walk w = walk_begin(g, p0, np, g->c_out); walk_more(&w); walk_next_channel(g, &w)) {
        const int k = w.c;
        const float b = bias ? bias[k] : 0.0f;
        const size_t n_all = w.tiles;
        const float *restrict mk = m + (size_t)k * np + w.q_img;
        for (int u = 0; u < 6; u++) {
            const float *m0 = mk + (size_t)u * xi_stride;
            float *t0 = tt + (size_t)u * cap;
            const size_t ms = 6 * xi_stride, ts = 6 * cap;
            at6_rows(t0, t0 + ts, t0 + 2 * ts, t0 + 3 * ts, m0, m0 + ms, m0 + 2 * ms, m0 + 3 * ms, m0 + 4 * ms,
                     m0 + 5 * ms, n_all);
        }
        for (int a = 0; a < 4; a++) {
            const float *x0 = tt + (size_t)(6 * a) * cap;
            float *y0 = rows + (size_t)(4 * a) * cap;
            at6_rows(y0, y0 + cap, y0 + 2 * cap, y0 + 3 * cap, x0, x0 + cap, x0 + 2 * cap, x0 + 3 * cap,
                     x0 + 4 * cap, x0 + 5 * cap, n_all);
        }
        float *plane = out + (size_t)w.start.img * out_img + (size_t)k * out_plane;
        size_t o = 0;
        for (run r = w.start; r.tj1 > r.tj0 && r.img == w.start.img; r = next_run(g, r)) {
            const int oh = 4 * r.ti, ow0 = 4 * r.tj0;
            const int ow1 = 4 * r.tj1 < g->w_out ? 4 * r.tj1 : g->w_out;
            const int rows_in = g->h_out - oh < 4 ? g->h_out - oh : 4;
            const size_t cols = (size_t)(ow1 - ow0), whole = cols / 4, part = cols % 4;
            for (int a = 0; a < rows_in; a++) {
                float *dst = plane + (size_t)(oh + a) * (size_t)g->w_out + ow0;
                const float *restrict y0 = rows + (size_t)(4 * a) * cap + o, *restrict y1 = y0 + cap;
                const float *restrict y2 = y1 + cap, *restrict y3 = y2 + cap;
                if (accumulate) {
                    for (size_t j = 0; j < whole; j++) {
                        dst[4 * j] += y0[j];
                        dst[4 * j + 1] += y1[j];
                        dst[4 * j + 2] += y2[j];
                        dst[4 * j + 3] += y3[j];
                    }
                    for (size_t c = 0; c < part; c++)
                        dst[4 * whole + c] += y0[(size_t)c * cap + whole];
                } else {
                    for (size_t j = 0; j < whole; j++) {
                        dst[4 * j] = b + y0[j];
                        dst[4 * j + 1] = b + y1[j];
                        dst[4 * j + 2] = b + y2[j];
                        dst[4 * j + 3] = b + y3[j];
                    }
                    for (size_t c = 0; c < part; c++)
                        dst[4 * whole + c] = b + y0[(size_t)c * cap + whole];
                }
            }
            o += (size_t)(r.tj1 - r.tj0);
        }
    }
}

void cs__winograd4_output(float *out, float *restrict rows, const float *restrict m, const float *bias,
                          bool accumulate, const geom *g, size_t p0, size_t np)
{
    winograd4_output_clones(out, rows, m, bias, accumulate, g, p0, np);
}

