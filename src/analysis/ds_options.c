/*
 * ds_options.c — strict parsing of option values shared by all analyzers: the whole
 * string must be a number in range, so "--dos-timeout 30O" is an error, not 30.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int ds_opt_parse_size(const char *value, uint64_t min, uint64_t *out, char *err, size_t errlen)
{
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {{"", 0},    {"B", 0},    {"K", 10},  {"KB", 10},  {"KiB", 10},
                 {"k", 10},  {"M", 20},   {"MB", 20}, {"MiB", 20}, {"G", 30},
                 {"GB", 30}, {"GiB", 30}, {"T", 40},  {"TB", 40},  {"TiB", 40}};
    char *end;
    errno = 0;
    if (!value || !*value || *value == '-' || *value == '+') {
        snprintf(err, errlen, "'%s' is not a size (e.g. 256M, 2G, 512MiB)", value ? value : "");
        return -1;
    }
    unsigned long long v = strtoull(value, &end, 10);
    int unit = -1;
    for (size_t i = 0; end != value && i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].suffix) == 0)
            unit = (int)i;
    if (unit < 0 || errno || (units[unit].shift && v > (UINT64_MAX >> units[unit].shift))) {
        snprintf(err, errlen, "'%s' is not a size (e.g. 256M, 2G, 512MiB)", value);
        return -1;
    }
    uint64_t bytes = (uint64_t)v << units[unit].shift;
    if (bytes < min) {
        snprintf(err, errlen, "'%s' is less than the smallest bound, %llu MiB", value,
                 (unsigned long long)(min >> 20));
        return -1;
    }
    *out = bytes;
    return 0;
}
