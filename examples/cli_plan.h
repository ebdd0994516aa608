/* cli_plan: what a study will cost before it runs — every cell's estimated time, calibrated by
 * a few seconds of training on this machine, and the wall time the runner's scheduling policy
 * gives on 1 … N ranks. Used by `classsens study --plan` and bench/bench_schedule. Uses only
 * the public API.
 *
 * The policy simulated is the runner's under MPI: cells are handed out in cs_study_schedule()
 * order (most estimated GFLOP first) to whichever rank becomes free first, each rank training
 * one cell at a time with that cell's threads — list scheduling in LPT order. Hand-out and the
 * transfer of a finished cell's record are taken as instantaneous (a record is kilobytes; a
 * cell takes seconds to hours). */
#ifndef CLASSSENS_CLI_PLAN_H
#define CLASSSENS_CLI_PLAN_H

#include <stddef.h>
#include <stdio.h>

#include <classsens.h>

/* ---- the scheduling simulation --------------------------------------------------------------- */

/* The wall time of running cells of cost_in_order[0..n) on `ranks` workers, each cell in turn
 * given to the worker that becomes free first (the lowest rank among equals; at the start rank
 * r takes cell r). idle_per_rank, when not NULL, receives `ranks` values: the makespan minus
 * that rank's busy time. Returns NaN for ranks < 1, n < 0, a NULL cost array with n > 0, a
 * negative or non-finite cost, or no memory; 0 for n == 0. O(n log ranks). */
double cli_schedule_makespan(const double *cost_in_order, int n, int ranks, double *idle_per_rank);

/* No schedule of these cells on `ranks` workers ends before max(longest cell, total / ranks).
 * NaN for the same bad arguments as above. */
double cli_schedule_lower_bound(const double *cost, int n, int ranks);

/* "12.3 s", "4 min 05 s", "3 h 12 min", "2 d 04 h"; "--" for a negative or non-finite value. */
void cli_format_duration(char *buf, size_t cap, double seconds);

/* ---- calibration ----------------------------------------------------------------------------- */

/* How model index i of the study was added (cs_study_add_model): its architecture, width and
 * training batch size. The calibration builds the same network with cs_model_create(). */
typedef struct cli_plan_model {
    const char *arch;
    double width;
    int batch_size;
} cli_plan_model;

/* One model's measured speed with its cells' thread count. */
typedef struct cli_plan_rate {
    int threads;               /* cs_study_cell().threads of the model's cells */
    double forward_flops;      /* per image (cs_model_forward_flops) */
    double train_per_s;        /* training images per second (one epoch, augmentation on) */
    double infer_per_s;        /* cs_model_predict images per second */
    double setup_s;            /* the first training call's extra time (workspace, threads),
                                  which every cell pays once */
    /* The same from the process's CPU time: images x threads / CPU seconds, the speed with
     * `threads` cores to itself if the threads never wait for each other. Far above the wall
     * rates when other processes share the cores; otherwise an upper bound. */
    double train_cpu_per_s, infer_cpu_per_s;
    size_t train_images;       /* images in the training timing the rate comes from */
    size_t infer_images;       /* images in the prediction timing */
    double seconds;            /* wall time the calibration of this model took */
} cli_plan_rate;

/* Measures every model of the study: an epoch of cs_model_train (batch size and thread count
 * of its cells) on the first N images of `train`, N growing from two batches until one epoch
 * takes at least half a second or the next would take the model past about two seconds (one
 * batch when even two would; the first timing runs two epochs and keeps the second, so that
 * the first call's set-up is not counted), then cs_model_predict likewise (a quarter of a
 * second). Models
 * are measured from the fewest FLOPs per image up, so that each one's first timing is sized
 * by the speed of those before. rates[0..n_models) receives the results. Returns 0, or prints
 * one line "classsens: CS_ERR_...: ..." and returns CLI_EXIT_LIBRARY (as cli_args.h). */
int cli_plan_calibrate(cli_plan_rate *rates, const cs_study *s, const cs_dataset *train,
                       const cli_plan_model *models, int n_models);

/* Every cell's estimated seconds (seconds[cell], n = cs_study_num_cells) from the rates:
 * set-up + epochs x estimated training records / training rate + test records / prediction
 * rate, the training records recovered from the cell's GFLOP estimate. test_records: the
 * study's test records (its test subset, or the whole test split). Returns 0 or
 * CLI_EXIT_LIBRARY after one line on stderr. */
int cli_plan_cell_seconds(double *seconds, int n, const cs_study *s, size_t test_records,
                          const cli_plan_rate *rates, int n_models);

/* The plan of `classsens study --plan`: calibrates (a few seconds to half a minute; one line
 * on stderr says so), then prints to f every cell in the runner's order (cs_study_schedule:
 * most estimated GFLOP first, ties by index) with its model, condition, replicate, threads,
 * epochs, GFLOP and estimated time; the total (one rank's wall time, and CPU-hours = seconds x
 * threads), the longest cell, and the predicted wall time, efficiency and lower bound for 1,
 * 8, 64 and 256 ranks. train: the training split (calibration images); test_records as for
 * cli_plan_cell_seconds; models[i] describes model index i. Returns 0, or CLI_EXIT_LIBRARY
 * after one line on stderr. */
int cli_plan_print(FILE *f, const cs_study *s, const cs_dataset *train, size_t test_records,
                   const cli_plan_model *models, int n_models);

/* The second half of cli_plan_print: everything after the calibration table, from given cell
 * times (seconds[cell], n = cs_study_num_cells), e.g. costs measured in a store. Returns 0 or
 * CLI_EXIT_LIBRARY after one line on stderr. */
int cli_plan_write(FILE *f, const cs_study *s, const double *seconds, int n);

/* cs_study_cell() with its struct_size set: 0, or the exit code after printing the library's
 * error. */
int cli_cell_info(cs_study_cell_info *info, const cs_study *s, int cell);

#endif /* CLASSSENS_CLI_PLAN_H */
