"""The plan: nominal flight, deployment window and wind sensitivity, with a verdict.

All three are ensembles of the one engine: a *case* is a pull time and an
environment (wind speed factor and rotation); each case is flown on the planned
opening heading and, for the off-heading criterion, with the canopy opening off
heading both ways.

Deployment window. Pull times are swept on a grid, every criterion is evaluated,
and each end of the passing interval that contains the planned pull (or the
widest one) is refined on a finer grid to ``WINDOW_RESOLUTION``; the criterion that
fails just outside an end is the one that closes it.

Wind sensitivity. A uniform wind of increasing speed from each of eight
directions relative to the jump heading replaces the scenario's wind; for each
direction the highest speed at which every criterion still holds is reported,
with the criterion that fails first.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from stuntsim import __version__
from stuntsim.analysis.criteria import Margins, evaluate
from stuntsim.simulate import phases as ph
from stuntsim.simulate.build import CompiledScenario, compile_scenario
from stuntsim.simulate.engine import Wind, run_ensemble
from stuntsim.simulate.flight import Flight, fly

WINDOW_STEP = 0.1  # [s] coarse pull-time grid
WINDOW_RESOLUTION = 0.001  # [s] the ends are refined to this
WIND_SPEEDS = np.arange(0.0, 25.01, 1.0)  # [m s-1] uniform wind speeds swept
WIND_DIRECTIONS_DEG = np.arange(0, 360, 45)  # wind FROM, relative to the jump heading (0 = headwind)


@dataclass(frozen=True)
class Window:
    """The pull times after the datum event for which every criterion holds."""

    earliest: float | None  # [s]
    latest: float | None  # [s]
    earliest_closed_by: str | None  # criterion failing just before the earliest
    latest_closed_by: str | None  # criterion failing just after the latest
    pull_times: np.ndarray  # [s] the coarse grid
    margins: Margins  # per pull time on the coarse grid

    @property
    def width(self) -> float:
        return (self.latest - self.earliest) if self.earliest is not None else 0.0


@dataclass(frozen=True)
class WindSensitivity:
    """Which uniform winds the plan tolerates, by direction relative to the heading."""

    directions_deg: np.ndarray  # wind FROM, relative to the heading, clockwise [deg]
    speeds: np.ndarray  # [m s-1]
    passed: np.ndarray  # (directions, speeds) bool
    max_speed: np.ndarray  # (directions,) highest speed with every lower speed passing [m s-1]
    closed_by: list[str | None]  # criterion failing at the next speed


@dataclass(frozen=True)
class PlanResult:
    """Everything the plan computed; reports are views of it."""

    scenario: object
    compiled: CompiledScenario
    nominal: Flight
    off_heading: list[Flight]
    margins: Margins  # the nominal case (n = 1)
    window: Window
    wind: WindSensitivity
    meta: dict = field(default_factory=dict)

    @property
    def go(self) -> bool:
        return bool(self.margins.passed()[0])

    @property
    def verdict(self) -> str:
        return "GO" if self.go else "NO-GO"

    @property
    def binding(self) -> str:
        return self.margins.binding(0)

    @property
    def opening(self) -> dict[str, float] | None:
        """The nominal opening: pull to full canopy, time [s] and altitude lost [m] (None if never open)."""
        rider = self.compiled.body_names[0]
        pull = self.nominal.event(rider, "pilot chute")
        full = self.nominal.event(rider, "canopy")
        if pull is None or full is None:
            return None
        return {"time_s": full.time - pull.time, "altitude_loss_m": pull.altitude_msl - full.altitude_msl,
                "full_canopy_height_agl_m": full.height_agl}


def _off_heading_offsets(scenario) -> list[float]:
    a = scenario.parachute.off_heading_check
    return [a, -a] if a > 0 else []


def case_tables(compiled: CompiledScenario, pull_times=None, heading_offset: float = 0.0) -> np.ndarray:
    """Phase tables for cases: the pull time (from the datum) and the canopy's opening heading changed."""
    rider = compiled.body_names[0]
    n = 1 if pull_times is None else len(pull_times)
    tables = np.repeat(compiled.tables, n, axis=0)
    if pull_times is not None:
        before_pull = "separation" if compiled.has_phase(rider, "separation") else "freefall"
        tables[:, 0, compiled.phase_index(rider, before_pull), ph.DURATION_C0] = pull_times
    tables[:, 0, compiled.phase_index(rider, "canopy"), ph.HEADING] += heading_offset
    return tables


def evaluate_runs(scenario, compiled: CompiledScenario, make_arrays, wind: Wind | None = None,
                  off_heading: bool = True) -> Margins:
    """Fly one set of cases on heading (and off heading) and evaluate every criterion.

    ``make_arrays(heading_offset)`` returns the engine's (tables, init, env) for the
    cases with the canopy's opening heading turned by ``heading_offset`` [rad].
    """
    offsets = [0.0, *(_off_heading_offsets(scenario) if off_heading else [])]
    results = []
    env = compiled.env
    for offset in offsets:
        tables, init, env = make_arrays(offset)
        results.append(run_ensemble(tables, init, compiled.terrain, wind or compiled.wind, env,
                                    max_time=compiled.max_time))
    sub = compiled if wind is None else replace(compiled, wind=wind)
    return evaluate(scenario, sub, results[0], results[1:], env)


