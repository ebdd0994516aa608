/* Internal: the layer kernels of the numeric core, as forward/backward pairs.
 *
 * Conventions (STYLE.md, "The numeric core"):
 * - Kernels are pure functions; arguments in the order outputs, saved state, inputs,
 *   parameters, shape. Tensors are float, contiguous, row-major, and every pointer names its
 *   shape in a comment: (N, C, H, W) for activations, PyTorch's layouts for parameters
 *   (conv weights (C_out, C_in, KH, KW), linear weights (OUT, IN)).
 * - Backward functions ACCUMULATE (+=) into every gradient they write, activations' included,
 *   so a tensor read by several layers (residual branches, inception branches) gets the sum of
 *   its gradients; the caller zeroes gradients explicitly before a backward pass. Any gradient
 *   pointer may be NULL when it is not wanted (e.g. dx of the first layer).
 * - Gradients are true dL/dx (no sign flips); the loss is the mean over the batch.
 * - No kernel allocates: scratch space comes from the caller, sized by the *_workspace
 *   functions once per model and batch size.
 * - Every GEMM goes through cs__sgemm (one entry to the products: gemm.c).
 * - Results are deterministic for a fixed OpenBLAS thread count: fixed loop orders,
 *   reductions in a fixed order, no atomics. (OpenBLAS splits a GEMM among its threads in a
 *   way that depends on their number, so a different thread count may change the last bits.)
 */
#ifndef CS_TENSOR_KERNELS_H
#define CS_TENSOR_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- GEMM ------------------------------------------------------------------------------ */

/* C = alpha * op(A) * op(B) + beta * C, row-major; op(X) = X or X^T. A is M x K after op,
 * B is K x N after op, C is M x N; lda, ldb, ldc are the row strides of the stored arrays.
 * M or N = 0 does nothing; K = 0 sets C = beta * C (beta 0 overwrites, clearing NaN). */
void cs__sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);

/* The library's own AVX-512 fp32 product (gemm_avx512.c), which cs__sgemm prefers to
 * cblas_sgemm where it is available: same contract as cs__sgemm for m, n, k >= 1, single
 * threaded, deterministic (the summation order depends on the sizes only). Returns false
 * without touching C where it cannot run: the CPU or operating system lacks AVX512F/VL, AVX2
 * or FMA, the build is not for x86-64, the environment variable CLASSSENS_GEMM is "blas" (read
 * at every call: OpenBLAS for every product), or its per-thread scratch (1.1 MiB, freed when
 * the thread exits) could not be allocated. */
bool cs__sgemm_avx512(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc);

/* Whether the CPU and the operating system run the library's AVX-512 code (CPUID: AVX2, FMA,
 * AVX512F, AVX512VL; XCR0: the zmm and opmask state saved), checked once. */
bool cs__cpu_avx512(void);

/* Whether cs__sgemm_avx512 runs on this machine now (cs__cpu_avx512, and CLASSSENS_GEMM). */
bool cs__sgemm_avx512_available(void);

/* The packed panels of the library's own GEMM kernels (gemm_avx512.c, gemm_bf16.c) live in a
 * per-thread scratch: block `kind` of `bytes` bytes (a fixed size per kind), 64-byte aligned,
 * allocated by the thread's first request and freed when the thread exits (one pthread key
 * for all kinds). NULL if it cannot be had; the caller then computes another way. */
typedef enum cs__gemm_scratch_kind { CS__SCRATCH_FP32, CS__SCRATCH_BF16, CS__SCRATCH_KINDS } cs__gemm_scratch_kind;
void *cs__gemm_scratch(cs__gemm_scratch_kind kind, size_t bytes);

/* OpenBLAS's thread count is process-wide. The data-parallel executor calls cs__sgemm from
 * several threads at once and needs every call single-threaded (for speed, and because
 * OpenBLAS's split of a product depends on its thread count, which would make results depend
 * on it). cs__blas_serial_begin sets one BLAS thread, remembering the setting it found, and
 * cs__blas_serial_end restores it; the calls nest and may come from any number of threads
 * (a count under a lock: the first begin saves, the last end restores). */
void cs__blas_serial_begin(void);
void cs__blas_serial_end(void);

/* ---- 2-D convolution --------------------------------------------------------------------- */

typedef struct cs__conv_shape {
    int n, c_in, h_in, w_in;      /* input (N, C_in, H, W) */
    int c_out, kh, kw;            /* weight (C_out, C_in, KH, KW) */
    int stride, pad;              /* same on both axes; zero padding */
    int h_out, w_out;             /* (H + 2 pad - KH) / stride + 1, likewise W */
} cs__conv_shape;

