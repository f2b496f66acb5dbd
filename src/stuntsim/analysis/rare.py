"""Rare-event probabilities: subset simulation, brute-force Monte Carlo and binomial intervals.

A plan's failure probability is ``P(g(U) <= 0)`` where ``U`` is a vector of
independent standard normal variables (the scenario's uncertainties mapped to
standard normal space) and ``g`` a limit-state function: the least relative
safety margin of one simulated flight. Plain Monte Carlo needs about
``100 / P`` flights for a 10 % coefficient of variation, which is out of reach
at ``P ~ 1e-6``. Subset simulation (Au & Beck 2001) writes the failure
probability as a product of larger conditional probabilities,

    P(F) = P(F_1) * prod_{i=2}^{m} P(F_i | F_{i-1}),
    F_i = {g(u) <= b_i},  b_1 > b_2 > ... > b_m = 0,

choosing each threshold ``b_i`` adaptively so that every factor is about
``p0`` (0.1), and samples each conditional level with Markov chains started
from the failure samples of the level before.

The limit state is always called with whole batches: all samples of the first
level at once, then all Markov chains of one step at once, because in stuntsim
one call runs an ensemble of flight simulations.

A limit state value of NaN counts as a failure, at every level: a flight that
could not be evaluated is not shown to be safe.

References
----------
.. [1] Au, S.-K. and Beck, J. L. (2001). Estimation of small failure
   probabilities in high dimensions by subset simulation. Probabilistic
   Engineering Mechanics 16(4), 263-277. doi:10.1016/S0266-8920(01)00019-4
.. [2] Papaioannou, I., Betz, W., Zwirglmaier, K. and Straub, D. (2015).
   MCMC algorithms for subset simulation. Probabilistic Engineering Mechanics
   41, 89-103. doi:10.1016/j.probengmech.2015.06.006
.. [3] Wilson, E. B. (1927). Probable inference, the law of succession, and
   statistical inference. Journal of the American Statistical Association
   22(158), 209-212. doi:10.1080/01621459.1927.10502953
.. [4] Clopper, C. J. and Pearson, E. S. (1934). The use of confidence or
   fiducial limits illustrated in the case of the binomial. Biometrika 26(4),
   404-413. doi:10.1093/biomet/26.4.404
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "RepeatedSubsetResult",
    "SubsetResult",
    "brute_force_probability",
    "clopper_pearson_interval",
    "repeated_subset_simulation",
    "subset_simulation",
    "wilson_interval",
]

LimitState = Callable[[np.ndarray], np.ndarray]

#: Target acceptance rate of the adaptive conditional sampler, [2] (the optimal rate for
#: one-dimensional random-walk proposals).
ACS_TARGET_ACCEPTANCE = 0.44
#: Initial scaling of the adaptive conditional sampler [-], as in [2].
ACS_INITIAL_SCALE = 0.6
#: Half-width of the modified Metropolis uniform proposal per component [-]
#: (a uniform proposal of width 2, as in [1]'s examples).
MMA_HALF_WIDTH = 1.0

SAMPLERS = ("acs", "mma")


@dataclass(frozen=True)
class SubsetResult:
    """Result of :func:`subset_simulation`.

    Attributes
    ----------
    probability : float
        Estimate of ``P(g(U) <= 0)`` [-].
    cov : float
        Estimated coefficient of variation of the estimator [-],
        ``sqrt(sum_i delta_i^2)`` with ``delta_i^2 = (1 - p_i) / (p_i N) (1 + gamma_i)``
        ([1], statistical properties of the estimator), ``gamma_i`` the correlation factor of the
        Markov chains at level ``i`` (0 at the first, Monte Carlo, level). It takes the levels'
        factors as uncorrelated, which they are not (each level's seeds come from the last),
        so it tends to understate the scatter. ``inf`` when the last level saw no failure.
    cov_upper : float
        Upper bound of that coefficient of variation, ``sum_i delta_i``: the levels' factors
        fully correlated ([1], statistical properties of the estimator). Equal to ``cov`` with
        one level.
    thresholds : tuple of float
        Thresholds ``b_1 > b_2 > ... > 0`` of the limit state, one per level;
        the last is always 0 (the failure domain itself).
    level_probabilities : tuple of float
        The estimated factors ``P(F_1), P(F_2 | F_1), ...`` [-], one per threshold.
    n_evaluations : int
        Number of limit-state evaluations (samples, not calls).
    n_levels : int
        Number of levels (sampling stages), equal to ``len(thresholds)``.
    seed : int
        Seed of ``numpy.random.default_rng`` that produced the result.
    converged : bool
        False when ``max_levels`` ran out, or the thresholds stopped falling,
        before the failure domain was reached; ``probability`` is then the
        product of the levels' factors times the fraction of failures seen at
        the last level, which may be 0.
    sampler : str
        The Markov chain sampler: ``"acs"`` or ``"mma"``.
    """

    probability: float
    cov: float
    cov_upper: float
    thresholds: tuple[float, ...]
    level_probabilities: tuple[float, ...]
    n_evaluations: int
    n_levels: int
    seed: int
    converged: bool = True
    sampler: str = "acs"


@dataclass(frozen=True)
class RepeatedSubsetResult:
    """Independent subset simulations of one limit state (:func:`repeated_subset_simulation`).

    The estimate is the runs' mean, and its coefficient of variation is measured from how the
    runs scatter, not taken from the Au & Beck formula, which can understate it (on the
    Helsetkopen clearance a single run reports 0.20 where runs scatter by 0.26 to 0.39,
    docs/risk.md).

    Attributes
    ----------
    runs : tuple of SubsetResult
        One per seed, ``seed, seed + 1, ...``.
    """

    runs: tuple[SubsetResult, ...]

    @property
    def estimates(self) -> np.ndarray:
        """Each run's probability [-]."""
        return np.array([r.probability for r in self.runs])

    @property
    def probability(self) -> float:
        """The runs' mean [-]."""
        return float(self.estimates.mean())

    @property
    def scatter(self) -> float:
        """The coefficient of variation of one run, measured: the runs' sample standard deviation over their mean [-]."""
        p = self.estimates
        return float(p.std(ddof=1) / p.mean()) if p.mean() > 0 else math.inf

    @property
    def cov(self) -> float:
        """The mean's coefficient of variation, measured: ``scatter / sqrt(len(runs))`` [-]."""
        return self.scatter / math.sqrt(len(self.runs))

    @property
    def reported_cov(self) -> float:
        """What the runs' own Au & Beck coefficients claim for one run, on average [-] (compare with ``scatter``)."""
        return float(np.mean([r.cov for r in self.runs]))

    @property
    def n_evaluations(self) -> int:
        return sum(r.n_evaluations for r in self.runs)

    @property
    def converged(self) -> bool:
        """Every run reached the failure domain."""
        return all(r.converged for r in self.runs)


def repeated_subset_simulation(
    limit_state: LimitState, dimension: int, *, repeats: int = 10, seed: int = 0, **options
) -> RepeatedSubsetResult:
    """Run :func:`subset_simulation` ``repeats`` times with seeds ``seed, seed + 1, ...``.

    ``options`` are :func:`subset_simulation`'s. The mean of the runs is the estimate and
    their scatter measures its coefficient of variation (:class:`RepeatedSubsetResult`), at
    ``repeats`` times the cost of one run. Raises ValueError for fewer than 2 repeats, where
    no scatter can be measured.
    """
    if repeats < 2:
        raise ValueError(f"repeats must be at least 2 to measure the scatter, got {repeats}")
    return RepeatedSubsetResult(tuple(
        subset_simulation(limit_state, dimension, seed=seed + k, **options) for k in range(repeats)
    ))


def _evaluate(limit_state: LimitState, u: np.ndarray, batch_limit_state: bool) -> np.ndarray:
    """Limit state of a batch of points, NaN mapped to -inf (a failure at every threshold)."""
    m = u.shape[0]
    if m == 0:
        return np.empty(0)
    view = u.view()
    view.flags.writeable = False
    if batch_limit_state:
        g = np.asarray(limit_state(view), dtype=float)
    else:
        g = np.array([float(limit_state(row)) for row in view], dtype=float)
    if g.shape != (m,):
        raise ValueError(f"limit_state returned shape {g.shape} for {m} points; expected ({m},)")
    return np.where(np.isnan(g), -np.inf, g)


def _chain_correlation_factor(indicator: np.ndarray, lengths: np.ndarray) -> float:
    """Correlation factor ``gamma`` of an indicator along Markov chains, as in [1].

    ``indicator`` holds the samples chain after chain; chain ``j`` has
    ``lengths[j]`` samples. With equal lengths ``N_s`` and ``N_c`` chains this is
    ``gamma = 2 sum_{k=1}^{N_s-1} (1 - k N_c / N) rho(k)``; with unequal lengths
    the weight ``1 - k N_c / N`` becomes ``n_k / N``, ``n_k`` the number of
    sample pairs ``k`` steps apart in one chain.
    """
    n = indicator.size
    p = indicator.mean()
    r0 = p * (1.0 - p)
    max_len = int(lengths.max())
    if max_len < 2 or r0 <= 0.0:
        return 0.0
    padded = np.zeros((lengths.size, max_len))
    valid = np.arange(max_len)[None, :] < lengths[:, None]
    padded[valid] = indicator
    gamma = 0.0
    for k in range(1, max_len):
        n_pairs = int(np.maximum(lengths - k, 0).sum())
        r_k = float((padded[:, :-k] * padded[:, k:]).sum()) / n_pairs - p * p
        gamma += 2.0 * (n_pairs / n) * (r_k / r0)
    return gamma


def _level_delta2(indicator: np.ndarray, lengths: np.ndarray) -> float:
    """Squared coefficient of variation of one level's factor, as in [1]."""
    n = indicator.size
    p = indicator.mean()
    if p <= 0.0:
        return math.inf
    return (1.0 - p) / (p * n) * (1.0 + _chain_correlation_factor(indicator, lengths))


def _run_chains(limit_state, seeds_u, seeds_g, threshold, lengths, rng, sampler, scale, batch_limit_state):
    """Advance one Markov chain per seed, all chains of one step in one call.

    Returns the samples chain after chain (seed first), their limit state, the
    number of evaluations and the sampler's scale at the end of the level.
    """
    n_chains, dim = seeds_u.shape
    max_len = int(lengths.max())
    chain_u = np.empty((n_chains, max_len, dim))
    chain_g = np.empty((n_chains, max_len))
    u = seeds_u.copy()
    g = seeds_g.copy()
    chain_u[:, 0] = u
    chain_g[:, 0] = g
    if n_chains > 1:
        spread = seeds_u.std(axis=0, ddof=1)
        spread = np.where(spread > 0.0, spread, 1.0)
    else:
        spread = np.ones(dim)
    n_eval = 0
    for step in range(1, max_len):
        active = lengths > step
        ua = u[active]
        if sampler == "acs":
            # [2], adaptive conditional sampling: conditional normal proposal, reversible with respect
            # to the standard normal, so only the failure-domain check can reject.
            sigma = np.minimum(scale * spread, 1.0)
            rho = np.sqrt(1.0 - sigma**2)
            candidate = rho * ua + sigma * rng.standard_normal(ua.shape)
            moved = np.ones(ua.shape[0], dtype=bool)
        else:
            # [1]: modified Metropolis, one accept/reject per component.
            xi = ua + rng.uniform(-MMA_HALF_WIDTH, MMA_HALF_WIDTH, ua.shape)
            ratio = np.exp(-0.5 * (xi**2 - ua**2))
            take = rng.random(ua.shape) < ratio
            candidate = np.where(take, xi, ua)
            moved = take.any(axis=1)
        gc = np.empty(ua.shape[0])
        gc[moved] = _evaluate(limit_state, candidate[moved], batch_limit_state)
        n_eval += int(moved.sum())
        accept = moved.copy()
        accept[moved] = gc[moved] <= threshold
        ga = g[active]
        u[active] = np.where(accept[:, None], candidate, ua)
        g[active] = np.where(accept, gc, ga)
        chain_u[active, step] = u[active]
        chain_g[active, step] = g[active]
        if sampler == "acs":
            rate = float(accept.mean())
            scale = math.exp(math.log(scale) + (rate - ACS_TARGET_ACCEPTANCE) / math.sqrt(step))
    valid = np.arange(max_len)[None, :] < lengths[:, None]
    return chain_u[valid], chain_g[valid], n_eval, scale


def subset_simulation(
    limit_state: LimitState,
    dimension: int,
    *,
    n_per_level: int = 2000,
    p0: float = 0.1,
    seed: int = 0,
    max_levels: int = 20,
    batch_limit_state: bool = True,
    sampler: str = "acs",
) -> SubsetResult:
    """Estimate a small probability ``P(g(U) <= 0)`` by subset simulation.

    Parameters
    ----------
    limit_state : callable
        ``g(u)`` of an array ``(m, dimension)`` of standard normal points,
        returning ``(m,)`` values [any unit]; failure where ``g <= 0``, and
        where ``g`` is NaN. With ``batch_limit_state=False`` it takes one point
        ``(dimension,)`` and returns a scalar.
    dimension : int
        Number of independent standard normal variables [-].
    n_per_level : int, optional
        Samples per level ``N`` [-]. The first level costs ``N`` evaluations,
        every further level about ``(1 - p0) N``.
    p0 : float, optional
        Target conditional probability of each intermediate level [-], in
        ``(0, 0.5]``; [1] recommends 0.1 to 0.3.
    seed : int, optional
        Seed of ``numpy.random.default_rng``, the only source of randomness.
    max_levels : int, optional
        Most levels to run [-]; probabilities below about ``p0**max_levels``
        cannot be reached.
    batch_limit_state : bool, optional
        Whether ``limit_state`` takes whole batches (the default) or one point.
    sampler : {"acs", "mma"}, optional
        Markov chain sampler: ``"acs"``, adaptive conditional sampling in
        standard normal space ([2], adaptive variant, target acceptance 0.44, initial
        scale 0.6), or ``"mma"``, the modified Metropolis algorithm of [1] with
        a uniform proposal of width 2 per component.

    Returns
    -------
    SubsetResult
        Estimate, its coefficient of variation, thresholds, level factors,
        evaluation count, seed and whether the failure domain was reached.

    Raises
    ------
    ValueError
        On a bad argument, or a limit state returning the wrong shape.

    Notes
    -----
    Level 1 is plain Monte Carlo with ``N`` samples. While fewer than
    ``N_c = round(p0 N)`` samples fail, the next threshold ``b`` is the
    ``N_c``-th smallest limit-state value; the samples with ``g <= b`` (``N_c``
    of them, more on ties) seed Markov chains whose lengths add up to ``N``,
    each chain including its seed, as in [1]. The level's factor is the
    fraction of its samples with ``g <= b``. When at least ``N_c`` samples of a
    level fail, the last factor is their fraction and the run stops; so if the
    first level already has ``N_c`` failures the result is the plain Monte
    Carlo estimate.

    The chains of a level advance together: one step of all chains is one
    call of ``limit_state``. With ``"acs"`` the proposal for component ``k``
    is normal with mean ``rho_k u_k`` and standard deviation
    ``sigma_k = min(lambda s_k, 1)``, ``rho_k = sqrt(1 - sigma_k^2)``, ``s_k``
    the seeds' sample standard deviation; the scale ``lambda`` follows
    ``log lambda <- log lambda + (a - 0.44) / sqrt(t)`` after chain step
    ``t`` with ``a`` the step's acceptance rate over all chains (in [2] the
    update comes after each group of chains; here, after each step of all of
    them) and carries over to the next level.

    The coefficient of variation adds the levels' squared coefficients of
    variation, ignoring the correlation between levels (as [1]
    does, noting it), so it tends to understate the true scatter somewhat.
    The estimator's bias is of order ``1 / N`` [1].

    References
    ----------
    See the module docstring: [1] Au & Beck (2001), [2] Papaioannou et al. (2015).
    """
    dimension = operator.index(dimension)
    n_per_level = operator.index(n_per_level)
    seed = operator.index(seed)
    max_levels = operator.index(max_levels)
    if dimension < 1:
        raise ValueError(f"dimension must be >= 1, got {dimension}")
    if not 0.0 < p0 <= 0.5:
        raise ValueError(f"p0 must be in (0, 0.5], got {p0}")
    n_seeds = int(round(p0 * n_per_level))
    if n_seeds < 1 or n_seeds >= n_per_level:
        raise ValueError(f"p0 * n_per_level must round to 1 .. n_per_level - 1, got {p0} * {n_per_level}")
    if max_levels < 1:
        raise ValueError(f"max_levels must be >= 1, got {max_levels}")
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; expected one of {SAMPLERS}")

    rng = np.random.default_rng(seed)
    n = n_per_level
    u = rng.standard_normal((n, dimension))
    g = _evaluate(limit_state, u, batch_limit_state)
    n_evaluations = n
    lengths = np.ones(n, dtype=int)  # level 1: independent samples
    scale = ACS_INITIAL_SCALE

    thresholds: list[float] = []
    factors: list[float] = []
    deltas2: list[float] = []  # squared coefficient of variation of each level's factor
    converged = True
    while True:
        failed = g <= 0.0
        n_failed = int(failed.sum())
        if n_failed >= n_seeds:
            thresholds.append(0.0)
            factors.append(n_failed / n)
            deltas2.append(_level_delta2(failed.astype(float), lengths))
            break
        b = float(np.sort(g)[n_seeds - 1])
        at_level = g <= b
        n_at = int(at_level.sum())
        stalled = n_at == n or (thresholds and b >= thresholds[-1])
        if len(thresholds) + 1 >= max_levels or stalled:
            converged = False
            thresholds.append(0.0)
            factors.append(n_failed / n)
            deltas2.append(_level_delta2(failed.astype(float), lengths))
            reason = "the thresholds stopped falling" if stalled else f"max_levels={max_levels} ran out"
            warnings.warn(
                f"subset simulation did not reach the failure domain ({reason}); "
                f"{n_failed} failures of {n} at the last level",
                RuntimeWarning,
                stacklevel=2,
            )
            break
        thresholds.append(b)
        factors.append(n_at / n)
        deltas2.append(_level_delta2(at_level.astype(float), lengths))
        lengths = np.full(n_at, n // n_at) + (np.arange(n_at) < n % n_at)
        u, g, n_new, scale = _run_chains(
            limit_state, u[at_level], g[at_level], b, lengths, rng, sampler, scale, batch_limit_state
        )
        n_evaluations += n_new

    probability = float(np.prod(factors))
    delta2 = sum(deltas2)
    cov = math.sqrt(delta2) if math.isfinite(delta2) else math.inf
    cov_upper = sum(math.sqrt(d) for d in deltas2)
    return SubsetResult(
        probability=probability,
        cov=cov,
        cov_upper=cov_upper,
        thresholds=tuple(float(t) for t in thresholds),
        level_probabilities=tuple(float(f) for f in factors),
        n_evaluations=n_evaluations,
        n_levels=len(thresholds),
        seed=seed,
        converged=converged,
        sampler=sampler,
    )


def brute_force_probability(
    limit_state: LimitState,
    dimension: int,
    n: int,
    seed: int,
    *,
    batch: int = 100_000,
) -> tuple[float, int, int]:
    """Estimate ``P(g(U) <= 0)`` by plain Monte Carlo in standard normal space.

    Parameters
    ----------
    limit_state : callable
        ``g(u)`` of an array ``(m, dimension)`` returning ``(m,)`` [any unit];
        failure where ``g <= 0`` or NaN.
    dimension : int
        Number of independent standard normal variables [-].
    n : int
        Number of samples [-].
    seed : int
        Seed of ``numpy.random.default_rng``.
    batch : int, optional
        Most points per call of ``limit_state`` [-].

    Returns
    -------
    probability : float
        ``failures / n`` [-].
    failures : int
        Number of samples with ``g <= 0`` or NaN [-].
    n : int
        Number of samples [-]; with ``failures``, input to
        :func:`wilson_interval` or :func:`clopper_pearson_interval`.
    """
    dimension = operator.index(dimension)
    n = operator.index(n)
    batch = operator.index(batch)
    if dimension < 1 or n < 1 or batch < 1:
        raise ValueError(f"dimension, n and batch must be >= 1, got {dimension}, {n}, {batch}")
    rng = np.random.default_rng(seed)
    failures = 0
    done = 0
    while done < n:
        m = min(batch, n - done)
        g = _evaluate(limit_state, rng.standard_normal((m, dimension)), True)
        failures += int((g <= 0.0).sum())
        done += m
    return failures / n, failures, n


def _check_binomial(failures: int, n: int, confidence: float) -> tuple[int, int]:
    failures = operator.index(failures)
    n = operator.index(n)
    if n < 1 or not 0 <= failures <= n:
        raise ValueError(f"need 0 <= failures <= n and n >= 1, got failures={failures}, n={n}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return failures, n


def wilson_interval(failures: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    failures : int
        Number of failures ``x`` [-].
    n : int
        Number of trials [-].
    confidence : float, optional
        Two-sided confidence level ``1 - alpha`` [-].

    Returns
    -------
    low, high : float
        Interval bounds [-].

    Notes
    -----
    With ``p = x / n`` and ``z`` the ``1 - alpha/2`` standard normal quantile,

        (p + z^2/(2n) -+ z sqrt(p (1 - p) / n + z^2 / (4 n^2))) / (1 + z^2 / n),

    which gives ``[0, z^2 / (n + z^2)]`` for ``x = 0``. Its coverage swings
    about the nominal level; use :func:`clopper_pearson_interval` for a
    guaranteed minimum.

    References
    ----------
    .. [1] Wilson (1927), doi:10.1080/01621459.1927.10502953
    """
    x, n = _check_binomial(failures, n, confidence)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    p = x / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denominator
    low = 0.0 if x == 0 else max(0.0, centre - half)
    high = 1.0 if x == n else min(1.0, centre + half)
    return low, high


def clopper_pearson_interval(failures: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson ("exact") interval for a binomial proportion.

    Parameters
    ----------
    failures : int
        Number of failures ``x`` [-].
    n : int
        Number of trials [-].
    confidence : float, optional
        Two-sided confidence level ``1 - alpha`` [-].

    Returns
    -------
    low, high : float
        Interval bounds [-].

    Notes
    -----
    ``low = B(alpha/2; x, n - x + 1)`` and ``high = B(1 - alpha/2; x + 1, n - x)``
    with ``B`` the beta quantile; ``low = 0`` for ``x = 0`` and ``high = 1`` for
    ``x = n``. Its coverage is at least ``1 - alpha`` for every true proportion.

    References
    ----------
    .. [1] Clopper and Pearson (1934), doi:10.1093/biomet/26.4.404
    """
    x, n = _check_binomial(failures, n, confidence)
    alpha = 1.0 - confidence
    low = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2.0, x, n - x + 1))
    high = 1.0 if x == n else float(stats.beta.ppf(1.0 - alpha / 2.0, x + 1, n - x))
    return low, high
