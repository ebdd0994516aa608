/**
 * @file classsens/model.h
 * @brief Image classifiers: the architectures of the study, their parameters under
 *        PyTorch's state_dict names, one training step's pieces, full training, prediction
 *        and checkpoints.
 *
 * Architectures (see docs/models.md for the layer tables; cs_model_arch_count() and
 * cs_model_arch_name() list them): `lenet`, `resnet18`, `unresnet18` (ResNet18 with every
 * shortcut removed), `googlenet`, `custom` (the reference study's small Keras-style CNN),
 * `vgg11` (VGG-11 with BatchNorm) and `mobilenetv2`. Each works for any input (C, H, W) large enough for its
 * downsampling and any number of classes K, and takes a width multiplier w: every channel
 * and hidden-feature count c becomes max(1, round(c·w)).
 *
 * Parameters and BatchNorm running statistics are exposed as named tensors in the order and
 * layout of the PyTorch `state_dict` of the kuangliu/pytorch-cifar modules (without
 * `num_batches_tracked`), so weights can be exchanged with PyTorch and results cross-checked.
 *
 * A model is not thread-safe: use one model per thread.
 */
#ifndef CLASSSENS_MODEL_H
#define CLASSSENS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <classsens/common.h>
#include <classsens/dataset.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Opaque handle to a model: architecture, parameters, optimiser state, work space. */
typedef struct cs_model cs_model;

/** @brief Opaque accumulator of per-record training scores (classsens/records.h). */
typedef struct cs_record_scores cs_record_scores;

/** @brief Options of cs_model_create(). Initialise with ::CS_MODEL_OPTIONS_INIT. */
typedef struct cs_model_options {
    size_t struct_size;   /**< sizeof(cs_model_options). */
    double width;         /**< Width multiplier (> 0); default 1. */
    uint64_t seed;        /**< Seed of the initial weights (PyTorch's default init rules); default 0. */
} cs_model_options;

/** @brief Defaults: width 1, seed 0. */
#define CS_MODEL_OPTIONS_INIT { sizeof(cs_model_options), 1.0, 0u }

/**
 * @brief Fill @p opts with exactly what ::CS_MODEL_OPTIONS_INIT gives (for bindings, which
 *        cannot use the macro).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_model_options_init(cs_model_options *opts);

/** @name Architectures
 * The architectures this library builds, listed from one registry (the names the CLI, the
 * study and cs_model_create() accept).
 * @{ */

/**
 * @brief Number of architectures.
 * @return 7 in 1.0 (lenet, resnet18, unresnet18, googlenet, custom, vgg11, mobilenetv2);
 *         later versions may add more, never remove one.
 */
CS_API int cs_model_arch_count(void);

/**
 * @brief The name of architecture @p i.
 * @param i 0 .. cs_model_arch_count() - 1.
 * @return A static string ("resnet18"); NULL when @p i is out of range.
 */
CS_API const char *cs_model_arch_name(int i);

/** @brief What cs_model_arch_describe() tells about an architecture at one input shape. Set
 *         @c struct_size to sizeof(cs_arch_info) before the call; fields may be appended in
 *         later versions, never removed. */
typedef struct cs_arch_info {
    size_t struct_size;       /**< sizeof(cs_arch_info), set by the caller. */
    const char *name;         /**< The architecture's name (static storage). */
    const char *description;  /**< One line about its layers (static storage). */
    double default_width;     /**< The width multiplier of the reference network (1). */
    double width;             /**< The width multiplier described. */
    size_t num_params;        /**< Trainable parameters (floats) at that shape and width. */
    double forward_flops;     /**< Multiply-adds x 2 of one sample's forward pass. */
    int has_batchnorm;        /**< 1 when it has BatchNorm layers (default learning rate 0.1). */
    int num_tensors;          /**< Named tensors of its state_dict (parameters and running statistics). */
} cs_arch_info;

