/* cli_progress: the progress display of `classsens study` (see cli_progress.h). Uses only the
 * public API. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include "cli_progress.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "cli_args.h"

static void format_duration(char *buf, size_t cap, double s)
{
    if (!(s >= 0) || s > 1e8) {
        snprintf(buf, cap, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

void cli_progress_clear(cli_progress *p)
{
    if (p->bar_shown) {
        fputs("\r\033[K", stderr);
        p->bar_shown = 0;
    }
}

/* Called with p->lock held. The ETA extrapolates the pace up to the last event, so it counts
 * down between events instead of growing with the elapsed time. */
static void draw_bar(cli_progress *p)
{
    enum { WIDTH = 24 };
    const double frac = p->frac;
    const double elapsed = cli_now() - p->start;
    char bar[WIDTH + 1], el[32], eta[32];
    int filled = (int)(frac * WIDTH + 0.5);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    format_duration(el, sizeof el, elapsed);
    double left = frac > 0 ? p->frac_at / frac - elapsed : -1.0;
    format_duration(eta, sizeof eta, frac > 0 && left < 0 ? 0.0 : left);
    fprintf(stderr, "\r\033[K[%s] %d/%d cells  %5.1f %%  elapsed %s  ETA %s", bar, p->cells_finished,
            p->cells_total, 100.0 * frac, el, eta);
    fflush(stderr);
    p->bar_shown = 1;
}

void *cli_progress_ticker(void *arg)
{
    cli_progress *p = arg;
    for (;;) {
        struct timespec ts = { 1, 0 };
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&p->lock);
        int stop = p->stop;
        if (!stop && p->have_frac)
            draw_bar(p);
        pthread_mutex_unlock(&p->lock);
        if (stop)
            return NULL;
    }
}

void cli_progress_note_resume(cli_progress *p)
{
    if (p->resume_noted)
        return;
    p->resume_noted = 1;
    if (p->skipped > 0 && !p->quiet) {
        cli_progress_clear(p);
        fprintf(stderr, "resuming: %d of %d cells already in %s", p->skipped, p->cells_total, p->store);
        if (p->skipped_failed > 0)
            fprintf(stderr, " (%d of them failed and stay failed: --retry-failed trains them again)",
                    p->skipped_failed);
        fputc('\n', stderr);
    }
}

int cli_progress_event(const cs_study_event *e, void *payload)
{
    cli_progress *p = payload;
    pthread_mutex_lock(&p->lock);
    p->cells_total = e->cells_total;
    p->cells_finished = e->cells_finished;
    if (e->kind == CS_STUDY_EVENT_CELL_SKIPPED) {
        p->skipped++;
        p->skipped_failed += isnan(e->test_accuracy);
    } else {
        cli_progress_note_resume(p);
        const int digits = snprintf(NULL, 0, "%d", e->cells_total);
        if (e->kind == CS_STUDY_EVENT_CELL_FINISHED && !p->quiet) {
            cli_progress_clear(p);
            fprintf(stderr, "[%*d/%d] %-16s %-20s rep %d  test acc %5.1f %%  (%.1f s)\n", digits,
                    e->cells_finished + p->skipped_failed + p->failed, e->cells_total, e->model, e->condition,
                    e->replicate, 100.0 * e->test_accuracy, e->seconds);
        }
        if (e->kind == CS_STUDY_EVENT_CELL_FAILED) {
            p->failed++;
            if (!p->quiet) {
                cli_progress_clear(p);
                fprintf(stderr, "[%*d/%d] %-16s %-20s rep %d  FAILED: training diverged in epoch %d; kept as a "
                                "failed cell, the study goes on\n",
                        digits, e->cells_finished + p->skipped_failed + p->failed, e->cells_total, e->model,
                        e->condition, e->replicate, e->epoch ? e->epoch->epoch : 0);
            }
        }
        if (e->work_total > 0) {
            double frac = e->work_done / e->work_total;
            p->frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
            p->frac_at = cli_now() - p->start;
            p->have_frac = 1;
        }
        if (p->tty && !p->quiet)
            draw_bar(p);
    }
    pthread_mutex_unlock(&p->lock);
    return cli_interrupted ? 1 : 0;
}
