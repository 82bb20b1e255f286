/*
 * ds_sim_scenario.c — reading and checking scenario files (JSON, through jansson).
 *
 * Every member is checked (type, range, unknown names are errors, so a typo never
 * silently falls back to a default). Jansson reports syntax errors with line and
 * column but keeps no positions for values, so for a semantic error a small scanner
 * (ds_sim_locate) walks the raw text along the member path and reports the line and
 * column of the offending value: "codered.json:12:20: worm.scan_rate: must be > 0".
 */
#include "sim/ds_sim_scenario.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analysis/ds_analyzer.h" /* ds_opt_parse_duration */

#define DS_SIM_DEPTH 8

typedef struct ds_sim_pcomp {
    const char *key; /* NULL: array element idx */
    int idx;
} ds_sim_pcomp;

typedef struct ds_sim_pctx {
    const char *origin;
    const char *text;
    char *err;
    size_t errlen;
    bool failed;
    int depth;
    ds_sim_pcomp path[DS_SIM_DEPTH];
    int64_t start_ns;
} ds_sim_pctx;

/* ---- locating a member in the raw text --------------------------------------- */

static const char *ds_sim_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *ds_sim_skip_string(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p ? p + 1 : p;
}

static const char *ds_sim_skip_value(const char *p)
{
    p = ds_sim_ws(p);
    if (*p == '"')
        return ds_sim_skip_string(p);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; *p; p++) {
            if (*p == '"') {
                p = ds_sim_skip_string(p) - 1;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                if (--depth == 0)
                    return p + 1;
            }
        }
        return p;
    }
    while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\t' &&
           *p != '\r')
        p++;
    return p;
}

/* Pointer to the value at path[d..], or NULL. */
static const char *ds_sim_locate(const ds_sim_pctx *c, const char *p, int d)
{
    p = ds_sim_ws(p);
    if (d == c->depth)
        return p;
    if (*p == '{' && c->path[d].key) {
        p = ds_sim_ws(p + 1);
        while (*p == '"') {
            const char *k = p + 1;
            const char *e = ds_sim_skip_string(p);
            size_t klen = (size_t)(e - 1 - k);
            p = ds_sim_ws(e);
            if (*p != ':')
                return NULL;
            p = ds_sim_ws(p + 1);
            if (klen == strlen(c->path[d].key) && !memcmp(k, c->path[d].key, klen))
                return d + 1 == c->depth ? p : ds_sim_locate(c, p, d + 1);
            p = ds_sim_ws(ds_sim_skip_value(p));
            if (*p != ',')
                return NULL;
            p = ds_sim_ws(p + 1);
        }
        return NULL;
    }
    if (*p == '[' && !c->path[d].key) {
        p = ds_sim_ws(p + 1);
        for (int i = 0; *p && *p != ']'; i++) {
            if (i == c->path[d].idx)
                return ds_sim_locate(c, p, d + 1);
            p = ds_sim_ws(ds_sim_skip_value(p));
            if (*p != ',')
                return NULL;
            p = ds_sim_ws(p + 1);
        }
    }
    return NULL;
}

