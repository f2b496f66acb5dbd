"""Uncertain inputs: draw them reproducibly and write them into the engine's arrays.

A scenario's ``[uncertainty]`` section names inputs from a fixed vocabulary
(:data:`SUPPORTED_INPUTS`) with a distribution each. Samples are drawn in
chunks: ``draw_uniform`` gives a chunk of uniforms, each input's
:class:`InputDistribution` turns its column into values by the inverse CDF, and
``apply_inputs`` writes the values into copies of the compiled phase tables,
initial states and environment vectors, one row per sample, without a Python
loop over samples.

Reproducibility. Monte Carlo chunk ``k`` comes from
``SeedSequence(seed, spawn_key=(k,))`` (the ``k``-th child of
``SeedSequence(seed).spawn``), so any chunk is drawn alone, independent of the
others, of the order and of the thread that draws it. Sobol chunk ``k`` is
points ``k * chunk_size`` to ``(k + 1) * chunk_size - 1`` of one scrambled
sequence, so chunks ``0..k-1`` together are one balanced draw of ``k * chunk_size``
points. Uniforms are clipped to ``[UNIFORM_LOW, UNIFORM_HIGH]`` (never exactly 0
or 1), which bounds what each distribution can reach (the scenario checks that
bound against each input's physical domain).

References
----------
Owen, A. B. (2003). Variance with alternative scramblings of digital nets.
ACM TOMACS 13(4), 363-378. doi:10.1145/945511.945518 (scrambled Sobol points).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats import qmc

from stuntsim.scenario.uncertain_inputs import SUPPORTED_INPUTS, UNIFORM_HIGH, UNIFORM_LOW, InputSpec
from stuntsim.simulate import phases as ph
from stuntsim.simulate.build import CompiledScenario

__all__ = [
    "SUPPORTED_INPUTS",
    "InputDistribution",
    "InputSpec",
    "apply_inputs",
    "draw_inputs",
    "draw_uniform",
    "input_distributions",
    "input_names",
    "nominal_values",
]

#: Most points a Sobol sequence with scipy's default 30 bits can give.
SOBOL_MAX_POINTS = 2**30


@dataclass(frozen=True)
class InputDistribution:
    """The distribution of one uncertain input, in SI.

    Attributes
    ----------
    name : str
        The input's name (a key of :data:`SUPPORTED_INPUTS`).
    distribution : str
        ``"normal"``, ``"truncated_normal"``, ``"uniform"``, ``"lognormal"``,
        ``"triangular"`` or ``"choice"``.
    mean, sd, low, high, median, sigma, mode : float or None
        The distribution's parameters [SI; sigma [-]], ``None`` where unused.
    values, weights : tuple of float or None
        For ``"choice"``; ``weights`` normalised to sum 1 (equal if not given).
    nominal : float or None
        The scenario's own value of the input [SI], if known.
    """

    name: str
    distribution: str
    mean: float | None = None
    sd: float | None = None
    low: float | None = None
    high: float | None = None
    median: float | None = None
    sigma: float | None = None
    mode: float | None = None
    values: tuple[float, ...] | None = None
    weights: tuple[float, ...] | None = None
    nominal: float | None = None

    @classmethod
    def from_input(cls, uncertain_input, nominal: float | None = None) -> InputDistribution:
        """From a validated :class:`~stuntsim.scenario.model.UncertainInput` (already SI)."""
        p = dict(uncertain_input.parameters)
        if uncertain_input.distribution == "choice":
            weights = np.ones(len(p["values"])) if p.get("weights") is None else np.asarray(p["weights"], float)
            p["weights"] = tuple(float(w) for w in weights / weights.sum())
        return cls(uncertain_input.name, uncertain_input.distribution, nominal=nominal, **p)

    def scipy_distribution(self):
        """The frozen ``scipy.stats`` distribution, or None for ``"choice"``."""
        return _frozen_distribution(self)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values with the distribution from uniforms in (0, 1) (the inverse CDF) [SI].

        Parameters
        ----------
        u : ndarray
            Uniforms strictly between 0 and 1 [-].

        Returns
        -------
        ndarray
            Same shape as ``u`` [SI]. ``"choice"`` picks ``values[i]`` for ``u`` in
            ``[W_{i-1}, W_i)``, ``W`` the cumulative weights.
        """
        u = np.asarray(u, dtype=float)
        if self.distribution == "choice":
            cumulative = np.cumsum(self.weights)
            cumulative[-1] = 1.0
            index = np.minimum(np.searchsorted(cumulative, u, side="right"), len(self.values) - 1)
            return np.asarray(self.values, float)[index]
        if self.distribution == "uniform":
            return self.low + (self.high - self.low) * u
        x = self.scipy_distribution().ppf(u)
        if self.low is not None:  # truncated normal and triangular: no rounding past a bound
            x = np.clip(x, self.low, self.high)
        return x


