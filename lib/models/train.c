/* Training (mini-batch SGD over shuffled, normalised, augmented batches) and prediction.
 *
 * Reproducibility: every random decision is a pure function of (seed, coordinates), so the
 * same seed and thread count give bit-identical weights:
 * - the order of epoch e is a Fisher-Yates shuffle drawn from the cs__rng stream e of the key
 *   derive(seed, "SHUF"), starting from the identity every epoch (an epoch does not depend
 *   on how the previous ones went);
 * - the augmentation of the record at position j of epoch e uses key
 *   derive(derive(seed, "AUGM"), e) at counter j, wherever the batch boundaries fall;
 * - dropout of step t = e * batches + b uses key derive(seed, "DROP") at counter t (the
 *   network derives one key per layer from these).
 *
 * Each call is a new run: the epochs, the schedule and the momentum start afresh (momentum
 * from an earlier call, or from cs_model_sgd_step, is not carried over).
 *
 * Batches of one record: BatchNorm in training mode needs more than one value per channel
 * (PyTorch refuses such a batch, and its users set drop_last). Rather than dropping records,
 * a last batch that would hold a single record is merged into the batch before it, so every
 * epoch still visits every record once; that one batch is batch_size + 1 records long. The
 * rule holds for every architecture, so that batching never depends on the layers. A
 * model whose BatchNorm sees 1x1 planes cannot train on batches of one at all, so
 * batch_size 1 (or a one-record data set) is refused for it. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <classsens/records.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"
#include "models/model_internal.h"

/* Purposes mixed into the seed so that the streams of shuffling, augmentation and dropout
 * are independent even though they share the caller's one seed. */
#define PURPOSE_SHUFFLE 0x53485546u /* "SHUF" */
#define PURPOSE_AUGMENT 0x4155474Du /* "AUGM" */
#define PURPOSE_DROPOUT 0x44524F50u /* "DROP" */

/* Warm-up starts at a tenth of the base rate (the common LinearLR recipe). */
#define WARMUP_START 0.1

/* Prediction runs in chunks of at least this many records: enough to keep GEMMs efficient.
 * A model already sized for larger batches (by training) uses its full size, which costs no
 * memory; growing the work space further for prediction alone would (ResNet18 at 32x32 keeps
 * about 15 MB of activations and gradients per record). */
#define PREDICT_CHUNK 64

/* ---- helpers ------------------------------------------------------------------------------ */

/* True when some BatchNorm layer normalises 1x1 planes, where a batch of one sample gives a
 * single value per channel. */
static bool bn_needs_pairs(const cs__net *net)
{
    for (int i = 0; i < net->n_nodes; i++) {
        const cs__node *node = &net->nodes[i];
        if (node->op == CS__OP_BN && net->acts[node->in[0]].h * net->acts[node->in[0]].w == 1)
            return true;
    }
    return false;
}

static int check_shape(const cs_model *m, const cs_dataset *ds, bool check_k, const char *fn)
{
    int c, h, w;
    cs_dataset_shape(&c, &h, &w, ds);
    int k = cs_dataset_num_classes(ds);
    if (c != m->c || h != m->h || w != m->w || (check_k && k != m->k))
        return cs__error(CS_ERR_SIZE_MISMATCH,
                         "%s: the data set has images of %dx%dx%d and %d classes, the %s model expects "
                         "%dx%dx%d and %d classes",
                         fn, c, h, w, k, m->arch, m->c, m->h, m->w, m->k);
    return CS_OK;
}