static void ds_sim_fail(ds_sim_pctx *c, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    char where[64] = "";
    const char *at = c->text ? ds_sim_locate(c, c->text, 0) : NULL;
    if (at) {
        int line = 1, col = 1;
        for (const char *q = c->text; q < at; q++) {
            if (*q == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        snprintf(where, sizeof where, ":%d:%d", line, col);
    }
    char path[256] = "";
    size_t o = 0;
    for (int i = 0; i < c->depth && o < sizeof path; i++) {
        int w = c->path[i].key
                    ? snprintf(path + o, sizeof path - o, "%s%s", i ? "." : "", c->path[i].key)
                    : snprintf(path + o, sizeof path - o, "[%d]", c->path[i].idx);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s%s: %s%s%s", c->origin, where, path, *path ? ": " : "", msg);
}

static void ds_sim_push_key(ds_sim_pctx *c, const char *key)
{
    if (c->depth < DS_SIM_DEPTH)
        c->path[c->depth] = (ds_sim_pcomp){key, 0};
    c->depth++;
}
static void ds_sim_push_idx(ds_sim_pctx *c, int idx)
{
    if (c->depth < DS_SIM_DEPTH)
        c->path[c->depth] = (ds_sim_pcomp){NULL, idx};
    c->depth++;
}
static void ds_sim_pop(ds_sim_pctx *c)
{
    c->depth--;
}

/* ---- typed members ------------------------------------------------------------ */

static void ds_sim_check_keys(ds_sim_pctx *c, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = !strcmp(allowed[i], key);
        if (!ok) {
            ds_sim_push_key(c, key);
            ds_sim_fail(c, "unknown member (see docs/SCENARIOS.md)");
            ds_sim_pop(c);
        }
    }
}

static double ds_sim_num(ds_sim_pctx *c, json_t *obj, const char *key, double def, double min,
                         double max)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return def;
    ds_sim_push_key(c, key);
    double x = def;
    if (!json_is_number(v))
        ds_sim_fail(c, "must be a number");
    else if ((x = json_number_value(v)) < min || x > max || isnan(x))
        ds_sim_fail(c, "must be between %g and %g", min, max);
    ds_sim_pop(c);
    return x;
}

static uint32_t ds_sim_uint(ds_sim_pctx *c, json_t *obj, const char *key, uint32_t def,
                            uint32_t min, uint32_t max)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return def;
    ds_sim_push_key(c, key);
    uint32_t x = def;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        ds_sim_fail(c, "must be an integer between %u and %u", min, max);
    else
        x = (uint32_t)json_integer_value(v);
    ds_sim_pop(c);
    return x;
}

static const char *ds_sim_str(ds_sim_pctx *c, json_t *obj, const char *key, const char *def)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return def;
    if (!json_is_string(v)) {
        ds_sim_push_key(c, key);
        ds_sim_fail(c, "must be a string");
        ds_sim_pop(c);
        return def;
    }
    return json_string_value(v);
}

/* Instants are int64 nanoseconds between 1970 and 2106 (pcap's u32 seconds), and a
 * duration or a time relative to start is at most 68 years, so start plus any two of
 * them fits in int64: no value in a file can make the simulator's arithmetic
 * overflow (found by fuzz/fuzz_scenario.c). */
#define DS_SIM_EPOCH_MAX 4294967296.0
#define DS_SIM_SPAN_MAX 2147483648.0

static int ds_sim_iso(const char *s, int64_t *ns)
{
    int y, mo, d, h, mi;
    double sec;
    char z = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf%c", &y, &mo, &d, &h, &mi, &sec, &z) != 7 || z != 'Z')
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61)
        return -1;
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    time_t t = timegm(&tm);
    if (t < 0 || (double)t >= DS_SIM_EPOCH_MAX)
        return -1;
    *ns = (int64_t)t * DS_NS_PER_SEC + (int64_t)llround(sec * 1e9);
    return 0;
}

static double ds_sim_duration(ds_sim_pctx *c, json_t *obj, const char *key, double def)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return def;
    ds_sim_push_key(c, key);
    double x = def;
    char e[DS_ERRLEN];
    int64_t ns;
    if (json_is_number(v) && json_number_value(v) >= 0)
        x = json_number_value(v);
    else if (json_is_string(v) &&
             ds_opt_parse_duration(json_string_value(v), &ns, e, sizeof e) == 0)
        x = (double)ns / 1e9;
    else
        ds_sim_fail(c, "must be a duration: seconds, or a string like \"90s\", \"10m\", \"6h\"");
    if (x > DS_SIM_SPAN_MAX)
        ds_sim_fail(c, "must be at most 68 years");
    ds_sim_pop(c);
    return x;
}

/* A time: ISO-8601 UTC, epoch seconds, or "+DURATION" after start. Returns seconds
 * after start. */
