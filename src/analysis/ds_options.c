/*
 * ds_options.c — strict parsing of option values shared by all analyzers: the whole
 * string must be a number in range, so "--dos-timeout 30O" is an error, not 30.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/ds_analyzer.h"

int ds_opt_parse_double(const char *value, double min, double max, double *out, char *err,
                        size_t errlen)
{
    char *end;
    errno = 0;
    double v = strtod(value ? value : "", &end);
    if (!value || !*value || *end || errno || !isfinite(v) || v < min || v > max) {
        snprintf(err, errlen, "'%s' is not a number between %g and %g", value ? value : "", min,
                 max);
        return -1;
    }
    *out = v;
    return 0;
}

int ds_opt_parse_u64(const char *value, uint64_t min, uint64_t max, uint64_t *out, char *err,
                     size_t errlen)
{
    char *end;
    errno = 0;
    if (!value || !*value || *value == '-') {
        snprintf(err, errlen, "'%s' is not a whole number", value ? value : "");
        return -1;
    }
    unsigned long long v = strtoull(value, &end, 10);
    if (*end || errno || v < min || v > max) {
        snprintf(err, errlen, "'%s' is not a whole number between %llu and %llu", value,
                 (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

int ds_opt_parse_duration(const char *value, int64_t *out_ns, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double v = strtod(value ? value : "", &end);
    double mult = 1;
    if (value && end != value) {
        if (*end == 's' && end[1] == 0)
            mult = 1;
        else if (*end == 'm' && end[1] == 0)
            mult = 60;
        else if (*end == 'h' && end[1] == 0)
            mult = 3600;
        else if (*end == 'd' && end[1] == 0)
            mult = 86400;
        else if (*end)
            mult = -1;
    }
    double ns = v * mult * 1e9;
    if (!value || end == value || mult < 0 || errno || !isfinite(v) || v < 0 || ns > 9.2e18) {
        snprintf(err, errlen, "'%s' is not a duration (e.g. 300, 300s, 5m, 1h)",
                 value ? value : "");
        return -1;
    }
    *out_ns = (int64_t)llround(ns);
    return 0;
}
