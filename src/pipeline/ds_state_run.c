/*
 * ds_state_run.c — save a run's state; load states and merge them (`darkscope
 * merge`, see ds_state_run.h and docs/SCALE.md).
 *
 * Payload layout (all little-endian, strings as u32 length + bytes):
 *
 *   str  darkscope version that wrote the file (informational)
 *   u32  n, then n str: the analysis options (as given to analyze)
 *   str  fingerprint: monitors, signatures, interval, tolerance as text
 *   run  ds_runsum: parts, complete, inputs_bad, packets, any, first_ts, last_ts,
 *        the counters of every input added, and the "inputs" JSON array as text
 *   u32  analyzers, then per analyzer: str name, u8 on, and when on: u64 length
 *        and the bytes of its save()
 *
 * A merge needs every state made with the same options (so the same telescope,
 * signatures and analyzer settings): the options are compared as text and the
 * fingerprint catches a telescope or signature file that changed in between.
 * States merge in the order given; a later part must be an original state (one
 * `analyze --state` wrote): only those keep the head a merge at a time boundary
 * needs, which a merged state no longer has.
 */
#include "pipeline/ds_state_run.h"

#include <stdio.h>
#include <stdlib.h>

#include "output/ds_report.h"
#include "output/ds_state.h"
#include "telescope/ds_classify.h"

static char *ds_fingerprint(const ds_run_config *cfg)
{
    ds_wbuf w;
    ds_wbuf_init(&w);
    char line[1024];
    const ds_telescope *t = cfg->telescope;
    for (int m = 0; m < ds_telescope_count(t); m++) {
        int n = snprintf(line, sizeof line, "monitor %s=%s;", ds_telescope_name(t, m),
                         ds_telescope_prefixes(t, m));
        ds_wbuf_bytes(&w, line, n > 0 ? strlen(line) : 0);
    }
    for (int i = 0; cfg->sigs && i < ds_sigset_count(cfg->sigs); i++) {
        snprintf(line, sizeof line, "signature %s: %s;", ds_sigset_name(cfg->sigs, i),
                 ds_sigset_describe(cfg->sigs, i));
        ds_wbuf_bytes(&w, line, strlen(line));
    }
    snprintf(line, sizeof line, "interval %lld; tolerance %lld", (long long)cfg->interval_ns,
             (long long)cfg->tolerance_ns);
    ds_wbuf_bytes(&w, line, strlen(line) + 1);
    return (char *)w.p;
}

static void ds_save_stats(ds_wbuf *w, const ds_source_stats *s)
{
    ds_wbuf_u64(w, s->d.packets);
    ds_wbuf_u64(w, s->bytes);
    ds_wbuf_u64(w, s->non_ip);
    ds_wbuf_u64(w, s->outside);
    ds_wbuf_u64(w, s->reordered);
    ds_wbuf_u64(w, s->out_of_order);
    ds_wbuf_u32(w, DS_DEC_COUNT);
    for (int i = 0; i < DS_DEC_COUNT; i++)
        ds_wbuf_u64(w, s->malformed[i]);
    ds_wbuf_u32(w, DS_CLS_COUNT);
    for (int i = 0; i < DS_CLS_COUNT; i++)
        ds_wbuf_u64(w, s->classes[i]);
    ds_wbuf_u32(w, DS_TAG_COUNT);
    for (int i = 0; i < DS_TAG_COUNT; i++)
        ds_wbuf_u64(w, s->tags[i]);
}

static void ds_load_counts(ds_rbuf *r, uint64_t *v, uint32_t want)
{
    if (ds_rbuf_u32(r) != want) {
        ds_rbuf_fail(r, "the counters were written by a darkscope with other classes or tags");
        return;
    }
    for (uint32_t i = 0; i < want; i++)
        v[i] = ds_rbuf_u64(r);
}

static void ds_load_stats(ds_rbuf *r, ds_source_stats *s)
{
    memset(s, 0, sizeof *s);
    s->d.packets = ds_rbuf_u64(r);
    s->bytes = ds_rbuf_u64(r);
    s->non_ip = ds_rbuf_u64(r);
    s->outside = ds_rbuf_u64(r);
    s->reordered = ds_rbuf_u64(r);
    s->out_of_order = ds_rbuf_u64(r);
    ds_load_counts(r, s->malformed, DS_DEC_COUNT);
    ds_load_counts(r, s->classes, DS_CLS_COUNT);
    ds_load_counts(r, s->tags, DS_TAG_COUNT);
}