/**
 * @brief Describe an architecture for an input shape, class count and width, without
 *        allocating its parameters.
 * @param[out] out       Filled on success; its @c struct_size must be set (the library writes
 *                       no more than that many bytes).
 * @param arch           An architecture name (cs_model_arch_name()).
 * @param c              Input channels, >= 1.
 * @param h              Input height, >= 1.
 * @param w              Input width, >= 1.
 * @param num_classes    K, 2..65536.
 * @param width          Width multiplier (> 0), or 0 for the architecture's default.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND for an unknown name (the message lists the known ones);
 *         ::CS_ERR_INVALID_ARGUMENT for NULL @p out or @p arch, a @c struct_size smaller than
 *         any version's, or bad sizes, classes or width; ::CS_ERR_UNSUPPORTED for a
 *         @c struct_size larger than this library's (a caller built against a newer version),
 *         an input too small for the architecture or so large that an activation would exceed
 *         INT_MAX values per sample.
 */
CS_API int cs_model_arch_describe(cs_arch_info *out, const char *arch, int c, int h, int w, int num_classes,
                                  double width);

/** @} */

/**
 * @brief Create a model with freshly initialised weights.
 *
 * Conv and linear weights and biases are drawn uniformly from ±1/√fan_in (PyTorch's
 * default rules), BatchNorm weights 1, biases 0, running mean 0, running variance 1.
 * @param[out] out      The model; NULL on failure. Owned: free with cs_model_destroy().
 * @param arch          An architecture name: "lenet", "resnet18", "unresnet18", "googlenet",
 *                      "custom", "vgg11" or "mobilenetv2" (cs_model_arch_name()).
 * @param c             Input channels, >= 1.
 * @param h             Input height, >= 1.
 * @param w             Input width, >= 1.
 * @param num_classes   K, 2..65536.
 * @param opts          Options, or NULL for ::CS_MODEL_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND for an unknown architecture (the message lists the
 *         known ones); ::CS_ERR_INVALID_ARGUMENT for bad sizes or width; ::CS_ERR_UNSUPPORTED
 *         for an input too small for the architecture (the message names the layer) or a
 *         newer options struct; ::CS_ERR_OUT_OF_MEMORY (also when the default threads cannot
 *         be started); ::CS_ERR_INVALID_ARGUMENT when `CLASSSENS_NUM_THREADS` is set to
 *         something other than 0 .. 64.
 */
CS_API int cs_model_create(cs_model **out, const char *arch, int c, int h, int w, int num_classes,
                           const cs_model_options *opts);

/** @brief Free a model. @param m The model; NULL is accepted. */
CS_API void cs_model_destroy(cs_model *m);

/**
 * @brief The architecture name given at creation.
 * @param m The model.
 * @return A string borrowed from @p m; NULL when @p m is NULL.
 */
CS_API const char *cs_model_arch(const cs_model *m);

/** @name How to call a model
 * What a program that loads a checkpoint needs to feed it: the number of classes (the size of
 * a row of logits), the input shape, the normalisation its inputs expect, and the width it was
 * built with. docs/models.md shows them in use.
 * @{
 */

/**
 * @brief The number of classes K: the length of one row of logits.
 * @param m The model.
 * @return K (>= 2); ::CS_ERR_INVALID_ARGUMENT when @p m is NULL.
 */
CS_API int cs_model_num_classes(const cs_model *m);

/**
 * @brief The input shape (C, H, W) the model was created for.
 * @param[out] c  Channels (may be NULL).
 * @param[out] h  Height (may be NULL).
 * @param[out] w  Width (may be NULL).
 * @param m       The model.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p m is NULL (the outputs are untouched).
 */
CS_API int cs_model_input_shape(int *c, int *h, int *w, const cs_model *m);