static double ds_sim_time(ds_sim_pctx *c, json_t *obj, const char *key, double def)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return def;
    ds_sim_push_key(c, key);
    double x = def;
    int64_t ns;
    char e[DS_ERRLEN];
    if (json_is_number(v)) {
        x = json_number_value(v) - (double)c->start_ns / 1e9;
    } else if (json_is_string(v) && json_string_value(v)[0] == '+' &&
               ds_opt_parse_duration(json_string_value(v) + 1, &ns, e, sizeof e) == 0) {
        x = (double)ns / 1e9;
    } else if (json_is_string(v) && ds_sim_iso(json_string_value(v), &ns) == 0) {
        x = (double)(ns - c->start_ns) / 1e9;
    } else {
        ds_sim_fail(c, "must be a time: \"2001-07-19T10:00:00Z\", epoch seconds, or \"+6h\" "
                       "after start");
    }
    if (fabs(x) > DS_SIM_SPAN_MAX)
        ds_sim_fail(c, "must be within 68 years of start");
    ds_sim_pop(c);
    return x;
}

static uint8_t ds_sim_proto(ds_sim_pctx *c, json_t *obj, const char *key, uint8_t def,
                            bool allow_icmp)
{
    const char *s = ds_sim_str(c, obj, key, NULL);
    if (!s)
        return def;
    if (!strcmp(s, "tcp"))
        return 6;
    if (!strcmp(s, "udp"))
        return 17;
    if (allow_icmp && !strcmp(s, "icmp"))
        return 1;
    ds_sim_push_key(c, key);
    ds_sim_fail(c,
                allow_icmp ? "must be \"tcp\", \"udp\" or \"icmp\"" : "must be \"tcp\" or \"udp\"");
    ds_sim_pop(c);
    return def;
}

static uint32_t ds_sim_addr(ds_sim_pctx *c, json_t *obj, const char *key, uint32_t def)
{
    const char *s = ds_sim_str(c, obj, key, NULL);
    if (!s)
        return def;
    ds_sim_prefix p;
    if (ds_sim_prefix_parse(s, &p) != 0 || p.len != 32) {
        ds_sim_push_key(c, key);
        ds_sim_fail(c, "must be an IPv4 address");
        ds_sim_pop(c);
        return def;
    }
    return p.base;
}

/* A prefix list: an array of strings, or one comma-separated string. */
static void ds_sim_prefixes(ds_sim_pctx *c, json_t *v, ds_sim_pset *out)
{
    json_t *arr = v;
    json_t *tmp = NULL;
    if (json_is_string(v)) {
        tmp = json_array();
        char *dup = ds_xstrdup(json_string_value(v));
        for (char *sv, *t = strtok_r(dup, ", ", &sv); t; t = strtok_r(NULL, ", ", &sv))
            json_array_append_new(tmp, json_string(t));
        free(dup);
        arr = tmp;
    }
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        ds_sim_fail(c, "must be a non-empty list of IPv4 prefixes");
    } else {
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
        {
            ds_sim_prefix p;
            if (!tmp)
                ds_sim_push_idx(c, (int)i);
            if (!json_is_string(e) || ds_sim_prefix_parse(json_string_value(e), &p) != 0)
                ds_sim_fail(c, "not an IPv4 prefix (a.b.c.d/len)");
            else if (ds_sim_pset_add(out, p) != 0)
                ds_sim_fail(c, "prefix %s overlaps another one", json_string_value(e));
            if (!tmp)
                ds_sim_pop(c);
        }
    }
    json_decref(tmp);
}

static size_t ds_sim_ports(ds_sim_pctx *c, json_t *obj, const char *key, uint16_t *out,
                           uint16_t def)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        out[0] = def;
        return 1;
    }
    ds_sim_push_key(c, key);
    size_t n = 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 65535) {
        out[n++] = (uint16_t)json_integer_value(v);
    } else if (json_is_array(v) && json_array_size(v) > 0 &&
               json_array_size(v) <= DS_SIM_PORTS_MAX) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > 65535) {
                ds_sim_push_idx(c, (int)i);
                ds_sim_fail(c, "must be a port number");
                ds_sim_pop(c);
            } else {
                out[n++] = (uint16_t)json_integer_value(e);
            }
        }
    } else {
        ds_sim_fail(c, "must be a port or a list of at most %d ports", DS_SIM_PORTS_MAX);
    }
    ds_sim_pop(c);
    if (!n)
        out[n++] = def;
    return n;
}

