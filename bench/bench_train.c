/* bench_train: training and inference speed of the architectures, the numbers issue 3 asks
 * for: images per second for a training step (forward + backward + SGD, batch 64) and for
 * inference (batch 256), achieved GFLOP/s (forward FLOPs x 3 for training), and the peak
 * resident memory of each configuration, measured in a child process of its own.
 *
 *   bench_train [--arch lenet,resnet18,...] [--shape 1x28x28,3x32x32] [--width 1]
 *               [--threads T|default] [--batch 64] [--infer-batch 256] [--seconds 10]
 *               [--precision fp32|bf16] [--record-scores 0|1] [--serve 0|1]
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
 * PyTorch on the same configurations; run both in one sitting and compare ratios.
 * --serve 1 keeps one configuration loaded and measures bursts on request (see serve()), for
 * bench/interleave.py. */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
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

/* One configuration's model and buffers. */
typedef struct bench {
    const char *arch;
    cs_model *m;
    int batch, infer_batch;
    float *x, *logits;
    int32_t *labels;
    cs_record_scores *scores;
    size_t *records, next;
} bench;

static void bench_free(bench *b)
{
    free(b->x);
    free(b->logits);
    free(b->labels);
    free(b->records);
    cs_record_scores_destroy(b->scores);
    cs_model_destroy(b->m);
}