/**
 * @brief The per-channel normalisation that cs_model_predict() applies to its inputs:
 *        x = (byte / 255 − mean[c]) / std[c].
 *
 * cs_model_train() stores the training set's statistics (in [0, 1] units) in the model and
 * checkpoints keep them. A model that was never trained, or a checkpoint saved from one, has
 * none: its inputs are byte / 255 as they are, and this function says so by returning 0
 * (with mean 0 and std 1 written, which describe exactly that).
 * @param[out] mean  @p c channel means (may be NULL).
 * @param[out] std   @p c channel standard deviations, > 0 (may be NULL).
 * @param c          Capacity of @p mean and @p std: the model's channel count.
 * @param m          The model.
 * @return 1 when statistics are stored; 0 when none are (the model normalises nothing);
 *         ::CS_ERR_INVALID_ARGUMENT when @p m is NULL; ::CS_ERR_SIZE_MISMATCH when @p c is not
 *         the model's channel count.
 */
CS_API int cs_model_normalization(float *mean, float *std, int c, const cs_model *m);

/**
 * @brief The width multiplier the model was created with (::cs_model_options.width).
 * @param[out] width  The multiplier (> 0).
 * @param m           The model.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p width or @p m is NULL.
 */
CS_API int cs_model_width(double *width, const cs_model *m);

/** @} */

/**
 * @brief Number of trainable scalars.
 * @param m The model.
 * @return The count; 0 when @p m is NULL.
 */
CS_API size_t cs_model_num_params(const cs_model *m);

/**
 * @brief Floating-point operations of one image's forward pass: 2 × the multiply-adds of the
 *        convolutions and linear layers (the usual FLOP count; training costs about 3×).
 * @param m The model.
 * @return The count; 0 for NULL.
 */
CS_API double cs_model_forward_flops(const cs_model *m);

/**
 * @brief Number of named tensors: parameters and BatchNorm running statistics, in PyTorch
 *        state_dict order, without `num_batches_tracked`.
 * @param m The model.
 * @return The count; 0 when @p m is NULL.
 */
CS_API int cs_model_num_tensors(const cs_model *m);

/**
 * @brief The state_dict key of tensor i, e.g. "layer1.0.conv1.weight", "a3.b2.3.weight".
 * @param m The model.
 * @param i Tensor index in [0, cs_model_num_tensors()).
 * @return A string borrowed from @p m; NULL when @p m is NULL or @p i is out of range.
 */
CS_API const char *cs_model_tensor_name(const cs_model *m, int i);

/**
 * @brief The shape of tensor i in PyTorch's layout (conv weights OIHW, linear (out, in)).
 * @param[out] dims Up to @p max_dims sizes (may be NULL when @p max_dims is 0).
 * @param max_dims  Capacity of @p dims.
 * @param m         The model.
 * @param i         Tensor index.
 * @return The number of dimensions (1..4), which may exceed @p max_dims (then only the first
 *         @p max_dims are written); a negative ::cs_status for a NULL model or bad index.
 */
CS_API int cs_model_tensor_shape(int64_t *dims, int max_dims, const cs_model *m, int i);

/**
 * @brief The data of tensor i, writable (to load weights).
 *
 * Load weights before a training forward, not between it and its cs_model_backward: the
 * backward reads the parameters as they are then (the weights for the input gradients,
 * BatchNorm's scale and shift for the activations it writes again instead of keeping them).
 * @param m The model.
 * @param i Tensor index.
 * @return A pointer borrowed from @p m (valid while it lives); NULL when out of range.
 */
CS_API float *cs_model_tensor_data(cs_model *m, int i);

/**
 * @brief The gradient of tensor i, accumulated by cs_model_backward().
 * @param m The model.
 * @param i Tensor index.
 * @return A pointer borrowed from @p m; NULL for running statistics or when out of range.
 */
CS_API const float *cs_model_tensor_grad(const cs_model *m, int i);

