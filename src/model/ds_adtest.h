/*
 * ds_adtest.h — the Anderson–Darling test of uniformity on [0, 1).
 *
 * Used as RFC 2330 §8.2 recommends for "is this sample drawn from that
 * distribution": here, are the telescope addresses a DoS attack hit spread
 * uniformly over the monitors' address space, as they are when the attacker spoofs
 * source addresses uniformly at random (the assumption behind extrapolating
 * backscatter to the whole Internet, Moore et al. 2001)?
 *
 * For a fully specified continuous distribution F (no parameter estimated from the
 * sample: "case 0" in D'Agostino & Stephens, Goodness-of-Fit Techniques, 1986,
 * ch. 4), with u_(1) <= ... <= u_(n) the sorted values F(x_i),
 *
 *     A^2 = -n - (1/n) * sum_{i=1..n} (2i - 1) * [ ln u_(i) + ln(1 - u_(n+1-i)) ]
 *
 * and uniformity is rejected at the 0.05 level when A^2 > 2.492. The case-0 points
 * are the asymptotic ones, which D'Agostino & Stephens give as adequate for n >= 5;
 * the DoS analyzer asks for more (--dos-ad-min-sample, default 20) because a few
 * addresses say little about how an attacker spoofs.
 */
#ifndef DS_ADTEST_H
#define DS_ADTEST_H

#include <stddef.h>

/* Upper-tail 0.05 point of A^2 for a fully specified distribution. */
#define DS_AD_CRIT_05 2.492

/* A^2 of the values u[0..n) (each in (0, 1); values at or beyond the ends are
 * clamped to 1e-300 / 1 - 2^-53 so the logarithms stay finite). Sorts u in place.
 * Returns NaN when n == 0. */
double ds_ad_uniform(double *u, size_t n);

/* True when A^2 does not reject uniformity at the 0.05 level. */
static inline int ds_ad_uniform_ok(double a2)
{
    return a2 <= DS_AD_CRIT_05;
}

#endif