@functools.lru_cache(maxsize=256)
def _frozen_distribution(d: InputDistribution):
    """``d``'s frozen ``scipy.stats`` distribution, made once: freezing one formats its docstring,
    which cost more than its ppf on a risk chunk's samples (0.4 s a million samples)."""
    kind = d.distribution
    if kind == "normal":
        return stats.norm(loc=d.mean, scale=d.sd)
    if kind == "truncated_normal":
        return stats.truncnorm((d.low - d.mean) / d.sd, (d.high - d.mean) / d.sd, loc=d.mean, scale=d.sd)
    if kind == "uniform":
        return stats.uniform(loc=d.low, scale=d.high - d.low)
    if kind == "lognormal":
        return stats.lognorm(s=d.sigma, scale=d.median)
    if kind == "triangular":
        width = d.high - d.low
        return stats.triang((d.mode - d.low) / width, loc=d.low, scale=width)
    return None


def draw_uniform(dimension: int, method: str, seed: int, chunk: int, chunk_size: int) -> np.ndarray:
    """One chunk of uniforms in (0, 1), shape (chunk_size, dimension).

    Parameters
    ----------
    dimension : int
        Number of inputs [-].
    method : {"mc", "sobol"}
        Independent pseudo-random chunks, or consecutive blocks of one scrambled Sobol sequence.
    seed : int
        Seed (>= 0).
    chunk : int
        Which chunk (>= 0).
    chunk_size : int
        Points per chunk; a power of two for ``"sobol"``.

    Notes
    -----
    Values are clipped to [``UNIFORM_LOW``, ``UNIFORM_HIGH``], so never exactly 0 or 1.
    """
    if dimension < 1 or chunk < 0 or chunk_size < 1 or seed < 0:
        raise ValueError("dimension and chunk_size must be positive, chunk and seed zero or more")
    if method == "mc":
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))
        u = rng.random((chunk_size, dimension))
    elif method == "sobol":
        if chunk_size & (chunk_size - 1):
            raise ValueError(f"a Sobol chunk_size must be a power of two, got {chunk_size}")
        if (chunk + 1) * chunk_size > SOBOL_MAX_POINTS:
            raise ValueError(f"Sobol chunk {chunk} of {chunk_size} points is beyond the sequence's 2**30 points")
        sampler = qmc.Sobol(dimension, scramble=True, seed=seed)
        if chunk:
            sampler.fast_forward(chunk * chunk_size)
        u = sampler.random(chunk_size)
    else:
        raise ValueError(f'unknown sampling method {method!r}; expected "mc" or "sobol"')
    return np.clip(u, UNIFORM_LOW, UNIFORM_HIGH)


def _uncertainty(scenario):
    if getattr(scenario, "uncertainty", None) is None:
        raise ValueError(f"scenario {scenario.scenario.name!r} has no [uncertainty] section")
    return scenario.uncertainty


def input_names(scenario) -> list[str]:
    """The scenario's uncertain inputs, in the order of ``draw_inputs``' columns."""
    return [item.name for item in _uncertainty(scenario).inputs]


def nominal_values(scenario, names: Sequence[str] | None = None) -> np.ndarray:
    """The scenario's own value of each input, shape (len(names),) [SI]."""
    names = input_names(scenario) if names is None else list(names)
    return np.array([SUPPORTED_INPUTS[name].nominal(scenario) for name in names], dtype=float)


def input_distributions(scenario) -> list[InputDistribution]:
    """One :class:`InputDistribution` per input of the scenario's ``[uncertainty]``, nominal values filled in."""
    return [
        InputDistribution.from_input(item, SUPPORTED_INPUTS[item.name].nominal(scenario))
        for item in _uncertainty(scenario).inputs
    ]