/* The payload of a run's state (layout at the top). */
static int ds_state_payload(const ds_run_config *cfg, const ds_runsum *rs, void *const *st,
                            const char *name, ds_wbuf *w, char *err, size_t errlen)
{
    ds_wbuf_str(w, "darkscope " DS_VERSION);
    ds_wbuf_u32(w, (uint32_t)cfg->nanalysis_opts);
    for (size_t i = 0; i < cfg->nanalysis_opts; i++)
        ds_wbuf_str(w, cfg->analysis_opts[i]);
    char *fp = ds_fingerprint(cfg);
    ds_wbuf_str(w, fp);
    free(fp);
    ds_wbuf_u32(w, rs->parts);
    ds_wbuf_u8(w, rs->complete);
    ds_wbuf_u8(w, rs->inputs_bad);
    ds_wbuf_u64(w, rs->packets);
    ds_wbuf_u8(w, rs->any);
    ds_wbuf_i64(w, rs->first_ts);
    ds_wbuf_i64(w, rs->last_ts);
    ds_save_stats(w, &rs->tot);
    char *inputs = json_dumps(rs->inputs, JSON_COMPACT | JSON_PRESERVE_ORDER);
    ds_wbuf_str(w, inputs);
    free(inputs);
    ds_wbuf_u32(w, (uint32_t)ds_analyzer_count);
    for (size_t a = 0; a < ds_analyzer_count; a++) {
        bool on = st[a] != NULL && (!cfg->analyzer_on || cfg->analyzer_on[a]);
        ds_wbuf_str(w, ds_analyzers[a]->name);
        ds_wbuf_u8(w, on);
        if (!on)
            continue;
        ds_wbuf blob;
        ds_wbuf_init(&blob);
        if (ds_analyzers[a]->save(st[a], &blob) != 0) {
            snprintf(err, errlen, "%s: the %s analyzer could not save its state", name,
                     ds_analyzers[a]->name);
            ds_wbuf_free(&blob);
            return -1;
        }
        ds_wbuf_u64(w, blob.n);
        ds_wbuf_bytes(w, blob.p, blob.n);
        ds_wbuf_free(&blob);
    }
    return 0;
}

int ds_state_save_run(const ds_run_config *cfg, const ds_runsum *rs, void *const *st,
                      const char *path, char *err, size_t errlen)
{
    ds_wbuf w;
    ds_wbuf_init(&w);
    int rc = ds_state_payload(cfg, rs, st, path, &w, err, errlen);
    if (rc == 0)
        rc = ds_state_write_file(path, &w, err, errlen);
    ds_wbuf_free(&w);
    return rc;
}

int ds_state_save_run_mem(const ds_run_config *cfg, const ds_runsum *rs, void *const *st,
                          ds_wbuf *framed, char *err, size_t errlen)
{
    ds_wbuf w;
    ds_wbuf_init(&w);
    int rc = ds_state_payload(cfg, rs, st, "state", &w, err, errlen);
    if (rc == 0)
        ds_state_frame(&w, framed);
    ds_wbuf_free(&w);
    return rc;
}

/* Reads the header part of the payload up to the options. */
static void ds_read_options(ds_rbuf *r, char ***opts, size_t *nopts)
{
    free(ds_rbuf_str(r));
    size_t n = ds_rbuf_count(r, 4);
    *opts = ds_xcalloc(n ? n : 1, sizeof **opts);
    *nopts = n;
    for (size_t i = 0; i < n; i++)
        (*opts)[i] = ds_rbuf_str(r);
}

static void ds_free_options(char **opts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(opts[i]);
    free(opts);
}

static int ds_rbuf_error(const char *path, size_t base, const ds_rbuf *r, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: offset %zu: %s", path, base + r->bad_at, r->why);
    return -1;
}

int ds_state_read_options(const char *path, char ***opts, size_t *nopts, char *err, size_t errlen)
{
    uint8_t *data;
    size_t off, len;
    if (ds_state_read_file(path, &data, &off, &len, err, errlen) != 0)
        return -1;
    ds_rbuf r;
    ds_rbuf_init(&r, data + off, len);
    ds_read_options(&r, opts, nopts);
    int rc = 0;
    if (r.bad) {
        rc = ds_rbuf_error(path, off, &r, err, errlen);
        ds_free_options(*opts, *nopts);
        *opts = NULL;
        *nopts = 0;
    }
    free(data);
    return rc;
}

/* One loaded state. */
typedef struct ds_loaded {
    ds_runsum rs;
    void **st;
} ds_loaded;

