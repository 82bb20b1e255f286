/*
 * fuzz_scenario.c — libFuzzer harness for the scenario file parser of `darkscope
 * simulate` (ds_sim_scenario_parse: jansson, then every section's checks, and the
 * error locator that walks the raw text to give LINE:COL of a bad value).
 *
 * The input is the text of a scenario file (a NUL ends it early, as it would for a
 * file read as a C string). A refused scenario must give a message that names the
 * origin; an accepted one must hold values inside the limits of ds_sim_scenario.h
 * (they size arrays in the simulator) and give its normalised JSON
 * (ds_sim_scenario_json, written to truth/scenario.json). The simulation itself is
 * not run: its cost grows with the scenario's rates and duration by design.
 */
#include "fuzz_common.h"
#include "sim/ds_sim_scenario.h"

static void fz_check(const ds_sim_scenario *s)
{
    if (s->nmonitors < 1 || s->nmonitors > DS_SIM_MONITORS_MAX)
        abort();
    if (!(s->duration > 0) || memchr(s->name, 0, sizeof s->name) == NULL ||
        memchr(s->description, 0, sizeof s->description) == NULL)
        abort();
    for (int m = 0; m < s->nmonitors; m++)
        if (memchr(s->monitors[m].name, 0, DS_SIM_NAME_MAX) == NULL)
            abort();
    for (size_t i = 0; i < s->nscanners; i++)
        if (s->scanners[i].nports < 1 || s->scanners[i].nports > DS_SIM_PORTS_MAX)
            abort();
    for (size_t i = 0; i < s->nmisconfigs; i++)
        if (s->misconfigs[i].monitor < 0 || s->misconfigs[i].monitor >= s->nmonitors)
            abort();
    (void)ds_sim_response_name(DS_SIM_SYNACK);
    json_t *j = ds_sim_scenario_json(s);
    if (!j)
        abort();
    char *text = json_dumps(j, JSON_COMPACT);
    free(text);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_text(data, size);
    char err[512];
    err[0] = 0;
    ds_sim_scenario *s = ds_sim_scenario_parse(text, "fuzz.json", err, sizeof err);
    if (!s) {
        if (strncmp(err, "fuzz.json", 9) != 0)
            abort(); /* a refusal names the origin */
    } else {
        fz_check(s);
        ds_sim_scenario_free(s);
    }
    free(text);
    return 0;
}
