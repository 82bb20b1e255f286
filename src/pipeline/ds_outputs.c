/*
 * ds_outputs.c — summary.json's run-wide members and the writing of every output
 * from analyzer states (see ds_outputs.h). Shared by `analyze` and `merge`.
 */
#include "pipeline/ds_outputs.h"

#include "enrich/ds_attrib.h"
#include "pipeline/ds_state_run.h"

#include <stdio.h>
#include <stdlib.h>

#include "telescope/ds_classify.h"

static json_t *ds_json_time(int64_t ts)
{
    char buf[DS_TIME_STRLEN];
    return json_string(ds_time_format(ts, buf));
}

static json_t *ds_u64(uint64_t v)
{
    return json_integer((json_int_t)v);
}

void ds_runsum_init(ds_runsum *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->inputs = json_array();
    rs->complete = true;
    rs->parts = 1;
}

void ds_runsum_free(ds_runsum *rs)
{
    json_decref(rs->inputs);
    rs->inputs = NULL;
}

/* Adds src's counters into the run totals. */
void ds_stats_add(ds_source_stats *t, const ds_source_stats *s)
{
    t->bytes += s->bytes;
    t->non_ip += s->non_ip;
    t->outside += s->outside;
    t->reordered += s->reordered;
    t->out_of_order += s->out_of_order;
    t->d.packets += s->d.packets;
    for (int i = 0; i < DS_DEC_COUNT; i++)
        t->malformed[i] += s->malformed[i];
    for (int i = 0; i < DS_CLS_COUNT; i++)
        t->classes[i] += s->classes[i];
    for (int i = 0; i < DS_TAG_COUNT; i++)
        t->tags[i] += s->tags[i];
}

static json_t *ds_monitors_json(const ds_telescope *t)
{
    json_t *a = json_array();
    for (int m = 0; m < ds_telescope_count(t); m++) {
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(ds_telescope_name(t, m)));
        json_object_set_new(j, "prefixes", json_string(ds_telescope_prefixes(t, m)));
        if (ds_telescope_is_open(t)) {
            json_object_set_new(j, "size", json_null());
        } else {
            json_object_set_new(j, "size", ds_u64(ds_telescope_size_v4(t, m)));
            double l6 = ds_telescope_size_v6_log2(t, m);
            if (l6 >= 0)
                json_object_set_new(j, "size_v6_log2", json_real(l6));
        }
        json_array_append_new(a, j);
    }
    return a;
}

static json_t *ds_summary_json(const ds_run_config *cfg, const ds_runsum *rs)
{
    json_t *j = json_object();
    json_object_set_new(j, "darkscope_version", json_string(DS_VERSION));
    json_t *argv = json_array();
    for (int i = 0; i < cfg->argc; i++)
        json_array_append_new(argv, json_string(cfg->argv[i]));
    json_object_set_new(j, "command_line", argv);
    json_object_set_new(j, "complete", json_boolean(rs->complete));
    const ds_source_stats *tp = &rs->tot;
#define tot (*tp)
    json_object_set_new(j, "inputs", json_deep_copy(rs->inputs));
    json_object_set_new(j, "inputs_ok", json_boolean(!rs->inputs_bad));
    const ds_telescope *t = cfg->telescope;
    json_object_set_new(j, "telescope_open", json_boolean(ds_telescope_is_open(t)));
    json_object_set_new(j, "monitors", ds_monitors_json(t));
    json_t *notes = json_array();
    if (ds_telescope_is_open(t))
        json_array_append_new(
            notes, json_string("no --telescope given: every packet counts as monitor 'all' of "
                               "unknown size, so every extrapolation to the Internet is omitted"));
    json_object_set_new(j, "notes", notes);
    json_object_set_new(j, "interval_s", json_real((double)cfg->interval_ns / 1e9));
    json_t *span = json_object();
    if (rs->any) {
        json_object_set_new(span, "first_ts", ds_json_time(rs->first_ts));
        json_object_set_new(span, "last_ts", ds_json_time(rs->last_ts));
        json_object_set_new(span, "seconds", json_real((double)(rs->last_ts - rs->first_ts) / 1e9));
    }
    json_object_set_new(j, "time_span", span);

    json_t *totals = json_object();
    uint64_t malformed = 0;
    for (int i = 0; i < DS_DEC_COUNT; i++)
        malformed += tot.malformed[i];
    json_object_set_new(totals, "frames", ds_u64(tot.d.packets));
    json_object_set_new(totals, "bytes", ds_u64(tot.bytes));
    json_object_set_new(totals, "non_ip_frames", ds_u64(tot.non_ip));
    json_object_set_new(totals, "malformed", ds_u64(malformed));
    json_object_set_new(totals, "outside", ds_u64(tot.outside));
    json_object_set_new(totals, "analysed", ds_u64(rs->packets));
    json_t *cls = json_object();
    for (int c = 0; c < DS_CLS_COUNT; c++)
        json_object_set_new(cls, ds_class_name(c), ds_u64(tot.classes[c]));
    json_object_set_new(totals, "classes", cls);
    json_t *tags = json_object();
    for (int b = 0; b < DS_TAG_COUNT; b++)
        json_object_set_new(tags, ds_tag_name((unsigned)b), ds_u64(tot.tags[b]));
    json_object_set_new(totals, "tags", tags);
    json_object_set_new(j, "totals", totals);

    json_t *anom = json_object();
    for (int i = DS_DEC_LINK_TRUNCATED; i < DS_DEC_COUNT; i++)
        json_object_set_new(anom, ds_dec_result_name(i), ds_u64(tot.malformed[i]));
    json_object_set_new(anom, "out_of_order", ds_u64(tot.out_of_order));
    json_object_set_new(anom, "reordered_within_tolerance", ds_u64(tot.reordered));
    json_object_set_new(j, "anomalies", anom);
    json_object_set_new(j, "tolerance_s", json_real((double)cfg->tolerance_ns / 1e9));

    json_t *sigs = json_array();
    for (int i = 0; cfg->sigs && i < ds_sigset_count(cfg->sigs); i++) {
        json_t *s = json_object();
        json_object_set_new(s, "name", json_string(ds_sigset_name(cfg->sigs, i)));
        json_object_set_new(s, "rule", json_string(ds_sigset_describe(cfg->sigs, i)));
        json_array_append_new(sigs, s);
    }
    json_object_set_new(j, "signatures", sigs);
#undef tot
    return j;
}