static void ds_loaded_free(ds_loaded *l)
{
    if (!l->st)
        return;
    for (size_t a = 0; a < ds_analyzer_count; a++)
        if (l->st[a])
            ds_analyzers[a]->destroy(l->st[a]);
    free(l->st);
    l->st = NULL;
    ds_runsum_free(&l->rs);
}

/* Loads a state from its framed bytes (data stays the caller's). */
static int ds_load_bytes(const ds_run_config *cfg, const ds_ctx *ctx, const char *path,
                         const uint8_t *data, size_t off, size_t len, const char *fingerprint,
                         ds_loaded *out, char *err, size_t errlen)
{
    ds_rbuf r;
    ds_rbuf_init(&r, data + off, len);
    char **opts;
    size_t nopts;
    ds_read_options(&r, &opts, &nopts);
    int rc = -1;
    char *fp = NULL;
    if (r.bad)
        goto fail_rbuf;
    bool same = nopts == cfg->nanalysis_opts;
    for (size_t i = 0; same && i < nopts; i++)
        same = strcmp(opts[i], cfg->analysis_opts[i]) == 0;
    if (!same) {
        snprintf(err, errlen,
                 "%s: made with other analysis options than the first state: states merge "
                 "only when analysed with the same options",
                 path);
        goto out;
    }
    fp = ds_rbuf_str(&r);
    if (!r.bad && strcmp(fp, fingerprint) != 0) {
        snprintf(err, errlen,
                 "%s: the telescope, signatures or interval differ from the options' current "
                 "meaning (a --telescope-file or --signatures file changed?)",
                 path);
        goto out;
    }
    ds_runsum_init(&out->rs);
    out->rs.parts = ds_rbuf_u32(&r);
    out->rs.complete = ds_rbuf_bool(&r);
    out->rs.inputs_bad = ds_rbuf_bool(&r);
    out->rs.packets = ds_rbuf_u64(&r);
    out->rs.any = ds_rbuf_bool(&r);
    out->rs.first_ts = ds_rbuf_i64(&r);
    out->rs.last_ts = ds_rbuf_i64(&r);
    /* Packet times are never before 1970 (ds_pcapng.c); summary.json subtracts them. */
    if (out->rs.any && (out->rs.first_ts < 0 || out->rs.last_ts < out->rs.first_ts))
        ds_rbuf_fail(&r, "the run's last packet is before its first, or before 1970");
    ds_load_stats(&r, &out->rs.tot);
    char *inputs = ds_rbuf_str(&r);
    if (!r.bad) {
        json_error_t je;
        json_t *j = json_loads(inputs, 0, &je);
        if (!json_is_array(j)) {
            json_decref(j);
            ds_rbuf_fail(&r, "the inputs list is not a JSON array");
        } else {
            json_decref(out->rs.inputs);
            out->rs.inputs = j;
        }
    }
    free(inputs);
    size_t nan = ds_rbuf_u32(&r);
    out->st = ds_xcalloc(ds_analyzer_count, sizeof *out->st);
    bool *seen = ds_xcalloc(ds_analyzer_count, sizeof *seen);
    for (size_t i = 0; i < nan && !r.bad; i++) {
        char *name = ds_rbuf_str(&r);
        bool on = ds_rbuf_bool(&r);
        size_t a = 0;
        while (a < ds_analyzer_count && strcmp(ds_analyzers[a]->name, name) != 0)
            a++;
        bool want = !cfg->analyzer_on || cfg->analyzer_on[a < ds_analyzer_count ? a : 0];
        if (!r.bad && (a == ds_analyzer_count || seen[a] || on != want)) {
            snprintf(err, errlen, "%s: analyzer '%s' is %s in this state but %s here", path, name,
                     on ? "on" : "off", a == ds_analyzer_count ? "unknown" : "not");
            free(name);
            free(seen);
            goto out;
        }
        free(name);
        if (!on || r.bad)
            continue;
        seen[a] = true;
        uint64_t blen = ds_rbuf_u64(&r);
        if (r.bad || blen > r.n - r.pos) {
            ds_rbuf_fail(&r, "truncated analyzer state");
            break;
        }
        size_t base = r.pos;
        ds_rbuf sub;
        ds_rbuf_init(&sub, r.p + base, (size_t)blen);
        char aerr[DS_ERRLEN] = "";
        out->st[a] = ds_analyzers[a]->load(ctx, cfg->analyzer_cfg ? cfg->analyzer_cfg[a] : NULL,
                                           &sub, aerr, sizeof aerr);
        if (!out->st[a] || sub.bad || sub.pos != sub.n) {
            if (sub.bad)
                snprintf(err, errlen, "%s: offset %zu: %s state: %s", path, off + base + sub.bad_at,
                         ds_analyzers[a]->name, sub.why);
            else if (aerr[0])
                snprintf(err, errlen, "%s: offset %zu: %s", path, off + base, aerr);
            else
                snprintf(err, errlen, "%s: offset %zu: %s state: %zu bytes left over (corrupt)",
                         path, off + base + sub.pos, ds_analyzers[a]->name, sub.n - sub.pos);
            free(seen);
            goto out;
        }
        r.pos += (size_t)blen;
    }
    for (size_t a = 0; a < ds_analyzer_count && !r.bad; a++) {
        bool want = !cfg->analyzer_on || cfg->analyzer_on[a];
        if (want && !seen[a]) {
            snprintf(err, errlen, "%s: no state of the %s analyzer", path, ds_analyzers[a]->name);
            free(seen);
            goto out;
        }
    }
    free(seen);
    if (!r.bad && r.pos != r.n)
        ds_rbuf_fail(&r, "data after the last analyzer (corrupt)");
    if (r.bad)
        goto fail_rbuf;
    rc = 0;
    goto out;
fail_rbuf:
    ds_rbuf_error(path, off, &r, err, errlen);
out:
    if (rc != 0)
        ds_loaded_free(out);
    free(fp);
    ds_free_options(opts, nopts);
    return rc;
}

