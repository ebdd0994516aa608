/* The model handle: creation, the named-tensor accessors, and the three pieces of one
 * training step (forward, backward of the mean softmax cross-entropy, SGD). Training loops,
 * prediction and checkpoints build on these in train.c and checkpoint.c.
 *
 * State machine of a step: a training-mode forward records its batch size in last_n; a
 * backward needs last_n == n, because it differentiates the activations, BatchNorm batch
 * statistics and dropout masks that this forward left in the network. Anything that
 * overwrites or invalidates those (an evaluation forward, a growing work space, an SGD step
 * that changes the weights they were computed with) clears last_n, and so does the backward
 * itself: the memory plan hands an activation's buffer to the gradients of earlier layers
 * once the last backward step that reads it has run (net_plan.c), as PyTorch frees the graph
 * of a loss.backward() without retain_graph, so a second backward needs a new forward. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"
#include "core/team.h"
#include "models/model_internal.h"
#include "models/models.h"
#include "tensor/precision.h"

/* Purpose word that separates the dropout key from other keys derived from the model seed. */
#define CS__PURPOSE_DROPOUT 0x44524F50u /* "DROP" */

int cs__model_create(cs_model **out, const char *arch, int c, int h, int w, int k, double width, uint64_t seed)
{
    *out = NULL;
    cs_model *m = calloc(1, sizeof *m);
    if (!m)
        return cs__error_oom("model", sizeof *m);
    /* The registry checks the name, sizes and width and frees the net on failure. */
    int status = cs__model_build(&m->net, arch, c, h, w, k, width);
    if (status != CS_OK) {
        free(m);
        return status;
    }
    /* Every known name fits; the check guards against a registry that learns a longer one. */
    if (strlen(arch) >= sizeof m->arch) {
        status = cs__error(CS_ERR_INVALID_ARGUMENT, "model: architecture name \"%s\" is longer than %d bytes", arch,
                           CS__MODEL_ARCH_MAX - 1);
        goto cleanup;
    }
    memcpy(m->arch, arch, strlen(arch) + 1);
    m->c = c;
    m->h = h;
    m->w = w;
    m->k = k;
    m->width = width;
    m->seed = seed;
    m->dropout_seed = cs__seed_derive(seed, CS__PURPOSE_DROPOUT);
    m->saved_threads = -1;
    m->norm_mean = calloc((size_t)c, sizeof *m->norm_mean);
    m->norm_std = calloc((size_t)c, sizeof *m->norm_std);
    if (!m->norm_mean || !m->norm_std) {
        status = cs__error_oom("model normalisation statistics", 2 * (size_t)c * sizeof(float));
        goto cleanup;
    }
    cs__net_init_params(&m->net, seed);
    /* Fast by default: the batch split among the CPUs this process may use. */
    int threads = 0;
    status = cs__default_threads(&threads, CS__NET_MAX_THREADS);
    if (status == CS_OK)
        status = cs__net_set_threads(&m->net, threads);
    if (status != CS_OK)
        goto cleanup;
    *out = m;
    return CS_OK;
cleanup:
    cs_model_destroy(m);
    return status;
}

int cs__model_prepare(cs_model *m, int n, bool grads)
{
    if (n < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "model: batch size %d must be at least 1", n);
    if (n > m->net.plan.batch || (grads && !m->net.plan.has_grads)) {
        /* Reallocating replaces the activations a pending backward would need, and a failure
         * leaves none. */
        m->last_n = 0;
        int status = cs__net_prepare(&m->net, n, grads);
        if (status != CS_OK)
            return status;
    }
    if (n > m->probs_batch) {
        size_t floats;
        if (!cs__mul_size(&floats, (size_t)n, (size_t)m->k) || floats > SIZE_MAX / sizeof(float))
            return cs__error(CS_ERR_OVERFLOW, "model: %d x %d logits overflow", n, m->k);
        float *probs = malloc(floats * sizeof *probs), *dlogits = malloc(floats * sizeof *dlogits);
        if (!probs || !dlogits) {
            free(probs);
            free(dlogits);
            return cs__error_oom("model softmax and logit gradient", 2 * floats * sizeof(float));
        }
        free(m->probs);
        free(m->dlogits);
        m->probs = probs;
        m->dlogits = dlogits;
        m->probs_batch = n;
    }
    return CS_OK;
}

