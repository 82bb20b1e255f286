/*
 * ds_analyzer.h — the analyzer interface: a table of functions, like ZMap's modules
 * or Corsaro's plugins. The run knows analyzers only through the registry
 * (ds_registry.c); adding one means adding a file and a line there.
 *
 * Life of an analyzer: config_new() makes its option values, the CLI applies the
 * options it declares (each with its --help text), create() builds its state,
 * packets() receives the monitored packets in time order in batches, advance() says
 * that no packet earlier than `now` will come (so intervals and idle flows can be
 * closed), write() writes its output files and adds its part of summary.json, and
 * destroy() frees everything. write() may be called more than once (live runs write
 * at every interval) and must describe the state "as if the input ended now"
 * without changing it. save(), load() and merge() make the state mergeable: state
 * files and `darkscope merge` (docs/SCALE.md).
 */
#ifndef DS_ANALYZER_H
#define DS_ANALYZER_H

#include <jansson.h>

#include "core/ds_membudget.h"
#include "decode/ds_packet.h"
#include "output/ds_outdir.h"
#include "output/ds_state.h"
#include "telescope/ds_signature.h"
#include "telescope/ds_telescope.h"

/* What every analyzer may read about the run. */
typedef struct ds_ctx {
    const ds_telescope *telescope;
    const ds_sigset *sigs;
    int64_t interval_ns; /* the reporting interval (--interval) */
    ds_outdir *out;      /* output directory, for files streamed during the run */
    bool live;           /* reading a live interface */
    /* The state will be saved for a later merge (--state): analyzers also keep the
     * "head" of the part (what a merge with an earlier part needs, docs/SCALE.md). */
    bool keep_heads;
    /* Attribution for per-host output files, set by the run for each write (may be
     * NULL): see enrich/ds_attrib.h. */
    const struct ds_attrib *attrib;
    /* --max-memory (docs/SCALE.md, "Bounded memory"): the bytes the analyzers'
     * tables may use together (0 = unbounded), and the budget they charge, shared
     * by every analyzer of this ctx (NULL = unbounded). A run with -j N threads
     * gives each thread's ctx its own budget of max_memory / N. */
    size_t max_memory;
    ds_membudget *mem;
} ds_ctx;

/* The "approximate" summary object's shared head: what, since, max_memory_bytes
 * (ds_approx.c); the analyzer adds its own keys after them. */
json_t *ds_approx_json(const ds_ctx *ctx, const char *what, int64_t since_ns);

/* A command-line option an analyzer declares. */
typedef struct ds_option {
    const char *name; /* long name without the dashes */
    const char *arg;  /* placeholder of the value ("SECONDS"), NULL for a flag */
    const char *help; /* one line, with the default */
    /* Applies the option to the analyzer's config; value is NULL for flags.
     * Returns 0, or -1 with a message. */
    int (*set)(void *cfg, const char *value, char *err, size_t errlen);
} ds_option;

typedef struct ds_analyzer_ops {
    const char *name;
    const char *description;  /* one line for --help */
    const ds_option *options; /* terminated by an entry with name == NULL; may be NULL */
    void *(*config_new)(void);
    void (*config_free)(void *cfg);
    void *(*create)(const ds_ctx *ctx, const void *cfg);
    void (*packets)(void *st, const ds_pkt *pkts, size_t n);
    void (*advance)(void *st, int64_t now_ns);
    /* Writes the analyzer's files into ctx->out and its members into summary.
     * Returns 0, or -1 with a message. */
    int (*write)(void *st, const ds_ctx *ctx, json_t *summary, char *err, size_t errlen);
    void (*destroy)(void *st);
    /* Mergeable state (docs/SCALE.md). save() appends the complete un-finished state
     * (open flows, intervals, heads) to w. load() rebuilds a state from what save()
     * wrote, with the same ctx and config; on a corrupt record it marks r bad (or
     * fills err) and returns NULL. merge() merges src into dst, src being the part
     * that follows dst in time or covers other monitors over the same time; src is
     * left valid for destroy(). Returns 0, or -1 with a message. */
    int (*save)(const void *st, ds_wbuf *w);
    void *(*load)(const ds_ctx *ctx, const void *cfg, ds_rbuf *r, char *err, size_t errlen);
    int (*merge)(void *dst, void *src, char *err, size_t errlen);
} ds_analyzer_ops;

/* The registry: every analyzer, in the order they run and write. */
extern const ds_analyzer_ops *const ds_analyzers[];
extern const size_t ds_analyzer_count;

/* Helpers for options: parse numbers with range checks, message on error. */
int ds_opt_parse_double(const char *value, double min, double max, double *out, char *err,
                        size_t errlen);
int ds_opt_parse_u64(const char *value, uint64_t min, uint64_t max, uint64_t *out, char *err,
                     size_t errlen);
/* Durations: "300", "300s", "5m", "1h", "1.5s" → nanoseconds. */
int ds_opt_parse_duration(const char *value, int64_t *out_ns, char *err, size_t errlen);
/* Sizes: a whole number of bytes with an optional binary unit, K/KB/KiB, M/MB/MiB,
 * G/GB/GiB, T/TB/TiB (all powers of 1024): "256M", "2G", "512MiB". At least min. */
int ds_opt_parse_size(const char *value, uint64_t min, uint64_t *out, char *err, size_t errlen);
/* The smallest --max-memory: room for the fixed tables and the sketches. */
#define DS_MAX_MEMORY_MIN (16ull << 20)

#endif
