/*
 * ds_changepoint.c — PELT with a Poisson cost scaled for overdispersion (the method
 * and the penalty are explained in ds_changepoint.h).
 *
 * PELT keeps the set R of candidate last change points; a candidate s is dropped
 * once F(s) + C(s, t) > F(t): with a cost that only gets worse when a segment is
 * split less (true of a negative log-likelihood), s can never again be optimal.
 * On series with real changes R stays small and the run is linear.
 */
#include "model/ds_changepoint.h"

#include <math.h>
#include <stdlib.h>

#include "core/ds_common.h"

static int ds_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double ds_changepoint_overdispersion(const double *x, size_t n)
{
    if (n < 3)
        return 1;
    double *r = ds_xmalloc((n - 1) * sizeof *r);
    size_t m = 0;
    for (size_t t = 1; t < n; t++) {
        double s = x[t] + x[t - 1];
        if (s > 0) {
            double d = x[t] - x[t - 1];
            r[m++] = d * d / s;
        }
    }
    double phi = 1;
    if (m >= 5) {
        qsort(r, m, sizeof *r, ds_cmp_double);
        double med = m % 2 ? r[m / 2] : (r[m / 2 - 1] + r[m / 2]) / 2;
        phi = med / 0.4549364231195728;
        if (!(phi >= 1))
            phi = 1;
    }
    free(r);
    return phi;
}

/* Poisson deviance of a constant rate over a segment with sum s and length l. */
static inline double ds_cost(double s, double l)
{
    return s > 0 ? 2 * (s - s * log(s / l)) : 0;
}

size_t ds_changepoint_pelt(const double *x, size_t n, double penalty, ds_segment **segs,
                           double *phi_out)
{
    *segs = NULL;
    if (phi_out)
        *phi_out = 1;
    if (n == 0)
        return 0;
    double phi = ds_changepoint_overdispersion(x, n);
    if (phi_out)
        *phi_out = phi;
    double beta = penalty * log((double)(n > 1 ? n : 2));
    double *cum = ds_xmalloc((n + 1) * sizeof *cum);
    double *F = ds_xmalloc((n + 1) * sizeof *F);
    size_t *last = ds_xmalloc((n + 1) * sizeof *last);
    size_t *R = ds_xmalloc((n + 1) * sizeof *R);
    double *cand = ds_xmalloc((n + 1) * sizeof *cand);
    cum[0] = 0;
    for (size_t i = 0; i < n; i++)
        cum[i + 1] = cum[i] + x[i];
    F[0] = -beta;
    last[0] = 0;
    size_t nr = 1;
    R[0] = 0;
    for (size_t t = 1; t <= n; t++) {
        double best = INFINITY;
        size_t arg = 0;
        for (size_t k = 0; k < nr; k++) {
            size_t s = R[k];
            double v = F[s] + ds_cost(cum[t] - cum[s], (double)(t - s)) / phi + beta;
            cand[k] = v - beta;
            if (v < best) {
                best = v;
                arg = s;
            }
        }
        F[t] = best;
        last[t] = arg;
        size_t w = 0;
        for (size_t k = 0; k < nr; k++)
            if (cand[k] <= F[t])
                R[w++] = R[k];
        R[w++] = t;
        nr = w;
    }
    /* Walk back the optimal partition. */
    size_t nseg = 0;
    for (size_t t = n; t > 0; t = last[t])
        nseg++;
    ds_segment *out = ds_xmalloc(nseg * sizeof *out);
    size_t k = nseg;
    for (size_t t = n; t > 0; t = last[t]) {
        size_t s = last[t];
        out[--k] = (ds_segment){s, t, (cum[t] - cum[s]) / (double)(t - s)};
    }
    free(cum);
    free(F);
    free(last);
    free(R);
    free(cand);
    *segs = out;
    return nseg;
}