/* Class of the largest logit; ties (and NaN, which never compares larger) go to the lowest. */
static int32_t argmax(const float *logits /* (K) */, int k)
{
    int32_t best = 0;
    for (int j = 1; j < k; j++)
        if (logits[j] > logits[best])
            best = j;
    return best;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- options ------------------------------------------------------------------------------ */

static int invalid(const char *field, double value, const char *expected)
{
    return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_train: %s is %g, expected %s", field, value, expected);
}

static int check_options(cs_train_options *o, const cs_train_options *given, const cs_model *m)
{
    cs_train_options defaults = CS_TRAIN_OPTIONS_INIT;
    *o = defaults;
    if (given) {
        int status = cs__options_copy(o, sizeof *o, given, offsetof(cs_train_options, payload) + sizeof(void *),
                                      "cs_model_train options");
        if (status != CS_OK)
            return status;
    }
    if (o->epochs < 1)
        return invalid("epochs", o->epochs, ">= 1");
    if (o->batch_size < 1)
        return invalid("batch_size", o->batch_size, ">= 1");
    if (!(isfinite(o->lr) && o->lr >= 0.0))
        return invalid("lr", o->lr, "a finite value >= 0 (0 selects the architecture's default)");
    if (!(o->momentum >= 0.0 && o->momentum < 1.0))
        return invalid("momentum", o->momentum, "a value in [0, 1)");
    if (!(isfinite(o->weight_decay) && o->weight_decay >= 0.0))
        return invalid("weight_decay", o->weight_decay, "a finite value >= 0");
    if (o->nesterov && o->momentum == 0.0)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_model_train: nesterov needs a momentum > 0 (as in torch.optim.SGD)");
    if (o->schedule != CS_LR_CONSTANT && o->schedule != CS_LR_STEP && o->schedule != CS_LR_COSINE)
        return invalid("schedule", (double)o->schedule, "CS_LR_CONSTANT, CS_LR_STEP or CS_LR_COSINE");
    if (o->schedule == CS_LR_STEP && o->step_size < 1)
        return invalid("step_size", o->step_size, ">= 1 with CS_LR_STEP");
    if (o->schedule == CS_LR_STEP && !(isfinite(o->gamma) && o->gamma > 0.0))
        return invalid("gamma", o->gamma, "a finite value > 0 with CS_LR_STEP");
    if (o->warmup_epochs < 0 || o->warmup_epochs > o->epochs)
        return invalid("warmup_epochs", o->warmup_epochs, "0..epochs");
    int longest = m->h > m->w ? m->h : m->w;
    if (o->crop_padding < 0 || o->crop_padding > 4 * longest)
        return invalid("crop_padding", o->crop_padding, "0..4 x the image side");
    if (o->threads < 0 || o->threads > CS__NET_MAX_THREADS)
        return invalid("threads", o->threads, "0 (the model's setting) .. " CS__NET_MAX_THREADS_TEXT);
    if (o->record_scores && cs_record_scores_num_classes(o->record_scores) != m->k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "cs_model_train: record_scores counts %d classes; the %s model has %d",
                         cs_record_scores_num_classes(o->record_scores), m->arch, m->k);
    return CS_OK;
}

/* ---- training ----------------------------------------------------------------------------- */

/* Buffers of one training run, allocated once before the first batch. */
typedef struct train_buffers {
    size_t *order;       /* (N) record positions of the current epoch */
    float *x;            /* (B, C, H, W) */
    int32_t *labels;     /* (B) */
    float *saved_bn;     /* (n_buffers) BN running statistics before the current step */
} train_buffers;

static void free_buffers(train_buffers *b)
{
    free(b->order);
    cs__aligned_free(b->x);
    free(b->labels);
    free(b->saved_bn);
}

static int alloc_buffers(train_buffers *b, const cs_model *m, size_t n, size_t max_batch)
{
    memset(b, 0, sizeof *b);
    size_t image = (size_t)m->c * (size_t)m->h * (size_t)m->w, x_floats;
    if (!cs__mul_size(&x_floats, image, max_batch) || x_floats > SIZE_MAX / sizeof(float) ||
        n > SIZE_MAX / sizeof(size_t))
        return cs__error(CS_ERR_OVERFLOW, "cs_model_train: batch buffers of %zu images overflow", max_batch);
    b->order = malloc(n * sizeof *b->order);
    b->x = cs__aligned_alloc(x_floats * sizeof(float));
    b->labels = malloc(max_batch * sizeof *b->labels);
    b->saved_bn = malloc((m->net.n_buffers ? m->net.n_buffers : 1) * sizeof(float));
    if (!b->order || !b->x || !b->labels || !b->saved_bn) {
        free_buffers(b);
        memset(b, 0, sizeof *b);
        return cs__error_oom("training batch buffers", x_floats * sizeof(float) + n * sizeof(size_t));
    }
    return CS_OK;
}

static void shuffle(size_t *order, size_t n, uint64_t seed, int epoch)
{
    cs__rng r;
    cs__rng_init(&r, cs__seed_derive(seed, PURPOSE_SHUFFLE), (uint64_t)epoch);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)cs__rng_below(&r, (uint64_t)i + 1);
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* Everything one epoch needs besides the model and the buffers. */
typedef struct epoch_plan {
    const cs_dataset *train;
    const cs_train_options *o;
    size_t n, batches;           /* records, batches per epoch */
    int batch_size;
    float lr;
    size_t steps;                /* SGD steps applied so far in this call */
} epoch_plan;

/* One epoch: fills the report's loss and accuracy. */
static int run_epoch(cs_model *m, train_buffers *b, epoch_plan *p, int epoch, cs_epoch_report *report)
{
    cs__net *net = &m->net;
    const int k = m->k;
    const int32_t *all_labels = cs_dataset_labels(p->train);
    cs_batch_options bo = CS_BATCH_OPTIONS_INIT;
    bo.mean = m->norm_mean;
    bo.std = m->norm_std;
    bo.crop_padding = p->o->crop_padding;
    bo.horizontal_flip = p->o->horizontal_flip;
    bo.seed = cs__seed_derive(cs__seed_derive(p->o->seed, PURPOSE_AUGMENT), (uint64_t)epoch);
    const uint64_t dropout_seed = cs__seed_derive(p->o->seed, PURPOSE_DROPOUT);

    shuffle(b->order, p->n, p->o->seed, epoch);
    double loss_sum = 0.0;
    size_t correct = 0;
    for (size_t bi = 0; bi < p->batches; bi++) {
        size_t start = bi * (size_t)p->batch_size;
        /* The last batch takes every remaining record (see the merge rule at the top). */
        size_t count = bi + 1 == p->batches ? p->n - start : (size_t)p->batch_size;
        int nb = (int)count;
        bo.counter = start;
        int status = cs_dataset_batch(b->x, p->train, b->order + start, count, &bo);
        if (status != CS_OK)
            return status;
        for (size_t j = 0; j < count; j++)
            b->labels[j] = all_labels[b->order[start + j]];

        /* The forward pass updates the BN running statistics before the loss is known; keep
         * them so that a diverging step leaves no trace. */
        if (net->n_buffers)
            memcpy(b->saved_bn, net->buffers, net->n_buffers * sizeof(float));
        const float *logits =
            cs__net_forward(net, b->x, nb, true, dropout_seed, (uint64_t)epoch * p->batches + bi);
        double loss = cs__softmax_ce_forward(m->probs, logits, b->labels, nb, k);
        bool finite = isfinite(loss);
        if (finite) {
            memset(m->dlogits, 0, count * (size_t)k * sizeof(float));
            cs__softmax_ce_backward(m->dlogits, m->probs, b->labels, nb, k);
            cs__net_zero_grad(net);
            cs__net_backward(net, m->dlogits, nb);
            /* A finite loss can still give an overflowing gradient, and a finite gradient a
             * step that overflows (a huge learning rate or momentum): refuse the step rather
             * than poison the weights. One check covers both: a non-finite gradient makes the
             * computed parameter non-finite too (even at lr 0: 0 * inf is NaN). */
            finite = cs__net_sgd_step_is_finite(net, p->lr, (float)p->o->momentum, 0.0f, (float)p->o->weight_decay,
                                                p->o->nesterov != 0);
        }
        if (!finite) {
            if (net->n_buffers)
                memcpy(net->buffers, b->saved_bn, net->n_buffers * sizeof(float));
            return cs__error(CS_ERR_DIVERGED,
                             "cs_model_train: %s at epoch %d of %d, batch %zu of %zu (lr %g, loss %g); the weights "
                             "are those before this step; try a lower learning rate",
                             isfinite(loss) ? "a gradient or the step would become NaN or infinite"
                                            : "the loss became NaN or infinite",
                             epoch + 1, p->o->epochs, bi + 1, p->batches, (double)p->lr, loss);
        }
        cs__net_sgd_step(net, p->lr, (float)p->o->momentum, 0.0f, (float)p->o->weight_decay, p->o->nesterov != 0);
        p->steps++;
        /* The logits of the step just applied (the update does not touch them): O(batch x K). */
        if (p->o->record_scores && cs_record_scores_get_pass(p->o->record_scores) == CS_RECORD_SCORES_TRAINING)
            cs__record_scores_observe(p->o->record_scores, b->order + start, logits, b->labels, count);
        loss_sum += loss * (double)count;
        for (size_t j = 0; j < count; j++)
            correct += argmax(logits + j * (size_t)k, k) == b->labels[j];
    }
    report->loss = loss_sum / (double)p->n;
    report->accuracy = (double)correct / (double)p->n;
    return CS_OK;
}

/* CS_RECORD_SCORES_EVALUATION: every training record once, in order, unaugmented, in evaluation
 * mode (as cs_model_predict sees it), in chunks of the training batch's size, which the work
 * space already holds. The chunk's positions go into the epoch's order buffer, which the next
 * epoch shuffles afresh; nothing of the training state changes. */
static int score_pass(cs_model *m, train_buffers *b, const epoch_plan *p, size_t chunk)
{
    const int32_t *all_labels = cs_dataset_labels(p->train);
    cs_batch_options bo = CS_BATCH_OPTIONS_INIT;
    bo.mean = m->norm_mean;
    bo.std = m->norm_std;
    for (size_t start = 0; start < p->n; start += chunk) {
        size_t count = p->n - start < chunk ? p->n - start : chunk;
        for (size_t j = 0; j < count; j++) {
            b->order[j] = start + j;
            b->labels[j] = all_labels[start + j];
        }
        int status = cs_dataset_batch(b->x, p->train, b->order, count, &bo);
        if (status != CS_OK)
            return status;
        const float *logits = cs__net_forward(&m->net, b->x, (int)count, false, 0, 0);
        cs__record_scores_observe(p->o->record_scores, b->order, logits, b->labels, count);
    }
    return CS_OK;
}

int cs_model_train(cs_model *m, const cs_dataset *train, const cs_train_options *opts)
{
    if (!m || !train)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_train: %s is NULL", !m ? "model" : "train");
    cs_train_options o;
    int status = check_options(&o, opts, m);
    if (status != CS_OK)
        return status;
    status = check_shape(m, train, true, "cs_model_train");
    if (status != CS_OK)
        return status;

    const size_t n = cs_dataset_size(train), bs = (size_t)o.batch_size;
    if (n == 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_train: the data set is empty");
    if (o.record_scores && cs_record_scores_count(o.record_scores) != n)
        return cs__error(CS_ERR_SIZE_MISMATCH, "cs_model_train: record_scores holds %zu records; the training set "
                         "has %zu", cs_record_scores_count(o.record_scores), n);
    size_t batches = n / bs + (n % bs != 0);
    if (n % bs == 1 && n > bs)
        batches--; /* merge the single last record into the batch before */
    size_t max_batch = batches == 1 ? n : (n - (batches - 1) * bs > bs ? bs + 1 : bs);
    if (max_batch > (size_t)INT32_MAX)
        return invalid("batch_size", o.batch_size, "a value giving batches of at most 2^31 - 1 records");
    if ((bs == 1 || n == 1) && bn_needs_pairs(&m->net))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_model_train: %s at %dx%d normalises 1x1 planes with BatchNorm, which needs "
                         "batches of at least 2 records (batch_size is %d, the data set has %zu)",
                         m->arch, m->h, m->w, o.batch_size, n);

    /* Everything that can fail comes before the first change to the model. The previous
     * normalisation is kept until a step has been applied: a call that fails before changing
     * any weight must not leave the old weights with new statistics. */
    double *stats = malloc(2 * (size_t)m->c * sizeof *stats);
    float *old_norm = malloc(2 * (size_t)m->c * sizeof *old_norm);
    bool old_has_norm = m->has_norm;
    if (!stats || !old_norm) {
        free(stats);
        free(old_norm);
        return cs__error_oom("channel statistics", 2 * (size_t)m->c * sizeof *stats);
    }
    memcpy(old_norm, m->norm_mean, (size_t)m->c * sizeof *old_norm);
    memcpy(old_norm + m->c, m->norm_std, (size_t)m->c * sizeof *old_norm);
    status = cs_dataset_channel_stats(stats, stats + m->c, m->c, train);
    train_buffers b;
    if (status == CS_OK)
        status = alloc_buffers(&b, m, n, max_batch);
    else
        memset(&b, 0, sizeof b);
    /* The call's own thread count, if it names one; the model's setting comes back at the end. */
    const int model_threads = m->net.threads;
    if (status == CS_OK && o.threads > 0)
        status = cs__net_set_threads(&m->net, o.threads);
    if (status == CS_OK)
        status = cs__model_prepare(m, (int)max_batch, true);
    if (status != CS_OK) {
        cs__net_set_threads(&m->net, model_threads);
        free(stats);
        free(old_norm);
        free_buffers(&b);
        return status;
    }
    for (int ch = 0; ch < m->c; ch++) {
        m->norm_mean[ch] = (float)stats[ch];
        /* A constant channel (std 0) is only centred: dividing by 0 would make it infinite. */
        m->norm_std[ch] = stats[m->c + ch] > 0.0 ? (float)stats[m->c + ch] : 1.0f;
    }
    m->has_norm = true;
    free(stats);
    /* The batches below overwrite the activations a pending cs_model_backward would need. */
    m->last_n = 0;
    /* Every call is a fresh optimiser, like a new torch.optim.SGD: momentum restarts. */
    m->net.momentum_started = false;

    cs__lr_schedule sched = { CS__LR_CONSTANT, o.lr, o.epochs, 0.0, o.step_size, o.gamma, o.warmup_epochs,
                              WARMUP_START };
    sched.kind = o.schedule == CS_LR_STEP ? CS__LR_STEP : o.schedule == CS_LR_COSINE ? CS__LR_COSINE : CS__LR_CONSTANT;
    if (sched.base_lr == 0.0)
        sched.base_lr = cs__net_has_bn(&m->net) ? 0.1 : 0.01;
    epoch_plan plan = { train, &o, n, batches, o.batch_size, 0.0f, 0 };

    /* One BLAS thread for the whole call (each pass would set it anyway; this saves the
     * switching). The callback cannot change the count meanwhile (cs_model_set_threads
     * refuses), so begin and end pair up. */
    const bool serial = m->net.threads > 0;
    if (serial)
        cs__blas_serial_begin();
    m->training = true;
    for (int epoch = 0; epoch < o.epochs; epoch++) {
        double t0 = now_seconds();
        cs_epoch_report report = { epoch + 1, o.epochs, 0.0, 0.0, cs__lr_at(&sched, epoch), 0.0 };
        plan.lr = (float)report.lr;
        status = run_epoch(m, &b, &plan, epoch, &report);
        if (status == CS_OK && o.record_scores &&
            cs_record_scores_get_pass(o.record_scores) == CS_RECORD_SCORES_EVALUATION)
            status = score_pass(m, &b, &plan, max_batch);
        if (status != CS_OK)
            goto cleanup;
        report.seconds = now_seconds() - t0;
        if (o.progress && o.progress(&report, o.payload) != 0) {
            status = cs__error(CS_ERR_CANCELLED, "cs_model_train: the progress callback stopped training after "
                               "epoch %d of %d", epoch + 1, o.epochs);
            goto cleanup;
        }
    }
cleanup:
    m->training = false;
    if (serial)
        cs__blas_serial_end();
    /* Back to the model's setting; going back can only fail to start threads, and then the
     * model keeps the call's count (still correct, only another speed). */
    if (o.threads > 0)
        cs__net_set_threads(&m->net, model_threads);
    if (status != CS_OK && plan.steps == 0) {
        memcpy(m->norm_mean, old_norm, (size_t)m->c * sizeof *old_norm);
        memcpy(m->norm_std, old_norm + m->c, (size_t)m->c * sizeof *old_norm);
        m->has_norm = old_has_norm;
    }
    free(old_norm);
    free_buffers(&b);
    return status;
}

/* ---- prediction --------------------------------------------------------------------------- */

int cs_model_predict(int32_t *pred, cs_model *m, const cs_dataset *ds)
{
    if (!m || !pred || !ds)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_model_predict: %s is NULL",
                         !m ? "model" : !pred ? "pred" : "ds");
    /* Only the image shape must agree: a test set may name fewer classes than the model. */
    int status = check_shape(m, ds, false, "cs_model_predict");
    if (status != CS_OK)
        return status;
    const size_t n = cs_dataset_size(ds);
    if (n == 0)
        return CS_OK;
    size_t chunk = m->net.plan.batch > PREDICT_CHUNK ? (size_t)m->net.plan.batch : PREDICT_CHUNK;
    chunk = n < chunk ? n : chunk;
    const size_t image = (size_t)m->c * (size_t)m->h * (size_t)m->w;
    if (image > SIZE_MAX / sizeof(float) / chunk)
        return cs__error(CS_ERR_OVERFLOW, "cs_model_predict: a chunk of %zu images overflows", chunk);
    float *x = cs__aligned_alloc(chunk * image * sizeof(float)); /* (chunk, C, H, W) */
    size_t *idx = malloc(chunk * sizeof *idx);
    if (!x || !idx) {
        status = cs__error_oom("prediction batch", chunk * (image * sizeof(float) + sizeof *idx));
        goto cleanup;
    }
    status = cs__model_prepare(m, (int)chunk, false);
    if (status != CS_OK)
        goto cleanup;
    /* The evaluation forwards overwrite what a pending cs_model_backward would need. */
    m->last_n = 0;
    cs_batch_options bo = CS_BATCH_OPTIONS_INIT;
    bo.mean = m->has_norm ? m->norm_mean : NULL;
    bo.std = m->has_norm ? m->norm_std : NULL;
    for (size_t start = 0; start < n; start += chunk) {
        size_t count = n - start < chunk ? n - start : chunk;
        for (size_t j = 0; j < count; j++)
            idx[j] = start + j;
        status = cs_dataset_batch(x, ds, idx, count, &bo);
        if (status != CS_OK)
            goto cleanup;
        const float *logits = cs__net_forward(&m->net, x, (int)count, false, 0, 0);
        for (size_t j = 0; j < count; j++)
            pred[start + j] = argmax(logits + j * (size_t)m->k, m->k);
    }
cleanup:
    cs__aligned_free(x);
    free(idx);
    return status;
}