/* ---- sections ------------------------------------------------------------------ */

/* "countries": {"US": 0.43, "KR": 0.11, ...}: shares of the population; the rest
 * (1 - their sum) goes to every other country by its address space. */
static void ds_sim_parse_countries(ds_sim_pctx *c, json_t *v, ds_sim_worm *w)
{
    if (!v)
        return;
    ds_sim_push_key(c, "countries");
    if (!json_is_object(v)) {
        ds_sim_fail(c, "must be an object of country codes and shares, {\"US\": 0.43, ...}");
        ds_sim_pop(c);
        return;
    }
    double sum = 0;
    const char *key;
    json_t *x;
    json_object_foreach(v, key, x)
    {
        if (w->ncountries == DS_SIM_COUNTRIES_MAX) {
            ds_sim_fail(c, "at most %d countries", DS_SIM_COUNTRIES_MAX);
            break;
        }
        bool code =
            strlen(key) == 2 && key[0] >= 'A' && key[0] <= 'Z' && key[1] >= 'A' && key[1] <= 'Z';
        ds_sim_share *sh = &w->countries[w->ncountries];
        sh->share = ds_sim_num(c, v, key, 0, 0, 1);
        if (!code) {
            ds_sim_push_key(c, key);
            ds_sim_fail(c, "not a country code (two upper-case letters, ISO 3166-1)");
            ds_sim_pop(c);
            break;
        }
        memcpy(sh->cc, key, 3);
        sum += sh->share;
        w->ncountries++;
    }
    if (!c->failed && sum > 1 + 1e-9)
        ds_sim_fail(c, "the shares add up to %g, more than 1", sum);
    ds_sim_pop(c);
}

static void ds_sim_parse_worm(ds_sim_pctx *c, json_t *o, ds_sim_scenario *s)
{
    static const char *const keys[] = {"name",
                                       "protocol",
                                       "port",
                                       "payload_bytes",
                                       "vulnerable",
                                       "cluster",
                                       "initial",
                                       "initial_at",
                                       "scan_rate",
                                       "scan_rate_sigma",
                                       "scan_rate_max",
                                       "phase_switch",
                                       "deactivation_per_hour",
                                       "dhcp_churn_per_hour",
                                       "local_preference",
                                       "countries",
                                       NULL};
    ds_sim_worm *w = &s->worm;
    if (!json_is_object(o)) {
        ds_sim_fail(c, "must be an object");
        return;
    }
    ds_sim_check_keys(c, o, keys);
    w->enabled = true;
    snprintf(w->name, sizeof w->name, "%s", ds_sim_str(c, o, "name", "worm"));
    w->proto = ds_sim_proto(c, o, "protocol", 6, false);
    w->port = (uint16_t)ds_sim_uint(c, o, "port", 80, 0, 65535);
    w->payload_len =
        (uint16_t)ds_sim_uint(c, o, "payload_bytes", w->proto == 17 ? 376 : 0, 0, 1400);
    w->vulnerable = ds_sim_uint(c, o, "vulnerable", 0, 1, 50000000);
    w->cluster = ds_sim_uint(c, o, "cluster", 1, 1, 60000);
    w->initial = ds_sim_uint(c, o, "initial", 1, 1, 50000000);
    w->initial_at = ds_sim_time(c, o, "initial_at", 0);
    w->scan_rate = ds_sim_num(c, o, "scan_rate", 10, 1e-6, 1e6);
    w->scan_rate_sigma = ds_sim_num(c, o, "scan_rate_sigma", 0, 0, 5);
    w->scan_rate_max = ds_sim_num(c, o, "scan_rate_max", w->scan_rate * 20, 1e-6, 4e6);
    w->phase_switch = ds_sim_time(c, o, "phase_switch", INFINITY);
    w->deactivation_per_hour = ds_sim_num(c, o, "deactivation_per_hour", 0, 0, 1e4);
    w->churn_per_hour = ds_sim_num(c, o, "dhcp_churn_per_hour", 0, 0, 1e4);
    w->local_preference = ds_sim_num(c, o, "local_preference", 0, 0, 1);
    ds_sim_parse_countries(c, json_object_get(o, "countries"), w);
    if (!c->failed && !json_object_get(o, "vulnerable")) {
        ds_sim_fail(c, "member \"vulnerable\" (the vulnerable population) is required");
    } else if (!c->failed && w->initial > w->vulnerable) {
        ds_sim_push_key(c, "initial");
        ds_sim_fail(c, "more initial infections than vulnerable hosts");
        ds_sim_pop(c);
    }
}