int cs_model_create(cs_model **out, const char *arch, int c, int h, int w, int num_classes,
                    const cs_model_options *opts)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_create: out is NULL");
    *out = NULL;
    cs_model_options o = CS_MODEL_OPTIONS_INIT;
    if (opts) {
        int status = cs__options_copy(&o, sizeof o, opts, offsetof(cs_model_options, seed) + sizeof o.seed,
                                      "cs_model_create options");
        if (status != CS_OK)
            return status;
    }
    return cs__model_create(out, arch, c, h, w, num_classes, o.width, o.seed);
}

void cs_model_destroy(cs_model *m)
{
    if (!m)
        return;
    cs__net_free(&m->net);
    free(m->probs);
    free(m->dlogits);
    free(m->norm_mean);
    free(m->norm_std);
    free(m);
}

const char *cs_model_arch(const cs_model *m)
{
    return m ? m->arch : NULL;
}

int cs_model_options_init(cs_model_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_options_init: opts is NULL");
    /* Static, so that its padding is zero too: memcmp with a zeroed macro copy is equal. */
    static const cs_model_options defaults = CS_MODEL_OPTIONS_INIT;
    memcpy(opts, &defaults, sizeof *opts);
    return CS_OK;
}

int cs_train_options_init(cs_train_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_train_options_init: opts is NULL");
    /* Static, so that its padding is zero too: memcmp with a zeroed macro copy is equal. */
    static const cs_train_options defaults = CS_TRAIN_OPTIONS_INIT;
    memcpy(opts, &defaults, sizeof *opts);
    return CS_OK;
}

int cs_model_num_classes(const cs_model *m)
{
    if (!m)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_num_classes: model is NULL");
    return m->k;
}

int cs_model_input_shape(int *c, int *h, int *w, const cs_model *m)
{
    if (!m)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_input_shape: model is NULL");
    if (c)
        *c = m->c;
    if (h)
        *h = m->h;
    if (w)
        *w = m->w;
    return CS_OK;
}

int cs_model_normalization(float *mean, float *std, int c, const cs_model *m)
{
    if (!m)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_normalization: model is NULL");
    if (c != m->c)
        return cs__error(CS_ERR_SIZE_MISMATCH, "cs_model_normalization: c is %d; the model has %d input channel%s",
                         c, m->c, m->c == 1 ? "" : "s");
    for (int ch = 0; ch < c; ch++) {
        if (mean)
            mean[ch] = m->has_norm ? m->norm_mean[ch] : 0.0f;
        if (std)
            std[ch] = m->has_norm ? m->norm_std[ch] : 1.0f;
    }
    return m->has_norm ? 1 : 0;
}

int cs_model_saved_threads(const cs_model *m)
{
    return m ? m->saved_threads : -1;
}

int cs_model_width(double *width, const cs_model *m)
{
    if (!width || !m)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_width: %s is NULL", !width ? "width" : "model");
    *width = m->width;
    return CS_OK;
}

size_t cs_model_num_params(const cs_model *m)
{
    return m ? m->net.n_params : 0;
}

int cs_model_set_threads(cs_model *m, int threads)
{
    if (!m)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_set_threads: model is NULL");
    if (threads < 0 || threads > CS__NET_MAX_THREADS)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_set_threads: threads is %d, expected 0 .. %d", threads,
                         CS__NET_MAX_THREADS);
    if (m->training)
        return cs__error(CS_ERR_STATE, "cs_model_set_threads: the model is training (called from its progress "
                         "callback); set the count before cs_model_train or in its options");
    const int before = m->net.members;
    int status = cs__net_set_threads(&m->net, threads);
    if (status == CS_OK && m->net.members != before)
        m->last_n = 0; /* the activations a pending backward needed are gone */
    return status;
}

int cs_model_threads(const cs_model *m)
{
    return m ? m->net.threads : -1;
}

