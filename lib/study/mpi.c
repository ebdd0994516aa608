/* The MPI driver of the classsens tool (see mpi.h): data sharing and the cell protocol.
 *
 * Messages, all on MPI_COMM_WORLD:
 *   HELLO  rank r -> 0   its pid and host name, once, when its study is built;
 *   CELL   0 -> rank r   one int: the cell to train;
 *   STOP   0 -> rank r   no more cells (the payload is ignored);
 *   RESULT rank r -> 0   two int32 (cell, status) and then the cell's record (status CS_OK) or
 *                        the failure's message.
 * Every wait polls (MPI_Iprobe / MPI_Test) with short sleeps in between: Open MPI's blocking
 * calls spin, and a spinning rank takes a core from the ranks that train beside it. */
#define _POSIX_C_SOURCE 200809L

#include "study/mpi.h"

#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { TAG_HELLO = 11, TAG_CELL = 12, TAG_STOP = 13, TAG_RESULT = 14 };

#define HOST_MAX 64
#define POLL_NS 2000000L /* 2 ms between polls */
#define CHUNK ((size_t)1 << 28)

static char mpi_message[2048];

static int fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(mpi_message, sizeof mpi_message, fmt, ap);
    va_end(ap);
    return status;
}

const char *cs_mpi_error(void)
{
    return mpi_message;
}

static void pause_briefly(void)
{
    struct timespec ts = { 0, POLL_NS };
    nanosleep(&ts, NULL);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void mpi_text(int err, char *buf, size_t cap)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(err, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "MPI error %d", err);
    snprintf(buf, cap, "%s", text);
}

static int mpi_failed(int err, const char *what)
{
    char text[MPI_MAX_ERROR_STRING];
    mpi_text(err, text, sizeof text);
    return fail(CS_ERR_IO, "%s: %s", what, text);
}

/* ---- start and end ------------------------------------------------------------------------- */

int cs_mpi_launched(void)
{
    static const char *const vars[] = { "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; ++i)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

int cs_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    int provided = 0;
    int err = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (err != MPI_SUCCESS)
        return fail(CS_ERR_IO, "MPI_Init_thread failed (error %d)", err);
    if (provided < MPI_THREAD_FUNNELED) {
        MPI_Finalize();
        return fail(CS_ERR_UNSUPPORTED, "this MPI library does not support MPI_THREAD_FUNNELED (rank 0 trains on a "
                                        "thread of its own while its main thread makes the MPI calls)");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return CS_OK;
}

void cs_mpi_finalize(void)
{
    MPI_Finalize();
}

void cs_mpi_abort(int code)
{
    MPI_Abort(MPI_COMM_WORLD, code);
}

int cs_mpi_all_ok(int status, int *first_bad)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* (status != OK ? rank : size), minimum over the ranks: the first rank that failed. */
    int mine = status == CS_OK ? size : rank, first = size;
    int err = MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS)
        return mpi_failed(err, "MPI_Allreduce");
    if (first_bad)
        *first_bad = first < size ? first : -1;
    return first < size ? CS_ERR_STATE : CS_OK;
}

/* ---- data ---------------------------------------------------------------------------------- */

static int bcast_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    for (size_t off = 0; off < n; off += CHUNK) {
        size_t len = n - off < CHUNK ? n - off : CHUNK;
        int err = MPI_Bcast(p + off, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD);
        if (err != MPI_SUCCESS)
            return mpi_failed(err, "MPI_Bcast of the data set");
    }
    return CS_OK;
}

/* One split: shape, pixels, labels and class names from rank 0. Every rank takes part in every
 * broadcast whatever happens to it: the sizes come first, every rank allocates, and all agree
 * that they could before the data moves (a rank that left a collective call would leave the
 * others waiting in it). */
