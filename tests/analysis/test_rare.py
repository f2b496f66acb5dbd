"""Subset simulation, brute-force Monte Carlo and binomial intervals against independent truth.

Truth: for a linear limit state ``g(u) = beta - a.u/|a|`` in standard normal
space the failure probability is ``Phi(-beta)`` exactly (the first-order
reliability result, exact for a hyperplane); for ``g(u) = r - |u|`` it is
``P(chi2_d >= r^2)``; both evaluated with scipy.stats. Binomial intervals:
the closed forms for 0 and n failures, the worked examples of Newcombe (1998),
Statistics in Medicine 17(8), 857-872 (doi:10.1002/(SICI)1097-0258(19980430)17:8<857::AID-SIM777>3.0.CO;2-E),
the defining tail-area and score-test equations, and exact coverage sums.

The estimates with a fixed seed are compared with the exact value within 3
reported coefficients of variation. The reported value understates the true
scatter somewhat (the correlation between levels is left out, as in Au & Beck
2001): over 200 seeds 0.5-4.5 % of runs of these cases fall outside 3
reported CoVs, so the seed (1, the first tried) is fixed, not a tolerance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from stuntsim.analysis.rare import (
    SubsetResult,
    brute_force_probability,
    clopper_pearson_interval,
    repeated_subset_simulation,
    subset_simulation,
    wilson_interval,
)

BETA_1E4 = 3.719  # Phi(-3.719) = 1.0e-4
BETA_1E6 = 4.753  # Phi(-4.753) = 1.0e-6
SEED = 1


def linear_limit_state(beta, dimension):
    """g(u) = beta - a.u/|a| with a = (1, 2, ..., d): P(g <= 0) = Phi(-beta)."""
    a = np.arange(1.0, dimension + 1.0)
    a /= np.linalg.norm(a)
    return lambda u: beta - u @ a


@pytest.mark.parametrize("dimension", [2, 10])
@pytest.mark.parametrize("beta", [BETA_1E4, BETA_1E6])
def test_subset_simulation_linear_limit_state_within_three_cov_of_normal_tail(beta, dimension):
    """A hyperplane at distance beta: the estimate is within 3 reported CoVs of Phi(-beta), CoV < 0.3."""
    exact = stats.norm.cdf(-beta)
    result = subset_simulation(linear_limit_state(beta, dimension), dimension, n_per_level=2000, seed=SEED)
    assert result.converged
    assert result.cov < 0.3
    assert abs(result.probability - exact) <= 3.0 * result.cov * exact
    # log10(1/P) / log10(1/p0) levels beyond the first, give or take one
    expected_levels = 1 + round(-math.log10(exact))
    assert expected_levels - 1 <= result.n_levels <= expected_levels + 1
    assert result.thresholds[-1] == 0.0
    assert all(b1 > b2 for b1, b2 in zip(result.thresholds, result.thresholds[1:]))


def test_subset_simulation_modified_metropolis_within_three_cov_of_normal_tail():
    """Au & Beck's modified Metropolis sampler also finds Phi(-3.719) in 10 dimensions within 3 reported CoVs."""
    exact = stats.norm.cdf(-BETA_1E4)
    result = subset_simulation(linear_limit_state(BETA_1E4, 10), 10, n_per_level=2000, seed=SEED, sampler="mma")
    assert result.sampler == "mma"
    assert result.cov < 0.3
    assert abs(result.probability - exact) <= 3.0 * result.cov * exact


def test_subset_simulation_spread_over_seeds_matches_reported_cov():
    """Over 20 seeds at 1e-4 the estimates' scatter agrees with the reported CoV within a factor 2 and lies below
    its fully correlated bound; the mean is unbiased."""
    exact = stats.norm.cdf(-BETA_1E4)
    g = linear_limit_state(BETA_1E4, 2)
    results = [subset_simulation(g, 2, n_per_level=1000, seed=s) for s in range(100, 120)]
    estimates = np.array([r.probability for r in results])
    empirical_cov = estimates.std(ddof=1) / exact
    reported_cov = np.mean([r.cov for r in results])
    assert 0.5 < empirical_cov / reported_cov < 2.0
    # the bound with the levels fully correlated lies above the scatter (measured: 0.25 and 0.36
    # over seeds 100-119 and 200-219, against 0.28 reported and 0.57 for the bound)
    assert all(r.cov <= r.cov_upper for r in results)
    assert empirical_cov < np.mean([r.cov_upper for r in results])
    standard_error = estimates.std(ddof=1) / math.sqrt(estimates.size)
    assert abs(estimates.mean() - exact) < 3.0 * standard_error


