/*
 * ds_dos_output.c — the DoS analyzer's files (columns in docs/FORMATS.md):
 * attacks.csv rows, attacks.ndjson lines (the same fields, JSON through jansson),
 * events.csv rows and Corsaro v2's dos ASCII layout, so scripts written for Corsaro
 * read darkscope's results. Numbers that cannot be known (a rate over zero
 * seconds, an extrapolation without a telescope size, a test below its minimum
 * sample) are empty in CSV and null in JSON, never 0, which would be a claim.
 */
#include <math.h>
#include <stdlib.h>

#include "analysis/ds_dos.h"
#include "model/ds_adtest.h"
#include "output/ds_csv.h"

static const char *const ds_dos_columns =
    "victim,protocol,monitors,start,end,duration_s,packets,bytes,telescope_addrs,"
    "telescope_addrs_exact,attacker_slash16s,attack_ports,target_ports,first_target_port,"
    "top_target_ports,max_ppm,peak_pps,mean_pps,est_attack_pps,icmp_mismatches,"
    "unquoted_errors,synack,rst,rstack,echo_reply,unreach,ttl_exceeded,other_icmp,"
    "ad_statistic,spoof_uniform";

/* "name" or "name1+name2", monitors in index order. */
static char *ds_dos_monitors(const ds_telescope *t, uint64_t mask, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int m = 0; m < ds_telescope_count(t) && m < 64; m++) {
        if (!((mask >> m) & 1))
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? "+" : "", ds_telescope_name(t, m));
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    return buf;
}

/* "80:5000 443:651": the top target ports with their packet counts. */
static char *ds_dos_top(const ds_dos_attack *a, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < a->ntop; i++) {
        int w = snprintf(buf + used, len - used, "%s%u:%u", i ? " " : "", (unsigned)a->top[i].port,
                         (unsigned)a->top[i].count);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    return buf;
}

#define DS_ULL(x) ((unsigned long long)(x))

void ds_dos_csv_header(FILE *f)
{
    fputs(ds_dos_columns, f);
}

void ds_dos_csv_row(FILE *f, const ds_telescope *t, const ds_dos_attack *a)
{
    char pb[1200], mb[DS_MONITORS_MAX * (DS_MONITOR_NAME_MAX + 1) + 1], tb[128];
    ds_csv_ip(f, &a->victim);
    fputc(',', f);
    ds_csv_text(f, ds_dos_protos_format(&a->protos, pb, sizeof pb));
    fputc(',', f);
    ds_csv_text(f, ds_dos_monitors(t, a->monitors, mb, sizeof mb));
    fputc(',', f);
    ds_csv_time(f, a->start);
    fputc(',', f);
    ds_csv_time(f, a->end);
    fprintf(f, ",%.6f,%llu,%llu,%llu,%s,%llu,%llu,%llu,", (double)(a->end - a->start) / 1e9,
            DS_ULL(a->packets), DS_ULL(a->bytes), DS_ULL(a->addrs),
            a->addrs_exact ? "true" : "false", DS_ULL(a->s16), DS_ULL(a->aports),
            DS_ULL(a->tports));
    if (a->has_tport)
        fprintf(f, "%u", (unsigned)a->first_tport);
    fprintf(f, ",%s,%llu,%llu,", ds_dos_top(a, tb, sizeof tb), DS_ULL(a->max_ppm),
            DS_ULL(a->peak_pps));
    if (!isnan(a->mean_pps))
        fprintf(f, "%.6f", a->mean_pps);
    fputc(',', f);
    if (!isnan(a->est_pps))
        fprintf(f, "%.3f", a->est_pps);
    fprintf(f, ",%llu,%llu", DS_ULL(a->mismatches), DS_ULL(a->unquoted));
    for (int k = 0; k < DS_DOS_UDP; k++)
        fprintf(f, ",%llu", DS_ULL(a->kinds[k]));
    fputc(',', f);
    if (!isnan(a->ad))
        fprintf(f, "%.6f,%s", a->ad, ds_ad_uniform_ok(a->ad) ? "true" : "false");
    else
        fputc(',', f);
}

static json_t *ds_num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}
static json_t *ds_u(uint64_t v)
{
    return json_integer((json_int_t)v);
}

