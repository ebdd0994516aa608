/* cli_status: `classsens status DIR [--all]` (see cli_status.h). Reads the store only, through
 * cs_results_open(): which cells are done, which are claimed by a process that trains them
 * (here or on another machine that shares the directory), which nobody has started. Uses only
 * the public API. */
#define _POSIX_C_SOURCE 200809L /* gethostname, kill, gmtime_r */

#include "cli_status.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <classsens.h>

#include "cli_args.h"

#define MISSING_SHOWN 20

static void status_help(void)
{
    printf("usage: classsens status DIR [--all]\n"
           "\n"
           "How far the study in the store DIR has come: cells done, failed, running and missing, in\n"
           "all and per model; every failed cell (its training diverged) with the epoch and why;\n"
           "every running cell with the worker, host and process that claimed it and since when;\n"
           "the cells nobody has started yet. Reads the store only, so it may run\n"
           "while studies fill it, here or on other machines that share DIR.\n"
           "\n"
           "  --all   list every missing cell (default: the first %d)\n"
           "\n"
           "A claim made on this host whose process no longer exists is marked \"stale: process\n"
           "gone\" (killed mid-cell); running the study again trains that cell. Claims made on\n"
           "other hosts cannot be checked from here.\n",
           MISSING_SHOWN);
}

typedef enum cell_state { CELL_DONE, CELL_RUNNING, CELL_MISSING, CELL_FAILED } cell_state;

/* A cell's state and, when running, its claim (strings borrowed from r). CS_OK or the library's
 * status. */
static int cell_of(const cs_results *r, int m, int c, int i, cell_state *state, cs_study_claim *claim)
{
    cs_cell_result cell;
    cell.struct_size = sizeof cell;
    int status = cs_results_cell(&cell, r, m, c, i);
    if (status == CS_OK) {
        *state = CELL_DONE;
        return CS_OK;
    }
    if (status != CS_ERR_NOT_FOUND)
        return status;
    cs_cell_failure failure;
    failure.struct_size = sizeof failure;
    status = cs_results_cell_failure(&failure, r, m, c, i);
    if (status == CS_OK) {
        *state = CELL_FAILED;
        return CS_OK;
    }
    if (status != CS_ERR_NOT_FOUND)
        return status;
    claim->struct_size = sizeof *claim;
    status = cs_results_cell_claim(claim, r, m, c, i);
    if (status == CS_OK)
        *state = CELL_RUNNING;
    else if (status == CS_ERR_NOT_FOUND)
        *state = CELL_MISSING;
    else
        return status;
    return CS_OK;
}

/* Known to be gone: claimed on this host, and no process has that id (EPERM means one does,
 * owned by another user). Ids outside 1..INT_MAX are never passed to kill(): 0 and negative
 * ids address process groups. */
static int claim_is_stale(const cs_study_claim *claim, const char *this_host)
{
    if (!this_host[0] || strcmp(claim->host, this_host) != 0)
        return 0;
    if (claim->pid < 1 || claim->pid > INT_MAX)
        return 0;
    return kill((pid_t)claim->pid, 0) != 0 && errno == ESRCH;
}

/* "since HH:MM:SS UTC (Nm ago)"; the date too when it is not today's (UTC). */
static void print_since(double since, time_t now)
{
    if (!(since >= 0.0 && since < 253402300800.0)) { /* before year 10000: gmtime's domain */
        printf("since %.0f s after 1970 (not a date)", since);
        return;
    }
    time_t t = (time_t)since;
    struct tm tm_since, tm_now;
    char when[40] = "?";
    if (gmtime_r(&t, &tm_since) && gmtime_r(&now, &tm_now)) {
        int today = tm_since.tm_year == tm_now.tm_year && tm_since.tm_yday == tm_now.tm_yday;
        strftime(when, sizeof when, today ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm_since);
    }
    double age = difftime(now, t);
    if (age < -60.0)
        printf("since %s UTC (%.0fm ahead of this host's clock)", when, floor(-age / 60.0));
    else
        printf("since %s UTC (%.0fm ago)", when, age > 0.0 ? floor(age / 60.0) : 0.0);
}

/* The printed width of the widest name of r's models (which 1) or conditions (which 0). */
static int name_width(const cs_results *r, int models)
{
    int n = models ? cs_results_num_models(r) : cs_results_num_conditions(r), w = 1;
    for (int i = 0; i < n; i++) {
        const char *name = models ? cs_results_model_name(r, i) : cs_results_condition_name(r, i);
        size_t len = strlen(name);
        if (len > (size_t)w)
            w = len > 200 ? 200 : (int)len;
    }
    return w;
}