def test_repeated_subset_simulation_measured_cov_is_calibrated_against_the_exact_probability():
    """Eight repeated estimates (10 runs each, seeds 1000 + 10 j + k) at 1e-4: each mean's error from
    Phi(-beta), in units of its measured coefficient of variation, behaves like a standard normal
    draw (every |z| below 3.5, their root mean square between 0.5 and 2); the runs are those of
    subset_simulation with the same seeds."""
    exact = stats.norm.cdf(-BETA_1E4)
    g = linear_limit_state(BETA_1E4, 2)
    repeated = [repeated_subset_simulation(g, 2, repeats=10, seed=1000 + 10 * j, n_per_level=1000) for j in range(8)]
    first = repeated[0]
    assert [r.seed for r in first.runs] == list(range(1000, 1010))
    assert first.runs[3].probability == subset_simulation(g, 2, n_per_level=1000, seed=1003).probability
    assert first.probability == pytest.approx(np.mean([r.probability for r in first.runs]), rel=1e-12)
    assert first.n_evaluations == sum(r.n_evaluations for r in first.runs)
    z = np.array([(r.probability - exact) / (r.cov * r.probability) for r in repeated])
    assert np.all(np.abs(z) < 3.5), z
    assert 0.5 < math.sqrt(np.mean(z**2)) < 2.0, z
    with pytest.raises(ValueError, match="repeats"):
        repeated_subset_simulation(g, 2, repeats=1)


@pytest.mark.parametrize("dimension", [2, 10])
def test_subset_simulation_outside_sphere_matches_chi_square_tail(dimension):
    """g = r - |u|: the estimate of P(|U|^2 >= r^2) = chi2.sf(r^2, d) ~ 1e-5 is within 3 reported CoVs."""
    radius = math.sqrt(stats.chi2.isf(1e-5, dimension))
    exact = stats.chi2.sf(radius**2, dimension)
    result = subset_simulation(lambda u: radius - np.linalg.norm(u, axis=1), dimension, n_per_level=2000, seed=SEED)
    assert result.cov < 0.3
    assert abs(result.probability - exact) <= 3.0 * result.cov * exact


def test_subset_simulation_nan_limit_state_counts_as_failure():
    """NaN beyond the hyperplane (an unevaluable flight) is counted as failure: the estimate still finds Phi(-beta)."""
    exact = stats.norm.cdf(-BETA_1E4)

    def g(u):
        margin = BETA_1E4 - u[:, 0]
        return np.where(margin <= 0.0, np.nan, margin)

    result = subset_simulation(g, 3, n_per_level=2000, seed=SEED)
    assert result.converged
    assert abs(result.probability - exact) <= 3.0 * result.cov * exact


def test_subset_simulation_frequent_failure_returns_plain_monte_carlo():
    """With P = Phi(-1) = 0.159 > p0 the first level already has p0 N failures: one level, binomial estimate and CoV."""
    n = 2000
    exact = stats.norm.cdf(-1.0)
    result = subset_simulation(lambda u: 1.0 - u[:, 0], 2, n_per_level=n, seed=SEED)
    assert result.n_levels == 1
    assert result.n_evaluations == n
    assert result.thresholds == (0.0,)
    failures = round(result.probability * n)
    assert result.probability == failures / n
    assert result.cov == pytest.approx(math.sqrt((1 - result.probability) / (n * result.probability)), rel=1e-12)
    assert result.cov_upper == result.cov
    low, high = clopper_pearson_interval(failures, n, 0.999)
    assert low <= exact <= high


