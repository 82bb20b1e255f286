/*
 * cmd_analyze.c — `darkscope analyze`: parses the command line into a run
 * configuration and runs it.
 *
 * The option table is built at start-up from the core options below plus the
 * options every registered analyzer declares, so an analyzer brings its own
 * options and --help lines without this file knowing it.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "analysis/ds_analyzer.h"
#include "capture/ds_stream.h"
#include "cli/ds_cli.h"
#include "core/ds_parallel.h"
#include "enrich/ds_enrich.h"
#include "output/ds_csv.h"
#include "pipeline/ds_mpi.h"
#include "pipeline/ds_run.h"

enum {
    OPT_TELESCOPE = 256,
    OPT_TELESCOPE_FILE,
    OPT_SIGNATURES,
    OPT_INTERVAL,
    OPT_TOLERANCE,
    OPT_INTERFACE,
    OPT_FILTER,
    OPT_SNAPLEN,
    OPT_ANALYZERS,
    OPT_STATE,
    OPT_MPI,
    OPT_MAX_MEMORY,
    OPT_ANALYZER_BASE = 1000
};

typedef struct ds_core_opt {
    const char *name;
    int has_arg;
    int code;
    const char *arg;
    const char *help;
} ds_core_opt;

static const ds_core_opt ds_core_opts[] = {
    {"output", 1, 'o', "DIR", "output directory (default ./darkscope-out); created if missing"},
    {"telescope", 1, OPT_TELESCOPE, "NAME=PREFIX[,PREFIX...]",
     "a monitor and its IPv4/IPv6 prefixes (repeatable); without any, every packet counts "
     "as monitor 'all' of unknown size"},
    {"telescope-file", 1, OPT_TELESCOPE_FILE, "FILE",
     "monitors from an INI file: [name] sections with prefix = ... lines (docs/TELESCOPE.md)"},
    {"signatures", 1, OPT_SIGNATURES, "FILE",
     "worm signatures from an INI file, added to the built-ins codered, slammer, conficker, "
     "mirai (docs/SIGNATURES.md)"},
    {"interval", 1, OPT_INTERVAL, "DURATION",
     "reporting interval, aligned to multiples of it in UTC (default 60s)"},
    {"tolerance", 1, OPT_TOLERANCE, "DURATION",
     "packets out of order within a file by less than this are put back in order; "
     "worse disorder is counted (default 1s)"},
    {"interface", 1, OPT_INTERFACE, "IFACE",
     "capture live from a network interface through libpcap instead of reading files; "
     "outputs are rewritten at every interval"},
    {"filter", 1, OPT_FILTER, "BPF", "live capture: a BPF filter expression (tcpdump syntax)"},
    {"snaplen", 1, OPT_SNAPLEN, "BYTES", "live capture: bytes kept per packet (default 262144)"},
    {"analyzers", 1, OPT_ANALYZERS, "LIST",
     "comma-separated analyzers to run (default: all; see the sections below)"},
    {"state", 1, OPT_STATE, "FILE",
     "also write the complete analysis state to FILE, for `darkscope merge` (docs/SCALE.md)"},
    {"mpi", 0, OPT_MPI, NULL,
     "run as one rank of `mpirun -np K darkscope analyze --mpi ...`: the ranks share the "
     "captures (given in time order) and merge their states; rank 0 writes the outputs "
     "(docs/SCALE.md; needs a build with Open MPI)"},
    {"max-memory", 1, OPT_MAX_MEMORY, "SIZE",
     "bound the analysis state (the analyzers' tables, the inputs' distinct-source sets) "
     "to SIZE bytes (e.g. 256M, 2G; at least 16M); past it per-host tables keep the "
     "largest hosts, distinct counts become HyperLogLog estimates, and the outputs say "
     "so (docs/SCALE.md)"},
    {"threads", 1, 'j', "N",
     "threads (default: every CPU this process may use; 1 with --interface or --mpi). "
     "Hosts are shared out by remote host; the per-host outputs and the report are then "
     "written on as many threads; every output is that of one thread; a live --interface "
     "needs -j 1 (docs/SCALE.md)"},
    {"quiet", 0, 'q', NULL, "no progress line on stderr (it is shown only on a terminal anyway)"},
    {"help", 0, 'h', NULL, "this text"},
};
#define DS_NCORE (sizeof ds_core_opts / sizeof ds_core_opts[0])

static volatile sig_atomic_t ds_stop;

static void ds_on_signal(int sig)
{
    (void)sig;
    ds_stop = 1;
}

static void ds_print_opt(FILE *f, const char *name, const char *arg, const char *help, int shortc)
{
    char head[96];
    if (shortc)
        snprintf(head, sizeof head, "-%c, --%s%s%s", shortc, name, arg ? " " : "", arg ? arg : "");
    else
        snprintf(head, sizeof head, "    --%s%s%s", name, arg ? " " : "", arg ? arg : "");
    if (strlen(head) > 28)
        fprintf(f, "  %s\n  %-28s %s\n", head, "", help);
    else
        fprintf(f, "  %-28s %s\n", head, help);
}

static void ds_analyze_help(FILE *f)
{
    fprintf(f,
            "usage: darkscope analyze [OPTIONS] CAPTURE...\n"
            "       darkscope analyze [OPTIONS] --interface IFACE [--filter BPF]\n\n"
            "Reads telescope captures (pcap or pcapng, optionally gzip/zstd/xz/bzip2-compressed,\n"
            "detected from the content; '-' is standard input), merges several files by time,\n"
            "classifies every packet and writes the results into the output directory:\n"
            "series.csv, signatures.csv, summary.json (see docs/FORMATS.md).\n\n"
            "options:\n");
    for (size_t i = 0; i < DS_NCORE; i++) {
        const ds_core_opt *o = &ds_core_opts[i];
        ds_print_opt(f, o->name, o->arg, o->help, o->code < 256 ? o->code : 0);
    }
    for (size_t a = 0; a < ds_analyzer_count; a++) {
        const ds_analyzer_ops *ops = ds_analyzers[a];
        fprintf(f, "\nanalyzer '%s' — %s%s\n", ops->name, ops->description,
                ops->options && ops->options[0].name ? ":" : "");
        for (const ds_option *o = ops->options; o && o->name; o++)
            ds_print_opt(f, o->name, o->arg, o->help, 0);
    }
    fprintf(f, "\nattribution of hosts, victims and scanners (docs/ATTRIBUTION.md):\n");
    for (const ds_option *o = ds_enrich_options; o->name; o++)
        ds_print_opt(f, o->name, o->arg, o->help, 0);
    fprintf(f, "\nexit status: 0 all inputs read; 1 usage error; 2 some input was unreadable or\n"
               "corrupt (the others are analysed and written); 3 outputs could not be written;\n"
               "130 interrupted (outputs written with \"complete\": false).\n");
}

/* "series,dos" → on[] for those registry entries only. */
static int ds_parse_analyzers(const char *list, bool *on, char *err, size_t errlen)
{
    for (size_t a = 0; a < ds_analyzer_count; a++)
        on[a] = false;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        size_t a = 0;
        while (a < ds_analyzer_count &&
               (strlen(ds_analyzers[a]->name) != len || strncmp(ds_analyzers[a]->name, p, len)))
            a++;
        if (a == ds_analyzer_count) {
            snprintf(err, errlen, "no analyzer '%.*s' (there are:", (int)len, p);
            for (size_t b = 0; b < ds_analyzer_count; b++)
                snprintf(err + strlen(err), errlen - strlen(err), " %s", ds_analyzers[b]->name);
            snprintf(err + strlen(err), errlen - strlen(err), ")");
            return -1;
        }
        on[a] = true;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int ds_usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "darkscope analyze: %s", msg);
    if (arg) {
        fputs(": ", stderr);
        ds_term_text(stderr, arg);
    }
    fputs("\nRun `darkscope analyze --help` for the options.\n", stderr);
    return DS_EXIT_USAGE;
}