/* Fill a shape and compute the output size; false if the output would be empty, a size is
 * not positive, or a size is too large for int indexing and GEMM dimensions. */
bool cs__conv_shape_init(cs__conv_shape *s, int n, int c_in, int h_in, int w_in, int c_out, int kh,
                         int kw, int stride, int pad);

/* Floats of scratch the forward and backward passes need (0 on the 1x1 stride-1 no-padding
 * fast path, which multiplies the input directly). */
size_t cs__conv_workspace(const cs__conv_shape *s);

/* y (N, C_out, H_out, W_out) = conv(x (N, C_in, H, W), w (C_out, C_in, KH, KW)) + b (C_out).
 * b may be NULL (no bias). Overwrites y. */
void cs__conv2d_forward(float *y, const float *x, const float *w, const float *b,
                        const cs__conv_shape *s, float *work);

/* dx (N, C_in, H, W) += dL/dx; dw (C_out, C_in, KH, KW) += dL/dw; db (C_out) += dL/db.
 * Any of dx, dw, db may be NULL. */
void cs__conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, const cs__conv_shape *s, float *work);

/* db (C_out) += the sum of dy (N, C_out, H_out, W_out) over N and the plane, in eight double
 * lanes per channel combined in a fixed order (the bias gradient of every convolution). */
void cs__conv_bias_backward(float *db, const float *dy, const cs__conv_shape *s);

/* ---- grouped 2-D convolution (gconv.c) ----------------------------------------------------- */

/* PyTorch's Conv2d with `groups`: input channels in G consecutive blocks of C_in / G, output
 * channels likewise, output block g computed from input block g only. Square K x K kernels.
 * conv is the whole convolution (n, c_in, ..., h_out, w_out as cs__conv_shape_init gives
 * them, c_in and c_out the totals); group is one sample of one group ((1, C_in/G, H, W) ->
 * C_out/G), the shape the general path hands to cs__conv2d_*. */
typedef struct cs__gconv_shape {
    cs__conv_shape conv;
    cs__conv_shape group;
    int groups;
} cs__gconv_shape;

/* Fill a shape; false unless groups >= 1 divides both c_in and c_out and cs__conv_shape_init
 * accepts the convolution (non-empty output, sizes in range). */
bool cs__gconv_shape_init(cs__gconv_shape *s, int n, int c_in, int h, int w, int c_out, int k, int stride,
                          int pad, int groups);

/* Floats of scratch for forward and backward: 0 for depthwise (groups == C_in == C_out, a
 * direct loop), cs__conv_workspace of the whole shape for groups == 1, of one group's shape
 * otherwise. */
size_t cs__gconv_workspace(const cs__gconv_shape *s);

/* y (N, C_out, H_out, W_out) = grouped conv of x (N, C_in, H, W) with w (C_out, C_in/G, K, K)
 * (PyTorch's layout) + b (C_out, or NULL). Overwrites y (which must not alias x).
 * groups == 1 is exactly cs__conv2d_forward. Depthwise (groups == C_in == C_out): a direct loop
 * per channel plane, each output summed as bias then the taps in row-major (ki, kj) order,
 * taps in the padding skipped (not multiplied by 0). Other group counts: cs__conv2d_forward
 * per sample and group. Deterministic: the same inputs give the same bits. */
void cs__gconv2d_forward(float *y, const float *x, const float *w, const float *b, const cs__gconv_shape *s,
                         float *work);

/* dx (N, C_in, H, W) += dL/dx; dw (C_out, C_in/G, K, K) += dL/dw; db (C_out) += dL/db; any of
 * them may be NULL. Depthwise: dx accumulated tap by tap in a fixed order; dw's and db's
 * sums over N * H_out * W_out run plane by plane in float lanes, the planes added in double. */
void cs__gconv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                          const cs__gconv_shape *s, float *work);

/* ---- batch normalisation (per channel over N, H, W) --------------------------------------- */

/* Training mode: normalise with the batch statistics (biased variance), save the batch mean
 * and 1/sqrt(var + eps) for backward, and update the running statistics as PyTorch does:
 * running = (1 - momentum) * running + momentum * batch, with the UNBIASED batch variance
 * (m / (m - 1), m = N*H*W) in running_var. x, y (N, C, HW); gamma, beta (C, required);
 * running_* (C, or NULL for none). momentum and eps are doubles, as in PyTorch (0.1f is not
 * 0.1). With m = 1 the running variance becomes NaN: PyTorch refuses such a batch ("Expected
 * more than 1 value per channel when training") and so must the caller. */