def draw_inputs(scenario, chunk: int, chunk_size: int | None = None) -> np.ndarray:
    """One chunk of input values, shape (chunk_size, n_inputs) [SI], columns as ``input_names``.

    ``chunk_size`` defaults to the scenario's ``uncertainty.chunk_size``; the
    method and seed are the scenario's.
    """
    uncertainty = _uncertainty(scenario)
    size = uncertainty.chunk_size if chunk_size is None else chunk_size
    distributions = input_distributions(scenario)
    u = draw_uniform(len(distributions), uncertainty.method, uncertainty.seed, chunk, size)
    return np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(distributions)])


def _direction_enu(heading: float, elevation: float) -> np.ndarray:
    """Unit vector (east, north, up) at a heading and an elevation angle (as the scenario compiler builds it)."""
    return np.array(
        [math.cos(elevation) * math.sin(heading), math.cos(elevation) * math.cos(heading), math.sin(elevation)]
    )


class TablesBuffer:
    """Memory in which successive batches of one scenario build their phase tables.

    A risk chunk flies its samples in engine batches; building each batch's tables (9 kB a
    sample) in fresh memory, or copying the compiled tables into every row of a batch, cost
    more than setting the inputs' cells. :func:`apply_inputs` sets each of its cells in every
    row on every call, and which cells it sets depends only on the scenario, the input names
    and whether pull times are given (its ``layout``). So rows are copied from the compiled
    tables only the first time they are used with a layout, and afterwards only the inputs'
    cells are written.
    """

    def __init__(self, compiled: CompiledScenario, n: int) -> None:
        self.compiled = compiled
        self.array = np.empty((n, *compiled.tables.shape[1:]))
        self._layout: tuple | None = None
        self._nominal_rows = 0  # rows [0, _nominal_rows) hold the compiled tables outside the layout's cells

    def rows(self, compiled: CompiledScenario, n: int, layout: tuple) -> np.ndarray:
        """The first n rows, holding the compiled tables wherever ``layout`` sets no cell."""
        if compiled is not self.compiled:
            raise ValueError("this tables buffer belongs to another compiled scenario")
        if n > len(self.array):
            raise ValueError(f"{n} samples do not fit a tables buffer of {len(self.array)}")
        if layout != self._layout:
            self._layout, self._nominal_rows = layout, 0
        if n > self._nominal_rows:
            self.array[self._nominal_rows : n] = compiled.tables
            self._nominal_rows = n
        return self.array[:n]


