/* Internal: a team of threads that run one function together, for the data-parallel
 * executor of the numeric core.
 *
 * A team of n members is the calling thread (member 0) and n - 1 threads of its own, started
 * once and kept until the team is destroyed. cs__team_run() calls fn(arg, t, n) on every
 * member t at once and returns when all have returned; inside fn, cs__team_barrier() waits
 * until every member has reached it. Work is split by member index, never by who comes first,
 * so that results do not depend on scheduling. The threads start with every signal blocked
 * (signals go to the application's threads) and sleep on a condition variable between runs. */
#ifndef CS_CORE_TEAM_H
#define CS_CORE_TEAM_H

typedef struct cs__team cs__team;

typedef void (*cs__team_fn)(void *arg, int t, int n);

/* A team of `members` >= 1 (1: no threads are started and runs are plain calls).
 * CS_OK, CS_ERR_INVALID_ARGUMENT or CS_ERR_OUT_OF_MEMORY (memory or a thread could not be had;
 * the message says which). */
int cs__team_create(cs__team **out, int members);

/* Stop and join the threads; NULL is allowed. Not while a run is in progress. */
void cs__team_destroy(cs__team *team);

int cs__team_size(const cs__team *team);

/* Run fn on every member; returns after the last one has finished. One run at a time. */
void cs__team_run(cs__team *team, cs__team_fn fn, void *arg);

/* Inside a run: wait for every member (a no-op in a team of one). */
void cs__team_barrier(cs__team *team);

/* The share [*lo, *hi) of member t of n in `count` items: contiguous, in member order, sizes
 * differing by at most one (the first count % n members get one more). */
void cs__team_share(long long count, int t, int n, long long *lo, long long *hi);

/* The thread count a model gets when nobody sets one (cpus.c): CLASSSENS_NUM_THREADS when the
 * environment has it (0 .. max; CS_ERR_INVALID_ARGUMENT, naming the value, otherwise), else
 * the number of CPUs the process may run on (sched_getaffinity), at most `max`. */
int cs__default_threads(int *out, int max);

#endif