/**
 * @brief Run the model's passes on several threads (data parallelism).
 *
 * With @p threads >= 1, every forward and backward pass (cs_model_forward(),
 * cs_model_backward(), cs_model_predict(), and cs_model_train() unless its options name their
 * own count) cuts the batch into @p threads contiguous shares of whole samples, each run
 * through the whole network by one thread with single-threaded BLAS; the threads meet in every
 * BatchNorm layer (batch statistics are over the whole batch, as in PyTorch) and sum their
 * weight gradients in a fixed order. The same seed and thread count give bit-identical
 * results; a different count changes the last bits (partial sums are combined in another
 * grouping). While a pass runs, OpenBLAS's process-wide thread count is 1; the setting found
 * is restored when the last such pass in the process ends.
 *
 * By default (a model from cs_model_create() or cs_model_load() that nobody configured) the
 * count is the number of CPUs the process may run on (its `sched_getaffinity` mask, at most
 * 64), the fastest setting, as PyTorch and OpenBLAS pick theirs; the environment variable
 * `CLASSSENS_NUM_THREADS` (0 .. 64) replaces it. Results are bit-identical for the same seed
 * and thread count, so a program that must reproduce its numbers on other machines sets the
 * count (and the study records it with every cell).
 *
 * With @p threads 0 passes run on the calling thread and leave OpenBLAS's thread count as it
 * is (OpenBLAS may then use its own threads inside each matrix product; results then depend
 * on OpenBLAS's thread count).
 *
 * The threads are started here and kept until the model is destroyed or the count changes;
 * they sleep between passes and never handle signals. Changing the number of threads that
 * run passes (0 and 1 both mean one) frees the activation buffers, so a pending
 * cs_model_backward() then needs a new forward pass.
 * @param m       The model.
 * @param threads 0, or 1 .. 64.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT for NULL or a count outside 0..64;
 *         ::CS_ERR_STATE when called from the progress callback of cs_model_train() on this
 *         model; ::CS_ERR_OUT_OF_MEMORY when a thread cannot be started.
 */
CS_API int cs_model_set_threads(cs_model *m, int threads);

/**
 * @brief The thread count: the one set by cs_model_set_threads(), else the default (the CPUs
 *        the process may run on, or `CLASSSENS_NUM_THREADS`).
 * @param m The model.
 * @return The count (>= 0); -1 for NULL (0 is a valid count).
 */
CS_API int cs_model_threads(const cs_model *m);

/**
 * @brief The thread count recorded in the checkpoint the model was loaded from.
 *
 * cs_model_save() records the model's thread count (cs_model_threads()) with its weights; a
 * loaded model runs with this machine's default, and a program that must continue exactly as
 * the saved one did sets this count: `cs_model_set_threads(m, cs_model_saved_threads(m))`.
 * @param m The model.
 * @return 0 .. 64; -1 for a model that was not loaded from a checkpoint, was loaded from a
 *         version-1 checkpoint (which did not record it), or NULL.
 */
CS_API int cs_model_saved_threads(const cs_model *m);

/**
 * @brief Arithmetic of a model's matrix products (convolutions, linear layers).
 *
 * ::CS_PRECISION_BF16 is a mixed-precision mode: the operands of every product are rounded to
 * bfloat16 (round to nearest even), their products summed in fp32; weights, gradients,
 * optimiser state and every other operation stay fp32. It needs the AVX512_BF16 instructions
 * (detected at run time; see cs_model_set_precision()).
 */
typedef enum cs_precision {
    CS_PRECISION_FP32 = 0, /**< fp32 throughout (the default); results as in every earlier release. */
    CS_PRECISION_BF16 = 1  /**< bf16 products, fp32 sums and fp32 master weights. */
} cs_precision;

/**
 * @brief Choose the arithmetic of the model's matrix products for every later forward and
 *        backward pass, training and evaluation (cs_model_forward(), cs_model_backward(),
 *        cs_model_train(), cs_model_predict() and the rest).
 *
 * The parameters stay fp32 whatever the precision, so a checkpoint does not depend on it and
 * the mode may be switched between steps. ::CS_PRECISION_FP32 gives bit for bit the results a
 * model that never called this gives. ::CS_PRECISION_BF16 is deterministic for a given thread
 * count on a given CPU model (the hardware's fp32 sums of bf16 products may round differently
 * on another vendor's CPU).
 *
 * bf16 needs a CPU with AVX512_BF16 (and AVX512F, BW, VL) and an operating system that saves
 * the AVX-512 registers. Setting the environment variable `CLASSSENS_NO_BF16` to a value other
 * than empty or `0` makes the library behave as if the CPU lacked it (to test that path).
 * @param m The model.
 * @param p ::CS_PRECISION_FP32 or ::CS_PRECISION_BF16.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT for NULL or an unknown value;
 *         ::CS_ERR_UNSUPPORTED for bf16 where it is unavailable (the message names the missing
 *         feature, e.g. AVX512_BF16; the precision is left unchanged); ::CS_ERR_STATE when
 *         called from cs_model_train()'s progress callback.
 */
