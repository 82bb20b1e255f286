/*
 * ds_run.c — drives one analysis: opens the inputs (a bad one is reported and the
 * others go on), merges them, feeds batches of records to every analyzer, keeps the
 * run-wide counters, shows progress, and writes the outputs and summary.json.
 *
 * Outputs are written by ds_outputs.c from the analyzer states (the same code
 * `darkscope merge` uses); with --state the states are also saved
 * (ds_state_run.c).
 *
 * With -j N (cfg->threads > 1, files only) the analyzers run on N worker threads
 * (ds_thread.c): this thread still reads, decodes and merges the inputs and keeps
 * the run-wide counters, and hands the batches over instead of analysing them.
 *
 * Live captures write all outputs at every interval boundary (in packet time) with
 * "complete": false, so a running telescope always has fresh files; a signal stops
 * the loop and the outputs are written from what was analysed so far.
 */
#include "pipeline/ds_run.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "analysis/ds_analyzer.h"
#include "output/ds_csv.h"
#include "output/ds_report.h"
#include "pipeline/ds_merge.h"
#include "pipeline/ds_outputs.h"
#include "pipeline/ds_state_run.h"
#include "pipeline/ds_thread.h"
#include "telescope/ds_classify.h"

#define DS_BATCH 1024

typedef struct ds_input {
    const char *path;
    ds_source *src;
    char *open_error;
} ds_input;

typedef struct ds_state {
    const ds_run_config *cfg;
    ds_ctx ctx;
    ds_input *in;
    size_t nin;
    void **st;        /* analyzer states */
    uint64_t packets; /* records analysed */
    int64_t first_ts, last_ts;
    bool any;
    bool complete;
    double t0;
    double last_progress;
} ds_state;

/* Whether registry entry a takes part in this run (--analyzers). */
static bool ds_on(const ds_state *S, size_t a)
{
    return !S->cfg->analyzer_on || S->cfg->analyzer_on[a];
}

static double ds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *ds_json_time(int64_t ts)
{
    char buf[DS_TIME_STRLEN];
    return json_string(ds_time_format(ts, buf));
}

static json_t *ds_u64(uint64_t v)
{
    return json_integer((json_int_t)v);
}

static json_t *ds_dissection_json(const ds_dissection *d)
{
    json_t *j = json_object();
#define DS_F(name) json_object_set_new(j, #name, ds_u64(d->name))
    DS_F(packets);
    DS_F(ipv4);
    DS_F(ipv6);
    DS_F(tcp);
    DS_F(tcp_syn_only);
    DS_F(tcp_synack);
    DS_F(tcp_rst);
    DS_F(udp);
    DS_F(icmp);
    DS_F(icmp_echo_request);
    DS_F(icmp_echo_reply);
    DS_F(icmp_unreach);
    DS_F(icmp_time_exceeded);
    DS_F(icmp_other);
    DS_F(ip_fragments);
    DS_F(distinct_src_ipv4);
    DS_F(distinct_dst_ipv4);
#undef DS_F
    if (d->distinct_src_ipv4_approx) /* --max-memory: docs/FORMATS.md */
        json_object_set_new(j, "distinct_src_ipv4_approximate", json_true());
    if (d->packets) {
        json_object_set_new(j, "first_ts", ds_json_time(d->first_ts));
        json_object_set_new(j, "last_ts", ds_json_time(d->last_ts));
    }
    return j;
}

static json_t *ds_input_json(const ds_input *in)
{
    json_t *j = json_object();
    json_object_set_new(j, "path", json_string(in->path));
    if (in->open_error) {
        json_object_set_new(j, "status", json_string("error"));
        json_t *errs = json_array();
        json_array_append_new(errs, json_string(in->open_error));
        json_object_set_new(j, "errors", errs);
        return j;
    }
    ds_capture *c = ds_source_capture(in->src);
    const ds_source_stats *s = ds_source_get_stats(in->src);
    const char *err = ds_source_error(in->src);
    const char *warn = ds_capture_warning(c);
    json_object_set_new(j, "status", json_string(err ? "error" : "ok"));
    json_object_set_new(j, "format", json_string(ds_capture_format(c)));
    json_object_set_new(j, "byte_order", json_string(ds_capture_byte_order(c)));
    json_object_set_new(j, "compression", json_string(ds_capture_compression(c)));
    uint16_t lt[32];
    size_t nlt = ds_capture_linktypes(c, lt, 32);
    json_t *lts = json_array();
    for (size_t i = 0; i < nlt && i < 32; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s(%u)", ds_linktype_name(lt[i]), lt[i]);
        json_array_append_new(lts, json_string(buf));
    }
    json_object_set_new(j, "link_types", lts);
    json_object_set_new(j, "packets", ds_u64(s->d.packets));
    json_object_set_new(j, "bytes", ds_u64(s->bytes));
    json_object_set_new(j, "file_bytes", ds_u64(ds_capture_file_size(c)));
    if (s->d.packets) {
        json_object_set_new(j, "first_ts", ds_json_time(s->d.first_ts));
        json_object_set_new(j, "last_ts", ds_json_time(s->d.last_ts));
    }
    json_t *errs = json_array();
    if (err)
        json_array_append_new(errs, json_string(err));
    json_object_set_new(j, "errors", errs);
    json_t *warns = json_array();
    if (warn)
        json_array_append_new(warns, json_string(warn));
    json_object_set_new(j, "warnings", warns);
    if (ds_capture_dropped(c))
        json_object_set_new(j, "dropped_by_kernel", ds_u64(ds_capture_dropped(c)));
    json_object_set_new(j, "dissection", ds_dissection_json(&s->d));
    return j;
}