int cs_model_set_precision(cs_model *m, cs_precision p)
{
    if (!m)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_set_precision: model is NULL");
    if (p != CS_PRECISION_FP32 && p != CS_PRECISION_BF16)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_set_precision: precision is %d, expected "
                         "CS_PRECISION_FP32 (0) or CS_PRECISION_BF16 (1)", (int)p);
    if (m->training)
        return cs__error(CS_ERR_STATE, "cs_model_set_precision: the model is training (called from its progress "
                         "callback); set the precision before cs_model_train");
    if (p == CS_PRECISION_BF16) {
        int status = cs__bf16_check("cs_model_set_precision");
        if (status != CS_OK)
            return status;
    }
    m->net.precision = (int)p;
    return CS_OK;
}

int cs_model_precision(cs_precision *out, const cs_model *m)
{
    if (!out || !m)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_precision: %s is NULL", !out ? "out" : "model");
    *out = (cs_precision)m->net.precision;
    return CS_OK;
}

double cs_model_forward_flops(const cs_model *m)
{
    return m ? cs__net_forward_flops(&m->net) : 0.0;
}

int cs_model_num_tensors(const cs_model *m)
{
    return m ? m->net.n_tensors : 0;
}

/* Shared check of the tensor accessors; sets the last error and returns its status. */
static int check_tensor(const cs_model *m, int i, const char *fn)
{
    if (!m)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: model is NULL", fn);
    if (i < 0 || i >= m->net.n_tensors)
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: tensor index %d is outside [0, %d)", fn, i, m->net.n_tensors);
    return CS_OK;
}

const char *cs_model_tensor_name(const cs_model *m, int i)
{
    return check_tensor(m, i, "cs_model_tensor_name") == CS_OK ? m->net.tensors[i].name : NULL;
}

int cs_model_tensor_shape(int64_t *dims, int max_dims, const cs_model *m, int i)
{
    int status = check_tensor(m, i, "cs_model_tensor_shape");
    if (status != CS_OK)
        return status;
    if (max_dims < 0 || (max_dims > 0 && !dims))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_tensor_shape: %s",
                         max_dims < 0 ? "max_dims is negative" : "dims is NULL but max_dims is positive");
    const cs__named_tensor *t = &m->net.tensors[i];
    for (int d = 0; d < t->ndim && d < max_dims; d++)
        dims[d] = t->dims[d];
    return t->ndim;
}

float *cs_model_tensor_data(cs_model *m, int i)
{
    return check_tensor(m, i, "cs_model_tensor_data") == CS_OK ? cs__net_tensor_data(&m->net, i) : NULL;
}

const float *cs_model_tensor_grad(const cs_model *m, int i)
{
    if (check_tensor(m, i, "cs_model_tensor_grad") != CS_OK)
        return NULL;
    if (!m->net.tensors[i].trainable) {
        cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_tensor_grad: tensor %d (%s) is a running statistic, "
                  "which has no gradient", i, m->net.tensors[i].name);
        return NULL;
    }
    /* The net's accessor takes a mutable net only because it also serves the executor. */
    return cs__net_tensor_grad((cs__net *)(uintptr_t)&m->net, i);
}

int cs_model_zero_grad(cs_model *m)
{
    if (!m)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_zero_grad: model is NULL");
    cs__net_zero_grad(&m->net);
    return CS_OK;
}

/* The first BatchNorm that would normalise a single value per channel in a training batch of
 * n (its input plane is 1x1 and n is 1): batch statistics are undefined there (the unbiased
 * running variance divides by 0), which is why PyTorch refuses it. -1 if none. */
static int single_value_bn(const cs__net *net, int n)
{
    for (int i = 0; i < net->n_nodes; i++) {
        const cs__node *node = &net->nodes[i];
        if (node->op != CS__OP_BN)
            continue;
        const cs__act_shape *a = &net->acts[node->in[0]];
        if ((long long)n * a->h * a->w <= 1)
            return i;
    }
    return -1;
}

