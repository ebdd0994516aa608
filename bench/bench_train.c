/* bench_train: training and inference speed of the architectures, the numbers issue 3 asks
 * for: images per second for a training step (forward + backward + SGD, batch 64) and for
 * inference (batch 256), achieved GFLOP/s (forward FLOPs x 3 for training), and the peak
 * resident memory of each configuration, measured in a child process of its own.
 *
 *   bench_train [--arch lenet,resnet18,...] [--shape 1x28x28,3x32x32] [--width 1]
 *               [--threads T|default] [--batch 64] [--infer-batch 256] [--seconds 10]
 *               [--precision fp32|bf16] [--record-scores 0|1]
 *
 * --threads T calls cs_model_set_threads(m, T) (0: one thread, OpenBLAS's own threads inside
 * each product); default, the default, calls nothing: what a program that configures nothing
 * gets (the CPUs the process may run on, or CLASSSENS_NUM_THREADS). --precision bf16 calls
 * cs_model_set_precision(m, CS_PRECISION_BF16) (bf16 products, fp32 sums; fails where the CPU
 * lacks AVX512_BF16). --record-scores 1 adds every training step's logits to a
 * cs_record_scores of 60,000 records (the batch takes the next records in turn, as an epoch
 * does), the work that cs_model_train does per step with cs_train_options.record_scores set:
 * compare the train img/s of a run with 0 and one with 1 for the overhead of recording.
 *
 * Each configuration runs training steps until about --seconds have passed (at least 3
 * after one warm-up step), then inference the same way. bench/bench_train_pytorch.py measures
 * PyTorch on the same configurations; run both in one sitting and compare ratios. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <classsens.h>

static cs_precision precision = CS_PRECISION_FP32;
static int record_scores = 0;

/* The records of the accumulator of --record-scores 1 (a Fashion-MNIST training split). */
#define SCORED_RECORDS 60000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process (every thread): on a host shared with other jobs, CPU time
 * per image moves far less than images per second of wall time. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}


