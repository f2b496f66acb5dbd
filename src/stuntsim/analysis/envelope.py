"""Wind go/no-go envelope: probability of failure over mean wind speed and direction.

Each cell of a (direction, speed) grid flies the same ``n_per_cell`` draws of the
scenario's uncertain inputs (common random numbers, so neighbouring cells differ
by the wind alone) in a uniform wind of that speed from that direction relative
to the jump heading. If the scenario's inputs include ``wind.speed_factor`` (gusts)
or ``wind.direction_offset``, they act on the cell's wind. A cell is GO when the
upper end of the Wilson interval of its failure probability is at or below the
acceptable risk; the boundary per direction is the highest speed below which
every cell is GO.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stuntsim.analysis.plan import evaluate_runs
from stuntsim.analysis.rare import wilson_interval
from stuntsim.analysis.risk import CONFIDENCE, ENGINE_BATCH, what_if_off_heading
from stuntsim.analysis.sampling import apply_inputs, draw_inputs, input_names
from stuntsim.simulate import phases as ph
from stuntsim.simulate.build import compile_scenario
from stuntsim.simulate.engine import Wind


@dataclass(frozen=True)
class Envelope:
    """Failure probability per (direction, speed) cell and the go/no-go boundary."""

    directions_deg: np.ndarray  # wind FROM, relative to the jump heading, clockwise [deg]
    speeds: np.ndarray  # mean uniform wind speed [m s-1]
    failures: np.ndarray  # (directions, speeds)
    n_per_cell: int
    acceptable_risk: float
    seed: int
    probability: np.ndarray
    low: np.ndarray
    high: np.ndarray
    go: np.ndarray  # bool (directions, speeds)
    max_go_speed: np.ndarray  # (directions,) [m s-1]; NaN if even calm is NO-GO


def wind_envelope(scenario, speeds, directions_deg, n_per_cell: int = 200, acceptable_risk: float = 0.01) -> Envelope:
    """Map P(failure) over wind speed and direction; see the module docstring."""
    unc = scenario.uncertainty
    if unc is None:
        raise ValueError("a wind envelope needs a scenario with an [uncertainty] section")
    if n_per_cell > unc.chunk_size:
        raise ValueError(f"n_per_cell must be at most uncertainty.chunk_size ({unc.chunk_size})")
    compiled = compile_scenario(scenario)
    speeds = np.asarray(speeds, float)
    dirs = np.asarray(directions_deg, float)
    names = input_names(scenario)
    draws = draw_inputs(scenario, 0, unc.chunk_size)[:n_per_cell]
    factor = draws[:, names.index("wind.speed_factor")] if "wind.speed_factor" in names else np.ones(n_per_cell)
    veer = draws[:, names.index("wind.direction_offset")] if "wind.direction_offset" in names else np.zeros(n_per_cell)
    d, s = np.meshgrid(np.radians(dirs), speeds, indexing="ij")
    cell_speed = np.repeat(s.ravel(), n_per_cell)
    cell_dir = np.repeat(d.ravel(), n_per_cell)
    values = np.tile(draws, (d.size, 1))
    wind = Wind.uniform(scenario.site.heading_true)  # 1 m/s headwind, scaled and veered per cell
    failures = np.zeros(d.size * n_per_cell, bool)
    for start in range(0, len(values), ENGINE_BATCH):
        sl = slice(start, start + ENGINE_BATCH)

        def arrays(offset, sl=sl):
            tables, init, env = apply_inputs(scenario, compiled, values[sl], heading_offset=offset)
            env = env.copy()
            env[:, ph.ENV_WIND_FACTOR] = cell_speed[sl] * np.tile(factor, d.size)[sl]
            env[:, ph.ENV_WIND_ROTATION] = cell_dir[sl] + np.tile(veer, d.size)[sl]
            return tables, init, env

        margins = evaluate_runs(scenario, compiled, arrays, wind=wind, off_heading=what_if_off_heading(scenario))
        failures[sl] = ~margins.passed()
    counts = failures.reshape(d.size, n_per_cell).sum(axis=1).reshape(d.shape)
    bounds = np.array([wilson_interval(int(c), n_per_cell, CONFIDENCE) for c in counts.ravel()])
    low, high = bounds[:, 0].reshape(d.shape), bounds[:, 1].reshape(d.shape)
    go = high <= acceptable_risk
    max_go = np.full(len(dirs), np.nan)
    for i in range(len(dirs)):
        bad = np.nonzero(~go[i])[0]
        last = (bad[0] - 1) if bad.size else len(speeds) - 1
        if last >= 0:
            max_go[i] = speeds[last]
    return Envelope(dirs, speeds, counts, n_per_cell, acceptable_risk, unc.seed, counts / n_per_cell, low, high, go,
                    max_go)
