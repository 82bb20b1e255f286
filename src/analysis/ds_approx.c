/*
 * ds_approx.c — the head of the "approximate" object that an analyzer's summary
 * carries once --max-memory made it degrade (docs/FORMATS.md, "approximate"): what
 * became approximate, since when, under which bound. Each analyzer appends its own
 * counts (eviction rounds, what was evicted) after these three keys.
 */
#include "analysis/ds_analyzer.h"

json_t *ds_approx_json(const ds_ctx *ctx, const char *what, int64_t since_ns)
{
    json_t *a = json_object();
    json_object_set_new(a, "what", json_string(what));
    char tb[DS_TIME_STRLEN];
    json_object_set_new(a, "since", json_string(ds_time_format(since_ns, tb)));
    json_object_set_new(a, "max_memory_bytes", json_integer((json_int_t)ctx->max_memory));
    return a;
}