static int ds_load_state(const ds_run_config *cfg, const ds_ctx *ctx, const ds_state_src *src,
                         const char *fingerprint, ds_loaded *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t off, len;
    if (src->data) {
        if (ds_state_check(src->data, src->n, src->name, &off, &len, err, errlen) != 0)
            return -1;
        return ds_load_bytes(cfg, ctx, src->name, src->data, off, len, fingerprint, out, err,
                             errlen);
    }
    uint8_t *data;
    if (ds_state_read_file(src->name, &data, &off, &len, err, errlen) != 0)
        return -1;
    int rc = ds_load_bytes(cfg, ctx, src->name, data, off, len, fingerprint, out, err, errlen);
    free(data);
    return rc;
}

bool ds_state_merged_can_follow(const ds_run_config *cfg)
{
    /* The analyzers whose merged state still holds the head of its first part, so
     * that it can follow an earlier state (scan: ds_scan_state.c). The others keep
     * heads only in an original state (docs/SCALE.md). */
    static const char *const keeps[] = {"scan"};
    for (size_t a = 0; a < ds_analyzer_count; a++) {
        if (cfg->analyzer_on && !cfg->analyzer_on[a])
            continue;
        bool ok = false;
        for (size_t k = 0; k < sizeof keeps / sizeof keeps[0]; k++)
            ok = ok || strcmp(ds_analyzers[a]->name, keeps[k]) == 0;
        if (!ok)
            return false;
    }
    return true;
}

/* Loads srcs[0] into acc (with ctx) and merges the others into it in order. Returns
 * an exit status; on failure acc is freed and err says why. */
static int ds_merge_chain(const ds_run_config *cfg, const ds_ctx *ctx, const ds_state_src *srcs,
                          size_t n, bool strict, ds_loaded *acc, char *err, size_t errlen)
{
    ds_ctx pctx = *ctx; /* later parts only feed the merge: no output directory */
    pctx.out = NULL;
    char *fp = ds_fingerprint(cfg);
    bool can_follow = ds_state_merged_can_follow(cfg);
    int rc = DS_EXIT_OK;
    if (ds_load_state(cfg, ctx, &srcs[0], fp, acc, err, errlen) != 0) {
        free(fp);
        return DS_EXIT_BAD_INPUT;
    }
    for (size_t i = 1; i < n && rc == DS_EXIT_OK; i++) {
        ds_loaded part;
        const char *name = srcs[i].name;
        if (ds_load_state(cfg, &pctx, &srcs[i], fp, &part, err, errlen) != 0) {
            rc = DS_EXIT_BAD_INPUT;
            break;
        }
        bool both = acc->rs.any && part.rs.any;
        if (!can_follow && part.rs.parts > 1 && both && part.rs.first_ts >= acc->rs.last_ts) {
            snprintf(err, errlen,
                     "%s: a merge of %u states cannot follow earlier states in "
                     "time (it no longer has the head a merge at a time boundary needs): "
                     "merge the original states in time order, earliest first",
                     name, part.rs.parts);
            rc = DS_EXIT_BAD_INPUT;
        } else if (both && part.rs.first_ts < acc->rs.first_ts) {
            snprintf(err, errlen,
                     "%s: starts before the states given before it: give the states "
                     "in time order, earliest first",
                     name);
            rc = DS_EXIT_BAD_INPUT;
        } else if (strict && both && part.rs.first_ts < acc->rs.last_ts) {
            snprintf(err, errlen,
                     "%s: overlaps in time with the parts before it (it starts before they "
                     "end): the inputs were not given in time order",
                     name);
            rc = DS_EXIT_BAD_INPUT;
        }
        for (size_t a = 0; a < ds_analyzer_count && rc == DS_EXIT_OK; a++) {
            if (!acc->st[a])
                continue;
            char aerr[DS_ERRLEN];
            if (ds_analyzers[a]->merge(acc->st[a], part.st[a], aerr, sizeof aerr) != 0) {
                snprintf(err, errlen, "%s: %s", name, aerr);
                rc = DS_EXIT_BAD_INPUT;
            }
        }
        if (rc == DS_EXIT_OK)
            ds_runsum_merge(&acc->rs, &part.rs);
        ds_loaded_free(&part);
    }
    free(fp);
    if (rc != DS_EXIT_OK)
        ds_loaded_free(acc);
    return rc;
}