static enum ds_sim_response ds_sim_parse_response(ds_sim_pctx *c, json_t *o)
{
    static const char *const names[] = {"syn-ack",          "rst",         "rst-ack", "echo-reply",
                                        "icmp-unreachable", "ttl-exceeded"};
    const char *r = ds_sim_str(c, o, "response", "syn-ack");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(r, names[i]))
            return (enum ds_sim_response)i;
    ds_sim_push_key(c, "response");
    ds_sim_fail(c, "must be one of syn-ack, rst, rst-ack, echo-reply, icmp-unreachable, "
                   "ttl-exceeded");
    ds_sim_pop(c);
    return DS_SIM_SYNACK;
}

static void ds_sim_parse_attack(ds_sim_pctx *c, json_t *o, ds_sim_attack *a)
{
    static const char *const keys[] = {"victim",   "start", "duration", "rate",  "response",
                                       "protocol", "port",  "router",   "spoof", NULL};
    if (!json_is_object(o)) {
        ds_sim_fail(c, "must be an object");
        return;
    }
    ds_sim_check_keys(c, o, keys);
    if (!json_object_get(o, "victim"))
        ds_sim_fail(c, "member \"victim\" is required");
    a->victim = ds_sim_addr(c, o, "victim", 0);
    a->start = ds_sim_time(c, o, "start", 0);
    a->duration = ds_sim_duration(c, o, "duration", 600);
    a->rate = ds_sim_num(c, o, "rate", 1000, 1e-6, 1e9);
    a->response = ds_sim_parse_response(c, o);
    uint8_t dflt = a->response == DS_SIM_ECHO_REPLY ? 1 : a->response == DS_SIM_UNREACH ? 17 : 6;
    a->proto = ds_sim_proto(c, o, "protocol", dflt, true);
    if (a->response <= DS_SIM_RSTACK && a->proto != 6) {
        ds_sim_push_key(c, "protocol");
        ds_sim_fail(c, "TCP responses (syn-ack, rst, rst-ack) answer TCP attacks only");
        ds_sim_pop(c);
    }
    if (a->response == DS_SIM_ECHO_REPLY && a->proto != 1) {
        ds_sim_push_key(c, "protocol");
        ds_sim_fail(c, "echo replies answer ICMP attacks only");
        ds_sim_pop(c);
    }
    a->port = (uint16_t)ds_sim_uint(c, o, "port", 80, 0, 65535);
    a->router = ds_sim_addr(c, o, "router", 0);
    json_t *sp = json_object_get(o, "spoof");
    if (!sp || (json_is_string(sp) && !strcmp(json_string_value(sp), "uniform"))) {
        ds_sim_pset_all(&a->spoof);
    } else {
        ds_sim_push_key(c, "spoof");
        ds_sim_prefixes(c, sp, &a->spoof);
        ds_sim_pop(c);
    }
}