def test_subset_simulation_limit_state_called_in_whole_batches():
    """One call per chain step of all chains: 1 + (1/p0 - 1) calls per further level; rows add to n_evaluations."""
    sizes = []
    g0 = linear_limit_state(BETA_1E4, 4)

    def g(u):
        sizes.append(u.shape[0])
        assert u.shape[1] == 4
        return g0(u)

    n, p0 = 1000, 0.1
    result = subset_simulation(g, 4, n_per_level=n, p0=p0, seed=SEED)
    assert sizes[0] == n
    assert len(sizes) == 1 + round(1 / p0 - 1) * (result.n_levels - 1)
    assert min(sizes) >= 50
    assert sum(sizes) == result.n_evaluations


def test_subset_simulation_pointwise_limit_state_gives_same_result():
    """batch_limit_state=False with a scalar function gives exactly the batched result."""
    beta, d = BETA_1E4, 3
    batched = subset_simulation(linear_limit_state(beta, d), d, n_per_level=500, seed=7)
    a = np.arange(1.0, d + 1.0) / np.linalg.norm(np.arange(1.0, d + 1.0))
    pointwise = subset_simulation(lambda x: beta - float(x @ a), d, n_per_level=500, seed=7, batch_limit_state=False)
    assert pointwise == batched


def test_subset_simulation_same_seed_identical_other_seed_different():
    """The same seed reproduces the SubsetResult exactly; another seed gives another estimate."""
    g = linear_limit_state(BETA_1E4, 5)
    first = subset_simulation(g, 5, n_per_level=1000, seed=42)
    again = subset_simulation(g, 5, n_per_level=1000, seed=42)
    other = subset_simulation(g, 5, n_per_level=1000, seed=43)
    assert isinstance(first, SubsetResult)
    assert first == again
    assert first.seed == 42
    assert other.probability != first.probability
    assert other.thresholds != first.thresholds


def test_subset_simulation_max_levels_exhausted_warns_and_flags():
    """At 1e-6 with only 3 levels allowed the run warns, says it did not converge, and never overstates precision."""
    with pytest.warns(RuntimeWarning, match="did not reach the failure domain"):
        result = subset_simulation(linear_limit_state(BETA_1E6, 2), 2, n_per_level=1000, seed=SEED, max_levels=3)
    assert not result.converged
    assert result.n_levels == 3
    assert result.probability < 1e-3


def test_subset_simulation_constant_limit_state_stalls_with_warning():
    """A limit state that is the same everywhere (never failing) stops at once with probability 0 and a warning."""
    with pytest.warns(RuntimeWarning, match="stopped falling"):
        result = subset_simulation(lambda u: np.ones(u.shape[0]), 2, n_per_level=500, seed=SEED)
    assert not result.converged
    assert result.probability == 0.0
    assert math.isinf(result.cov)


@pytest.mark.parametrize(
    "kwargs",
    [{"p0": 0.0}, {"p0": 0.7}, {"n_per_level": 5}, {"max_levels": 0}, {"sampler": "gibbs"}, {"dimension": 0}],
)
def test_subset_simulation_bad_arguments_raise_value_error(kwargs):
    """Out-of-range p0, too few samples, no levels, an unknown sampler or no dimension raise ValueError."""
    args = {"dimension": 2, **kwargs}
    dimension = args.pop("dimension")
    with pytest.raises(ValueError):
        subset_simulation(lambda u: 1.0 - u[:, 0], dimension, **args)


def test_subset_simulation_wrong_output_shape_raises_value_error():
    """A limit state returning (m, 1) instead of (m,) is rejected with ValueError."""
    with pytest.raises(ValueError, match="shape"):
        subset_simulation(lambda u: u[:, :1], 2, n_per_level=100)


def test_brute_force_linear_one_percent_within_binomial_interval():
    """Plain Monte Carlo of Phi(-2.326) ~ 1e-2 with 200 000 samples covers the exact value in its 99 % interval."""
    beta = 2.326
    exact = stats.norm.cdf(-beta)
    p, failures, n = brute_force_probability(linear_limit_state(beta, 3), 3, 200_000, seed=SEED, batch=30_000)
    assert n == 200_000
    assert p == failures / n
    low, high = clopper_pearson_interval(failures, n, 0.99)
    assert low <= exact <= high


def test_brute_force_nan_counts_as_failure_and_batches_agree():
    """An all-NaN limit state fails every sample; the batch size does not change the count."""
    assert brute_force_probability(lambda u: np.full(u.shape[0], np.nan), 2, 1000, seed=0) == (1.0, 1000, 1000)
    g = linear_limit_state(2.0, 2)
    assert brute_force_probability(g, 2, 10_000, seed=3, batch=10_000) == brute_force_probability(
        g, 2, 10_000, seed=3, batch=3_000
    )


