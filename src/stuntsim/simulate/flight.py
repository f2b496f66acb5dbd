"""Result types of one deterministic flight: events and the recorded trajectory."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from stuntsim.physics.terrain import TerrainGrid
from stuntsim.simulate import phases as ph
from stuntsim.simulate.build import CompiledScenario, compile_scenario
from stuntsim.simulate.engine import STATUS_DONE, EnsembleResult, run_ensemble


@dataclass(frozen=True)
class Event:
    """A body entering a phase: when, where and how fast (SI; altitude MSL, height AGL)."""

    body: str
    phase: str
    time: float  # after the datum event (ramp lip, exit); negative on the ramp
    east: float
    north: float
    altitude_msl: float
    height_agl: float
    speed: float
    vertical_speed: float  # positive up


def slug(name: str) -> str:
    """A column-name prefix from a body name: ``"BASE jumper"`` -> ``"base_jumper"``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass(frozen=True)
class Flight:
    """One deterministic flight: the compiled inputs and the engine's output for sample 0."""

    compiled: CompiledScenario
    raw: EnsembleResult

    @property
    def completed(self) -> bool:
        return bool(self.raw.status[0] == STATUS_DONE)

    def events(self) -> list[Event]:
        """Every phase entry of every body, in time order."""
        c, r, terrain = self.compiled, self.raw, self.compiled.terrain
        t0 = float(r.datum_time[0])
        out = []
        for b, body in enumerate(c.bodies):
            for p, phase in enumerate(body.phases):
                t = r.entry_time[0, b, p]
                if math.isnan(t):
                    continue
                s = r.entry_state[0, b, p, 6 * b : 6 * b + 6]
                out.append(Event(
                    body.name, phase.name, float(t) - t0, float(s[0]), float(s[1]), float(s[2]),
                    float(s[2] - terrain.height(s[0], s[1])), float(np.linalg.norm(s[3:])), float(s[5]),
                ))
        return sorted(out, key=lambda e: (e.time, e.body))

    def event(self, body: str, phase: str) -> Event | None:
        return next((e for e in self.events() if e.body == body and e.phase == phase), None)

    def distance_between(self, body_a: str, body_b: str) -> tuple[np.ndarray, np.ndarray]:
        """Time after the datum [s] and the distance between two bodies along the recorded path [m]."""
        path = self.raw.path(0)
        a = 1 + 8 * self.compiled.body_index(body_a)
        b = 1 + 8 * self.compiled.body_index(body_b)
        gap = np.linalg.norm(path[:, a : a + 3] - path[:, b : b + 3], axis=1)
        return path[:, 0] - self.raw.datum_time[0], gap

    def trajectory(self) -> dict[str, np.ndarray]:
        """Recorded path as columns with unit suffixes (``time_s``, ``<body>_altitude_msl_m``, ...).

        ``<body>_felt_load_g`` is the specific force the body feels, |a - g| / g0:
        aerodynamic in flight, the ramp's contact force on the ramp, 1 g at rest.
        """
        path = self.raw.path(0)
        cols: dict[str, np.ndarray] = {"time_s": path[:, 0] - self.raw.datum_time[0]}
        terrain: TerrainGrid = self.compiled.terrain
        for b, body in enumerate(self.compiled.bodies):
            k = 1 + 8 * b
            e, n, z = path[:, k], path[:, k + 1], path[:, k + 2]
            v = path[:, k + 3 : k + 6]
            names = np.array([body.phases[int(i)].name for i in path[:, k + 6]])
            pre = slug(body.name)
            cols[f"{pre}_east_m"] = e
            cols[f"{pre}_north_m"] = n
            cols[f"{pre}_altitude_msl_m"] = z
            cols[f"{pre}_height_agl_m"] = z - terrain.height(e, n)
            cols[f"{pre}_v_east_m_s"] = v[:, 0]
            cols[f"{pre}_v_north_m_s"] = v[:, 1]
            cols[f"{pre}_v_up_m_s"] = v[:, 2]
            cols[f"{pre}_speed_m_s"] = np.linalg.norm(v, axis=1)
            cols[f"{pre}_felt_load_g"] = path[:, k + 7]
            cols[f"{pre}_phase"] = names
        return cols


def fly(compiled: CompiledScenario, *, tables=None, env=None, record: bool = True) -> Flight:
    """Run the compiled scenario once (optionally with modified tables or environment)."""
    raw = run_ensemble(
        compiled.tables if tables is None else tables, compiled.init, compiled.terrain, compiled.wind,
        compiled.env if env is None else env, max_time=compiled.max_time, n_record=1 if record else 0,
        max_record_steps=_record_rows(compiled),
    )
    return Flight(compiled, raw)


def _record_rows(compiled: CompiledScenario) -> int:
    """Rows enough for the whole flight at the finest step of any phase."""
    steps = compiled.tables[0, :, :, ph.TIME_STEP]
    kinds = compiled.tables[0, :, :, ph.KIND]
    finest = float(steps[kinds != ph.Kind.FROZEN].min())
    return int(min(compiled.max_time / finest, 2_000_000)) + 16


def simulate(scenario) -> Flight:
    """One deterministic flight of a validated scenario, with its full path recorded."""
    return fly(compile_scenario(scenario))