/* The run-wide part of the state, as of now (inputs described afresh: a live run
 * writes several times). */
static void ds_run_summarise(const ds_state *S, ds_runsum *rs)
{
    ds_runsum_init(rs);
    for (size_t i = 0; i < S->nin; i++) {
        json_array_append_new(rs->inputs, ds_input_json(&S->in[i]));
        if (S->in[i].open_error || ds_source_error(S->in[i].src))
            rs->inputs_bad = true;
        if (S->in[i].src)
            ds_stats_add(&rs->tot, ds_source_get_stats(S->in[i].src));
    }
    rs->packets = S->packets;
    rs->any = S->any;
    rs->first_ts = S->first_ts;
    rs->last_ts = S->last_ts;
    rs->complete = S->complete;
}

static int ds_write_outputs_now(ds_state *S, ds_par *par, ds_report_movie **movie)
{
    ds_runsum rs;
    ds_run_summarise(S, &rs);
    int rc = ds_write_outputs(S->cfg, &S->ctx, &rs, S->st, par, movie);
    if (S->cfg->state_out && rc == 0 && !S->ctx.live) {
        char err[DS_ERRLEN];
        if (ds_state_save_run(S->cfg, &rs, S->st, S->cfg->state_out, err, sizeof err) != 0) {
            fprintf(stderr, "darkscope: %s\n", err);
            rc = -1;
        }
    }
    ds_runsum_free(&rs);
    return rc;
}

static void ds_progress(ds_state *S, bool final)
{
    double now = ds_now();
    if (!final && now - S->last_progress < 0.5)
        return;
    S->last_progress = now;
    uint64_t done = 0, total = 0, frames = 0;
    for (size_t i = 0; i < S->nin; i++) {
        if (!S->in[i].src)
            continue;
        ds_capture *c = ds_source_capture(S->in[i].src);
        done += ds_capture_bytes_read(c);
        total += ds_capture_file_size(c);
        frames += ds_source_get_stats(S->in[i].src)->d.packets;
    }
    double el = now - S->t0;
    double mpps = el > 0 ? (double)frames / el / 1e6 : 0;
    fprintf(stderr, "\r\033[K%.1f/%.1f MB  %llu packets  %.2f Mpps", (double)done / 1e6,
            (double)total / 1e6, (unsigned long long)frames, mpps);
    if (total && done && done < total)
        fprintf(stderr, "  ETA %.0fs", el * (double)(total - done) / (double)done);
    if (final)
        fputc('\n', stderr);
}

/* -j N: the states are freed on another thread while report.html is built from the
 * files (freeing a big run's tables takes a second or more). */
typedef struct ds_destroyer {
    void **st;
    const size_t *on;
    size_t non;
} ds_destroyer;

static void *ds_destroy_states(void *arg)
{
    const ds_destroyer *d = arg;
    for (size_t k = 0; k < d->non; k++)
        ds_analyzers[d->on[k]]->destroy(d->st[d->on[k]]);
    return NULL;
}