CS_API int cs_model_set_precision(cs_model *m, cs_precision p);

/**
 * @brief The precision set by cs_model_set_precision() (::CS_PRECISION_FP32 until then; a
 *        loaded model starts in fp32).
 * @param[out] out The precision.
 * @param m        The model.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p out or @p m is NULL.
 */
CS_API int cs_model_precision(cs_precision *out, const cs_model *m);

/**
 * @brief Set every gradient to 0 (cs_model_backward() accumulates).
 * @param m The model.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT for NULL.
 */
CS_API int cs_model_zero_grad(cs_model *m);

/**
 * @brief Forward pass on n already-normalised inputs.
 * @param[out] logits n × K floats.
 * @param m           The model.
 * @param x           n × C × H × W floats (N, C, H, W).
 * @param n           Batch size, >= 1.
 * @param training    Non-zero: BatchNorm uses batch statistics (n·H·W > 1 per channel is
 *                    required) and updates its running statistics, dropout is active;
 *                    zero: evaluation mode.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_OUT_OF_MEMORY (work space grows with
 *         the largest batch seen).
 */
CS_API int cs_model_forward(float *logits, cs_model *m, const float *x, int n, int training);

/**
 * @brief Backward pass of the last training-mode forward: the mean softmax cross-entropy of
 *        its logits against @p labels, and its gradient accumulated into every parameter's.
 *
 * A backward consumes its forward: the activations the forward saved are handed to the
 * gradients of earlier layers as the backward goes (as PyTorch frees the graph in
 * `loss.backward()` without `retain_graph`), so a second call needs a new training-mode
 * forward first. Gradients accumulate over backward calls until cs_model_zero_grad().
 * A call that fails before differentiating (a bad label, a non-finite loss) consumes nothing.
 * @param[out] loss The mean cross-entropy (may be NULL).
 * @param m         The model.
 * @param labels    n labels in [0, K).
 * @param n         Must equal the batch size of that forward.
 * @return ::CS_OK; ::CS_ERR_STATE without a preceding training forward of n samples that no
 *         backward consumed yet;
 *         ::CS_ERR_OUT_OF_RANGE for a label outside [0, K) (the message gives its index);
 *         ::CS_ERR_DIVERGED when the loss is NaN or infinite (gradients are then left
 *         untouched); ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_model_backward(float *loss, cs_model *m, const int32_t *labels, int n);

/**
 * @brief One torch.optim.SGD step (dampening 0, no Nesterov) on every parameter, using the
 *        accumulated gradients: d = g + weight_decay·p; buf = momentum·buf + d (buf = d at the
 *        first step); p −= lr·buf.
 * @param m            The model.
 * @param lr           Learning rate, finite and >= 0.
 * @param momentum     Momentum in [0, 1).
 * @param weight_decay L2 penalty, >= 0.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_model_sgd_step(cs_model *m, float lr, float momentum, float weight_decay);

/** @brief Learning-rate schedules of ::cs_train_options (per epoch, like PyTorch's schedulers). */
typedef enum cs_lr_schedule {
    CS_LR_CONSTANT = 0,   /**< lr throughout. */
    CS_LR_STEP = 1,       /**< StepLR: lr · gamma^⌊epoch / step_size⌋. */
    CS_LR_COSINE = 2      /**< CosineAnnealingLR to 0 over the epochs after warm-up. */
} cs_lr_schedule;

