/* A team of threads (see team.h): one mutex, a condition variable each for "a run started",
 * "every member finished" and the barrier, and generation counters so that a wake-up always
 * knows whether it is for it. Waits block rather than spin: the library may share the cores
 * with other teams (a study runs several cells at once), and a spinning member would take
 * the core its partner needs. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/team.h"

struct cs__team {
    int members;
    pthread_t *threads;          /* members - 1 */
    struct member_start *starts; /* their start records */
    int started;                 /* threads actually running */
    pthread_mutex_t lock;
    pthread_cond_t run_cv, done_cv, barrier_cv;
    unsigned long run_gen;       /* bumped by every run */
    cs__team_fn fn;
    void *arg;
    int pending;                 /* threads still inside the current run */
    bool quit;
    int arrived;                 /* members waiting at the barrier */
    unsigned long barrier_gen;
};

typedef struct member_start {
    cs__team *team;
    int index;
} member_start;

static void *member_main(void *p)
{
    const member_start *ms = p;
    cs__team *team = ms->team;
    const int t = ms->index;
    unsigned long seen = 0;
    pthread_mutex_lock(&team->lock);
    for (;;) {
        while (team->run_gen == seen && !team->quit)
            pthread_cond_wait(&team->run_cv, &team->lock);
        if (team->quit)
            break;
        seen = team->run_gen;
        cs__team_fn fn = team->fn;
        void *arg = team->arg;
        pthread_mutex_unlock(&team->lock);
        fn(arg, t, team->members);
        pthread_mutex_lock(&team->lock);
        if (--team->pending == 0)
            pthread_cond_signal(&team->done_cv);
    }
    pthread_mutex_unlock(&team->lock);
    return NULL;
}

int cs__team_create(cs__team **out, int members)
{
    *out = NULL;
    if (members < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "thread team: %d members; expected at least 1", members);
    cs__team *team = calloc(1, sizeof *team);
    if (!team)
        return cs__error_oom("thread team", sizeof *team);
    team->members = members;
    pthread_mutex_init(&team->lock, NULL);
    pthread_cond_init(&team->run_cv, NULL);
    pthread_cond_init(&team->done_cv, NULL);
    pthread_cond_init(&team->barrier_cv, NULL);
    if (members == 1) {
        *out = team;
        return CS_OK;
    }
    size_t bytes = (size_t)(members - 1) * (sizeof(pthread_t) + sizeof(member_start));
    team->threads = malloc((size_t)(members - 1) * sizeof(pthread_t));
    team->starts = malloc((size_t)(members - 1) * sizeof(member_start));
    if (!team->threads || !team->starts) {
        cs__team_destroy(team);
        return cs__error_oom("thread team", bytes);
    }
    /* The threads inherit this mask: every signal blocked, so that handlers run on the
     * application's own threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = 0;
    for (int i = 0; i < members - 1; i++) {
        member_start *ms = &team->starts[i];
        ms->team = team;
        ms->index = i + 1;
        err = pthread_create(&team->threads[i], NULL, member_main, ms);
        if (err != 0)
            break;
        team->started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0) {
        const int team_started = team->started;
        cs__team_destroy(team);
        return cs__error(CS_ERR_OUT_OF_MEMORY, "thread team: cannot start thread %d of %d: %s", team_started + 1,
                         members - 1, strerror(err));
    }
    *out = team;
    return CS_OK;
}

void cs__team_destroy(cs__team *team)
{
    if (!team)
        return;
    pthread_mutex_lock(&team->lock);
    team->quit = true;
    pthread_cond_broadcast(&team->run_cv);
    pthread_mutex_unlock(&team->lock);
    for (int i = 0; i < team->started; i++)
        pthread_join(team->threads[i], NULL);
    pthread_cond_destroy(&team->run_cv);
    pthread_cond_destroy(&team->done_cv);
    pthread_cond_destroy(&team->barrier_cv);
    pthread_mutex_destroy(&team->lock);
    free(team->threads);
    free(team->starts);
    free(team);
}

int cs__team_size(const cs__team *team)
{
    return team->members;
}

void cs__team_run(cs__team *team, cs__team_fn fn, void *arg)
{
    if (team->members == 1) {
        fn(arg, 0, 1);
        return;
    }
    pthread_mutex_lock(&team->lock);
    team->fn = fn;
    team->arg = arg;
    team->pending = team->members - 1;
    team->run_gen++;
    pthread_cond_broadcast(&team->run_cv);
    pthread_mutex_unlock(&team->lock);
    fn(arg, 0, team->members);
    pthread_mutex_lock(&team->lock);
    while (team->pending > 0)
        pthread_cond_wait(&team->done_cv, &team->lock);
    pthread_mutex_unlock(&team->lock);
}

void cs__team_barrier(cs__team *team)
{
    if (team->members == 1)
        return;
    pthread_mutex_lock(&team->lock);
    if (++team->arrived == team->members) {
        team->arrived = 0;
        team->barrier_gen++;
        pthread_cond_broadcast(&team->barrier_cv);
    } else {
        const unsigned long gen = team->barrier_gen;
        while (team->barrier_gen == gen)
            pthread_cond_wait(&team->barrier_cv, &team->lock);
    }
    pthread_mutex_unlock(&team->lock);
}

void cs__team_share(long long count, int t, int n, long long *lo, long long *hi)
{
    const long long base = count / n, extra = count % n;
    *lo = (long long)t * base + (t < extra ? t : extra);
    *hi = *lo + base + (t < extra ? 1 : 0);
}