void cs__bn_forward_train(float *y, float *save_mean, float *save_invstd, float *running_mean,
                          float *running_var, const float *x, const float *gamma, const float *beta,
                          int n, int c, int hw, double momentum, double eps);

/* The same forward split into phases, for a batch cut into `parts` shards of whole samples run
 * by different threads (the data-parallel executor). Per-shard sums are doubles stored
 * parts x C in shard order; combining them runs in that order, so the result depends on the
 * number of shards but not on timing, and with one shard equals cs__bn_forward_train bit for
 * bit. m is the sample count of the whole batch times H*W. Sequence: every shard
 * cs__bn_partial_sums; then cs__bn_batch_mean; every shard cs__bn_partial_ssd with that mean;
 * then cs__bn_batch_invstd, cs__bn_update_running (once), and every shard cs__bn_normalize. */
void cs__bn_partial_sums(double *sums, const float *x, int n, int c, int hw);
void cs__bn_batch_mean(float *mean, const double *sums, int parts, int c, double m);
void cs__bn_partial_ssd(double *ssd, const float *x, const float *mean, int n, int c, int hw);
void cs__bn_batch_invstd(float *invstd, const double *ssd, int parts, int c, double m, double eps);
void cs__bn_update_running(float *running_mean, float *running_var, const float *mean, const double *ssd,
                           int parts, int c, double m, double momentum);
void cs__bn_normalize(float *y, const float *x, const float *mean, const float *invstd, const float *gamma,
                      const float *beta, int n, int c, int hw);

/* Evaluation mode: normalise with the running statistics. */
void cs__bn_forward_eval(float *y, const float *x, const float *gamma, const float *beta,
                         const float *running_mean, const float *running_var, int n, int c, int hw,
                         double eps);

/* Backward of the training-mode forward: dx (N, C, HW), dgamma, dbeta (C) accumulate. */
void cs__bn_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                     const float *save_mean, const float *save_invstd, const float *gamma, int n,
                     int c, int hw);

/* Backward in phases, as the forward: every shard cs__bn_backward_partial (sums: parts x 2C,
 * each shard's sum dy then sum dy * x_hat), then cs__bn_backward_params (once) and every shard
 * cs__bn_backward_input. With one shard equal to cs__bn_backward. */
void cs__bn_backward_partial(double *sums, const float *dy, const float *x, const float *save_mean,
                             const float *save_invstd, int n, int c, int hw);
void cs__bn_backward_params(float *dgamma, float *dbeta, const double *sums, int parts, int c);
void cs__bn_backward_input(float *dx, const float *dy, const float *x, const float *save_mean,
                           const float *save_invstd, const float *gamma, const double *sums, int parts, int n,
                           int c, int hw, double m);

/* ---- pooling ------------------------------------------------------------------------------ */

/* Output side of a pooling window: (in + 2 pad - k) / stride + 1 (floor, as PyTorch's
 * default ceil_mode=False; ceil_mode is not supported); 0 if the window does not fit or
 * pad > k / 2 (which PyTorch rejects). */
int cs__pool_out(int in, int k, int stride, int pad);

/* Max pooling over k x k windows; padding is -infinity (never selected). argmax (N, C, Ho, Wo)
 * saves the flat input offset (within the plane) of each maximum for backward; ties go to the
 * first in row-major order. argmax NULL: the values alone, bit for bit the same y. */
void cs__maxpool_forward(float *y, int32_t *argmax, const float *x, int n, int c, int h, int w,
                         int k, int stride, int pad);
void cs__maxpool_backward(float *dx, const float *dy, const int32_t *argmax, int n, int c, int h,
                          int w, int h_out, int w_out);
/* The offsets of cs__maxpool_forward stored compactly for training: each as its distance from
 * its window's first (padded) position, (i - (o_h stride - pad)) w + (j - (o_w stride - pad))
 * for a maximum at (i, j), at most (k - 1)(w + 1), in `bytes` = cs__maxpool_code_bytes bytes
 * (1, 2 or 4, unsigned; 4 keeps the offset itself). pack converts `planes` planes of offsets;
 * the backward adds dy into dx exactly as cs__maxpool_backward does with the offsets (the same
 * additions in the same order, so the same bits). */