def apply_inputs(
    scenario,
    compiled: CompiledScenario,
    values: np.ndarray,
    *,
    names: Sequence[str] | None = None,
    pull_times: np.ndarray | None = None,
    heading_offset: float = 0.0,
    tables_buffer: TablesBuffer | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The engine's arrays with the inputs set per sample.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario ``compiled`` was built from.
    compiled : CompiledScenario
        ``compile_scenario(scenario)``.
    values : ndarray, shape (n, len(names))
        Input values [SI], e.g. from :func:`draw_inputs`.
    names : sequence of str, optional
        The inputs of ``values``' columns; the scenario's ``input_names`` by default.
    pull_times : ndarray, shape (n,), optional
        Pull times after the datum event [s] for every sample, as in
        :func:`stuntsim.analysis.plan.case_tables` (not with a ``parachute.pull_time`` input).
    heading_offset : float
        Added to the canopy's opening heading (off-heading cases) [rad].
    tables_buffer : TablesBuffer, optional
        Memory of ``compiled`` to build ``tables`` in (its first n rows are returned), so that
        successive batches reuse it; see :class:`TablesBuffer`.

    Returns
    -------
    tables : ndarray, shape (n, B, MAX_PHASES, N_PARAMS)
    init : ndarray, shape (n, B, 6)
    env : ndarray, shape (n, N_ENV)

    Notes
    -----
    Cells written per input (rider = body 0; "both" = rider and bike):

    - ``ramp.target_speed``, ``ramp.traction_coefficient``: TARGET_SPEED, TRACTION of every
      ramp phase (Kind.RAMP; both).
    - ``separation.time``: DURATION_C0 of "launch" (both).
    - ``separation.impulse``, ``performer.mass``, ``bike.mass``: MASS of every rider phase
      from "separation" on (all of a jump's), of every bike phase from it on, and rider +
      bike mass in the phases before it (ramp, launch; both); the "separation" DV_EAST/NORTH/UP of each body
      recomputed as the push (impulse along the scenario's push direction) over its mass.
      The canopy's lift and drag areas stay those of the nominal mass, so a heavier
      performer flies the same canopy faster (higher wing loading).
    - ``parachute.pull_time``: DURATION_C0 of the rider's phase before "pilot chute"
      ("separation" or "freefall").
    - ``parachute.throw_delay``: DURATION_C0 of "pilot chute".
    - ``parachute.fill_constant``: DURATION_C1 of "inflation" = the compiled one times value / nominal.
    - ``parachute.opening_heading_error``: HEADING of "canopy" = site heading + value (+
      ``heading_offset``; without this input the compiled heading + ``heading_offset``, written
      whether or not the offset is zero).
    - ``parachute.turn_reaction_time``: REACTION_TIME of "canopy".
    - ``performer.freefall_drag_area``: DRAG_AREA and DRAG_AREA_START of the rider's
      "separation", "freefall" and "pilot chute"; DRAG_AREA_START of "inflation".
    - ``bike.drag_area``: DRAG_AREA and DRAG_AREA_START of the bike's "separation".
    - ``wind.speed_factor``, ``wind.direction_offset``, ``atmosphere.temperature_offset``:
      ENV_WIND_FACTOR, ENV_WIND_ROTATION (veer, clockwise), ENV_TEMPERATURE_OFFSET. The
      factor scales the whole profile for the whole flight; it is also how gusts are
      modelled (a gusty sample is a stronger wind throughout).
    - ``exit.speed``, ``exit.height``: the initial velocity (along the exit heading and
      flight-path angle) and altitude (datum + height).

    With every input at its nominal value the arrays equal the compiled ones exactly.
    """
    names = input_names(scenario) if names is None else list(names)
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(names):
        raise ValueError(f"values must have shape (n, {len(names)}) for the inputs {names}, got {values.shape}")
    if len(set(names)) != len(names):
        raise ValueError(f"each input at most once, got {names}")
    for name in names:
        if name not in SUPPORTED_INPUTS:
            raise ValueError(f"unknown uncertain input {name!r}; expected one of {sorted(SUPPORTED_INPUTS)}")
        reason = SUPPORTED_INPUTS[name].unavailable(scenario)
        if reason is not None:
            raise ValueError(f"input {name!r} cannot apply: {reason}")
    if pull_times is not None and "parachute.pull_time" in names:
        raise ValueError("give pull_times or a parachute.pull_time input, not both")

    n = values.shape[0]
    if tables_buffer is None:
        tables = np.repeat(compiled.tables, n, axis=0)
    else:
        tables = tables_buffer.rows(compiled, n, (tuple(names), pull_times is not None))
    init = np.repeat(compiled.init, n, axis=0)
    env = np.repeat(compiled.env, n, axis=0)
    given = {name: values[:, j] for j, name in enumerate(names)}

    def value(name: str) -> np.ndarray:
        """The input's column, or its nominal value for every sample."""
        if name in given:
            return given[name]
        return np.full(n, SUPPORTED_INPUTS[name].nominal(scenario))

    rider = compiled.body_names[0]
    bike = "bike" if "bike" in compiled.body_names else None

    def together(body: str) -> list[bool]:
        """Per phase of a body: True before "separation" (rider and bike as one)."""
        phases = [phase.name for phase in compiled.bodies[compiled.body_index(body)].phases]
        first_alone = phases.index("separation") if bike is not None and "separation" in phases else 0
        return [p < first_alone for p in range(len(phases))]

    def cells(phase: str, bodies: Sequence[str | None]) -> list[tuple[int, int]]:
        """(body, phase) indices of ``phase`` in those of ``bodies`` that have it."""
        return [
            (compiled.body_index(body), compiled.phase_index(body, phase))
            for body in bodies
            if body is not None and compiled.has_phase(body, phase)
        ]

    def put(phase: str, bodies: Sequence[str | None], column: int, x: np.ndarray) -> None:
        for b, p in cells(phase, bodies):
            tables[:, b, p, column] = x

    both = (rider, bike)
    ramp_cells = [
        (compiled.body_index(body), p)
        for body in both
        if body is not None
        for p, phase in enumerate(compiled.bodies[compiled.body_index(body)].phases)
        if phase.kind == ph.Kind.RAMP
    ]
    for name, column in (("ramp.target_speed", ph.TARGET_SPEED), ("ramp.traction_coefficient", ph.TRACTION)):
        if name in given:
            for b, p in ramp_cells:
                tables[:, b, p, column] = given[name]
    if "separation.time" in given:
        put("launch", both, ph.DURATION_C0, given["separation.time"])

    if given.keys() & {"performer.mass", "bike.mass", "separation.impulse"}:
        rider_mass = value("performer.mass")
        bike_mass = value("bike.mass") if bike is not None else None
        for body, alone_mass in ((rider, rider_mass), (bike, bike_mass)):
            if body is None:
                continue
            b = compiled.body_index(body)
            for p, with_bike in enumerate(together(body)):
                tables[:, b, p, ph.MASS] = rider_mass + bike_mass if with_bike else alone_mass
        if bike is not None and scenario.separation is not None:
            sep = scenario.separation
            unit = _direction_enu(scenario.site.heading_true + sep.push_azimuth, sep.push_elevation)
            push = unit[None, :] * value("separation.impulse")[:, None]
            for (b, p), dv in zip(cells("separation", (rider,)) + cells("separation", (bike,)),
                                  (push / rider_mass[:, None], -push / bike_mass[:, None]), strict=True):
                tables[:, b, p, ph.DV_EAST : ph.DV_UP + 1] = dv

    before_pull = "separation" if compiled.has_phase(rider, "separation") else "freefall"
    if "parachute.pull_time" in given:
        put(before_pull, (rider,), ph.DURATION_C0, given["parachute.pull_time"])
    if pull_times is not None:
        put(before_pull, (rider,), ph.DURATION_C0, np.broadcast_to(np.asarray(pull_times, float), (n,)))
    if "parachute.throw_delay" in given:
        put("pilot chute", (rider,), ph.DURATION_C0, given["parachute.throw_delay"])
    # cells are set from the compiled tables, never updated in place, so that a reused buffer
    # (whose cells hold the previous batch's values) gives the same tables as fresh memory
    if "parachute.fill_constant" in given:
        ratio = given["parachute.fill_constant"] / SUPPORTED_INPUTS["parachute.fill_constant"].nominal(scenario)
        for b, p in cells("inflation", (rider,)):
            tables[:, b, p, ph.DURATION_C1] = compiled.tables[0, b, p, ph.DURATION_C1] * ratio
    for b, p in cells("canopy", (rider,)):
        error = given.get("parachute.opening_heading_error")
        heading = compiled.tables[0, b, p, ph.HEADING] if error is None else scenario.site.heading_true + error
        tables[:, b, p, ph.HEADING] = heading + heading_offset
    if "parachute.turn_reaction_time" in given:
        put("canopy", (rider,), ph.REACTION_TIME, given["parachute.turn_reaction_time"])

    if "performer.freefall_drag_area" in given:
        area = given["performer.freefall_drag_area"]
        for phase in ("separation", "freefall", "pilot chute"):
            put(phase, (rider,), ph.DRAG_AREA, area)
            put(phase, (rider,), ph.DRAG_AREA_START, area)
        put("inflation", (rider,), ph.DRAG_AREA_START, area)
    if "bike.drag_area" in given:
        put("separation", (bike,), ph.DRAG_AREA, given["bike.drag_area"])
        put("separation", (bike,), ph.DRAG_AREA_START, given["bike.drag_area"])

    for name, column in (
        ("wind.speed_factor", ph.ENV_WIND_FACTOR),
        ("wind.direction_offset", ph.ENV_WIND_ROTATION),
        ("atmosphere.temperature_offset", ph.ENV_TEMPERATURE_OFFSET),
    ):
        if name in given:
            env[:, column] = given[name]

    if "exit.height" in given:
        init[:, 0, ph.Z] = scenario.site.datum_elevation_msl + given["exit.height"]
    if "exit.speed" in given:
        unit = _direction_enu(scenario.exit_heading_true, scenario.exit.flight_path_angle)
        init[:, 0, ph.VX : ph.VZ + 1] = given["exit.speed"][:, None] * unit[None, :]
    return tables, init, env