static int bench_init(bench *b, const char *arch, int c, int h, int w, double width, int threads, int batch,
                      int infer_batch)
{
    *b = (bench){ .arch = arch, .batch = batch, .infer_batch = infer_batch };
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = width;
    int status = cs_model_create(&b->m, arch, c, h, w, 10, &mo);
    if (status == CS_OK && threads >= 0) /* -1: the library's default, no call */
        status = cs_model_set_threads(b->m, threads);
    if (status == CS_OK && precision != CS_PRECISION_FP32)
        status = cs_model_set_precision(b->m, precision);
    if (status != CS_OK) {
        fprintf(stderr, "bench_train: %s: %s\n", arch, cs_last_error());
        return 1;
    }
    int big = batch > infer_batch ? batch : infer_batch;
    size_t image = (size_t)c * h * w;
    b->x = malloc((size_t)big * image * sizeof *b->x);
    b->logits = malloc((size_t)big * 10 * sizeof *b->logits);
    b->labels = malloc((size_t)batch * sizeof *b->labels);
    b->records = malloc((size_t)batch * sizeof *b->records);
    if (!b->x || !b->logits || !b->labels || !b->records ||
        (record_scores && cs_record_scores_create(&b->scores, SCORED_RECORDS, 10) != CS_OK)) {
        fprintf(stderr, "bench_train: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < (size_t)big * image; i++)
        b->x[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    for (int i = 0; i < batch; i++)
        b->labels[i] = i % 10;
    return 0;
}

/* One training step (zero_grad, forward, backward, SGD); 0 or 1 with the message printed. */
static int train_step(bench *b)
{
    int status = cs_model_zero_grad(b->m);
    if (status == CS_OK)
        status = cs_model_forward(b->logits, b->m, b->x, b->batch, 1);
    for (int i = 0; b->scores && i < b->batch; i++, b->next = (b->next + 1) % SCORED_RECORDS)
        b->records[i] = b->next;
    if (status == CS_OK && b->scores)
        status = cs_record_scores_add(b->scores, b->records, b->logits, b->labels, (size_t)b->batch);
    if (status == CS_OK)
        status = cs_model_backward(NULL, b->m, b->labels, b->batch);
    if (status == CS_OK)
        status = cs_model_sgd_step(b->m, 0.01f, 0.9f, 5e-4f);
    if (status != CS_OK) {
        fprintf(stderr, "bench_train: %s: %s\n", b->arch, cs_last_error());
        return 1;
    }
    return 0;
}

/* Training steps until `budget` seconds have passed and at least `least` steps ran: images per
 * second of wall time in *ips, CPU milliseconds per image in *cpu_ms. */
static int train_for(bench *b, double budget, int least, double *ips, double *cpu_ms)
{
    const double t0 = now_s(), c0 = cpu_s();
    double wall = 0.0;
    int steps = 0;
    while (steps < least || wall < budget) {
        if (train_step(b))
            return 1;
        steps++;
        wall = now_s() - t0;
    }
    *ips = steps * (double)b->batch / wall;
    *cpu_ms = 1e3 * (cpu_s() - c0) / (steps * (double)b->batch);
    return 0;
}

/* One inference pass of infer_batch images; 0 or 1 with the message printed. */
static int infer_pass(bench *b)
{
    if (cs_model_forward(b->logits, b->m, b->x, b->infer_batch, 0) != CS_OK) {
        fprintf(stderr, "bench_train: %s: %s\n", b->arch, cs_last_error());
        return 1;
    }
    return 0;
}

/* Inference passes until `budget` seconds have passed and at least `least` ran. */
static int infer_for(bench *b, double budget, int least, double *ips)
{
    const double t0 = now_s();
    double wall = 0.0;
    int passes = 0;
    while (passes < least || wall < budget) {
        if (infer_pass(b))
            return 1;
        passes++;
        wall = now_s() - t0;
    }
    *ips = passes * (double)b->infer_batch / wall;
    return 0;
}

static double peak_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static int run(const char *arch, int c, int h, int w, double width, int threads, int batch, int infer_batch,
               double budget)
{
    bench b;
    double train_ips, train_cpu, infer_ips;
    /* One warm-up step and one warm-up pass, then each until the budget is spent. */
    int rc = bench_init(&b, arch, c, h, w, width, threads, batch, infer_batch) || train_step(&b) ||
             train_for(&b, budget, 3, &train_ips, &train_cpu) || infer_pass(&b) ||
             infer_for(&b, budget / 2, 3, &infer_ips);
    if (rc == 0) {
        double fwd = cs_model_forward_flops(b.m);
        printf("%-11s %2dx%2dx%-2d %5.2f %11zu %9.1f %11.1f %8.1f %10.1f %8.0f %9.2f\n", arch, c, h, w, width,
               cs_model_num_params(b.m), fwd / 1e6, train_ips, 3.0 * fwd * train_ips / 1e9, infer_ips, peak_mib(),
               train_cpu);
        fflush(stdout);
    }
    bench_free(&b);
    return rc;
}

/* --serve: one configuration that stays loaded and measures on request, so that a coordinator
 * (bench/interleave.py) can alternate it in short bursts with PyTorch's side under the same
 * host conditions. After one warm-up step it prints "ready", then answers each line of
 * standard input: "train S" runs training steps for S seconds (at least one) and prints
 * "train IMG/S CPU-MS/IMG"; "infer S" the same for inference ("infer IMG/S"); "quit" prints
 * "peak MIB" and ends. A request of the other kind than the last starts with one untimed step
 * or pass (the model prepares its buffers for it), as the runs above do. */
static int serve(const char *arch, int c, int h, int w, double width, int threads, int batch, int infer_batch)
{
    bench b;
    int rc = bench_init(&b, arch, c, h, w, width, threads, batch, infer_batch) || train_step(&b);
    bool training = true;
    if (rc == 0) {
        printf("ready\n");
        fflush(stdout);
    }
    char line[128];
    while (rc == 0 && fgets(line, sizeof line, stdin)) {
        double seconds = 0.0, ips = 0.0, cpu_ms = 0.0;
        if (sscanf(line, "train %lf", &seconds) == 1 && seconds >= 0) {
            rc = (!training && train_step(&b)) || train_for(&b, seconds, 1, &ips, &cpu_ms);
            training = true;
            if (rc == 0)
                printf("train %.1f %.2f\n", ips, cpu_ms);
        } else if (sscanf(line, "infer %lf", &seconds) == 1 && seconds >= 0) {
            rc = (training && infer_pass(&b)) || infer_for(&b, seconds, 1, &ips);
            training = false;
            if (rc == 0)
                printf("infer %.1f\n", ips);
        } else if (strncmp(line, "quit", 4) == 0) {
            printf("peak %.0f\n", peak_mib());
            break;
        } else {
            fprintf(stderr, "bench_train: --serve: unknown request %s", line);
            rc = 2;
        }
        fflush(stdout);
    }
    bench_free(&b);
    return rc;
}

int main(int argc, char **argv)
{
    const char *archs = "lenet,custom,resnet18,unresnet18,googlenet", *shapes = "1x28x28,3x32x32";
    double width = 1.0, budget = 10.0;
    int threads = 0, batch = 64, infer_batch = 256, serving = 0;
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
        else if (strcmp(argv[a], "--serve") == 0 && (strcmp(argv[a + 1], "0") == 0 || strcmp(argv[a + 1], "1") == 0))
            serving = argv[a + 1][0] == '1';
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
                        "                   [--record-scores 0|1] [--serve 0|1]\n");
        return 2;
    }
    if (serving) {
        int c, h, w;
        if (strchr(archs, ',') || strchr(shapes, ',') || sscanf(shapes, "%dx%dx%d", &c, &h, &w) != 3) {
            fprintf(stderr, "bench_train: --serve 1 takes one --arch and one --shape CxHxW\n");
            return 2;
        }
        return serve(archs, c, h, w, width, threads, batch, infer_batch);
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
