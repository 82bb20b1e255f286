/*
 * ds_sim_scenario_json.c — a scenario with every default filled in, as JSON, for
 * truth/scenario.json: the record of exactly what was simulated, readable as a
 * scenario file again (times as ISO-8601 UTC, durations in seconds).
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "sim/ds_sim_scenario.h"

static json_t *ds_sim_jtime(const ds_sim_scenario *s, double rel)
{
    if (!isfinite(rel))
        return json_null();
    int64_t ns = s->start_ns + (int64_t)llround(rel * 1e9);
    time_t sec = (time_t)ds_floor_div(ns, DS_NS_PER_SEC);
    int64_t frac = ns - (int64_t)sec * DS_NS_PER_SEC;
    struct tm tm;
    gmtime_r(&sec, &tm);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac)
        snprintf(buf + n, sizeof buf - n, ".%06lldZ", (long long)(frac / 1000));
    else
        snprintf(buf + n, sizeof buf - n, "Z");
    return json_string(buf);
}

static json_t *ds_sim_jaddr(uint32_t a)
{
    char buf[DS_IP_STRLEN];
    ds_ip ip;
    ds_ip_set_v4(&ip, a);
    return json_string(ds_ip_format(&ip, buf));
}

static json_t *ds_sim_jpset(const ds_sim_pset *p)
{
    json_t *a = json_array();
    for (size_t i = 0; i < p->n; i++) {
        ds_sim_pset one = {0};
        ds_sim_pset_add(&one, p->p[i]);
        char buf[32];
        ds_sim_pset_format(&one, buf, sizeof buf);
        json_array_append_new(a, json_string(buf));
        ds_sim_pset_free(&one);
    }
    return a;
}

static const char *ds_sim_pname(uint8_t p)
{
    return p == 6 ? "tcp" : p == 17 ? "udp" : "icmp";
}

json_t *ds_sim_scenario_json(const ds_sim_scenario *s)
{
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(s->name));
    json_object_set_new(j, "description", json_string(s->description));
    json_object_set_new(j, "start", ds_sim_jtime(s, 0));
    json_object_set_new(j, "duration", json_real(s->duration));
    json_t *mons = json_object();
    for (int m = 0; m < s->nmonitors; m++)
        json_object_set_new(mons, s->monitors[m].name, ds_sim_jpset(&s->monitors[m].space));
    json_object_set_new(j, "monitors", mons);
    if (s->worm.enabled) {
        const ds_sim_worm *w = &s->worm;
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(w->name));
        json_object_set_new(o, "protocol", json_string(ds_sim_pname(w->proto)));
        json_object_set_new(o, "port", json_integer(w->port));
        json_object_set_new(o, "payload_bytes", json_integer(w->payload_len));
        json_object_set_new(o, "vulnerable", json_integer(w->vulnerable));
        json_object_set_new(o, "cluster", json_integer(w->cluster));
        json_object_set_new(o, "initial", json_integer(w->initial));
        json_object_set_new(o, "initial_at", ds_sim_jtime(s, w->initial_at));
        json_object_set_new(o, "scan_rate", json_real(w->scan_rate));
        json_object_set_new(o, "scan_rate_sigma", json_real(w->scan_rate_sigma));
        json_object_set_new(o, "scan_rate_max", json_real(w->scan_rate_max));
        json_object_set_new(o, "phase_switch", ds_sim_jtime(s, w->phase_switch));
        json_object_set_new(o, "deactivation_per_hour", json_real(w->deactivation_per_hour));
        json_object_set_new(o, "dhcp_churn_per_hour", json_real(w->churn_per_hour));
        json_object_set_new(o, "local_preference", json_real(w->local_preference));
        if (w->ncountries) {
            json_t *cs = json_object();
            for (size_t k = 0; k < w->ncountries; k++)
                json_object_set_new(cs, w->countries[k].cc, json_real(w->countries[k].share));
            json_object_set_new(o, "countries", cs);
        }
        json_object_set_new(j, "worm", o);
    }
    json_t *atk = json_array();
    for (size_t i = 0; i < s->nattacks; i++) {
        const ds_sim_attack *a = &s->attacks[i];
        json_t *o = json_object();
        json_object_set_new(o, "victim", ds_sim_jaddr(a->victim));
        json_object_set_new(o, "start", ds_sim_jtime(s, a->start));
        json_object_set_new(o, "duration", json_real(a->duration));
        json_object_set_new(o, "rate", json_real(a->rate));
        json_object_set_new(o, "response", json_string(ds_sim_response_name(a->response)));
        json_object_set_new(o, "protocol", json_string(ds_sim_pname(a->proto)));
        json_object_set_new(o, "port", json_integer(a->port));
        if (a->router)
            json_object_set_new(o, "router", ds_sim_jaddr(a->router));
        bool uniform = a->spoof.n == 1 && a->spoof.p[0].len == 0;
        json_object_set_new(o, "spoof", uniform ? json_string("uniform") : ds_sim_jpset(&a->spoof));
        json_array_append_new(atk, o);
    }
    json_object_set_new(j, "attacks", atk);
    json_t *scn = json_array();
    for (size_t i = 0; i < s->nscanners; i++) {
        const ds_sim_scanner *c = &s->scanners[i];
        json_t *o = json_object();
        json_object_set_new(o, "tool", json_string(ds_sim_tool_name(c->tool)));
        json_object_set_new(o, "protocol", json_string(ds_sim_pname(c->proto)));
        json_t *ports = json_array();
        for (size_t k = 0; k < c->nports; k++)
            json_array_append_new(ports, json_integer(c->ports[k]));
        json_object_set_new(o, "ports", ports);
        json_object_set_new(o, "sources", json_integer(c->sources));
        if (c->source)
            json_object_set_new(o, "source", ds_sim_jaddr(c->source));
        json_object_set_new(o, "rate", json_real(c->rate));
        json_object_set_new(o, "start", ds_sim_jtime(s, c->start));
        json_object_set_new(o, "duration", json_real(c->duration));
        json_array_append_new(scn, o);
    }
    json_object_set_new(j, "scanners", scn);
    json_t *mis = json_array();
    for (size_t i = 0; i < s->nmisconfigs; i++) {
        const ds_sim_misconfig *m = &s->misconfigs[i];
        json_t *o = json_object();
        json_object_set_new(o, "sources", json_integer(m->sources));
        json_object_set_new(o, "targets", json_integer(m->targets));
        json_object_set_new(o, "monitor", json_string(s->monitors[m->monitor].name));
        json_object_set_new(o, "protocol", json_string(ds_sim_pname(m->proto)));
        json_object_set_new(o, "port", json_integer(m->port));
        json_object_set_new(o, "rate", json_real(m->rate));
        json_object_set_new(o, "start", ds_sim_jtime(s, m->start));
        json_object_set_new(o, "duration", json_real(m->duration));
        json_array_append_new(mis, o);
    }
    json_object_set_new(j, "misconfig", mis);
    return j;
}
