/*
 * ds_hll.c — HyperLogLog registers and Ertl's improved raw estimator (see ds_hll.h).
 *
 * With m = 2^p registers, q = 64 - p rank bits and C[k] the number of registers
 * holding k, the estimate is
 *
 *     E = alpha_inf * m^2 / ( m*sigma(C[0]/m) + sum_{k=1..q} C[k]*2^-k
 *                             + m*tau(1 - C[q+1]/m)*2^-q )
 *
 * with alpha_inf = 1/(2 ln 2). sigma() corrects for empty registers (it is what
 * makes small counts exact enough without linear counting) and tau() for saturated
 * ones. Both are series that converge in a few dozen terms.
 */
#include "model/ds_hll.h"

#include <math.h>
#include <stdlib.h>

void ds_hll_init(ds_hll *h, unsigned p)
{
    if (p < DS_HLL_MIN_P)
        p = DS_HLL_MIN_P;
    if (p > DS_HLL_MAX_P)
        p = DS_HLL_MAX_P;
    h->p = (uint8_t)p;
    h->reg = ds_xcalloc((size_t)1 << p, 1);
}

void ds_hll_free(ds_hll *h)
{
    free(h->reg);
    h->reg = NULL;
}

size_t ds_hll_bytes(const ds_hll *h)
{
    return h->reg ? ((size_t)1 << h->p) : 0;
}

static double ds_hll_sigma(double x)
{
    if (x == 1.0)
        return INFINITY;
    double y = 1.0, z = x, zp;
    do {
        x *= x;
        zp = z;
        z += x * y;
        y += y;
    } while (zp != z);
    return z;
}

static double ds_hll_tau(double x)
{
    if (x == 0.0 || x == 1.0)
        return 0.0;
    double y = 1.0, z = 1.0 - x, zp;
    do {
        x = sqrt(x);
        zp = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
    } while (zp != z);
    return z / 3.0;
}

double ds_hll_estimate(const ds_hll *h)
{
    unsigned q = 64u - h->p;
    size_t m = (size_t)1 << h->p;
    uint32_t c[66] = {0};
    for (size_t i = 0; i < m; i++)
        c[h->reg[i]]++;
    double md = (double)m;
    double z = md * ds_hll_tau(1.0 - (double)c[q + 1] / md);
    for (unsigned k = q; k >= 1; k--)
        z = 0.5 * (z + (double)c[k]);
    z += md * ds_hll_sigma((double)c[0] / md);
    if (isinf(z))
        return 0.0; /* every register empty */
    return (0.5 / log(2.0)) * md * md / z;
}