static void ds_sim_parse_scanner(ds_sim_pctx *c, json_t *o, ds_sim_scanner *sc, double dur)
{
    static const char *const keys[] = {"tool", "protocol", "ports",    "sources", "source",
                                       "rate", "start",    "duration", NULL};
    static const char *const tools[] = {"plain", "zmap", "masscan", "mirai"};
    if (!json_is_object(o)) {
        ds_sim_fail(c, "must be an object");
        return;
    }
    ds_sim_check_keys(c, o, keys);
    const char *t = ds_sim_str(c, o, "tool", "plain");
    sc->tool = DS_SIM_TOOL_PLAIN;
    bool found = false;
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(t, tools[i])) {
            sc->tool = (enum ds_sim_tool)i;
            found = true;
        }
    if (!found) {
        ds_sim_push_key(c, "tool");
        ds_sim_fail(c, "must be plain, zmap, masscan or mirai");
        ds_sim_pop(c);
    }
    sc->proto = ds_sim_proto(c, o, "protocol", 6, true);
    if (sc->tool != DS_SIM_TOOL_PLAIN && sc->proto != 6) {
        ds_sim_push_key(c, "protocol");
        ds_sim_fail(c, "zmap, masscan and mirai scanners send TCP SYNs");
        ds_sim_pop(c);
    }
    if (sc->tool == DS_SIM_TOOL_MIRAI && !json_object_get(o, "ports")) {
        sc->ports[0] = 23;
        sc->ports[1] = 2323;
        sc->nports = 2;
    } else {
        sc->nports = ds_sim_ports(c, o, "ports", sc->ports, 80);
    }
    sc->sources = ds_sim_uint(c, o, "sources", 1, 1, 10000000);
    sc->source = ds_sim_addr(c, o, "source", 0);
    if (sc->source && sc->sources != 1) {
        ds_sim_push_key(c, "source");
        ds_sim_fail(c, "a fixed source makes sense for one scanner only");
        ds_sim_pop(c);
    }
    sc->rate = ds_sim_num(c, o, "rate", 1000, 1e-6, 1e9);
    sc->start = ds_sim_time(c, o, "start", 0);
    sc->duration = ds_sim_duration(c, o, "duration", dur - sc->start);
}

static void ds_sim_parse_misconfig(ds_sim_pctx *c, json_t *o, ds_sim_misconfig *m,
                                   const ds_sim_scenario *s)
{
    static const char *const keys[] = {"sources", "targets", "monitor",  "protocol", "port",
                                       "rate",    "start",   "duration", NULL};
    if (!json_is_object(o)) {
        ds_sim_fail(c, "must be an object");
        return;
    }
    ds_sim_check_keys(c, o, keys);
    m->sources = ds_sim_uint(c, o, "sources", 10, 1, 10000000);
    m->targets = ds_sim_uint(c, o, "targets", 1, 1, 1000000);
    const char *mon = ds_sim_str(c, o, "monitor", s->nmonitors ? s->monitors[0].name : "");
    m->monitor = -1;
    for (int i = 0; i < s->nmonitors; i++)
        if (!strcmp(mon, s->monitors[i].name))
            m->monitor = i;
    if (m->monitor < 0) {
        ds_sim_push_key(c, "monitor");
        ds_sim_fail(c, "no monitor named \"%s\"", mon);
        ds_sim_pop(c);
    }
    m->proto = ds_sim_proto(c, o, "protocol", 17, false);
    m->port = (uint16_t)ds_sim_uint(c, o, "port", 53, 0, 65535);
    m->rate = ds_sim_num(c, o, "rate", 0.01, 1e-9, 1e6);
    m->start = ds_sim_time(c, o, "start", 0);
    m->duration = ds_sim_duration(c, o, "duration", s->duration - m->start);
}