/** @brief What cs_model_train() reports after every epoch. */
typedef struct cs_epoch_report {
    int epoch;            /**< 1-based epoch just finished. */
    int epochs;           /**< Total epochs. */
    double loss;          /**< Mean training loss over the epoch's batches (weighted by batch size). */
    double accuracy;      /**< Training accuracy of the epoch's (augmented) batches, in [0, 1]. */
    double lr;            /**< The learning rate used in this epoch. */
    double seconds;       /**< Wall time of the epoch. */
} cs_epoch_report;

/**
 * @brief Progress callback of cs_model_train(), called after every epoch.
 * @param report  The epoch's numbers (valid during the call).
 * @param payload The caller's pointer from ::cs_train_options.
 * @return 0 to go on; non-zero to stop training (cs_model_train() then returns
 *         ::CS_ERR_CANCELLED and the model keeps the weights reached so far).
 */
typedef int (*cs_progress_fn)(const cs_epoch_report *report, void *payload);

/** @brief Options of cs_model_train(). Initialise with ::CS_TRAIN_OPTIONS_INIT. */
typedef struct cs_train_options {
    size_t struct_size;       /**< sizeof(cs_train_options). */
    int epochs;               /**< Epochs, >= 1; default 1. */
    int batch_size;           /**< Mini-batch size, >= 1; default 64. The last batch may be smaller;
                                   a last batch of one record is merged into the one before it,
                                   since BatchNorm needs more than one value per channel. */
    double lr;                /**< Base learning rate; 0 (default) means 0.1 for architectures with
                                   BatchNorm and 0.01 for lenet and custom. */
    double momentum;          /**< SGD momentum in [0, 1); default 0.9. */
    double weight_decay;      /**< L2 penalty >= 0; default 5e-4. */
    int nesterov;             /**< Non-zero: Nesterov momentum; default 0. */
    cs_lr_schedule schedule;  /**< Default ::CS_LR_COSINE. */
    int step_size;            /**< ::CS_LR_STEP: epochs between decays; default 30. */
    double gamma;             /**< ::CS_LR_STEP: decay factor; default 0.1. */
    int warmup_epochs;        /**< Linear warm-up epochs (from lr/10); default 0. */
    int crop_padding;         /**< Random-crop augmentation padding (0 = off); default 4. */
    int horizontal_flip;      /**< Non-zero: random horizontal flips; default 1. */
    uint64_t seed;            /**< Seed of shuffling, augmentation and dropout; default 0. */
    int threads;              /**< Threads of every training step, as cs_model_set_threads()
                                   describes (the batch is split among them, each matrix
                                   product runs on one BLAS thread); 0 = the model's own
                                   setting. Results depend on this count, so it is part of a
                                   reproducible recipe. Default 0. */
    cs_progress_fn progress;  /**< Called after every epoch, or NULL. */
    void *payload;            /**< Passed to @ref progress. */
    cs_record_scores *record_scores; /**< NULL (default): off. Otherwise an accumulator of
                                   cs_dataset_size(train) records and the model's K
                                   (cs_record_scores_create()) that every epoch adds each
                                   record's p(label) and margin to, from the logits of the
                                   training forward pass (augmented, dropout on, before the
                                   step's update; or, see cs_record_scores_set_pass(), of an
                                   evaluation pass after the epoch), indexed by the record's
                                   position in the training set. Recording never changes the
                                   training. A
                                   step that is not applied (non-finite loss or gradient) adds
                                   nothing; a record whose logits are not all finite is not
                                   observed in that step. */
} cs_train_options;

/** @brief Defaults: the study's recipe (SGD 0.9, weight decay 5e-4, cosine, batch 64, crop + flip). */
#define CS_TRAIN_OPTIONS_INIT                                                                    \
    { sizeof(cs_train_options), 1, 64, 0.0, 0.9, 5e-4, 0, CS_LR_COSINE, 30, 0.1, 0, 4, 1, 0u, 0,  \
      NULL, NULL, NULL }