int ds_run(const ds_run_config *cfg)
{
    ds_state S;
    memset(&S, 0, sizeof S);
    S.cfg = cfg;
    S.complete = true;
    S.t0 = S.last_progress = ds_now();
    char err[DS_ERRLEN];

    ds_outdir *out = ds_outdir_open(cfg->outdir, err, sizeof err);
    if (!out) {
        fprintf(stderr, "darkscope: %s\n", err);
        return DS_EXIT_OUTPUT;
    }
    S.ctx.telescope = cfg->telescope;
    S.ctx.sigs = cfg->sigs;
    S.ctx.interval_ns = cfg->interval_ns;
    S.ctx.out = out;
    S.ctx.live = cfg->interface != NULL;
    S.ctx.keep_heads = cfg->state_out != NULL || cfg->state_mem != NULL;
    /* --max-memory: 1/16 of it for the inputs' distinct-source sets (shared out
     * among the inputs), the rest for the analyzers' tables (docs/SCALE.md). */
    ds_membudget mem;
    size_t amem = cfg->max_memory - cfg->max_memory / 16;
    ds_membudget_init(&mem, amem);
    S.ctx.max_memory = amem;
    S.ctx.mem = amem ? &mem : NULL;
#ifdef M_MMAP_THRESHOLD
    /* Under a bound, tables of 1 MiB and more are mapped apart and unmapped when
     * freed. With glibc's default (a threshold that rises to the largest block
     * freed so far) the tables an eviction round frees stayed in the heap, resident:
     * the flood of test_flood.sh peaked 24 or 48 MiB higher depending on nothing but
     * the address-space layout (measured: 298 to 342 MiB across runs of one binary;
     * 305 MiB in every run with the fixed threshold, at ~5% more time). */
    if (amem)
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif

    S.nin = cfg->interface ? 1 : cfg->ninputs;
    S.in = ds_xcalloc(S.nin ? S.nin : 1, sizeof *S.in);
    ds_source **srcs = ds_xcalloc(S.nin ? S.nin : 1, sizeof *srcs);
    size_t nsrc = 0;
    for (size_t i = 0; i < S.nin; i++) {
        ds_capture *c;
        if (cfg->interface) {
            S.in[i].path = cfg->interface;
            c = ds_capture_open_live(cfg->interface, cfg->bpf, cfg->snaplen, 200, err, sizeof err);
        } else {
            S.in[i].path = cfg->inputs[i];
            c = ds_capture_open(cfg->inputs[i], err, sizeof err);
        }
        if (!c) {
            fprintf(stderr, "darkscope: ");
            ds_term_text(stderr, err);
            fputc('\n', stderr);
            S.in[i].open_error = ds_xstrdup(err);
            continue;
        }
        S.in[i].src = ds_source_new(c, (uint16_t)i, cfg->telescope, cfg->sigs, cfg->tolerance_ns);
        if (cfg->max_memory)
            ds_source_bound(S.in[i].src, cfg->max_memory / 16 / S.nin);
        srcs[nsrc++] = S.in[i].src;
    }

    S.st = ds_xcalloc(ds_analyzer_count, sizeof *S.st);
    /* Only the enabled analyzers run; S.on lists them so the loop does not test. */
    size_t non = 0;
    size_t *on = ds_xcalloc(ds_analyzer_count, sizeof *on);
    for (size_t a = 0; a < ds_analyzer_count; a++)
        if (ds_on(&S, a))
            on[non++] = a;
    /* -j N: the workers make and own the states until ds_par_finish_start. A run that
     * saves its state keeps every analyzer whole (ds_thread.h). */
    ds_par *par = NULL;
    if (cfg->threads > 1 && !S.ctx.live)
        par = ds_par_start(&S.ctx, cfg->analyzer_cfg, on, non, cfg->threads, S.ctx.keep_heads);
    for (size_t k = 0; !par && k < non; k++)
        S.st[on[k]] = ds_analyzers[on[k]]->create(
            &S.ctx, cfg->analyzer_cfg ? cfg->analyzer_cfg[on[k]] : NULL);

    ds_merge *m = ds_merge_new(srcs, nsrc);
    ds_pkt *batch = ds_xmalloc(DS_BATCH * sizeof *batch);
    int64_t flushed_interval = INT64_MIN;
    unsigned tick = 0;
    while (!*cfg->stop) {
        ds_pkt *buf = par ? ds_par_buffer(par, DS_BATCH) : batch;
        size_t n = ds_merge_next(m, buf, DS_BATCH);
        if (n == 0) {
            if (ds_merge_done(m))
                break;
            continue; /* live capture idle: poll again (and see the stop flag) */
        }
        if (!S.any) {
            S.first_ts = buf[0].ts_ns;
            S.any = true;
        }
        S.last_ts = buf[n - 1].ts_ns;
        S.packets += n;
        if (par)
            ds_par_commit(par, n);
        for (size_t k = 0; !par && k < non; k++) {
            ds_analyzers[on[k]]->packets(S.st[on[k]], batch, n);
            ds_analyzers[on[k]]->advance(S.st[on[k]], S.last_ts);
        }
        if (S.ctx.live) {
            int64_t iv = ds_floor_div(S.last_ts, cfg->interval_ns);
            if (iv != flushed_interval) {
                if (flushed_interval != INT64_MIN) {
                    S.complete = false;
                    ds_write_outputs_now(&S, NULL, NULL);
                }
                flushed_interval = iv;
            }
        }
        if (cfg->progress && (++tick & 63) == 0)
            ds_progress(&S, false);
    }
    if (*cfg->stop) {
        S.complete = false;
        /* Release what the reorder rings still hold: it was read, so it counts. */
        for (size_t i = 0; i < nsrc; i++)
            ds_source_finish(srcs[i]);
        size_t n;
        for (;;) {
            ds_pkt *buf = par ? ds_par_buffer(par, DS_BATCH) : batch;
            if ((n = ds_merge_next(m, buf, DS_BATCH)) == 0)
                break;
            S.last_ts = buf[n - 1].ts_ns;
            S.packets += n;
            if (par)
                ds_par_commit(par, n);
            for (size_t k = 0; !par && k < non; k++) {
                ds_analyzers[on[k]]->packets(S.st[on[k]], batch, n);
                ds_analyzers[on[k]]->advance(S.st[on[k]], S.last_ts);
            }
        }
    } else {
        S.complete = true;
    }
    if (cfg->progress)
        ds_progress(&S, true);

    int rc = DS_EXIT_OK;
    double t_read = ds_now(), cpu_read = ds_thread_cpu();
    if (par)
        ds_par_finish_start(par, S.st);
    double t_merge = ds_now();
    ds_destroyer dd = {S.st, on, non};
    pthread_t dth;
    bool dth_on = false;
    ds_report_movie *movie = NULL;
    if (ds_write_outputs_now(&S, par, cfg->state_mem ? NULL : &movie) != 0) {
        rc = DS_EXIT_OUTPUT;
        ds_report_movie_drop(movie);
    } else if (!cfg->state_mem) {
        if (par)
            dth_on = pthread_create(&dth, NULL, ds_destroy_states, &dd) == 0;
        /* report.html from the files just written */
        ds_report_after_run(cfg->outdir, cfg->threads ? cfg->threads : 1, movie);
    }
    if (dth_on)
        pthread_join(dth, NULL);
    /* For bench/bench_threads.sh: where the time goes, and the CPU seconds of the
     * analysis per thread (this one reads; the workers analyse), which tell what
     * the wall time would be on idle cores when the machine is shared. */
    if (getenv("DS_RUN_TIMES")) {
        fprintf(stderr,
                "darkscope: %u thread%s: analysis %.3f s, merging threads %.3f s, outputs %.3f s; "
                "analysis CPU s: %.3f",
                par ? cfg->threads : 1, par ? "s" : "", t_read - S.t0, t_merge - t_read,
                ds_now() - t_merge, cpu_read);
        double wcpu[64];
        size_t nw = par ? ds_par_cpu(par, wcpu, 64) : 0;
        for (size_t k = 0; k < nw; k++)
            fprintf(stderr, " %.3f", wcpu[k]);
        fputc('\n', stderr);
    }
    for (size_t i = 0; i < S.nin; i++) {
        const char *e = S.in[i].src ? ds_source_error(S.in[i].src) : NULL;
        if (e) {
            fprintf(stderr, "darkscope: %s: ", S.in[i].path);
            ds_term_text(stderr, e);
            fputc('\n', stderr);
        }
        const char *w = S.in[i].src ? ds_capture_warning(ds_source_capture(S.in[i].src)) : NULL;
        if (w) {
            fprintf(stderr, "darkscope: warning: %s: ", S.in[i].path);
            ds_term_text(stderr, w);
            fputc('\n', stderr);
        }
        if ((e || S.in[i].open_error) && rc == DS_EXIT_OK)
            rc = DS_EXIT_BAD_INPUT;
    }
    if (*cfg->stop && rc == DS_EXIT_OK)
        rc = DS_EXIT_INTERRUPTED;

    if (!dth_on)
        ds_destroy_states(&dd);
    free(S.st);
    free(on);
    ds_par_free(par); /* after the states: they may point at its contexts */
    ds_merge_free(m);
    for (size_t i = 0; i < S.nin; i++) {
        ds_source_free(S.in[i].src);
        free(S.in[i].open_error);
    }
    free(S.in);
    free(srcs);
    free(batch);
    ds_outdir_close(out);
    return rc;
}
