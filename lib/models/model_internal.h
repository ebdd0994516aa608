/* Internal: the model handle, shared by model.c (creation, accessors, one step),
 * train.c (training and prediction) and checkpoint.c (save and load). */
#ifndef CS_MODELS_MODEL_INTERNAL_H
#define CS_MODELS_MODEL_INTERNAL_H

#include <stdbool.h>

#include <classsens/model.h>

#include "models/net.h"

#define CS__MODEL_ARCH_MAX 32

struct cs_model {
    char arch[CS__MODEL_ARCH_MAX];
    int c, h, w, k;
    double width;
    uint64_t seed;
    cs__net net;
    float *probs;           /* (batch, K) softmax of the last training forward */
    int last_n;             /* batch size of the last training forward; 0 if none */
    bool has_norm;          /* mean/std below were set by training or a checkpoint */
    int saved_threads;      /* the thread count a loaded checkpoint recorded; -1 if none */
    float *norm_mean;       /* (C) in [0, 1] units */
    float *norm_std;        /* (C) */
    /* Added for cs_model_forward/backward (model.c): */
    float *dlogits;         /* (batch, K) gradient of the loss with respect to the logits */
    int probs_batch;        /* rows allocated in probs and dlogits */
    uint64_t dropout_seed;  /* key of the dropout masks of cs_model_forward (derived from seed
                               at creation; a trainer may set its own) */
    uint64_t dropout_step;  /* training forwards so far: each gets fresh masks */
    bool training;          /* inside cs_model_train (its callback must not change threads) */
    int64_t num_batches_tracked; /* BatchNorm's count from a safetensors file (0 otherwise), written
                                    back by cs_model_save_safetensors */
};

/* Create a model as cs_model_create does (used by cs_model_load before filling tensors). */
int cs__model_create(cs_model **out, const char *arch, int c, int h, int w, int k, double width, uint64_t seed);

/* Make sure the network can run batches of n (grows work space and the probs buffer), with
 * activation gradients when `grads` (a training forward that backward may follow). */
int cs__model_prepare(cs_model *m, int n, bool grads);

/* Add one observation of each of n records (records.c) without checks: rows whose logits are
 * not all finite are skipped (not observed). Indices and labels must be in range. */
void cs__record_scores_observe(cs_record_scores *s, const size_t *records, const float *logits /* (n, K) */,
                               const int32_t *labels, size_t n);

/* A tensor's shape for messages, "(64, 3, 3, 3)", cut to size bytes (checkpoint.c,
 * safetensors.c). */
void cs__format_shape(char *buf, size_t size, int ndim, const int64_t *dims);

#endif