static void ds_sim_parse_monitors(ds_sim_pctx *c, json_t *o, ds_sim_scenario *s)
{
    if (!json_is_object(o) || json_object_size(o) == 0) {
        ds_sim_fail(c, "must be an object of monitors: {\"name\": [\"prefix\", ...]}");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        ds_sim_push_key(c, key);
        size_t kl = strlen(key);
        bool okname = kl > 0 && kl < DS_SIM_NAME_MAX;
        for (size_t i = 0; i < kl; i++)
            okname = okname && (isalnum((unsigned char)key[i]) || strchr("_.-", key[i]));
        if (!okname)
            ds_sim_fail(c, "monitor names are 1-31 characters of [A-Za-z0-9_.-]");
        else if (s->nmonitors == DS_SIM_MONITORS_MAX)
            ds_sim_fail(c, "at most %d monitors", DS_SIM_MONITORS_MAX);
        else {
            ds_sim_monitor *m = &s->monitors[s->nmonitors++];
            snprintf(m->name, sizeof m->name, "%s", key);
            ds_sim_prefixes(c, v, &m->space);
            for (int j = 0; j + 1 < s->nmonitors && !c->failed; j++) {
                ds_sim_pset x;
                ds_sim_pset_intersect(&m->space, &s->monitors[j].space, &x);
                if (x.n)
                    ds_sim_fail(c, "overlaps monitor %s", s->monitors[j].name);
                ds_sim_pset_free(&x);
            }
        }
        ds_sim_pop(c);
    }
}

ds_sim_scenario *ds_sim_scenario_parse(const char *text, const char *origin, char *err,
                                       size_t errlen)
{
    static const char *const keys[] = {"name", "description", "start",    "duration",  "monitors",
                                       "worm", "attacks",     "scanners", "misconfig", NULL};
    json_error_t je;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        snprintf(err, errlen, "%s:%d:%d: %s", origin, je.line, je.column, je.text);
        return NULL;
    }
    ds_sim_pctx c = {.origin = origin, .text = text, .err = err, .errlen = errlen};
    ds_sim_scenario *s = ds_xcalloc(1, sizeof *s);
    s->source = doc;
    if (!json_is_object(doc)) {
        ds_sim_fail(&c, "a scenario is a JSON object");
        goto out;
    }
    ds_sim_check_keys(&c, doc, keys);
    snprintf(s->name, sizeof s->name, "%s", ds_sim_str(&c, doc, "name", "scenario"));
    snprintf(s->description, sizeof s->description, "%s", ds_sim_str(&c, doc, "description", ""));
    json_t *st = json_object_get(doc, "start");
    ds_sim_push_key(&c, "start");
    if (!st)
        ds_sim_fail(&c, "required: the scenario's first instant, e.g. \"2001-07-19T04:00:00Z\"");
    else if (json_is_number(st) && json_number_value(st) >= 0 &&
             json_number_value(st) < DS_SIM_EPOCH_MAX)
        s->start_ns = (int64_t)llround(json_number_value(st) * 1e9);
    else if (!json_is_string(st) || ds_sim_iso(json_string_value(st), &s->start_ns) != 0)
        ds_sim_fail(&c, "must be an ISO-8601 UTC time like \"2001-07-19T04:00:00Z\" or epoch "
                        "seconds, from 1970 to 2106");
    ds_sim_pop(&c);
    c.start_ns = s->start_ns;
    s->duration = ds_sim_duration(&c, doc, "duration", 3600);
    if (!c.failed && s->duration <= 0) {
        ds_sim_push_key(&c, "duration");
        ds_sim_fail(&c, "must be positive");
        ds_sim_pop(&c);
    }
    json_t *mon = json_object_get(doc, "monitors");
    ds_sim_push_key(&c, "monitors");
    if (!mon)
        ds_sim_fail(&c, "required: {\"name\": [\"prefix\", ...], ...}");
    else
        ds_sim_parse_monitors(&c, mon, s);
    ds_sim_pop(&c);
    json_t *w = json_object_get(doc, "worm");
    if (w) {
        ds_sim_push_key(&c, "worm");
        ds_sim_parse_worm(&c, w, s);
        ds_sim_pop(&c);
    }
    static const char *const lists[] = {"attacks", "scanners", "misconfig"};
    for (int l = 0; l < 3; l++) {
        json_t *arr = json_object_get(doc, lists[l]);
        if (!arr)
            continue;
        ds_sim_push_key(&c, lists[l]);
        if (!json_is_array(arr)) {
            ds_sim_fail(&c, "must be a list");
            ds_sim_pop(&c);
            continue;
        }
        size_t n = json_array_size(arr);
        if (l == 0)
            s->attacks = ds_xcalloc(n + 1, sizeof *s->attacks), s->nattacks = n;
        else if (l == 1)
            s->scanners = ds_xcalloc(n + 1, sizeof *s->scanners), s->nscanners = n;
        else
            s->misconfigs = ds_xcalloc(n + 1, sizeof *s->misconfigs), s->nmisconfigs = n;
        for (size_t i = 0; i < n; i++) {
            ds_sim_push_idx(&c, (int)i);
            json_t *e = json_array_get(arr, i);
            if (l == 0) {
                ds_sim_parse_attack(&c, e, &s->attacks[i]);
                for (int m = 0; m < s->nmonitors && !c.failed; m++)
                    if (ds_sim_pset_contains(&s->monitors[m].space, s->attacks[i].victim))
                        ds_sim_fail(&c, "the victim is inside monitor %s", s->monitors[m].name);
            } else if (l == 1) {
                ds_sim_parse_scanner(&c, e, &s->scanners[i], s->duration);
            } else {
                ds_sim_parse_misconfig(&c, e, &s->misconfigs[i], s);
            }
            ds_sim_pop(&c);
        }
        ds_sim_pop(&c);
    }