static int share_split(cs_dataset **ds, int rank)
{
    int64_t head[6] = { 0, 0, 0, 0, 0, 0 }; /* n, c, h, w, k, bytes of the class names */
    if (rank == 0) {
        int c, h, w;
        cs_dataset_shape(&c, &h, &w, *ds);
        head[0] = (int64_t)cs_dataset_size(*ds);
        head[1] = c;
        head[2] = h;
        head[3] = w;
        head[4] = cs_dataset_num_classes(*ds);
        for (int j = 0; j < head[4]; ++j)
            head[5] += (int64_t)strlen(cs_dataset_class_name(*ds, j)) + 1;
    }
    int err = MPI_Bcast(head, 6, MPI_INT64_T, 0, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS)
        return mpi_failed(err, "MPI_Bcast of the data set's shape");
    const size_t n = (size_t)head[0], image = (size_t)head[1] * (size_t)head[2] * (size_t)head[3];
    const int k = (int)head[4];
    const size_t names_len = (size_t)head[5];
    uint8_t *px = malloc(n * image > 0 ? n * image : 1);
    int32_t *labels = malloc(sizeof *labels * (n > 0 ? n : 1));
    const char **names = calloc((size_t)(k > 0 ? k : 1), sizeof *names);
    char *name_text = malloc(names_len + 1);
    int rc = px && labels && names && name_text ? CS_OK
                                                : fail(CS_ERR_OUT_OF_MEMORY, "no memory for a copy of the data set");
    if (rank == 0 && rc == CS_OK) {
        size_t off = 0;
        for (size_t i = 0; i < n; ++i) {
            memcpy(px + i * image, cs_dataset_image(*ds, i), image);
            labels[i] = cs_dataset_label(*ds, i);
        }
        for (int j = 0; j < k; ++j) {
            size_t len = strlen(cs_dataset_class_name(*ds, j)) + 1;
            memcpy(name_text + off, cs_dataset_class_name(*ds, j), len);
            off += len;
        }
    }
    int ok = rc == CS_OK, all_ok = 0;
    err = MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS)
        rc = mpi_failed(err, "MPI_Allreduce");
    else if (!all_ok && rc == CS_OK)
        rc = fail(CS_ERR_OUT_OF_MEMORY, "another rank has no memory for a copy of the data set");
    if (rc == CS_OK)
        rc = bcast_bytes(px, n * image);
    if (rc == CS_OK)
        rc = bcast_bytes(labels, sizeof *labels * n);
    if (rc == CS_OK)
        rc = bcast_bytes(name_text, names_len);
    if (rc == CS_OK && rank != 0) {
        size_t off = 0;
        name_text[names_len] = '\0';
        for (int j = 0; j < k; ++j) {
            names[j] = off < names_len ? name_text + off : "";
            off += strlen(names[j]) + 1;
        }
        rc = cs_dataset_from_memory(ds, px, labels, n, (int)head[1], (int)head[2], (int)head[3], k);
        if (rc == CS_OK)
            rc = cs_dataset_set_class_names(*ds, names, k);
        if (rc != CS_OK)
            rc = fail(rc, "the data set sent by rank 0: %s", cs_last_error());
    }
    free(name_text);
    free(names);
    free(labels);
    free(px);
    return rc;
}

int cs_mpi_share_data(cs_dataset **train, cs_dataset **test, int status)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int err = MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS)
        return mpi_failed(err, "MPI_Bcast of the data set's status");
    if (status != CS_OK)
        return rank == 0 ? status : fail(status, "rank 0 could not load the data set");
    /* Both splits on every rank, whatever the first gave: each is a series of collectives. */
    int rc = share_split(train, rank);
    int rc_test = share_split(test, rank);
    if (rc == CS_OK)
        rc = rc_test;
    int ok = rc == CS_OK, all_ok = 0;
    err = MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS)
        return mpi_failed(err, "MPI_Allreduce");
    if (!all_ok && rc == CS_OK)
        rc = fail(CS_ERR_STATE, "another rank could not build its copy of the data set");
    return rc;
}

/* ---- worker ranks ---------------------------------------------------------------------------- */

