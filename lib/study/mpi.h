/* The MPI driver of the classsens tool: one study over the ranks of MPI_COMM_WORLD.
 *
 * Built only when CMake finds MPI, as the static unit `classsens_mpi` that the tool links; the
 * library itself never links MPI. It uses the public cell API of <classsens/study.h> only.
 *
 * Protocol (docs/scaling.md): rank 0 prepares the store, lists the missing cells in the
 * runner's order (cs_study_schedule: most expensive first) and hands them out one at a time to
 * whichever rank asks; every rank, rank 0 included (on a thread of its own), trains one cell at
 * a time with the cell's threads and returns its record, which rank 0 alone writes to the store.
 * Rank 0's main thread makes every MPI call (MPI_THREAD_FUNNELED) and sleeps between polls, so
 * it takes no core from training. */
#ifndef CLASSSENS_STUDY_MPI_H
#define CLASSSENS_STUDY_MPI_H

#include <signal.h>

#include <classsens.h>

/* The message of the driver's last failure (its functions return a status; the library's
 * cs_last_error() holds the library's side of it). */
const char *cs_mpi_error(void);

/* Whether this process was started by an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx). */
int cs_mpi_launched(void);

/* MPI_Init_thread with MPI_THREAD_FUNNELED; the rank and the number of ranks. On failure returns
 * CS_ERR_IO (cs_last_error says why). */
int cs_mpi_init(int *argc, char ***argv, int *rank, int *size);
/* MPI_Finalize (after a complete run) or MPI_Abort(code) (to end every rank at once). */
void cs_mpi_finalize(void);
void cs_mpi_abort(int code);

/* Send rank 0's data sets to every rank. On rank 0, *train and *test are the loaded splits and
 * `status` is how loading them went (when it failed, every rank returns that status); on the
 * other ranks they are created from what rank 0 sends. Returns CS_OK or the status. */
int cs_mpi_share_data(cs_dataset **train, cs_dataset **test, int status);

/* Whether every rank agrees that `status` is CS_OK; on rank 0, *first_bad is the lowest rank
 * that did not (or -1). Collective. */
int cs_mpi_all_ok(int status, int *first_bad);

typedef enum cs_mpi_event_kind {
    CS_MPI_EVENT_PLAN = 0,      /* the run starts: cells_total, cells_finished (already stored) */
    CS_MPI_EVENT_STARTED = 1,   /* a rank started a cell */
    CS_MPI_EVENT_FINISHED = 2,  /* a cell was stored */
    CS_MPI_EVENT_RANK_SUMMARY = 3 /* the run is complete: one per rank, its cells and busy time */
} cs_mpi_event_kind;

typedef struct cs_mpi_event {
    cs_mpi_event_kind kind;
    int cell, rank, ranks;
    const char *host;           /* the rank's host */
    int cells_total, cells_finished, cells_to_train;
    /* PLAN: of cells_finished, the failed cells of an earlier run that this one leaves failed
     * (it does not retry them). */
    int cells_failed;
    double test_accuracy, seconds;
    /* RANK_SUMMARY: cells the rank trained, the seconds it spent on them (from handing a cell
     * out to storing its record) and the run's wall seconds; idle = wall - busy. */
    int cells_trained;
    double busy_seconds, wall_seconds;
} cs_mpi_event;

typedef struct cs_mpi_options {
    /* Called on rank 0 only, from its main thread. */
    void (*on_event)(const cs_mpi_event *event, void *payload);
    void *payload;
    /* Set asynchronously (a signal handler) to stop: rank 0 stops handing out cells, removes the
     * claims of the cells in flight, and cs_mpi_study_run returns CS_ERR_CANCELLED. */
    volatile sig_atomic_t *interrupted;
    int rank0_trains;           /* non-zero (default in the tool): rank 0 trains cells too */
    int retry_failed;           /* non-zero: train the store's failed cells again */
} cs_mpi_options;

/* Run the study over every rank. Every rank must call it with an identical study. Returns CS_OK
 * on every rank when the store holds every cell. On failure rank 0 returns the status with a
 * message naming the cell and the rank (a cell that failed, a rank that died or the job that
 * was stopped, with the cells in flight); a rank other than 0 returns a failure only when it
 * cannot talk to rank 0. Either way the caller must end the job at once with cs_mpi_abort():
 * the other ranks may be waiting for it, and rank 0's trainer thread may still be using the
 * study and its data sets. */
int cs_mpi_study_run(cs_study *s, const char *store_dir, const cs_mpi_options *opts);

#endif
