/* Softmax cross-entropy (torch.nn.CrossEntropyLoss with reduction='mean', no weights, no
 * label smoothing), fused with the softmax whose output backward needs.
 *
 * Each row is computed in double from the float logits: the max is subtracted first (exact in
 * double for float inputs), so exp never overflows and a row of logits around 1e4 is as
 * accurate as a row around 1; the per-row losses are summed in double in row order. Nothing
 * is filtered: a NaN logit makes its row's sum, and so the loss, NaN, and an infinite logit
 * gives NaN (+inf - +inf) or an infinite loss, as in PyTorch, because the trainer watches the
 * returned loss to detect divergence. */
#include <math.h>

#include "tensor/kernels.h"

double cs__softmax_ce_forward(float *probs /* (N, K) */, const float *logits /* (N, K) */,
                              const int32_t *labels /* (N) */, int n, int k)
{
    /* The mean over an empty batch is 0/0, which PyTorch also reports as NaN. */
    if (n <= 0 || k <= 0)
        return NAN;
    double total = 0.0;
    for (size_t r = 0; r < (size_t)n; r++) {
        const float *z = logits + r * (size_t)k;
        float *pr = probs + r * (size_t)k;
        /* A NaN never wins a comparison, so it cannot hide as the max: either it is z[0] and
         * makes every shifted logit NaN, or it reaches the sum below. */
        float zmax = z[0];
        for (int j = 1; j < k; j++)
            if (z[j] > zmax)
                zmax = z[j];
        double m = (double)zmax;
        double sum = 0.0;
        for (int j = 0; j < k; j++)
            sum += exp((double)z[j] - m);
        /* exp is evaluated again rather than kept in probs, because a float there would cost
         * the double accuracy of the division. */
        for (int j = 0; j < k; j++)
            pr[j] = (float)(exp((double)z[j] - m) / sum);
        int32_t label = labels[r];
        if (label < 0 || label >= k) {
            /* Out of contract; NaN marks the batch as unusable without reading outside the
             * row. */
            total += NAN;
            continue;
        }
        /* log(sum) - (z_label - m) rather than m + log(sum) - z_label: the two large terms
         * cancel exactly first, which keeps the small losses of confident rows accurate. */
        total += log(sum) - ((double)z[label] - m);
    }
    return total / (double)n;
}

void cs__softmax_ce_backward(float *dlogits /* (N, K) */, const float *probs /* (N, K) */,
                             const int32_t *labels /* (N) */, int n, int k)
{
    if (dlogits == NULL || n <= 0)
        return;
    double inv_n = 1.0 / (double)n;
    for (size_t r = 0; r < (size_t)n; r++) {
        const float *pr = probs + r * (size_t)k;
        float *d = dlogits + r * (size_t)k;
        int32_t label = labels[r];
        for (int j = 0; j < k; j++) {
            /* (p - onehot) / N formed in double and rounded once. An out-of-range label gets
             * no one-hot term (the forward pass has already returned NaN for it). */
            double g = (double)pr[j] - (j == label ? 1.0 : 0.0);
            d[j] += (float)(g * inv_n);
        }
    }
}