/* Whether an option shapes the analysis (and so is recorded in state files, to be
 * replayed by `darkscope merge`), as opposed to where outputs go or how the run
 * shows progress. */
static bool ds_analysis_option(int c)
{
    return c != 'o' && c != 'q' && c != 'h' && c != 'j' && c != OPT_STATE && c != OPT_MPI &&
           c != OPT_MAX_MEMORY && c != OPT_INTERFACE && c != OPT_FILTER && c != OPT_SNAPLEN &&
           c != ':' && c != '?';
}

static void ds_record_option(char ***v, size_t *n, const struct option *lo, int c, const char *arg)
{
    const char *name = "?";
    for (const struct option *o = lo; o->name; o++)
        if (o->val == c)
            name = o->name;
    size_t l = strlen(name) + 3;
    char *s = ds_xmalloc(l);
    snprintf(s, l, "--%s", name);
    *v = ds_xrealloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = s;
    if (arg)
        (*v)[(*n)++] = ds_xstrdup(arg);
}

int ds_cmd_analyze(int argc, char **argv)
{
    return ds_analyze_main(argc, argv, NULL);
}

int ds_analyze_main(int argc, char **argv, const ds_merge_mode *merge)
{
    /* Build the getopt table: core options, then every analyzer's. */
    size_t nan = 0;
    for (size_t a = 0; a < ds_analyzer_count; a++)
        for (const ds_option *o = ds_analyzers[a]->options; o && o->name; o++)
            nan++;
    for (const ds_option *o = ds_enrich_options; o->name; o++)
        nan++;
    struct option *lo = ds_xcalloc(DS_NCORE + nan + 1, sizeof *lo);
    const ds_option **an_opt = ds_xcalloc(nan + 1, sizeof *an_opt);
    size_t *an_idx = ds_xcalloc(nan + 1, sizeof *an_idx);
    size_t k = 0;
    for (size_t i = 0; i < DS_NCORE; i++, k++)
        lo[k] = (struct option){ds_core_opts[i].name, ds_core_opts[i].has_arg, NULL,
                                ds_core_opts[i].code};
    size_t j = 0;
    for (size_t a = 0; a < ds_analyzer_count; a++) {
        for (const ds_option *o = ds_analyzers[a]->options; o && o->name; o++, j++, k++) {
            an_opt[j] = o;
            an_idx[j] = a;
            lo[k] = (struct option){o->name, o->arg ? 1 : 0, NULL, OPT_ANALYZER_BASE + (int)j};
        }
    }
    /* The attribution options, filed under the index one past the analyzers. */
    for (const ds_option *o = ds_enrich_options; o->name; o++, j++, k++) {
        an_opt[j] = o;
        an_idx[j] = ds_analyzer_count;
        lo[k] = (struct option){o->name, o->arg ? 1 : 0, NULL, OPT_ANALYZER_BASE + (int)j};
    }
    ds_enrich_config *ecfg = ds_enrich_config_new();

    void **acfg = ds_xcalloc(ds_analyzer_count, sizeof *acfg);
    for (size_t a = 0; a < ds_analyzer_count; a++)
        acfg[a] = ds_analyzers[a]->config_new ? ds_analyzers[a]->config_new() : NULL;

    ds_run_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.outdir = "darkscope-out";
    cfg.interval_ns = 60 * DS_NS_PER_SEC;
    cfg.tolerance_ns = DS_NS_PER_SEC;
    cfg.snaplen = 262144;
    cfg.telescope = ds_telescope_new();
    cfg.sigs = ds_sigset_builtin();
    cfg.analyzer_cfg = acfg;
    cfg.stop = &ds_stop;
    bool quiet = false;
    bool mpi = false;
    uint64_t threads = 0; /* -j; 0 = not given */
    bool *on = ds_xcalloc(ds_analyzer_count, sizeof *on);
    for (size_t a = 0; a < ds_analyzer_count; a++)
        on[a] = true;
    cfg.analyzer_on = on;
    char err[DS_ERRLEN];
    int rc = -1;
    char **aopts = NULL;
    size_t naopts = 0;

    optind = 1;
    opterr = 0;
    int c;
    while (rc < 0 && (c = getopt_long(argc, argv, ":o:qhj:", lo, NULL)) != -1) {
        if (ds_analysis_option(c))
            ds_record_option(&aopts, &naopts, lo, c, optarg);
        switch (c) {
        case OPT_STATE:
            cfg.state_out = optarg;
            break;
        case OPT_MAX_MEMORY: {
            uint64_t v;
            if (ds_opt_parse_size(optarg, DS_MAX_MEMORY_MIN, &v, err, sizeof err) != 0)
                rc = ds_usage_error("--max-memory", err);
            else
                cfg.max_memory = (size_t)v;
            break;
        }
        case OPT_MPI:
            if (!ds_mpi_available()) {
                fprintf(stderr, "darkscope: --mpi: %s\n", DS_MPI_HOWTO);
                rc = DS_EXIT_BAD_INPUT;
            }
            mpi = true;
            break;
        case 'o':
            cfg.outdir = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'j':
            if (ds_opt_parse_u64(optarg, 1, 1024, &threads, err, sizeof err) != 0)
                rc = ds_usage_error("-j/--threads", err);
            break;
        case 'h':
            ds_analyze_help(stdout);
            rc = DS_EXIT_OK;
            break;
        case OPT_TELESCOPE:
            if (ds_telescope_add_spec(cfg.telescope, optarg, err, sizeof err) != 0)
                rc = ds_usage_error("--telescope", err);
            break;
        case OPT_TELESCOPE_FILE:
            if (ds_telescope_load_file(cfg.telescope, optarg, err, sizeof err) != 0)
                rc = ds_usage_error("--telescope-file", err);
            break;
        case OPT_SIGNATURES:
            if (ds_sigset_load(cfg.sigs, optarg, err, sizeof err) != 0)
                rc = ds_usage_error("--signatures", err);
            break;
        case OPT_INTERVAL:
            if (ds_opt_parse_duration(optarg, &cfg.interval_ns, err, sizeof err) != 0 ||
                cfg.interval_ns < 1000)
                rc = ds_usage_error("--interval must be a positive duration of at least 1us",
                                    optarg);
            break;
        case OPT_TOLERANCE:
            if (ds_opt_parse_duration(optarg, &cfg.tolerance_ns, err, sizeof err) != 0)
                rc = ds_usage_error("--tolerance", err);
            break;
        case OPT_INTERFACE:
            cfg.interface = optarg;
            break;
        case OPT_FILTER:
            cfg.bpf = optarg;
            break;
        case OPT_SNAPLEN: {
            uint64_t v;
            if (ds_opt_parse_u64(optarg, 64, 262144, &v, err, sizeof err) != 0)
                rc = ds_usage_error("--snaplen", err);
            cfg.snaplen = (int)v;
            break;
        }
        case OPT_ANALYZERS:
            if (ds_parse_analyzers(optarg, on, err, sizeof err) != 0)
                rc = ds_usage_error("--analyzers", err);
            break;
        case ':':
            rc = ds_usage_error("option needs a value", argv[optind - 1]);
            break;
        case '?':
            rc = ds_usage_error("unknown option", argv[optind - 1]);
            break;
        default:
            if (c >= OPT_ANALYZER_BASE && (size_t)(c - OPT_ANALYZER_BASE) < nan) {
                size_t i = (size_t)(c - OPT_ANALYZER_BASE);
                void *ocfg = an_idx[i] == ds_analyzer_count ? (void *)ecfg : acfg[an_idx[i]];
                if (an_opt[i]->set(ocfg, optarg, err, sizeof err) != 0) {
                    char msg[96];
                    snprintf(msg, sizeof msg, "--%s", an_opt[i]->name);
                    rc = ds_usage_error(msg, err);
                }
            }
            break;
        }
    }
    cfg.analysis_opts = aopts;
    cfg.nanalysis_opts = naopts;
    if (rc < 0) {
        cfg.enrich = ds_enrich_open(ecfg, err, sizeof err);
        if (!cfg.enrich)
            rc = ds_usage_error("attribution", err);
    }
    if (rc < 0 && merge) {
        cfg.states = merge->states;
        cfg.nstates = merge->nstates;
        cfg.argc = merge->argc;
        cfg.argv = merge->argv;
        rc = ds_run_merge(&cfg);
    }
    if (rc < 0) {
        cfg.inputs = (const char *const *)(argv + optind);
        cfg.ninputs = (size_t)(argc - optind);
        if (cfg.interface && cfg.ninputs)
            rc = ds_usage_error("give either --interface or capture files, not both", NULL);
        else if (!cfg.interface && cfg.ninputs == 0)
            rc = ds_usage_error("no capture given", NULL);
        else if (!cfg.interface && cfg.bpf)
            rc = ds_usage_error("--filter applies to --interface only", NULL);
        else if (cfg.ninputs > 65535)
            rc = ds_usage_error("too many inputs (at most 65535)", NULL);
        else if (cfg.interface && mpi)
            rc = ds_usage_error("--mpi applies to capture files, not --interface", NULL);
        else if (cfg.interface && threads > 1)
            rc = ds_usage_error("-j: a live --interface is analysed on one thread", NULL);
        for (size_t i = 0; rc < 0 && mpi && i < cfg.ninputs; i++)
            if (strcmp(cfg.inputs[i], "-") == 0)
                rc = ds_usage_error("--mpi reads capture files, not standard input", "-");
            else if (cfg.interface && cfg.state_out)
                rc = ds_usage_error("--state applies to capture files, not --interface", NULL);
        for (size_t a = 0; rc < 0 && cfg.state_out && a < ds_analyzer_count; a++)
            if (on[a] && !ds_analyzers[a]->save)
                rc = ds_usage_error("--state: this analyzer cannot save a mergeable state yet; "
                                    "leave it out with --analyzers",
                                    ds_analyzers[a]->name);
    }
    if (rc < 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = ds_on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: a blocked read returns */
        ds_stream_set_interrupt(&ds_stop);
        cfg.progress = !quiet && isatty(STDERR_FILENO);
        /* -j default: every CPU this process may use; one for a live capture (its
         * analysis is flushed per interval on the reading thread) and for --mpi,
         * whose ranks are the parallelism (one rank per core, docs/SCALE.md). */
        cfg.threads = threads ? (unsigned)threads : cfg.interface || mpi ? 1 : ds_cpus();
        /* The full command line (with "darkscope") for summary.json. */
        cfg.argc = argc + 1;
        cfg.argv = argv - 1;
        rc = mpi ? ds_run_mpi(&cfg) : ds_run(&cfg);
    }

    for (size_t a = 0; a < ds_analyzer_count; a++)
        if (ds_analyzers[a]->config_free)
            ds_analyzers[a]->config_free(acfg[a]);
    free(acfg);
    for (size_t i = 0; i < naopts; i++)
        free(aopts[i]);
    free(aopts);
    free(on);
    free(lo);
    free(an_opt);
    free(an_idx);
    ds_enrich_close(cfg.enrich);
    ds_enrich_config_free(ecfg);
    ds_telescope_free(cfg.telescope);
    ds_sigset_free(cfg.sigs);
    return rc;
}
