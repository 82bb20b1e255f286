/*
 * ds_adtest.c — the Anderson–Darling statistic against the uniform distribution
 * (see ds_adtest.h for the formula and its source). The sum pairs the i-th smallest
 * with the i-th largest value, so one sort is all it needs.
 */
#include "model/ds_adtest.h"

#include <math.h>
#include <stdlib.h>

static int ds_ad_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ds_ad_clamp(double u)
{
    if (!(u > 1e-300))
        return 1e-300;
    if (u >= 1.0)
        return 1.0 - 0x1p-53;
    return u;
}

double ds_ad_uniform(double *u, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(u, n, sizeof *u, ds_ad_cmp);
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double lo = ds_ad_clamp(u[i]);
        double hi = ds_ad_clamp(u[n - 1 - i]);
        s += (double)(2 * i + 1) * (log(lo) + log1p(-hi));
    }
    return -(double)n - s / (double)n;
}
