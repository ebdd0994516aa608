/* train_eval: train one architecture on a data set's training split and report its test
 * accuracy, per-class recall and the time taken — the documented accuracy runs of
 * docs/accuracy.md are this program.
 *
 *   train_eval [--data fashion-mnist|fashion-mnist:DIR|cifar10:PATH] [--arch lenet]
 *              [--width 1] [--epochs 10] [--batch 64] [--lr 0 (= default)] [--seed 0]
 *              [--threads 0] [--crop-padding 4] [--no-flip] [--no-augment] [--limit N]
 *              [--save FILE] [--precision fp32|bf16]
 *
 * Augmentation is the library's default (random crop with padding 4, horizontal flip);
 * --crop-padding 0 keeps the flips only, --no-flip drops them, --no-augment drops both.
 *
 * --threads T splits every batch among T threads (cs_model_set_threads); 0 runs on one thread
 * with OpenBLAS's own threading.
 *
 * --precision bf16 trains and evaluates with bf16 products and fp32 sums and weights
 * (cs_model_set_precision); it fails with CS_ERR_UNSUPPORTED on a CPU without AVX512_BF16.
 *
 * Uses only the public API. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <classsens.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int on_epoch(const cs_epoch_report *r, void *payload)
{
    (void)payload;
    printf("epoch %3d/%d  loss %.4f  train acc %.4f  lr %.5f  %.1f s\n", r->epoch, r->epochs, r->loss, r->accuracy,
           r->lr, r->seconds);
    fflush(stdout);
    return 0;
}

static int open_split(const char *spec, cs_split split, cs_dataset **out)
{
    if (strcmp(spec, "fashion-mnist") == 0)
        return cs_dataset_open_fashion_mnist(out, NULL, split);
    if (strncmp(spec, "fashion-mnist:", 14) == 0)
        return cs_dataset_open_fashion_mnist(out, spec + 14, split);
    if (strncmp(spec, "cifar10:", 8) == 0)
        return cs_dataset_open_cifar10(out, spec + 8, split);
    fprintf(stderr, "train_eval: unknown data set '%s'\n", spec);
    return CS_ERR_INVALID_ARGUMENT;
}

static int usage(void)
{
    fprintf(stderr, "usage: train_eval [--data SPEC] [--arch NAME] [--width W] [--epochs E] [--batch B] [--lr LR]\n"
                    "                  [--seed S] [--threads T] [--crop-padding P] [--no-flip] [--no-augment]\n"
                    "                  [--limit N] [--save FILE] [--precision fp32|bf16]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *data = "fashion-mnist", *arch = "lenet", *save = NULL;
    cs_precision precision = CS_PRECISION_FP32;
    double width = 1.0;
    long limit = 0;
    cs_train_options t = CS_TRAIN_OPTIONS_INIT;
    t.epochs = 10;
    for (int a = 1; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(argv[a], "--no-augment") == 0) {
            t.crop_padding = 0;
            t.horizontal_flip = 0;
            continue;
        }
        if (strcmp(argv[a], "--no-flip") == 0) {
            t.horizontal_flip = 0;
            continue;
        }
        if (!v)
            return usage();
        if (strcmp(argv[a], "--data") == 0)
            data = v;
        else if (strcmp(argv[a], "--arch") == 0)
            arch = v;
        else if (strcmp(argv[a], "--width") == 0)
            width = atof(v);
        else if (strcmp(argv[a], "--epochs") == 0)
            t.epochs = atoi(v);
        else if (strcmp(argv[a], "--batch") == 0)
            t.batch_size = atoi(v);
        else if (strcmp(argv[a], "--crop-padding") == 0)
            t.crop_padding = atoi(v);
        else if (strcmp(argv[a], "--lr") == 0)
            t.lr = atof(v);
        else if (strcmp(argv[a], "--seed") == 0)
            t.seed = strtoull(v, NULL, 10);
        else if (strcmp(argv[a], "--threads") == 0)
            t.threads = atoi(v);
        else if (strcmp(argv[a], "--limit") == 0)
            limit = atol(v);
        else if (strcmp(argv[a], "--save") == 0)
            save = v;
        else if (strcmp(argv[a], "--precision") == 0 && strcmp(v, "fp32") == 0)
            precision = CS_PRECISION_FP32;
        else if (strcmp(argv[a], "--precision") == 0 && strcmp(v, "bf16") == 0)
            precision = CS_PRECISION_BF16;
        else
            return usage();
        a++;
    }
    t.progress = on_epoch;

    cs_dataset *train = NULL, *test = NULL, *subset = NULL;
    cs_model *m = NULL;
    int32_t *pred = NULL;
    cs_confusion *cm = NULL;
    int status = open_split(data, CS_SPLIT_TRAIN, &train);
    if (status == CS_OK)
        status = open_split(data, CS_SPLIT_TEST, &test);
    if (status == CS_OK && limit > 0 && (size_t)limit < cs_dataset_size(train)) {
        status = cs_dataset_view(&subset, train, NULL, (size_t)limit, NULL);
        if (status == CS_OK) {
            cs_dataset_destroy(train);
            train = subset;
        }
    }
    int c = 0, h = 0, w = 0, k = cs_dataset_num_classes(train);
    cs_dataset_shape(&c, &h, &w, train);
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = width;
    mo.seed = t.seed;
    if (status == CS_OK)
        status = cs_model_create(&m, arch, c, h, w, k, &mo);
    /* Training and the test predictions both split their batches among the threads. */
    if (status == CS_OK)
        status = cs_model_set_threads(m, t.threads);
    if (status == CS_OK && precision != CS_PRECISION_FP32)
        status = cs_model_set_precision(m, precision);
    if (status == CS_OK) {
        printf("%s width %g on %s: %zu training images %dx%dx%d, %d classes, %zu parameters, %d epochs, batch %d%s\n",
               arch, width, data, cs_dataset_size(train), c, h, w, k, cs_model_num_params(m), t.epochs, t.batch_size,
               precision == CS_PRECISION_BF16 ? ", precision bf16" : "");
        double t0 = now_s();
        status = cs_model_train(m, train, &t);
        double train_s = now_s() - t0;
        if (status == CS_OK) {
            pred = malloc(cs_dataset_size(test) * sizeof *pred);
            t0 = now_s();
            status = pred ? cs_model_predict(pred, m, test) : CS_ERR_OUT_OF_MEMORY;
            double test_s = now_s() - t0;
            if (status == CS_OK)
                status = cs_confusion_create(&cm, cs_dataset_labels(test), pred, cs_dataset_size(test), k);
            if (status == CS_OK) {
                double *recall = malloc((size_t)k * sizeof *recall);
                if (recall && cs_confusion_class_metrics(recall, NULL, NULL, k, cm) == CS_OK)
                    for (int i = 0; i < k; i++)
                        printf("  %-14s recall %.4f\n", cs_dataset_class_name(test, i), recall[i]);
                free(recall);
                printf("test accuracy %.4f  (training %.1f s = %.0f img/s, test %.1f s)\n", cs_confusion_accuracy(cm),
                       train_s, (double)cs_dataset_size(train) * t.epochs / train_s, test_s);
            }
        }
    }
    if (status == CS_OK && save)
        status = cs_model_save(m, save);
    if (status != CS_OK)
        fprintf(stderr, "train_eval: %s: %s\n", cs_status_str(status), cs_last_error());
    cs_confusion_destroy(cm);
    free(pred);
    cs_model_destroy(m);
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    return status == CS_OK ? 0 : 1;
}