/**
 * @brief Fill @p opts with exactly what ::CS_TRAIN_OPTIONS_INIT gives (for bindings, which
 *        cannot use the macro).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_train_options_init(cs_train_options *opts);

/**
 * @brief Train on a data set from the model's current weights.
 *
 * Each epoch visits every record once in an order shuffled by a stream derived from
 * (seed, epoch); batches are normalised with the per-channel mean and standard deviation of
 * @p train (computed once and stored in the model, so that cs_model_predict() and checkpoints
 * use the same normalisation) and augmented as configured; SGD with the configured schedule
 * updates the weights after every batch. The same seed and thread count give bit-identical
 * weights. Every call starts a fresh optimiser (momentum buffers restart, as with a new
 * torch.optim.SGD); a step whose loss or gradients are not finite is not applied.
 * @param m      The model (its input shape and K must match the data set).
 * @param train  The training set (a view is fine).
 * @param opts   Options, or NULL for ::CS_TRAIN_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_SIZE_MISMATCH for a data set of another shape or K;
 *         ::CS_ERR_INVALID_ARGUMENT for bad options (a @c record_scores accumulator of
 *         another record count or K: ::CS_ERR_SIZE_MISMATCH); ::CS_ERR_DIVERGED when the loss becomes
 *         NaN or infinite (the message gives the epoch and batch; the weights are those
 *         before the failing step); ::CS_ERR_CANCELLED when the callback asks to stop;
 *         ::CS_ERR_UNSUPPORTED for a newer options struct; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_model_train(cs_model *m, const cs_dataset *train, const cs_train_options *opts);

/**
 * @brief Predict the class of every record of a data set (evaluation mode).
 *
 * Inputs are normalised with the statistics stored by the last cs_model_train() (or loaded
 * from a checkpoint); a model never trained uses byte / 255 without normalisation.
 * @param[out] pred cs_dataset_size(ds) predicted classes.
 * @param m         The model.
 * @param ds        The data set (same shape as the model's input).
 * @return ::CS_OK; ::CS_ERR_SIZE_MISMATCH; ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_model_predict(int32_t *pred, cs_model *m, const cs_dataset *ds);

/**
 * @brief Save a checkpoint: architecture, input shape, classes, width, normalisation, every
 *        named tensor, and a CRC-32, zlib-compressed (format in docs/formats.md).
 * @param m     The model.
 * @param path  File to write (replaced atomically: written to a temporary file, then renamed).
 * @return ::CS_OK; ::CS_ERR_IO (the message names the path and the OS error);
 *         ::CS_ERR_INVALID_ARGUMENT.
 */
CS_API int cs_model_save(const cs_model *m, const char *path);

/**
 * @brief Load a checkpoint written by cs_model_save().
 * @param[out] out The model; NULL on failure. Owned.
 * @param path     The file.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND; ::CS_ERR_IO; ::CS_ERR_FORMAT for a file that is not a
 *         checkpoint or of an unknown version; ::CS_ERR_TRUNCATED; ::CS_ERR_CORRUPT for a
 *         checksum mismatch or damaged compression; ::CS_ERR_SIZE_MISMATCH when a tensor's
 *         name or shape does not match the architecture; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_model_load(cs_model **out, const char *path);

/** @name safetensors
 * Weights in the safetensors format (docs/formats.md), named as PyTorch's `state_dict`, so that
 * `safetensors.torch.load_file` + `load_state_dict` read what cs_model_save_safetensors()
 * writes and cs_model_load_safetensors() reads what `safetensors.torch.save_file` writes.
 * @{ */

/** @brief Options of cs_model_load_safetensors(). Initialise with ::CS_SAFETENSORS_OPTIONS_INIT. */
typedef struct cs_safetensors_options {
    size_t struct_size;   /**< sizeof(cs_safetensors_options). */
    const char *arch;     /**< NULL (default): the model is described by the file's `__metadata__`
                               (as cs_model_save_safetensors() writes it). Otherwise the
                               architecture (cs_model_arch_name()), built with @ref c, @ref h,
                               @ref w, @ref num_classes and @ref width whatever the file says: for
                               files written by PyTorch, which lack that metadata. */
    int c;                /**< When @c arch is set: input channels. */
    int h;                /**< When @c arch is set: input height. */
    int w;                /**< When @c arch is set: input width. */
    int num_classes;      /**< When @c arch is set: K. */
    double width;         /**< When @c arch is set: width multiplier; 0 means 1. */
    int ignore_extra;     /**< Non-zero: tensors the model lacks are skipped; 0 (default): they
                               are an error, except integer `*.num_batches_tracked` scalars. */
} cs_safetensors_options;

