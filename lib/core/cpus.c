/* The default thread count of a model (see team.h): the CPUs this process may run on, as
 * PyTorch and OpenBLAS pick theirs, unless CLASSSENS_NUM_THREADS says otherwise. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"
#include "core/team.h"

int cs__default_threads(int *out, int max)
{
    const char *env = getenv("CLASSSENS_NUM_THREADS");
    if (env && *env) {
        char *end;
        errno = 0;
        const long v = strtol(env, &end, 10);
        if (end == env || *end != '\0' || errno != 0 || v < 0 || v > max)
            return cs__error(CS_ERR_INVALID_ARGUMENT, "CLASSSENS_NUM_THREADS is \"%s\"; expected 0 .. %d (0: one "
                             "thread with OpenBLAS's own threads inside each product)", env, max);
        *out = (int)v;
        return CS_OK;
    }
    long n = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n < 1)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    *out = n < 1 ? 1 : n > max ? max : (int)n;
    return CS_OK;
}