/* Writes every analyzer's files, then summary.json last, so summary.json appearing
 * means the rest of the directory is consistent with it. */
int ds_write_outputs(const ds_run_config *cfg, const ds_ctx *ctx, const ds_runsum *rs,
                     void *const *st, ds_par *par, ds_report_movie **movie)
{
    char err[DS_ERRLEN];
    if (movie)
        *movie = NULL;
    if (cfg->state_mem) {
        /* An --mpi rank: the state goes to the reduction, the outputs are rank 0's. */
        if ((!par || ds_par_wait(par, err, sizeof err) == 0) &&
            ds_state_save_run_mem(cfg, rs, st, cfg->state_mem, err, sizeof err) == 0)
            return 0;
        fprintf(stderr, "darkscope: %s\n", err);
        return -1;
    }
    json_t *sum = ds_summary_json(cfg, rs);
    int rc = 0;
    /* Attribution of this write: the analyzers add their hosts to the breakdown as
     * they write their per-host files; the tables come after them. */
    unsigned threads = cfg->threads ? cfg->threads : 1;
    ds_attrib attrib = {cfg->enrich, ds_breakdown_new(threads), threads};
    ds_ctx wctx = *ctx;
    wctx.attrib = &attrib;
    for (size_t a = 0; a < ds_analyzer_count; a++) {
        if (cfg->analyzer_on && !cfg->analyzer_on[a])
            continue;
        if (par && ds_par_ready(par, a, err, sizeof err) != 0) {
            fprintf(stderr, "darkscope: %s\n", err);
            rc = -1;
        }
        if (ds_analyzers[a]->write(st[a], &wctx, sum, err, sizeof err) != 0) {
            fprintf(stderr, "darkscope: %s\n", err);
            rc = -1;
        }
    }
    if (movie && rc == 0) {
        ds_report_opts ro;
        ds_report_opts_default(&ro);
        ro.threads = threads;
        *movie = ds_report_movie_start(cfg->outdir, &ro);
    }
    if (ds_breakdown_write(attrib.breakdown, ctx->out, err, sizeof err) != 0) {
        fprintf(stderr, "darkscope: %s\n", err);
        rc = -1;
    }
    if (cfg->enrich)
        json_object_set_new(sum, "attribution",
                            ds_enrich_summary(cfg->enrich, attrib.breakdown, 10));
    ds_breakdown_free(attrib.breakdown);
    if (ds_outdir_write_json(ctx->out, "summary.json", sum, err, sizeof err) != 0) {
        fprintf(stderr, "darkscope: %s\n", err);
        rc = -1;
    }
    json_decref(sum);
    return rc;
}

void ds_runsum_merge(ds_runsum *dst, const ds_runsum *src)
{
    json_array_extend(dst->inputs, src->inputs);
    ds_stats_add(&dst->tot, &src->tot);
    dst->inputs_bad = dst->inputs_bad || src->inputs_bad;
    dst->packets += src->packets;
    if (src->any) {
        if (!dst->any || src->first_ts < dst->first_ts)
            dst->first_ts = src->first_ts;
        if (!dst->any || src->last_ts > dst->last_ts)
            dst->last_ts = src->last_ts;
        dst->any = true;
    }
    dst->complete = dst->complete && src->complete;
    dst->parts += src->parts;
}