static int send_result(int cell, int status, const char *payload, size_t len)
{
    size_t total = 2 * sizeof(int32_t) + len;
    if (total > (size_t)INT32_MAX)
        return fail(CS_ERR_OVERFLOW, "a cell record of %zu bytes is too large to send", len);
    unsigned char *msg = malloc(total);
    if (!msg)
        return fail(CS_ERR_OUT_OF_MEMORY, "no memory for a cell record");
    int32_t head[2] = { cell, status };
    memcpy(msg, head, sizeof head);
    memcpy(msg + sizeof head, payload, len);
    int err = MPI_Send(msg, (int)total, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
    free(msg);
    return err == MPI_SUCCESS ? CS_OK : mpi_failed(err, "MPI_Send of a cell record");
}

static int worker_loop(cs_study *s)
{
    struct {
        int64_t pid;
        char host[HOST_MAX + 1];
    } hello;
    memset(&hello, 0, sizeof hello);
    hello.pid = (int64_t)getpid();
    if (gethostname(hello.host, HOST_MAX) != 0 || !hello.host[0])
        snprintf(hello.host, sizeof hello.host, "unknown");
    int err = MPI_Send(&hello, (int)sizeof hello, MPI_BYTE, 0, TAG_HELLO, MPI_COMM_WORLD);
    if (err != MPI_SUCCESS)
        return mpi_failed(err, "MPI_Send of the hello");
    for (;;) {
        int cell = -1, done = 0;
        MPI_Request req;
        MPI_Status st;
        err = MPI_Irecv(&cell, 1, MPI_INT, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &req);
        while (err == MPI_SUCCESS && !done) {
            err = MPI_Test(&req, &done, &st);
            if (!done)
                pause_briefly();
        }
        if (err != MPI_SUCCESS)
            return mpi_failed(err, "waiting for a cell from rank 0");
        if (st.MPI_TAG == TAG_STOP)
            return CS_OK;
        cs_study_record *rec = NULL;
        int rc = cs_study_train_cell(&rec, s, cell); /* a diverged cell gives a failed cell's record */
        if (rc == CS_OK) {
            size_t len = 0;
            const char *data = cs_study_record_data(&len, rec);
            rc = send_result(cell, CS_OK, data, len);
        } else {
            const char *msg = cs_last_error();
            rc = send_result(cell, rc, msg, strlen(msg) + 1);
        }
        cs_study_record_destroy(rec);
        if (rc != CS_OK)
            return rc;
    }
}

/* ---- rank 0 ------------------------------------------------------------------------------- */

/* Rank 0's own trainer: a thread that takes one cell at a time from `cell`. */
typedef struct local_trainer {
    cs_study *s;
    pthread_t tid;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int cell;                 /* to train; -1: none */
    int quit;
    int done_cell;            /* finished cell (-1: none) with its result */
    int status;
    cs_study_record *rec;
    char message[1024];
} local_trainer;

static void *local_main(void *arg)
{
    local_trainer *t = arg;
    pthread_mutex_lock(&t->lock);
    for (;;) {
        while (t->cell < 0 && !t->quit)
            pthread_cond_wait(&t->wake, &t->lock);
        if (t->quit)
            break;
        int cell = t->cell;
        pthread_mutex_unlock(&t->lock);
        cs_study_record *rec = NULL;
        int rc = cs_study_train_cell(&rec, t->s, cell);
        pthread_mutex_lock(&t->lock);
        t->cell = -1;
        t->done_cell = cell;
        t->status = rc;
        t->rec = rec;
        if (rc != CS_OK)
            snprintf(t->message, sizeof t->message, "%s", cs_last_error());
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

typedef struct rank_state {
    int hello;                /* its hello arrived */
    int stopped;              /* STOP sent (or rank 0 has nothing more) */
    int cell;                 /* in flight, or -1 */
    double since;
    int trained;              /* cells it trained in this run */
    double busy;              /* seconds from handing them out to storing them */
    long long pid;
    char host[HOST_MAX + 1];
} rank_state;

typedef struct master {
    cs_study *s;
    const char *store;
    const cs_mpi_options *o;
    int size;
    rank_state *ranks;
    int *todo;
    int n_todo, next;
    int cells_total, cells_stored;
    int cells_failed;         /* of cells_stored, failed in an earlier run and not retried */
    local_trainer *local;     /* on the heap: a thread stopped mid-cell may outlive the run */
    int local_running;
} master;

static void emit(master *m, cs_mpi_event_kind kind, int cell, int rank, double acc, double seconds)
{
    if (!m->o->on_event)
        return;
    cs_mpi_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.cell = cell;
    ev.rank = rank;
    ev.ranks = m->size;
    ev.host = rank >= 0 ? m->ranks[rank].host : "";
    ev.cells_total = m->cells_total;
    ev.cells_finished = m->cells_stored;
    ev.cells_to_train = m->n_todo;
    ev.cells_failed = m->cells_failed;
    ev.test_accuracy = acc;
    ev.seconds = seconds;
    m->o->on_event(&ev, m->o->payload);
}

static void describe_cell(const master *m, int cell, char *buf, size_t cap)
{
    cs_study_cell_info info;
    info.struct_size = sizeof info;
    if (cs_study_cell(&info, m->s, cell) == CS_OK)
        snprintf(buf, cap, "(%s, %s, replicate %d)", info.model, info.condition, info.replicate);
    else
        snprintf(buf, cap, "(cell %d)", cell);
}

/* When a rank dies, Open MPI's launcher ends the others with SIGTERM and, a moment later,
 * SIGKILL: too soon for rank 0 to finish an orderly stop. So rank 0 keeps one preformatted line
 * per rank in flight, and its handler of SIGTERM and SIGINT writes them at once (write and kill
 * are async-signal-safe), naming a rank on this host whose process is gone as the one that died;
 * then it sets the caller's flag for the orderly stop, if there is time for one. */
typedef struct flight_line {
    volatile sig_atomic_t busy;
    pid_t pid;
    int same_host;
    char head[160], tail[400];
    size_t head_len, tail_len;
} flight_line;

static flight_line *flights;
static int n_flights;
static volatile sig_atomic_t *stop_flag;

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void on_stop_signal(int sig)
{
    (void)sig;
    int saved = errno;
    for (int r = 0; flights && r < n_flights; ++r) {
        const flight_line *f = &flights[r];
        if (!f->busy)
            continue;
        const int gone = f->same_host && r > 0 && kill(f->pid, 0) != 0 && errno == ESRCH;
        write_all(f->head, f->head_len);
        if (gone)
            write_all(" died while training ", 21);
        else
            write_all(" was training ", 14);
        write_all(f->tail, f->tail_len);
    }
    if (stop_flag)
        *stop_flag = 1;
    errno = saved;
}

static void flight_begin(master *m, int r, int cell)
{
    if (!flights)
        return;
    flight_line *f = &flights[r];
    const rank_state *rs = &m->ranks[r];
    char host[HOST_MAX + 1] = "";
    gethostname(host, HOST_MAX);
    char what[300];
    describe_cell(m, cell, what, sizeof what);
    time_t t = (time_t)rs->since;
    struct tm tm;
    gmtime_r(&t, &tm);
    f->busy = 0;
    atomic_signal_fence(memory_order_seq_cst);
    f->pid = (pid_t)rs->pid;
    f->same_host = strcmp(host, rs->host) == 0;
    f->head_len = (size_t)snprintf(f->head, sizeof f->head, "classsens: rank %d (%s, pid %lld)", r, rs->host, rs->pid);
    f->tail_len = (size_t)snprintf(f->tail, sizeof f->tail, "%s, started %02d:%02d:%02d UTC\n", what, tm.tm_hour,
                                   tm.tm_min, tm.tm_sec);
    if (f->head_len >= sizeof f->head)
        f->head_len = sizeof f->head - 1;
    if (f->tail_len >= sizeof f->tail)
        f->tail_len = sizeof f->tail - 1;
    atomic_signal_fence(memory_order_seq_cst);
    f->busy = 1;
}

static void flight_end(int r)
{
    if (flights)
        flights[r].busy = 0;
}

/* Hand rank r its next cell, or tell it that there is none. */
static int assign(master *m, int r)
{
    rank_state *rs = &m->ranks[r];
    if (m->next >= m->n_todo) {
        if (!rs->stopped && r > 0) {
            int none = -1;
            int err = MPI_Send(&none, 1, MPI_INT, r, TAG_STOP, MPI_COMM_WORLD);
            if (err != MPI_SUCCESS)
                return mpi_failed(err, "MPI_Send of STOP");
        }
        rs->stopped = 1;
        return CS_OK;
    }
    const int cell = m->todo[m->next++];
    rs->since = wall_now();
    char worker[32];
    snprintf(worker, sizeof worker, "rank %d", r);
    cs_study_claim who = { sizeof who, worker, rs->host, rs->pid, rs->since };
    int rc = cs_study_claim_cell(m->s, m->store, cell, &who);
    if (rc != CS_OK)
        return fail(rc, "%s", cs_last_error());
    rs->cell = cell;
    if (r == 0) {
        pthread_mutex_lock(&m->local->lock);
        m->local->cell = cell;
        pthread_cond_signal(&m->local->wake);
        pthread_mutex_unlock(&m->local->lock);
    } else {
        int err = MPI_Send(&cell, 1, MPI_INT, r, TAG_CELL, MPI_COMM_WORLD);
        if (err != MPI_SUCCESS)
            return mpi_failed(err, "MPI_Send of a cell");
    }
    flight_begin(m, r, cell);
    emit(m, CS_MPI_EVENT_STARTED, cell, r, NAN, NAN);
    return CS_OK;
}

/* A result from rank r: store it (or fail naming the rank and the cell), then the next cell. */
static int finish(master *m, int r, int cell, int status, const char *data, size_t len)
{
    rank_state *rs = &m->ranks[r];
    if (cell != rs->cell)
        return fail(CS_ERR_CORRUPT, "rank %d (%s) returned cell %d but was given %d", r, rs->host, cell, rs->cell);
    if (status != CS_OK)
        return fail(status, "rank %d (%s, pid %lld): %.*s", r, rs->host, rs->pid, (int)(len > 1500 ? 1500 : len),
                    data);
    int stored = -1;
    double acc = NAN;
    int rc = cs_study_store_record(&stored, &acc, m->s, m->store, data, len);
    if (rc != CS_OK) {
        char what[400];
        describe_cell(m, cell, what, sizeof what);
        return fail(rc, "rank %d (%s): storing cell %s: %s", r, rs->host, what, cs_last_error());
    }
    if (stored != cell)
        return fail(CS_ERR_CORRUPT, "rank %d (%s) sent the record of cell %d for cell %d", r, rs->host, stored, cell);
    const double seconds = wall_now() - rs->since;
    flight_end(r);
    rs->cell = -1;
    rs->trained++;
    rs->busy += seconds;
    m->cells_stored++;
    emit(m, CS_MPI_EVENT_FINISHED, cell, r, acc, seconds);
    return assign(m, r);
}

/* The message for a stopped job: every cell in flight, and whether its rank is still alive
 * (known for the ranks on this host). Their claims go: those cells are not running any more. */
static int stopped(master *m, int status, const char *why, int list)
{
    char host[HOST_MAX + 1] = "";
    gethostname(host, HOST_MAX);
    char head[sizeof mpi_message];
    snprintf(head, sizeof head, "%s", why);
    size_t off = (size_t)snprintf(mpi_message, sizeof mpi_message, "%.1500s; %d of %d cells are in the store", head,
                                  m->cells_stored, m->cells_total);
    int in_flight = 0;
    for (int r = 0; list && r < m->size && off < sizeof mpi_message; ++r) {
        const rank_state *rs = &m->ranks[r];
        if (rs->cell < 0)
            continue;
        char what[400];
        describe_cell(m, rs->cell, what, sizeof what);
        const char *state = r > 0 && strcmp(rs->host, host) == 0 && kill((pid_t)rs->pid, 0) != 0 && errno == ESRCH
                                ? " is gone: it died while training"
                                : " was training";
        int w = snprintf(mpi_message + off, sizeof mpi_message - off, "%s rank %d (%s, pid %lld)%s %s for %.0f s",
                         in_flight ? ";" : ":", r, rs->host, rs->pid, state, what, wall_now() - rs->since);
        off = w > 0 ? off + (size_t)w : off;
        ++in_flight;
    }
    /* Those cells are not running any more, whatever fitted in the message. */
    for (int r = 0; r < m->size; ++r) {
        if (m->ranks[r].cell < 0)
            continue;
        flight_end(r);
        cs_study_release_cell(m->s, m->store, m->ranks[r].cell);
    }
    return status;
}

static int master_loop(master *m)
{
    int rc = CS_OK;
    if (m->o->rank0_trains || m->size == 1) {
        /* The trainer (and the OpenBLAS threads it starts) never takes SIGINT or SIGTERM: the
         * handler runs on this thread, the one that changes the lines it reads. */
        sigset_t block, saved;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &block, &saved);
        int err = pthread_create(&m->local->tid, NULL, local_main, m->local);
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        if (err != 0)
            return fail(CS_ERR_OUT_OF_MEMORY, "cannot start rank 0's training thread");
        m->local_running = 1;
        rc = assign(m, 0);
    } else {
        m->ranks[0].stopped = 1;
    }
    int hellos = 1;
    while (rc == CS_OK) {
        if (m->o->interrupted && *m->o->interrupted)
            return stopped(m, CS_ERR_CANCELLED, "stopped by a signal (SIGINT or SIGTERM)", 0);
        int busy = 0;
        for (int r = 0; r < m->size; ++r)
            busy += m->ranks[r].cell >= 0;
        if (busy == 0 && hellos == m->size && m->next >= m->n_todo)
            break;
        int progressed = 0;
        /* Rank 0's own cell. */
        if (m->local_running) {
            pthread_mutex_lock(&m->local->lock);
            int cell = m->local->done_cell, status = m->local->status;
            cs_study_record *rec = m->local->rec;
            char message[1024];
            snprintf(message, sizeof message, "%s", m->local->message);
            m->local->done_cell = -1;
            m->local->rec = NULL;
            pthread_mutex_unlock(&m->local->lock);
            if (cell >= 0) {
                size_t len = 0;
                const char *data = status == CS_OK ? cs_study_record_data(&len, rec) : message;
                if (status != CS_OK)
                    len = strlen(message) + 1;
                rc = finish(m, 0, cell, status, data, len);
                cs_study_record_destroy(rec);
                progressed = 1;
                if (rc != CS_OK)
                    break;
            }
        }
        /* The other ranks. */
        int flag = 0;
        MPI_Status st;
        int err = MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (err != MPI_SUCCESS) {
            rc = mpi_failed(err, "MPI_Iprobe");
            break;
        }
        if (flag) {
            progressed = 1;
            int count = 0;
            MPI_Get_count(&st, MPI_BYTE, &count);
            const int r = st.MPI_SOURCE;
            unsigned char *buf = malloc(count > 0 ? (size_t)count : 1);
            if (!buf) {
                rc = fail(CS_ERR_OUT_OF_MEMORY, "no memory for a message of %d bytes from rank %d", count, r);
                break;
            }
            err = MPI_Recv(buf, count, MPI_BYTE, r, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (err != MPI_SUCCESS) {
                free(buf);
                char text[MPI_MAX_ERROR_STRING];
                mpi_text(err, text, sizeof text);
                rc = fail(CS_ERR_IO, "receiving from rank %d: %s", r, text);
                break;
            }
            rank_state *rs = &m->ranks[r];
            if (st.MPI_TAG == TAG_HELLO && !rs->hello && (size_t)count >= sizeof(int64_t) + 1) {
                int64_t pid;
                memcpy(&pid, buf, sizeof pid);
                rs->pid = (long long)pid;
                snprintf(rs->host, sizeof rs->host, "%.*s", (int)((size_t)count - sizeof pid), (char *)buf + sizeof pid);
                rs->hello = 1;
                ++hellos;
                rc = assign(m, r);
            } else if (st.MPI_TAG == TAG_RESULT && (size_t)count >= 2 * sizeof(int32_t)) {
                int32_t head[2];
                memcpy(head, buf, sizeof head);
                rc = finish(m, r, head[0], head[1], (const char *)buf + sizeof head, (size_t)count - sizeof head);
            } else {
                rc = fail(CS_ERR_CORRUPT, "rank %d sent an unexpected message (tag %d, %d bytes)", r, st.MPI_TAG,
                          count);
            }
            free(buf);
        }
        if (!progressed)
            pause_briefly();
    }
    if (rc != CS_OK) {
        return stopped(m, rc, mpi_message, 1); /* stopped() copies it before rewriting it */
    }
    return CS_OK;
}

int cs_mpi_study_run(cs_study *s, const char *store_dir, const cs_mpi_options *opts)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    cs_mpi_options defaults = { NULL, NULL, NULL, 1, 0 };
    const cs_mpi_options *o = opts ? opts : &defaults;
    if (rank != 0)
        return worker_loop(s);

    master m;
    memset(&m, 0, sizeof m);
    m.s = s;
    m.store = store_dir;
    m.o = o;
    m.size = size;
    m.cells_total = cs_study_num_cells(s);
    m.ranks = calloc((size_t)size, sizeof *m.ranks);
    m.todo = malloc(sizeof *m.todo * (size_t)(m.cells_total > 0 ? m.cells_total : 1));
    m.local = calloc(1, sizeof *m.local);
    if (!m.local) {
        free(m.todo);
        free(m.ranks);
        return fail(CS_ERR_OUT_OF_MEMORY, "no memory for rank 0's trainer");
    }
    m.local->s = s;
    m.local->cell = -1;
    m.local->done_cell = -1;
    pthread_mutex_init(&m.local->lock, NULL);
    pthread_cond_init(&m.local->wake, NULL);
    int rc = m.ranks && m.todo ? CS_OK : fail(CS_ERR_OUT_OF_MEMORY, "no memory for %d ranks", size);
    for (int r = 0; rc == CS_OK && r < size; ++r)
        m.ranks[r].cell = -1;
    if (rc == CS_OK) {
        m.ranks[0].hello = 1;
        m.ranks[0].pid = (long long)getpid();
        if (gethostname(m.ranks[0].host, HOST_MAX) != 0 || !m.ranks[0].host[0])
            snprintf(m.ranks[0].host, sizeof m.ranks[0].host, "unknown");
    }
    /* The cells still missing, in the runner's order. */
    if (rc == CS_OK && (rc = cs_study_prepare(s, store_dir)) != CS_OK)
        rc = fail(rc, "%s", cs_last_error());
    if (rc == CS_OK && (rc = cs_study_schedule(m.todo, m.cells_total, s)) != CS_OK)
        rc = fail(rc, "%s", cs_last_error());
    for (int i = 0; rc == CS_OK && i < m.cells_total; ++i) {
        int stored = cs_study_cell_stored(s, store_dir, m.todo[i]);
        /* A failed cell (2) stays failed unless the job retries failed cells. */
        if (stored == 2 && o->retry_failed)
            stored = 0;
        if (stored < 0) {
            rc = fail(stored, "%s", cs_last_error());
        } else if (stored) {
            m.cells_stored++;
            m.cells_failed += stored == 2;
        } else {
            m.todo[m.n_todo++] = m.todo[i];
        }
    }
    if (rc == CS_OK) {
        emit(&m, CS_MPI_EVENT_PLAN, -1, -1, NAN, NAN);
        struct sigaction sa, old_term, old_int;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        flights = calloc((size_t)size, sizeof *flights);
        n_flights = flights ? size : 0;
        stop_flag = o->interrupted;
        sigaction(SIGTERM, &sa, &old_term);
        sigaction(SIGINT, &sa, &old_int);
        const double start = wall_now();
        rc = master_loop(&m);
        const double wall = wall_now() - start;
        for (int r = 0; rc == CS_OK && r < size && o->on_event; ++r) {
            cs_mpi_event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = CS_MPI_EVENT_RANK_SUMMARY;
            ev.cell = -1;
            ev.rank = r;
            ev.ranks = size;
            ev.host = m.ranks[r].host;
            ev.cells_total = m.cells_total;
            ev.cells_finished = m.cells_stored;
            ev.cells_to_train = m.n_todo;
            ev.test_accuracy = NAN;
            ev.seconds = NAN;
            ev.cells_trained = m.ranks[r].trained;
            ev.busy_seconds = m.ranks[r].busy;
            ev.wall_seconds = wall;
            o->on_event(&ev, o->payload);
        }
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGINT, &old_int, NULL);
        flight_line *f = flights;
        flights = NULL;
        n_flights = 0;
        free(f);
    }
    if (m.local_running) {
        pthread_mutex_lock(&m.local->lock);
        m.local->quit = 1;
        pthread_cond_signal(&m.local->wake);
        int training = m.local->cell >= 0;
        pthread_mutex_unlock(&m.local->lock);
        /* A thread in the middle of a cell is left, with its state, to the MPI_Abort that
         * follows a failed or stopped run (waiting could take an epoch of a big model). */
        if (!training || rc == CS_OK) {
            pthread_join(m.local->tid, NULL);
            cs_study_record_destroy(m.local->rec);
            free(m.local);
        } else {
            pthread_detach(m.local->tid);
        }
    } else {
        free(m.local);
    }
    free(m.todo);
    free(m.ranks);
    return rc;
}