static int run(const char *arch, int c, int h, int w, double width, int threads, int batch, int infer_batch,
               double budget)
{
    cs_model *m = NULL;
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = width;
    int status = cs_model_create(&m, arch, c, h, w, 10, &mo);
    if (status == CS_OK && threads >= 0) /* -1: the library's default, no call */
        status = cs_model_set_threads(m, threads);
    if (status == CS_OK && precision != CS_PRECISION_FP32)
        status = cs_model_set_precision(m, precision);
    if (status != CS_OK) {
        fprintf(stderr, "bench_train: %s: %s\n", arch, cs_last_error());
        return 1;
    }
    int big = batch > infer_batch ? batch : infer_batch;
    size_t image = (size_t)c * h * w;
    float *x = malloc((size_t)big * image * sizeof *x), *logits = malloc((size_t)big * 10 * sizeof *logits);
    int32_t *labels = malloc((size_t)batch * sizeof *labels);
    if (!x || !logits || !labels) {
        fprintf(stderr, "bench_train: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < (size_t)big * image; i++)
        x[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    for (int i = 0; i < batch; i++)
        labels[i] = i % 10;
    cs_record_scores *scores = NULL;
    size_t *records = malloc((size_t)batch * sizeof *records), next = 0;
    if (!records || (record_scores && cs_record_scores_create(&scores, SCORED_RECORDS, 10) != CS_OK)) {
        fprintf(stderr, "bench_train: out of memory\n");
        return 1;
    }

    /* Training: one warm-up step, then steps until the budget is spent. */
    int steps = 0;
    double t0 = 0.0, train_s = 0.0, c0 = 0.0, train_cpu = 0.0;
    for (int s = 0;; s++) {
        if (s == 1) {
            t0 = now_s();
            c0 = cpu_s();
        }
        status = cs_model_zero_grad(m);
        if (status == CS_OK)
            status = cs_model_forward(logits, m, x, batch, 1);
        for (int i = 0; scores && i < batch; i++, next = (next + 1) % SCORED_RECORDS)
            records[i] = next;
        if (status == CS_OK && scores)
            status = cs_record_scores_add(scores, records, logits, labels, (size_t)batch);
        if (status == CS_OK)
            status = cs_model_backward(NULL, m, labels, batch);
        if (status == CS_OK)
            status = cs_model_sgd_step(m, 0.01f, 0.9f, 5e-4f);
        if (status != CS_OK) {
            fprintf(stderr, "bench_train: %s: %s\n", arch, cs_last_error());
            return 1;
        }
        if (s >= 1) {
            steps = s;
            train_s = now_s() - t0;
            train_cpu = cpu_s() - c0;
            if (steps >= 3 && train_s >= budget)
                break;
        }
    }
    int passes = 0;
    double infer_s = 0.0;
    for (int s = 0;; s++) {
        if (s == 1)
            t0 = now_s();
        status = cs_model_forward(logits, m, x, infer_batch, 0);
        if (status != CS_OK) {
            fprintf(stderr, "bench_train: %s: %s\n", arch, cs_last_error());
            return 1;
        }
        if (s >= 1) {
            passes = s;
            infer_s = now_s() - t0;
            if (passes >= 3 && infer_s >= budget / 2)
                break;
        }
    }
    double train_ips = steps * (double)batch / train_s, infer_ips = passes * (double)infer_batch / infer_s;
    double fwd = cs_model_forward_flops(m);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-11s %2dx%2dx%-2d %5.2f %11zu %9.1f %11.1f %8.1f %10.1f %8.0f %9.2f\n", arch, c, h, w, width,
           cs_model_num_params(m), fwd / 1e6, train_ips, 3.0 * fwd * train_ips / 1e9, infer_ips,
           (double)ru.ru_maxrss / 1024.0, 1e3 * train_cpu / (steps * (double)batch));
    fflush(stdout);
    free(x);
    free(logits);
    free(labels);
    free(records);
    cs_record_scores_destroy(scores);
    cs_model_destroy(m);
    return 0;
}

int main(int argc, char **argv)
{
    const char *archs = "lenet,custom,resnet18,unresnet18,googlenet", *shapes = "1x28x28,3x32x32";
    double width = 1.0, budget = 10.0;
    int threads = 0, batch = 64, infer_batch = 256;
    for (int a = 1; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--arch") == 0)
            archs = argv[a + 1];
        else if (strcmp(argv[a], "--shape") == 0)
            shapes = argv[a + 1];
        else if (strcmp(argv[a], "--width") == 0)
            width = atof(argv[a + 1]);
        else if (strcmp(argv[a], "--threads") == 0)
            threads = strcmp(argv[a + 1], "default") == 0 ? -1 : atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--batch") == 0)
            batch = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--infer-batch") == 0)
            infer_batch = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--seconds") == 0)
            budget = atof(argv[a + 1]);
        else if (strcmp(argv[a], "--precision") == 0 && strcmp(argv[a + 1], "fp32") == 0)
            precision = CS_PRECISION_FP32;
        else if (strcmp(argv[a], "--precision") == 0 && strcmp(argv[a + 1], "bf16") == 0)
            precision = CS_PRECISION_BF16;
        else if (strcmp(argv[a], "--record-scores") == 0 &&
                 (strcmp(argv[a + 1], "0") == 0 || strcmp(argv[a + 1], "1") == 0))
            record_scores = argv[a + 1][0] == '1';
        else {
            fprintf(stderr, "bench_train: unknown option %s\n", argv[a]);
            return 2;
        }
    }
    if ((argc - 1) % 2 != 0 || batch < 2 || infer_batch < 1 || !(budget > 0) || !(width > 0) || threads < -1) {
        fprintf(stderr, "usage: bench_train [--arch A,B] [--shape CxHxW,...] [--width W] [--threads T|default] [--batch B]\n"
                        "                   [--infer-batch B] [--seconds S] [--precision fp32|bf16]\n"
                        "                   [--record-scores 0|1]\n");
        return 2;
    }
    if (threads < 0)
        printf("libclasssens %s, the default threads (no cs_model_set_threads call), train batch %d, inference "
               "batch %d\n", cs_version_string(), batch, infer_batch);
    else if (threads > 0)
        printf("libclasssens %s, %d threads (batch split, one BLAS thread each), train batch %d, inference batch "
               "%d\n", cs_version_string(), threads, batch, infer_batch);
    else
        printf("libclasssens %s, one thread, OpenBLAS threads as configured, train batch %d, inference batch %d\n",
               cs_version_string(), batch, infer_batch);
    if (precision == CS_PRECISION_BF16)
        printf("precision bf16: bf16 products, fp32 sums and weights\n");
    if (record_scores)
        printf("record scores: every step's logits added to a cs_record_scores of %d records\n", SCORED_RECORDS);
    printf("%-11s %-8s %5s %11s %9s %11s %8s %10s %8s %9s\n", "arch", "input", "width", "params", "MFLOP/img",
           "train img/s", "GFLOP/s", "infer img/s", "peak MiB", "CPU ms/img");
    char *alist = strdup(archs), *save_a = NULL;
    int rc = 0;
    for (char *arch = strtok_r(alist, ",", &save_a); arch; arch = strtok_r(NULL, ",", &save_a)) {
        char *slist = strdup(shapes), *save_s = NULL;
        for (char *shape = strtok_r(slist, ",", &save_s); shape; shape = strtok_r(NULL, ",", &save_s)) {
            int c, h, w;
            if (sscanf(shape, "%dx%dx%d", &c, &h, &w) != 3) {
                fprintf(stderr, "bench_train: bad shape %s (want CxHxW)\n", shape);
                rc = 2;
                continue;
            }
            /* A child per configuration, so that its peak resident memory is its own (stdout is
             * flushed first, or the child would print the parent's buffered lines again). */
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0)
                _exit(run(arch, c, h, w, width, threads, batch, infer_batch, budget));
            int st = 0;
            if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                rc = 1;
        }
        free(slist);
    }
    free(alist);
    return rc;
}