static int print_status(const cs_results *r, int all)
{
    const int nm = cs_results_num_models(r), nc = cs_results_num_conditions(r), nr = cs_results_replicates(r);
    const int wm = name_width(r, 1), wc = name_width(r, 0);
    cs_study_claim claim;
    cell_state state;
    int done = 0, running = 0, failed = 0, status = CS_OK;

    /* Counts first: the header carries the totals. */
    for (int m = 0; m < nm && status == CS_OK; m++)
        for (int c = 0; c < nc && status == CS_OK; c++)
            for (int i = 0; i < nr && status == CS_OK; i++) {
                status = cell_of(r, m, c, i, &state, &claim);
                done += status == CS_OK && state == CELL_DONE;
                running += status == CS_OK && state == CELL_RUNNING;
                failed += status == CS_OK && state == CELL_FAILED;
            }
    if (status != CS_OK)
        return status;
    const int total = nm * nc * nr, missing = total - done - running - failed;
    printf("study %s on %s: %d of %d cells done, ", cs_results_config_hash(r), cs_results_data_name(r), done, total);
    if (failed > 0)
        printf("%d failed, ", failed);
    printf("%d running, %d missing\n", running, missing);
    for (int m = 0; m < nm; m++) {
        int md = 0, mr = 0, mf = 0;
        for (int c = 0; c < nc; c++)
            for (int i = 0; i < nr; i++) {
                status = cell_of(r, m, c, i, &state, &claim);
                if (status != CS_OK)
                    return status;
                md += state == CELL_DONE;
                mr += state == CELL_RUNNING;
                mf += state == CELL_FAILED;
            }
        const char *name = cs_results_model_name(r, m);
        const int pad = wm > (int)strlen(name) ? wm - (int)strlen(name) : 0;
        printf("  %s:%*s %d of %d done, ", name, pad, "", md, nc * nr);
        if (mf > 0)
            printf("%d failed, ", mf);
        printf("%d running, %d missing\n", mr, nc * nr - md - mr - mf);
    }

    if (failed > 0) {
        /* Every failed cell, with why: they are few, and each needs a decision. */
        printf("failed (training diverged; classsens study ... --retry-failed trains them again):\n");
        for (int m = 0; m < nm; m++)
            for (int c = 0; c < nc; c++)
                for (int i = 0; i < nr; i++) {
                    cs_cell_failure f;
                    f.struct_size = sizeof f;
                    if (cs_results_cell_failure(&f, r, m, c, i) != CS_OK)
                        continue;
                    printf("  %-*s  %-*s  r%-3d  epoch %d: %s\n", wm, cs_results_model_name(r, m), wc,
                           cs_results_condition_name(r, c), i, f.epoch, f.reason);
                }
        cs_error_clear();
    }

    if (running > 0) {
        char this_host[256] = "";
        if (gethostname(this_host, sizeof this_host) != 0)
            this_host[0] = '\0';
        this_host[sizeof this_host - 1] = '\0';
        const time_t now = time(NULL);
        printf("running:\n");
        for (int m = 0; m < nm; m++)
            for (int c = 0; c < nc; c++)
                for (int i = 0; i < nr; i++) {
                    status = cell_of(r, m, c, i, &state, &claim);
                    if (status != CS_OK)
                        return status;
                    if (state != CELL_RUNNING)
                        continue;
                    printf("  %-*s  %-*s  r%-3d  %s on %s, pid %lld, ", wm, cs_results_model_name(r, m), wc,
                           cs_results_condition_name(r, c), i, claim.worker, claim.host, claim.pid);
                    print_since(claim.since, now);
                    if (claim_is_stale(&claim, this_host))
                        printf(", stale: process gone");
                    printf("\n");
                }
    }

    if (missing > 0) {
        int shown = 0;
        printf("missing:\n");
        for (int m = 0; m < nm; m++)
            for (int c = 0; c < nc; c++)
                for (int i = 0; i < nr; i++) {
                    status = cell_of(r, m, c, i, &state, &claim);
                    if (status != CS_OK)
                        return status;
                    if (state != CELL_MISSING || (!all && shown >= MISSING_SHOWN))
                        continue;
                    printf("  %-*s  %-*s  r%d\n", wm, cs_results_model_name(r, m), wc, cs_results_condition_name(r, c),
                           i);
                    shown++;
                }
        if (shown < missing)
            printf("  ... and %d more (--all lists every one)\n", missing - shown);
    }
    return CS_OK;
}

int cli_cmd_status(int argc, char **argv)
{
    static const cli_option defs[] = { { "all", 0 } };
    const char *store = NULL, *v;
    cli_scanner sc = { argc, 0, argv, "status" };
    int which = 0, kind, all = 0;
    while ((kind = cli_scan_next(&sc, defs, 1, &which, &v)) != CLI_SCAN_END) {
        if (kind == CLI_SCAN_ERROR)
            return CLI_EXIT_USAGE;
        if (kind == CLI_SCAN_HELP) {
            status_help();
            return 0;
        }
        if (kind == CLI_SCAN_POSITIONAL) {
            if (store)
                return cli_usage_error("status: one store directory only (got '%s' and '%s')", store, v);
            store = v;
        } else {
            all = 1;
        }
    }
    if (!store)
        return cli_usage_error("status: missing the store directory (classsens status DIR)");
    cs_results *r = NULL;
    int status = cs_results_open(&r, store);
    if (status == CS_OK)
        status = print_status(r, all);
    cs_results_destroy(r);
    return status == CS_OK ? 0 : cli_library_error(status);
}
