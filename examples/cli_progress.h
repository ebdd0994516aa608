/* cli_progress: the progress display of `classsens study` on stderr: a line per finished cell,
 * a bar with the ETA on a terminal (redrawn by events and once a second by a ticker thread),
 * and the "resuming" note. */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H

#include <pthread.h>

#include <classsens.h>

typedef struct cli_progress {
    int tty, quiet;
    const char *store;
    double start;
    int skipped, resume_noted, bar_shown;
    int skipped_failed;       /* of the skipped cells: failed in an earlier run, not retried */
    int failed;               /* cells that failed (diverged) in this run */
    int cells_total, cells_finished;
    /* The bar is redrawn by events and, between them (an epoch of a big model can take half an
     * hour), once a second by a ticker thread; the lock keeps their output apart. */
    pthread_mutex_t lock;
    double frac, frac_at;     /* work fraction at the last event, and when (seconds since start) */
    int have_frac, stop;
    const cs_study *study;    /* for the MPI lines' cell names */
} cli_progress;

/* The study's progress callback (cs_study_options.progress, payload a cli_progress); returns 1
 * once the user interrupted. */
int cli_progress_event(const cs_study_event *e, void *payload);

/* The ticker thread's body (arg a cli_progress): redraws the bar once a second until stop. */
void *cli_progress_ticker(void *arg);

/* Erase the bar, if shown, before other output. */
void cli_progress_clear(cli_progress *p);

/* Say once, before the first trained cell, how many cells the store already held. */
void cli_progress_note_resume(cli_progress *p);

#endif
