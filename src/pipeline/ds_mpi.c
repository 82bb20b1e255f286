/*
 * ds_mpi.c — `analyze --mpi` (see ds_mpi.h and docs/SCALE.md).
 *
 * Why this shape:
 *   - The merge of states is exact only for parts consecutive in time (or over
 *     other monitors), so every rank gets a contiguous run of the inputs in the
 *     order given, cut only where a new rotation round starts: walking the inputs,
 *     a round ends when a monitor (of a file's first packet) comes back. With files
 *     given in time order (ucsd-00 lbl-00 ucsd-01 lbl-01 ...) the runs are then
 *     consecutive in time; the merge checks it (a part may not start before the
 *     parts before it end) and refuses otherwise, so a wrong order is an error,
 *     never a silently wrong result. Runs are balanced by file size.
 *   - A rank's result is the bytes of a state file (ds_state_run.c), the same
 *     format --state writes, built in memory: nothing new to keep in sync.
 *   - Reduction: a binomial tree over ranks. At step s a rank r with bit s set
 *     sends its list of states (covering ranks r .. r+2^s-1, in time order) to
 *     r - 2^s, which appends it to its own. Neighbouring states are merged where
 *     that is exact: anywhere when every enabled analyzer's merged state keeps the
 *     head of its first part (today: scan alone), otherwise only onto rank 0's
 *     accumulated state (series, dos and worm keep heads in original states only,
 *     so their states travel the tree unmerged and rank 0 folds them in order).
 *   - Messages are chunked below 2^31 bytes (MPI counts are int).
 */
#include "pipeline/ds_mpi.h"

#ifndef DS_HAVE_MPI

bool ds_mpi_available(void)
{
    return false;
}

int ds_run_mpi(const ds_run_config *cfg)
{
    (void)cfg;
    return DS_EXIT_BAD_INPUT;
}

#else

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/ds_source.h"
#include "pipeline/ds_state_run.h"

bool ds_mpi_available(void)
{
    return true;
}

#define DS_MPI_CHUNK ((size_t)1 << 30)
#define DS_MPI_TAG 0x5d5

/* ---- the plan ------------------------------------------------------------------ */

/* The monitor of a file's first packet, or -1 (unreadable, or no monitored packet
 * near the start). */
static int ds_first_monitor(const ds_run_config *cfg, const char *path)
{
    char err[DS_ERRLEN];
    ds_capture *c = ds_capture_open(path, err, sizeof err);
    if (!c)
        return -1;
    ds_source *s = ds_source_new(c, 0, cfg->telescope, cfg->sigs, cfg->tolerance_ns);
    const ds_pkt *p = ds_source_peek(s);
    int m = p && p->monitor != DS_MONITOR_OUTSIDE ? p->monitor : -1;
    ds_source_free(s);
    return m;
}

/* owner[i] = the rank that analyses input i (contiguous runs, balanced by size,
 * cut at rotation rounds). */
static void ds_mpi_plan(const ds_run_config *cfg, int ranks, int *owner)
{
    size_t n = cfg->ninputs;
    double *size = ds_xcalloc(n ? n : 1, sizeof *size);
    size_t *round = ds_xcalloc(n ? n : 1, sizeof *round);
    int nm = ds_telescope_count(cfg->telescope);
    bool *seen = ds_xcalloc((size_t)nm + 1, sizeof *seen);
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        size[i] = stat(cfg->inputs[i], &st) == 0 ? (double)st.st_size : 0;
        int m = ds_first_monitor(cfg, cfg->inputs[i]);
        if (m >= 0 && m < nm && seen[m]) {
            nr++; /* this monitor's next file: a new round */
            memset(seen, 0, ((size_t)nm + 1) * sizeof *seen);
        }
        if (m >= 0 && m < nm)
            seen[m] = true;
        round[i] = nr;
    }
    nr++;
    double *rsize = ds_xcalloc(nr, sizeof *rsize);
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        rsize[round[i]] += size[i] > 0 ? size[i] : 1;
        total += size[i] > 0 ? size[i] : 1;
    }
    /* A round goes to the rank its size midpoint falls in: contiguous, and each
     * rank's share is within one round of total/ranks. */
    int *rrank = ds_xcalloc(nr, sizeof *rrank);
    double before = 0;
    for (size_t r = 0; r < nr; r++) {
        int k = (int)((before + rsize[r] / 2) / total * ranks);
        rrank[r] = k < 0 ? 0 : k >= ranks ? ranks - 1 : k;
        before += rsize[r];
    }
    for (size_t i = 0; i < n; i++)
        owner[i] = rrank[round[i]];
    free(rrank);
    free(rsize);
    free(seen);
    free(round);
    free(size);
}