int cs_model_forward(float *logits, cs_model *m, const float *x, int n, int training)
{
    if (!m || !logits || !x)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_forward: %s is NULL",
                         !m ? "model" : !logits ? "logits" : "x");
    if (n < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_forward: n is %d, expected at least 1", n);
    if (training) {
        int bn = single_value_bn(&m->net, n);
        if (bn >= 0) {
            const cs__node *node = &m->net.nodes[bn];
            const cs__act_shape *a = &m->net.acts[node->in[0]];
            const char *name = m->net.tensors[node->first_tensor].name;
            const char *dot = strrchr(name, '.');
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "cs_model_forward: training mode needs more than 1 value per channel in every "
                             "BatchNorm, but %.*s gets a %dx%d plane and the batch has %d sample "
                             "(PyTorch: \"Expected more than 1 value per channel when training\"); "
                             "use a batch of at least 2 or evaluation mode",
                             (int)(dot ? dot - name : (ptrdiff_t)strlen(name)), name, a->h, a->w, n);
        }
    }
    int status = cs__model_prepare(m, n, training != 0);
    if (status != CS_OK)
        return status;
    const float *y = cs__net_forward(&m->net, x, n, training != 0, m->dropout_seed, m->dropout_step);
    memcpy(logits, y, (size_t)n * (size_t)m->k * sizeof *logits);
    if (training) {
        m->last_n = n;
        m->dropout_step++;
    } else {
        m->last_n = 0;
    }
    return CS_OK;
}

int cs_model_backward(float *loss, cs_model *m, const int32_t *labels, int n)
{
    if (!m || !labels)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_backward: %s is NULL", !m ? "model" : "labels");
    if (n < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_backward: n is %d, expected at least 1", n);
    if (m->last_n == 0)
        return cs__error(CS_ERR_STATE,
                         "cs_model_backward: no training-mode forward to differentiate (none yet, a "
                         "backward already consumed it, or an evaluation forward, an SGD step or a larger "
                         "batch came after it)");
    if (n != m->last_n)
        return cs__error(CS_ERR_STATE, "cs_model_backward: n is %d but the last training forward had %d samples", n,
                         m->last_n);
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= m->k)
            return cs__error(CS_ERR_OUT_OF_RANGE, "cs_model_backward: labels[%d] is %d, outside [0, %d)", i,
                             (int)labels[i], m->k);
    const float *logits = cs__net_logits(&m->net);
    double mean = cs__softmax_ce_forward(m->probs, logits, labels, n, m->k);
    if (!isfinite(mean))
        return cs__error(CS_ERR_DIVERGED,
                         "cs_model_backward: the loss of the batch of %d is %s; gradients are unchanged", n,
                         isnan(mean) ? "NaN" : "infinite");
    memset(m->dlogits, 0, (size_t)n * (size_t)m->k * sizeof *m->dlogits);
    cs__softmax_ce_backward(m->dlogits, m->probs, labels, n, m->k);
    cs__net_backward(&m->net, m->dlogits, n);
    m->last_n = 0; /* the activations it read now hold gradients */
    if (loss)
        *loss = (float)mean;
    return CS_OK;
}

int cs_model_sgd_step(cs_model *m, float lr, float momentum, float weight_decay)
{
    if (!m)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_sgd_step: model is NULL");
    if (!(isfinite(lr) && lr >= 0.0f))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_sgd_step: lr is %g, expected a finite value >= 0",
                         (double)lr);
    if (!(momentum >= 0.0f && momentum < 1.0f))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_sgd_step: momentum is %g, expected a value in [0, 1)",
                         (double)momentum);
    if (!(isfinite(weight_decay) && weight_decay >= 0.0f))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_model_sgd_step: weight_decay is %g, expected a finite value >= 0", (double)weight_decay);
    cs__net_sgd_step(&m->net, lr, momentum, 0.0f, weight_decay, false);
    /* The saved activations belong to the old weights now. */
    m->last_n = 0;
    return CS_OK;
}

void cs__format_shape(char *buf, size_t size, int ndim, const int64_t *dims)
{
    int len = snprintf(buf, size, "(");
    for (int d = 0; d < ndim && len > 0 && (size_t)len < size; d++)
        len += snprintf(buf + len, size - (size_t)len, d ? ", %lld" : "%lld", (long long)dims[d]);
    if (len > 0 && (size_t)len < size)
        snprintf(buf + len, size - (size_t)len, ")");
}