def run_cases(scenario, compiled: CompiledScenario, pull_times=None, env=None, wind: Wind | None = None) -> Margins:
    """Fly pull-time/environment cases on heading and off heading and evaluate every criterion."""
    env = compiled.env if env is None else env
    n = max(1 if pull_times is None else len(pull_times), env.shape[0])
    init = np.repeat(compiled.init, n, axis=0)
    return evaluate_runs(scenario, compiled, lambda off: (case_tables(compiled, pull_times, off), init, env), wind)


def _refine(scenario, compiled, lo: float, hi: float, lo_passes: bool) -> tuple[float, str]:
    """Locate the pass/fail boundary between lo and hi to WINDOW_RESOLUTION.

    Returns the last passing pull time and the criterion failing next to it.
    """
    grid = np.arange(lo, hi + WINDOW_RESOLUTION / 2, WINDOW_RESOLUTION)
    m = run_cases(scenario, compiled, grid)
    ok = m.passed()
    if lo_passes:
        i = int(np.argmin(ok))  # first failure
        return float(grid[i - 1]), m.failing(i)[0] if m.failing(i) else m.binding(i)
    i = int(np.argmax(ok))  # first pass
    return float(grid[i]), m.failing(i - 1)[0] if m.failing(i - 1) else m.binding(i - 1)


def deployment_window(scenario, compiled: CompiledScenario, latest_considered: float | None = None) -> Window:
    """Solve the earliest and latest pull times for which every criterion holds."""
    first = scenario.separation.time + WINDOW_STEP if scenario.separation is not None else WINDOW_STEP
    last = latest_considered or max(3.0 * scenario.parachute.pull_time, first + 10.0)
    grid = np.round(np.arange(first, last + 1e-9, WINDOW_STEP), 6)
    m = run_cases(scenario, compiled, grid)
    ok = m.passed()
    if not ok.any():
        return Window(None, None, None, None, grid, m)
    # the passing run containing the planned pull, else the longest
    runs, start = [], None
    for i, flag in enumerate(ok):
        if flag and start is None:
            start = i
        if not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(ok) - 1))
    planned = scenario.parachute.pull_time
    chosen = next((r for r in runs if grid[r[0]] <= planned <= grid[r[1]]), max(runs, key=lambda r: r[1] - r[0]))
    a, b = chosen
    if a == 0:
        earliest, early_by = float(grid[0]), None
    else:
        earliest, early_by = _refine(scenario, compiled, grid[a - 1], grid[a], lo_passes=False)
    if b == len(grid) - 1:
        latest, late_by = float(grid[-1]), None
    else:
        latest, late_by = _refine(scenario, compiled, grid[b], grid[b + 1], lo_passes=True)
    return Window(earliest, latest, early_by, late_by, grid, m)


def wind_sensitivity(scenario, compiled: CompiledScenario) -> WindSensitivity:
    """Sweep a uniform wind over speeds and directions (relative to the heading)."""
    # a 1 m/s wind blowing from the jump heading (a headwind), uniform with height;
    # env scales it to each speed and veers it to each direction
    unit = Wind.uniform(scenario.site.heading_true)
    dirs = WIND_DIRECTIONS_DEG.astype(float)
    d, s = np.meshgrid(np.radians(dirs), WIND_SPEEDS, indexing="ij")
    env = np.tile(compiled.env, (d.size, 1))
    env[:, ph.ENV_WIND_FACTOR] = s.ravel()
    env[:, ph.ENV_WIND_ROTATION] = d.ravel()
    pulls = np.full(d.size, scenario.parachute.pull_time)
    m = run_cases(scenario, compiled, pulls, env, unit)
    ok = m.passed().reshape(d.shape)
    max_speed = np.empty(len(dirs))
    closed_by: list[str | None] = []
    for i in range(len(dirs)):
        fails = np.nonzero(~ok[i])[0]
        if fails.size == 0:
            max_speed[i] = WIND_SPEEDS[-1]
            closed_by.append(None)
        elif fails[0] == 0:
            max_speed[i] = np.nan
            closed_by.append(m.failing(i * len(WIND_SPEEDS))[0])
        else:
            max_speed[i] = WIND_SPEEDS[fails[0] - 1]
            closed_by.append(m.failing(i * len(WIND_SPEEDS) + int(fails[0]))[0])
    return WindSensitivity(dirs, WIND_SPEEDS.copy(), ok, max_speed, closed_by)


def plan(scenario) -> PlanResult:
    """Nominal flight, deployment window and wind sensitivity of a scenario with a parachute."""
    if scenario.parachute is None:
        raise ValueError("a plan needs a scenario with a [parachute] section")
    compiled = compile_scenario(scenario)
    nominal = fly(compiled)
    off = [fly(compiled, tables=case_tables(compiled, None, o)) for o in _off_heading_offsets(scenario)]
    margins = evaluate(scenario, compiled, nominal.raw, [f.raw for f in off], compiled.env)
    window = deployment_window(scenario, compiled)
    wind = wind_sensitivity(scenario, compiled)
    meta = {
        "stuntsim_version": __version__,
        "scenario": scenario.scenario.name,
        "scenario_hash": scenario.scenario_hash,
        "seed": None,
        "frame": f"ENU about the datum '{scenario.site.datum}', altitudes MSL",
    }
    return PlanResult(scenario, compiled, nominal, off, margins, window, wind, meta)
