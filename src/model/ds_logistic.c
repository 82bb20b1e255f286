/*
 * ds_logistic.c — non-linear least squares fit of the logistic growth curve with
 * GSL (why GSL and not a hand-written Levenberg-Marquardt: see ds_logistic.h).
 *
 * Starting values matter for a sigmoid: N0 is the last value (the curve is cut at
 * the end of the infection phase, so it is close to saturation), T0 the time the
 * curve crosses half of it, K0 from the time between 10% and 90% of it
 * (2 ln 9 / (t90 - t10) for an exact logistic).
 */
#include "model/ds_logistic.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <string.h>

typedef struct ds_lfdata {
    const double *t, *y;
    size_t n;
} ds_lfdata;

/* 1 / (1 + e^{-z}) without overflow for large |z|. */
static double ds_sigmoid(double z)
{
    if (z >= 0)
        return 1 / (1 + exp(-z));
    double e = exp(z);
    return e / (1 + e);
}

double ds_logistic_eval(const ds_logistic *f, double t)
{
    return f->N * ds_sigmoid(f->K * (t - f->T));
}

static int ds_lf_f(const gsl_vector *p, void *data, gsl_vector *f)
{
    const ds_lfdata *d = data;
    double N = gsl_vector_get(p, 0), K = gsl_vector_get(p, 1), T = gsl_vector_get(p, 2);
    for (size_t i = 0; i < d->n; i++)
        gsl_vector_set(f, i, N * ds_sigmoid(K * (d->t[i] - T)) - d->y[i]);
    return GSL_SUCCESS;
}

static int ds_lf_df(const gsl_vector *p, void *data, gsl_matrix *J)
{
    const ds_lfdata *d = data;
    double N = gsl_vector_get(p, 0), K = gsl_vector_get(p, 1), T = gsl_vector_get(p, 2);
    for (size_t i = 0; i < d->n; i++) {
        double u = d->t[i] - T;
        double s = ds_sigmoid(K * u);
        double ds = s * (1 - s); /* d sigmoid / dz */
        gsl_matrix_set(J, i, 0, s);
        gsl_matrix_set(J, i, 1, N * ds * u);
        gsl_matrix_set(J, i, 2, -N * ds * K);
    }
    return GSL_SUCCESS;
}

/* First time the curve reaches `level`, interpolated linearly. */
static double ds_crossing(const double *t, const double *y, size_t n, double level)
{
    for (size_t i = 0; i < n; i++) {
        if (y[i] >= level) {
            if (i == 0 || y[i] == y[i - 1])
                return t[i];
            return t[i - 1] + (t[i] - t[i - 1]) * (level - y[i - 1]) / (y[i] - y[i - 1]);
        }
    }
    return t[n - 1];
}

int ds_logistic_fit(const double *t, const double *y, size_t n, ds_logistic *out)
{
    memset(out, 0, sizeof *out);
    out->points = n;
    if (n < 4)
        return -1;
    double ymax = y[n - 1], ymin = y[0];
    for (size_t i = 0; i < n; i++) {
        if (y[i] > ymax)
            ymax = y[i];
        if (y[i] < ymin)
            ymin = y[i];
    }
    if (!(ymax > ymin) || !(ymax > 0))
        return -1;
    double t10 = ds_crossing(t, y, n, 0.1 * ymax), t90 = ds_crossing(t, y, n, 0.9 * ymax);
    double p0[3] = {ymax, t90 > t10 ? 2 * log(9.0) / (t90 - t10) : 1.0,
                    ds_crossing(t, y, n, 0.5 * ymax)};

    gsl_set_error_handler_off();
    ds_lfdata d = {t, y, n};
    gsl_multifit_nlinear_fdf fdf = {
        .f = ds_lf_f, .df = ds_lf_df, .fvv = NULL, .n = n, .p = 3, .params = &d};
    gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, n, 3);
    gsl_vector_view x0 = gsl_vector_view_array(p0, 3);
    gsl_multifit_nlinear_init(&x0.vector, &fdf, w);
    int info = 0;
    int st = gsl_multifit_nlinear_driver(500, 1e-10, 1e-10, 1e-12, NULL, NULL, &info, w);
    const gsl_vector *x = gsl_multifit_nlinear_position(w);
    out->N = gsl_vector_get(x, 0);
    out->K = gsl_vector_get(x, 1);
    out->T = gsl_vector_get(x, 2);
    out->iterations = (int)gsl_multifit_nlinear_niter(w);
    out->converged = st == GSL_SUCCESS;

    const gsl_vector *f = gsl_multifit_nlinear_residual(w);
    double ssr;
    gsl_blas_ddot(f, f, &ssr);
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += y[i];
    mean /= (double)n;
    double sst = 0;
    for (size_t i = 0; i < n; i++)
        sst += (y[i] - mean) * (y[i] - mean);
    out->r_squared = sst > 0 ? 1 - ssr / sst : 0;

    gsl_matrix *covar = gsl_matrix_alloc(3, 3);
    gsl_matrix *J = gsl_multifit_nlinear_jac(w);
    if (n > 3 && gsl_multifit_nlinear_covar(J, 0.0, covar) == GSL_SUCCESS) {
        double s2 = ssr / (double)(n - 3);
        out->N_se = sqrt(gsl_matrix_get(covar, 0, 0) * s2);
        out->K_se = sqrt(gsl_matrix_get(covar, 1, 1) * s2);
        out->T_se = sqrt(gsl_matrix_get(covar, 2, 2) * s2);
    }
    gsl_matrix_free(covar);
    gsl_multifit_nlinear_free(w);
    if (!isfinite(out->K) || !isfinite(out->T) || !isfinite(out->N) || out->K <= 0 || out->N <= 0)
        return -1;
    return 0;
}