int cs__maxpool_code_bytes(int w, int k);
void cs__maxpool_pack(void *codes, int bytes, const int32_t *argmax, size_t planes, int w, int h_out, int w_out,
                      int stride, int pad);
void cs__maxpool_backward_packed(float *dx, const float *dy, const void *codes, int bytes, int n, int c, int h,
                                 int w, int h_out, int w_out, int stride, int pad);

/* Average pooling over k x k windows, padding counted in the divisor (PyTorch's default
 * count_include_pad=True). */
void cs__avgpool_forward(float *y, const float *x, int n, int c, int h, int w, int k, int stride,
                         int pad);
void cs__avgpool_backward(float *dx, const float *dy, int n, int c, int h, int w, int k, int stride,
                          int pad);

/* Global average pooling: y (N, C) = mean of x (N, C, HW) over HW. */
void cs__global_avgpool_forward(float *y, const float *x, int n, int c, int hw);
void cs__global_avgpool_backward(float *dx, const float *dy, int n, int c, int hw);

/* Global max pooling (PyTorch's AdaptiveMaxPool2d(1)): y (N, C) = max of x (N, C, HW) over
 * HW; argmax (N, C) saves the offset within the plane of each maximum. As ATen's adaptive max
 * pool: the scan starts at -infinity with offset 0, a strictly greater value or a NaN takes
 * the place, so ties go to the first occurrence and the LAST NaN of a plane wins (its value,
 * NaN, propagates); a plane of -inf reports -inf at offset 0. Overwrites y and argmax. */
void cs__global_maxpool_forward(float *y, int32_t *argmax, const float *x, int n, int c, int hw);
/* dx (N, C, HW) += dy (N, C) at each plane's saved argmax, as cs__maxpool_backward; dx NULL
 * does nothing. */
void cs__global_maxpool_backward(float *dx, const float *dy, const int32_t *argmax, int n, int c, int hw);

/* ---- fully connected ---------------------------------------------------------------------- */

/* y (N, OUT) = x (N, IN) w^T (w: (OUT, IN)) + b (OUT); b may be NULL. Overwrites y. */
void cs__linear_forward(float *y, const float *x, const float *w, const float *b, int n, int in,
                        int out);
void cs__linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                         const float *w, int n, int in, int out);

/* ---- element-wise ------------------------------------------------------------------------- */

/* y = max(x, 0) (y may alias x; NaN passes through, -0 stays -0, as torch.relu). Backward
 * uses the output: dx += dy except where y <= 0 (a NaN output passes its gradient). */
void cs__relu_forward(float *y, const float *x, size_t count);
void cs__relu_backward(float *dx, const float *dy, const float *y, size_t count);
/* The same gradient computed in place, when the forward pass overwrote its input: d holds dy
 * on entry and dx on return (dx did not exist before: nothing to accumulate into). */
void cs__relu_backward_inplace(float *d, const float *y, size_t count);

/* y = min(max(x, 0), 6) (ReLU6, as torch.nn.functional.relu6 = hardtanh(x, 0, 6), i.e.
 * clamp: y may alias x; NaN passes through, -0 stays -0, -inf gives 0, +inf gives 6).
 * Backward uses the output, with the contract of cs__relu_backward: dx += dy where
 * 0 < y < 6, else dx is left as it is; dx NULL does nothing. That is PyTorch's
 * hardtanh_backward (gradient where 0 < x < 6, with y = clamp(x) the same set: nothing at
 * x == 0 or x == 6), and a NaN passes nothing, as in the vectorised body of PyTorch 1.13's
 * kernel (its scalar tail, the last count % 16 elements, passes a NaN's gradient; see
 * elementwise.c). dx, dy and y are distinct buffers. */
void cs__relu6_forward(float *y, const float *x, size_t count);
void cs__relu6_backward(float *dx, const float *dy, const float *y, size_t count);
/* In place, as cs__relu_backward_inplace: d holds dy on entry and dx on return (0 + dy where
 * the gradient passes, +0 elsewhere; the same bits as cs__relu6_backward into zeros). */
void cs__relu6_backward_inplace(float *d, const float *y, size_t count);

/* y = a + b (the residual addition; y may alias a or b). Backward: da += dy, db += dy. */
void cs__add_forward(float *y, const float *a, const float *b, size_t count);
void cs__add_backward(float *da, float *db, const float *dy, size_t count);

/* Channel concatenation of `parts` tensors x[i] (N, C_i, HW) into y (N, sum C_i, HW), and
 * its backward (dx[i] += the matching slice of dy; a NULL dx[i] is skipped). */