/* ---- the states and their messages --------------------------------------------- */

typedef struct ds_mstate {
    ds_wbuf b; /* framed state bytes */
    bool orig; /* one rank's own state (keeps every head) */
    int first; /* the first rank it covers (for messages) */
} ds_mstate;

typedef struct ds_mlist {
    ds_mstate *v;
    size_t n, cap;
} ds_mlist;

static void ds_mlist_push(ds_mlist *l, ds_mstate s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = ds_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

static void ds_send_bytes(const uint8_t *p, size_t n, int to)
{
    for (size_t off = 0; off < n; off += DS_MPI_CHUNK) {
        size_t c = n - off < DS_MPI_CHUNK ? n - off : DS_MPI_CHUNK;
        MPI_Send(p + off, (int)c, MPI_BYTE, to, DS_MPI_TAG, MPI_COMM_WORLD);
    }
}

static void ds_recv_bytes(uint8_t *p, size_t n, int from)
{
    for (size_t off = 0; off < n; off += DS_MPI_CHUNK) {
        size_t c = n - off < DS_MPI_CHUNK ? n - off : DS_MPI_CHUNK;
        MPI_Recv(p + off, (int)c, MPI_BYTE, from, DS_MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
}

/* A list: u64 count, then per state u64 {length, orig, first rank} and the bytes. */
static void ds_send_list(const ds_mlist *l, int to)
{
    uint64_t cnt = l->n;
    MPI_Send(&cnt, 1, MPI_UINT64_T, to, DS_MPI_TAG, MPI_COMM_WORLD);
    for (size_t i = 0; i < l->n; i++) {
        uint64_t meta[3] = {l->v[i].b.n, l->v[i].orig, (uint64_t)l->v[i].first};
        MPI_Send(meta, 3, MPI_UINT64_T, to, DS_MPI_TAG, MPI_COMM_WORLD);
        ds_send_bytes(l->v[i].b.p, l->v[i].b.n, to);
    }
}

static void ds_recv_list(ds_mlist *l, int from)
{
    uint64_t cnt;
    MPI_Recv(&cnt, 1, MPI_UINT64_T, from, DS_MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t meta[3];
        MPI_Recv(meta, 3, MPI_UINT64_T, from, DS_MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        ds_mstate s = {.orig = meta[1] != 0, .first = (int)meta[2]};
        ds_wbuf_init(&s.b);
        s.b.p = ds_xmalloc(meta[0] ? (size_t)meta[0] : 1);
        s.b.n = s.b.cap = (size_t)meta[0];
        ds_recv_bytes(s.b.p, s.b.n, from);
        ds_mlist_push(l, s);
    }
}

/* Merges l->v[i .. j) into one state at i; adds the seconds it took to *spent. */
static void ds_merge_range(const ds_run_config *cfg, ds_mlist *l, size_t i, size_t j, double *spent)
{
    double t0 = MPI_Wtime();
    size_t k = j - i;
    ds_state_src *src = ds_xcalloc(k, sizeof *src);
    char(*names)[48] = ds_xcalloc(k, sizeof *names);
    for (size_t x = 0; x < k; x++) {
        snprintf(names[x], sizeof names[x], "the state of rank %d", l->v[i + x].first);
        src[x] = (ds_state_src){names[x], l->v[i + x].b.p, l->v[i + x].b.n};
    }
    ds_wbuf out;
    ds_wbuf_init(&out);
    char err[DS_ERRLEN];
    int rc = ds_merge_states_mem(cfg, src, k, true, &out, err, sizeof err);
    if (rc != DS_EXIT_OK) {
        fprintf(stderr, "darkscope: --mpi: %s\n", err);
        MPI_Abort(MPI_COMM_WORLD, rc);
    }
    for (size_t x = i; x < j; x++)
        ds_wbuf_free(&l->v[x].b);
    l->v[i].b = out;
    l->v[i].orig = false;
    memmove(&l->v[i + 1], &l->v[j], (l->n - j) * sizeof *l->v);
    l->n -= k - 1;
    free(names);
    free(src);
    *spent += MPI_Wtime() - t0;
}

/* Merges what can be merged exactly at this rank (see the top). */
static void ds_reduce(const ds_run_config *cfg, ds_mlist *l, int rank, bool can_follow,
                      double *spent)
{
    if (can_follow) {
        if (l->n > 1)
            ds_merge_range(cfg, l, 0, l->n, spent);
        return;
    }
    if (rank != 0)
        return;
    size_t j = 1;
    while (j < l->n && l->v[j].orig)
        j++;
    if (j > 1)
        ds_merge_range(cfg, l, 0, j, spent);
}

/* ---- the run --------------------------------------------------------------------- */

int ds_run_mpi(const ds_run_config *cfg)
{
    MPI_Init(NULL, NULL);
    int rank, ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    double t0 = MPI_Wtime();

    size_t n = cfg->ninputs;
    int *owner = ds_xcalloc(n ? n : 1, sizeof *owner);
    if (rank == 0)
        ds_mpi_plan(cfg, ranks, owner);
    MPI_Bcast(owner, (int)n, MPI_INT, 0, MPI_COMM_WORLD);

    const char **mine = ds_xcalloc(n ? n : 1, sizeof *mine);
    size_t nmine = 0;
    for (size_t i = 0; i < n; i++)
        if (owner[i] == rank)
            mine[nmine++] = cfg->inputs[i];

    /* Analyse this rank's share into a state in memory. ds_run still opens an
     * output directory: a private temporary one, left empty and removed. */
    ds_mlist list = {0};
    int rc = DS_EXIT_OK;
    if (nmine) {
        const char *tmpdir = getenv("TMPDIR");
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/darkscope-mpi-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        if (!mkdtemp(dir)) {
            fprintf(stderr, "darkscope: --mpi: rank %d: cannot create a directory in %s\n", rank,
                    tmpdir && *tmpdir ? tmpdir : "/tmp");
            MPI_Abort(MPI_COMM_WORLD, DS_EXIT_OUTPUT);
        }
        ds_mstate s = {.orig = true, .first = rank};
        ds_wbuf_init(&s.b);
        ds_run_config c = *cfg;
        c.inputs = mine;
        c.ninputs = nmine;
        c.outdir = dir;
        c.state_out = NULL;
        c.state_mem = &s.b;
        c.progress = cfg->progress && rank == 0;
        rc = ds_run(&c);
        rmdir(dir);
        if (rc != DS_EXIT_OK && rc != DS_EXIT_BAD_INPUT) {
            /* No state to contribute (interrupted, or could not write): stop all. */
            fprintf(stderr, "darkscope: --mpi: rank %d failed (exit status %d)\n", rank, rc);
            MPI_Abort(MPI_COMM_WORLD, rc);
        }
        ds_mlist_push(&list, s);
    }
    double t_an = MPI_Wtime();

    bool can_follow = ds_state_merged_can_follow(cfg);
    double merging = 0; /* of the reduction: merging (the rest is waiting, sending) */
    for (int step = 1; step < ranks; step <<= 1) {
        if (rank & step) {
            ds_send_list(&list, rank - step);
            break;
        }
        if (rank + step < ranks) {
            ds_recv_list(&list, rank + step);
            ds_reduce(cfg, &list, rank, can_follow, &merging);
        }
    }
    double t_red = MPI_Wtime();

    int wrc = DS_EXIT_OK;
    if (rank == 0) {
        ds_state_src *src = ds_xcalloc(list.n ? list.n : 1, sizeof *src);
        for (size_t i = 0; i < list.n; i++)
            src[i] = (ds_state_src){"the merged state", list.v[i].b.p, list.v[i].b.n};
        wrc = list.n ? ds_merge_states_write(cfg, src, list.n, true) : DS_EXIT_BAD_INPUT;
        free(src);
        if (getenv("DS_MPI_TIMES"))
            fprintf(stderr,
                    "darkscope: --mpi: %d ranks: analysis %.3f s, reduction %.3f s (merging "
                    "%.3f s), outputs %.3f s\n",
                    ranks, t_an - t0, t_red - t_an, merging, MPI_Wtime() - t_red);
    }
    /* Everyone returns the worst status (mpirun reports the first nonzero one). */
    int mine_rc = rc > wrc ? rc : wrc, all_rc = mine_rc;
    MPI_Allreduce(&mine_rc, &all_rc, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    for (size_t i = 0; i < list.n; i++)
        ds_wbuf_free(&list.v[i].b);
    free(list.v);
    free(mine);
    free(owner);
    MPI_Finalize();
    return all_rc;
}

#endif