out:
    if (c.failed) {
        ds_sim_scenario_free(s);
        return NULL;
    }
    return s;
}

ds_sim_scenario *ds_sim_scenario_load(const char *name_or_path, char *err, size_t errlen)
{
    const char *preset = ds_sim_preset_text(name_or_path);
    if (preset)
        return ds_sim_scenario_parse(preset, name_or_path, err, errlen);
    FILE *f = fopen(name_or_path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: not a preset (", name_or_path);
        for (size_t i = 0; ds_sim_preset_names[i]; i++)
            snprintf(err + strlen(err), errlen - strlen(err), "%s%s", i ? ", " : "",
                     ds_sim_preset_names[i]);
        snprintf(err + strlen(err), errlen - strlen(err), ") and cannot be opened: %s",
                 strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = ds_xmalloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            if (cap >= (64u << 20)) {
                snprintf(err, errlen, "%s: larger than 64 MiB: not a scenario file", name_or_path);
                fclose(f);
                free(buf);
                return NULL;
            }
            buf = ds_xrealloc(buf, cap *= 2);
        }
    }
    bool bad = ferror(f);
    fclose(f);
    buf[n] = 0;
    ds_sim_scenario *s = NULL;
    if (bad)
        snprintf(err, errlen, "%s: read error", name_or_path);
    else if (memchr(buf, 0, n))
        snprintf(err, errlen, "%s: contains NUL bytes: not a JSON scenario", name_or_path);
    else
        s = ds_sim_scenario_parse(buf, name_or_path, err, errlen);
    free(buf);
    return s;
}

void ds_sim_scenario_free(ds_sim_scenario *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nmonitors; i++)
        ds_sim_pset_free(&s->monitors[i].space);
    for (size_t i = 0; i < s->nattacks; i++)
        ds_sim_pset_free(&s->attacks[i].spoof);
    free(s->attacks);
    free(s->scanners);
    free(s->misconfigs);
    json_decref(s->source);
    free(s);
}

const char *ds_sim_response_name(enum ds_sim_response r)
{
    static const char *const n[] = {"syn-ack",          "rst",         "rst-ack", "echo-reply",
                                    "icmp-unreachable", "ttl-exceeded"};
    return n[r];
}

const char *ds_sim_tool_name(enum ds_sim_tool t)
{
    static const char *const n[] = {"plain", "zmap", "masscan", "mirai"};
    return n[t];
}