void cs__concat_forward(float *y, const float *const *x, const int *channels, int parts, int n,
                        int hw);
void cs__concat_backward(float *const *dx, const float *dy, const int *channels, int parts, int n,
                         int hw);

/* Inverted dropout with drop probability p in [0, 1): y = x * mask / (1 - p), mask[i] kept
 * with probability 1 - p, drawn from Philox keyed by seed at counter + i (deterministic,
 * independent of threads): element g = counter + i uses word g % 4 of the block at Philox
 * counter (g / 4, "DROP", 0). Consecutive calls on one stream must advance counter by at
 * least count. mask (count bytes) is saved for backward. p is a double, as in PyTorch. */
void cs__dropout_forward(float *y, uint8_t *mask, const float *x, size_t count, double p,
                         uint64_t seed, uint64_t counter);
void cs__dropout_backward(float *dx, const float *dy, const uint8_t *mask, size_t count, double p);
/* In place, as cs__relu_backward_inplace: d holds dy on entry and dx on return. */
void cs__dropout_backward_inplace(float *d, const uint8_t *mask, size_t count, double p);

/* ---- loss ----------------------------------------------------------------------------------- */

/* Softmax cross-entropy, mean over the batch. probs (N, K) saves the softmax for backward;
 * logits (N, K); labels (N) in [0, K). Returns the mean loss (accumulated in double; NaN or
 * inf propagate so that the trainer can detect divergence). n <= 0 or a label outside
 * [0, K) returns NaN without touching memory out of bounds. */
double cs__softmax_ce_forward(float *probs, const float *logits, const int32_t *labels, int n,
                              int k);
/* dlogits (N, K) += (probs - onehot(labels)) / N. */
void cs__softmax_ce_backward(float *dlogits, const float *probs, const int32_t *labels, int n, int k);

/* ---- optimiser -------------------------------------------------------------------------------- */

/* One step of torch.optim.SGD on `count` parameters, exactly as PyTorch 1.13 does it:
 *   d = grad + weight_decay * param
 *   if momentum != 0: buf = first_step ? d : momentum * buf + (1 - dampening) * d
 *                     d = nesterov ? d + momentum * buf : buf
 *   param -= lr * d
 * Every "a + alpha * b" is a fused multiply-add, as in PyTorch's vectorised CPU kernel, which
 * makes the result bit-identical to PyTorch on AVX2/AVX-512 machines. grad is not modified.
 * buf (count) is the momentum buffer (may be NULL when momentum is 0). PyTorch refuses
 * nesterov with momentum 0 or dampening != 0; the caller must too. */
void cs__sgd_step(float *param, float *buf, const float *grad, size_t count, float lr,
                  float momentum, float dampening, float weight_decay, bool nesterov, bool first_step);

/* Whether the same step would leave every parameter and momentum value finite, computed
 * without writing anything, so that a trainer can refuse a step instead of undoing it. */
bool cs__sgd_step_is_finite(const float *param, const float *buf, const float *grad, size_t count, float lr,
                            float momentum, float dampening, float weight_decay, bool nesterov, bool first_step);

/* Learning-rate schedules, evaluated per epoch (0-based) like PyTorch's schedulers stepped
 * once per epoch. */
typedef enum cs__lr_kind { CS__LR_CONSTANT, CS__LR_STEP, CS__LR_COSINE } cs__lr_kind;
typedef struct cs__lr_schedule {
    cs__lr_kind kind;
    double base_lr;
    int total_epochs;       /* cosine: T_max */
    double eta_min;         /* cosine floor */
    int step_size;          /* step: decay every step_size epochs ... */
    double gamma;           /* ... by this factor */
    int warmup_epochs;      /* linear warm-up from warmup_start * base over these epochs */
    double warmup_start;    /* start factor in (0, 1] */
} cs__lr_schedule;

/* The learning rate of `epoch`: warm-up (LinearLR) for the first warmup_epochs, then the
 * schedule (CosineAnnealingLR's closed form with T_max = total_epochs - warmup_epochs, or
 * StepLR) counted from the end of warm-up. Edge cases: T_max <= 0 keeps the base rate; past
 * T_max the cosine rises again with period 2 T_max, as PyTorch's does; step_size <= 0 never
 * decays; a negative epoch counts as 0; warmup_epochs <= 0 means no warm-up (warmup_start is
 * then ignored); the last warm-up epoch is still below the base rate, as with PyTorch's
 * SequentialLR. */
double cs__lr_at(const cs__lr_schedule *s, int epoch);

#endif