@pytest.mark.parametrize("n", [1, 20, 300])
def test_clopper_pearson_zero_and_all_failures_match_closed_form(n):
    """0 of n: upper = 1 - (alpha/2)^(1/n); n of n: lower = (alpha/2)^(1/n); alpha = 0.05."""
    alpha = 0.05
    assert clopper_pearson_interval(0, n) == pytest.approx((0.0, 1.0 - (alpha / 2) ** (1 / n)), rel=1e-10)
    assert clopper_pearson_interval(n, n) == pytest.approx(((alpha / 2) ** (1 / n), 1.0), rel=1e-10)


@pytest.mark.parametrize("n", [1, 20, 300])
def test_wilson_zero_failures_matches_closed_form(n):
    """0 of n: Wilson interval is [0, z^2 / (n + z^2)] with z = 1.959964 (95 %)."""
    z = 1.959963984540054
    assert wilson_interval(0, n) == pytest.approx((0.0, z * z / (n + z * z)), rel=1e-10, abs=1e-15)


@pytest.mark.parametrize(
    ("failures", "n", "wilson", "clopper_pearson"),
    [
        # Newcombe (1998) worked examples, 95 % intervals, method 3 (score) and method 5 (exact)
        (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
        (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
        (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),
        (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
    ],
)
def test_intervals_match_newcombe_1998_examples(failures, n, wilson, clopper_pearson):
    """Wilson and Clopper-Pearson 95 % intervals agree with Newcombe's published values to 4 decimals."""
    assert wilson_interval(failures, n) == pytest.approx(wilson, abs=6e-5)
    assert clopper_pearson_interval(failures, n) == pytest.approx(clopper_pearson, abs=6e-5)


@pytest.mark.parametrize(("failures", "n"), [(1, 10), (7, 50), (37, 1000)])
def test_intervals_satisfy_defining_equations(failures, n):
    """CP bounds put alpha/2 in each binomial tail; Wilson bounds solve |x/n - p| = z sqrt(p(1-p)/n)."""
    alpha = 0.10
    low, high = clopper_pearson_interval(failures, n, 1 - alpha)
    assert stats.binom.sf(failures - 1, n, low) == pytest.approx(alpha / 2, rel=1e-8)
    assert stats.binom.cdf(failures, n, high) == pytest.approx(alpha / 2, rel=1e-8)
    z = stats.norm.isf(alpha / 2)
    for p in wilson_interval(failures, n, 1 - alpha):
        assert abs(failures / n - p) == pytest.approx(z * math.sqrt(p * (1 - p) / n), rel=1e-9)


def test_interval_exact_coverage_clopper_pearson_never_below_wilson_near_nominal():
    """Exact coverage at n = 50: Clopper-Pearson >= 95 % for every p; Wilson's mean over p within 1 % of 95 %."""
    n = 50
    x = np.arange(n + 1)
    cp = np.array([clopper_pearson_interval(k, n) for k in x])
    wi = np.array([wilson_interval(k, n) for k in x])
    grid = np.linspace(0.01, 0.99, 197)
    cp_cover = [stats.binom.pmf(x, n, p)[(cp[:, 0] <= p) & (p <= cp[:, 1])].sum() for p in grid]
    wi_cover = [stats.binom.pmf(x, n, p)[(wi[:, 0] <= p) & (p <= wi[:, 1])].sum() for p in grid]
    assert min(cp_cover) >= 0.95 - 1e-12
    assert abs(np.mean(wi_cover) - 0.95) < 0.01


@pytest.mark.parametrize(("failures", "n", "confidence"), [(-1, 10, 0.95), (11, 10, 0.95), (0, 0, 0.95), (1, 10, 1.0)])
def test_intervals_bad_arguments_raise_value_error(failures, n, confidence):
    """Failures outside 0..n, no trials, or confidence outside (0, 1) raise ValueError."""
    with pytest.raises(ValueError):
        wilson_interval(failures, n, confidence)
    with pytest.raises(ValueError):
        clopper_pearson_interval(failures, n, confidence)