/** @brief Defaults: the model described by the file's metadata, extra tensors refused. */
#define CS_SAFETENSORS_OPTIONS_INIT { sizeof(cs_safetensors_options), NULL, 0, 0, 0, 0, 0.0, 0 }

/**
 * @brief Fill @p opts with exactly what ::CS_SAFETENSORS_OPTIONS_INIT gives (for bindings).
 * @param[out] opts The options to initialise.
 * @return ::CS_OK; ::CS_ERR_INVALID_ARGUMENT when @p opts is NULL.
 */
CS_API int cs_safetensors_options_init(cs_safetensors_options *opts);

/**
 * @brief Save the model's named tensors as a safetensors file.
 *
 * Every tensor is F32 under its state_dict name, in state_dict order; after each BatchNorm's
 * `running_var` comes its `num_batches_tracked` (I64, shape [], as PyTorch has it: the value
 * of the file the model was loaded from, else 0). `__metadata__` holds `format` ("classsens"),
 * `classsens_version`, `arch`, `width`, `input_shape` ("C,H,W"), `num_classes` and, for a
 * trained model, `norm_mean` and `norm_std` (comma-separated), so that
 * cs_model_load_safetensors() rebuilds the model from the file alone.
 * @param m     The model.
 * @param path  File to write (replaced atomically: written to a temporary file, then renamed).
 * @return ::CS_OK; ::CS_ERR_IO (the message names the path and the OS error);
 *         ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_model_save_safetensors(const cs_model *m, const char *path);

/**
 * @brief Load a model from a safetensors file.
 *
 * Every tensor of the architecture must be present under its state_dict name with its exact
 * shape, in F32, F64 (rounded to nearest), F16 or BF16 (converted exactly). The header is
 * checked before anything is sized from it: a JSON object, every entry with exactly `dtype`,
 * `shape` and `data_offsets`, byte ranges that match their shapes and tile the data with no gap,
 * overlap or byte past the end. The model's seed is 0 and its thread count this machine's
 * default (cs_model_set_threads()).
 * @param[out] out The model; NULL on failure. Owned: free with cs_model_destroy().
 * @param path     The file.
 * @param opts     Options, or NULL for ::CS_SAFETENSORS_OPTIONS_INIT.
 * @return ::CS_OK; ::CS_ERR_NOT_FOUND for a missing file or an unknown architecture in
 *         @c opts->arch (an unknown one in the metadata is ::CS_ERR_FORMAT);
 *         ::CS_ERR_IO; ::CS_ERR_TRUNCATED for a file shorter than its header length or
 *         offsets past the end of the data; ::CS_ERR_FORMAT for a malformed header (not an
 *         object, duplicate names, an unknown dtype, offsets that disagree with the shape,
 *         gaps, overlaps, a header length over 100 MB, missing metadata without
 *         @c opts->arch); ::CS_ERR_OVERFLOW for a shape whose size overflows;
 *         ::CS_ERR_UNSUPPORTED for a valid dtype this library cannot convert (U32, F8_E4M3,
 *         ...), an integer dtype where a parameter is expected, or a newer options struct;
 *         ::CS_ERR_SIZE_MISMATCH for a missing or extra tensor or a wrong shape (the message
 *         names the tensor); ::CS_ERR_INVALID_ARGUMENT; ::CS_ERR_OUT_OF_MEMORY.
 */
CS_API int cs_model_load_safetensors(cs_model **out, const char *path, const cs_safetensors_options *opts);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CLASSSENS_MODEL_H */