int ds_merge_states_write(const ds_run_config *cfg, const ds_state_src *srcs, size_t n, bool strict)
{
    char err[DS_ERRLEN];
    ds_outdir *out = ds_outdir_open(cfg->outdir, err, sizeof err);
    if (!out) {
        fprintf(stderr, "darkscope: %s\n", err);
        return DS_EXIT_OUTPUT;
    }
    /* The result's context writes into the output directory. */
    ds_ctx ctx = {.telescope = cfg->telescope,
                  .sigs = cfg->sigs,
                  .interval_ns = cfg->interval_ns,
                  .out = out,
                  .live = false,
                  .keep_heads = false};
    ds_loaded acc;
    int rc = ds_merge_chain(cfg, &ctx, srcs, n, strict, &acc, err, sizeof err);
    if (rc != DS_EXIT_OK) {
        fprintf(stderr, "darkscope: %s\n", err);
        ds_outdir_close(out);
        return rc;
    }
    ds_report_movie *movie = NULL;
    if (ds_write_outputs(cfg, &ctx, &acc.rs, acc.st, NULL, &movie) != 0) {
        rc = DS_EXIT_OUTPUT;
        ds_report_movie_drop(movie);
    } else { /* as analyze does */
        ds_report_after_run(cfg->outdir, cfg->threads ? cfg->threads : 1, movie);
    }
    if (rc == DS_EXIT_OK && cfg->state_out &&
        ds_state_save_run(cfg, &acc.rs, acc.st, cfg->state_out, err, sizeof err) != 0) {
        fprintf(stderr, "darkscope: %s\n", err);
        rc = DS_EXIT_OUTPUT;
    }
    if (rc == DS_EXIT_OK && acc.rs.inputs_bad)
        rc = DS_EXIT_BAD_INPUT;
    ds_loaded_free(&acc);
    ds_outdir_close(out);
    return rc;
}

int ds_merge_states_mem(const ds_run_config *cfg, const ds_state_src *srcs, size_t n, bool strict,
                        ds_wbuf *framed, char *err, size_t errlen)
{
    ds_ctx ctx = {.telescope = cfg->telescope,
                  .sigs = cfg->sigs,
                  .interval_ns = cfg->interval_ns,
                  .out = NULL,
                  .live = false,
                  .keep_heads = false};
    ds_loaded acc;
    int rc = ds_merge_chain(cfg, &ctx, srcs, n, strict, &acc, err, errlen);
    if (rc != DS_EXIT_OK)
        return rc;
    if (ds_state_save_run_mem(cfg, &acc.rs, acc.st, framed, err, errlen) != 0)
        rc = DS_EXIT_OUTPUT;
    ds_loaded_free(&acc);
    return rc;
}

int ds_run_merge(const ds_run_config *cfg)
{
    ds_state_src *srcs = ds_xcalloc(cfg->nstates ? cfg->nstates : 1, sizeof *srcs);
    for (size_t i = 0; i < cfg->nstates; i++)
        srcs[i].name = cfg->states[i];
    int rc = ds_merge_states_write(cfg, srcs, cfg->nstates, false);
    free(srcs);
    return rc;
}