void ds_dos_ndjson_line(FILE *f, const ds_telescope *t, const ds_dos_attack *a)
{
    char ib[DS_IP_STRLEN], pb[1200], mb[DS_MONITORS_MAX * (DS_MONITOR_NAME_MAX + 1) + 1];
    char t0[DS_TIME_STRLEN], t1[DS_TIME_STRLEN];
    json_t *j = json_object();
    json_object_set_new(j, "victim", json_string(ds_ip_format(&a->victim, ib)));
    json_object_set_new(j, "protocol",
                        json_string(ds_dos_protos_format(&a->protos, pb, sizeof pb)));
    json_object_set_new(j, "monitors", json_string(ds_dos_monitors(t, a->monitors, mb, sizeof mb)));
    json_object_set_new(j, "start", json_string(ds_time_format(a->start, t0)));
    json_object_set_new(j, "end", json_string(ds_time_format(a->end, t1)));
    json_object_set_new(j, "duration_s", json_real((double)(a->end - a->start) / 1e9));
    json_object_set_new(j, "packets", ds_u(a->packets));
    json_object_set_new(j, "bytes", ds_u(a->bytes));
    json_object_set_new(j, "telescope_addrs", ds_u(a->addrs));
    json_object_set_new(j, "telescope_addrs_exact", json_boolean(a->addrs_exact));
    json_object_set_new(j, "attacker_slash16s", ds_u(a->s16));
    json_object_set_new(j, "attack_ports", ds_u(a->aports));
    json_object_set_new(j, "target_ports", ds_u(a->tports));
    json_object_set_new(j, "first_target_port", a->has_tport ? ds_u(a->first_tport) : json_null());
    json_t *top = json_array();
    for (int i = 0; i < a->ntop; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "port", ds_u(a->top[i].port));
        json_object_set_new(o, "packets", ds_u(a->top[i].count));
        json_array_append_new(top, o);
    }
    json_object_set_new(j, "top_target_ports", top);
    json_object_set_new(j, "max_ppm", ds_u(a->max_ppm));
    json_object_set_new(j, "peak_pps", ds_u(a->peak_pps));
    json_object_set_new(j, "mean_pps", ds_num_or_null(a->mean_pps));
    json_object_set_new(j, "est_attack_pps", ds_num_or_null(a->est_pps));
    json_object_set_new(j, "icmp_mismatches", ds_u(a->mismatches));
    json_object_set_new(j, "unquoted_errors", ds_u(a->unquoted));
    for (int k = 0; k < DS_DOS_UDP; k++)
        json_object_set_new(j, ds_dos_kind_name(k), ds_u(a->kinds[k]));
    json_object_set_new(j, "ad_statistic", ds_num_or_null(a->ad));
    json_object_set_new(j, "spoof_uniform",
                        isnan(a->ad) ? json_null() : json_boolean(ds_ad_uniform_ok(a->ad)));
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (s) {
        /* One fwrite of the whole line: a reader following the file sees whole lines. */
        size_t l = strlen(s);
        s = ds_xrealloc(s, l + 2);
        s[l] = '\n';
        fwrite(s, 1, l + 1, f);
        free(s);
    }
    json_decref(j);
}

void ds_dos_events_header(FILE *f)
{
    fputs("minute,victim,protocol,packets,telescope_addrs", f);
}

void ds_dos_events_row(FILE *f, const ds_dos_event *e)
{
    char pb[1200];
    fprintf(f, "%lld,", (long long)ds_floor_div(e->minute, DS_NS_PER_SEC));
    ds_csv_ip(f, &e->victim);
    fputc(',', f);
    ds_csv_text(f, ds_dos_protos_format(&e->protos, pb, sizeof pb));
    fprintf(f, ",%llu,%llu", DS_ULL(e->packets), DS_ULL(e->addrs));
}

void ds_dos_corsaro_ascii(FILE *f, const ds_dos_attack *const *a, size_t n, int64_t first_ts,
                          int64_t last_ts)
{
    fprintf(f, "# CORSARO_INTERVAL_START 0 %lld\n",
            (long long)ds_floor_div(first_ts, DS_NS_PER_SEC));
    fprintf(f, "%zu\n", n);
    for (size_t i = 0; i < n; i++) {
        char ib[DS_IP_STRLEN], t0[DS_TIME_STRLEN], t1[DS_TIME_STRLEN];
        const ds_dos_attack *x = a[i];
        /* One block covers the whole run, so each interval field equals its total. */
        fprintf(f, "%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%s,%s\n",
                ds_ip_format(&x->victim, ib), DS_ULL(x->addrs), DS_ULL(x->addrs), DS_ULL(x->aports),
                DS_ULL(x->tports), DS_ULL(x->packets), DS_ULL(x->packets), DS_ULL(x->bytes),
                DS_ULL(x->bytes), DS_ULL(x->max_ppm), ds_time_format(x->start, t0),
                ds_time_format(x->end, t1));
    }
    fprintf(f, "# CORSARO_INTERVAL_END 0 %lld\n", (long long)ds_floor_div(last_ts, DS_NS_PER_SEC));
}
