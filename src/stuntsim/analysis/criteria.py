"""Safety criteria: the engine's monitors turned into margins, one per criterion.

Every criterion gives, per sample, the measured value, its limit and a margin in
its own units that is >= 0 when the criterion holds. The *binding* criterion is
the one with the least margin relative to its scale (its limit or band), so a
planner can see which constraint the plan is closest to breaking.

The criteria (DESIGN.md "Criteria"); those that need a part the scenario lacks
(a ramp, a bike, exclusion zones) are left out:

- ``launch_speed``: launch speed at the lip inside the planned band.
- ``ramp_crosswind``: gusted crosswind on the ramp below the tyre-grip limit
  (friction circle at the lip, physics.ramp).
- ``separation``: rider-bike distance at line stretch.
- ``clearance``: distance to terrain from leaving the exit (or the bike) until
  ``criteria.clearance_watch_time`` after full canopy, on the planned heading.
- ``clearance_off_heading``: the same with the canopy opening off heading by the
  scenario's ``off_heading_check``, both ways.
- ``full_canopy_height``: height above ground at full canopy.
- ``opening_load``: peak aerodynamic load during inflation and the surge into
  glide (the canopy's first phase).
- ``landing_zone``: resting point inside the landing zone.
- ``touchdown_speed``: vertical speed at touchdown.
- ``bike_exclusion``: the bike's impact point outside every exclusion zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from stuntsim.physics.atmosphere import air_density
from stuntsim.physics.drag import STANDARD_GRAVITY
from stuntsim.physics.ramp import crosswind_limit, longitudinal_force_demand
from stuntsim.physics.wind import layered_wind
from stuntsim.simulate import phases as ph
from stuntsim.simulate.build import CompiledScenario
from stuntsim.simulate.engine import EnsembleResult


@dataclass(frozen=True)
class CriterionInfo:
    """What a criterion measures: a title, the unit of its value and margin, and its limit as text."""

    key: str
    title: str
    unit: str
    limit_text: str


@dataclass(frozen=True)
class Margins:
    """Per-sample values and margins of every criterion (arrays of length n)."""

    info: dict[str, CriterionInfo]
    value: dict[str, np.ndarray]
    margin: dict[str, np.ndarray]
    scale: dict[str, float]

    @property
    def keys(self) -> list[str]:
        return list(self.info)

    @property
    def n(self) -> int:
        return len(next(iter(self.margin.values())))

    def passed(self, key: str | None = None) -> np.ndarray:
        """Whether a criterion (or all of them) holds, per sample; NaN margins fail."""
        keys = [key] if key else self.keys
        ok = np.ones(self.n, bool)
        for k in keys:
            ok &= np.nan_to_num(self.margin[k], nan=-1.0) >= 0.0
        return ok

    def relative(self, key: str) -> np.ndarray:
        """Margin divided by the criterion's scale [-]."""
        return self.margin[key] / self.scale[key]

    def binding(self, sample: int = 0) -> str:
        """The criterion with the least relative margin in one sample (a failing one first)."""
        rel = {k: np.nan_to_num(self.relative(k)[sample], nan=-np.inf) for k in self.keys}
        return min(rel, key=rel.get)

    def failing(self, sample: int = 0) -> list[str]:
        return [k for k in self.keys if not self.passed(k)[sample]]

    def take(self, index) -> Margins:
        """A subset of samples."""
        return Margins(
            self.info, {k: v[index] for k, v in self.value.items()}, {k: v[index] for k, v in self.margin.items()},
            self.scale,
        )


def _state(result: EnsembleResult, body: int, phase: int) -> np.ndarray:
    """Own state (n, 6) of a body at entry to a phase (NaN if never entered)."""
    return result.entry_state[:, body, phase, 6 * body : 6 * body + 6]


def _reached(result: EnsembleResult, body: int, phase: int) -> np.ndarray:
    return ~np.isnan(result.entry_time[:, body, phase])


def _flight_clearance(compiled: CompiledScenario, result: EnsembleResult, body: str, phases: list[str]) -> np.ndarray:
    """Least distance to terrain over some phases; 0 (or below) where the body hit the ground in them."""
    b = compiled.body_index(body)
    idx = [compiled.phase_index(body, p) for p in phases if compiled.has_phase(body, p)]
    clearance = result.min_clearance[:, b, idx].min(axis=1)
    hit = np.isin(result.contact_from[:, b], idx)
    return np.where(hit, np.minimum(clearance, 0.0), clearance)


def crosswind_on_ramp(scenario, compiled: CompiledScenario, env: np.ndarray, launch_speed: np.ndarray,
                      holding: np.ndarray):
    """Gusted crosswind at the lip and the tyre-grip crosswind limit there [m s-1], per sample.

    The wind is the scenario's layered profile at the lip's height above the ground
    below it, scaled and rotated per sample (env); the limit is the friction-circle
    limit of physics.ramp with the longitudinal tyre force the rider is using at
    the lip: the force that holds the launch speed where the rider had reached his
    target speed (``holding``), full throttle where he had not.
    """
    ramp, crit = scenario.ramp, scenario.criteria
    lip_z = compiled.datum_elevation_msl
    lip_agl = lip_z - float(compiled.terrain.height(0.0, 0.0))
    we, wn = layered_wind(lip_agl, compiled.wind.heights_agl, compiled.wind.east, compiled.wind.north)
    f = env[:, ph.ENV_WIND_FACTOR]
    rot = env[:, ph.ENV_WIND_ROTATION]
    e = f * (we * np.cos(rot) + wn * np.sin(rot))
    n = f * (-we * np.sin(rot) + wn * np.cos(rot))
    psi = scenario.site.heading_true
    along = e * math.sin(psi) + n * math.cos(psi)
    cross = e * math.cos(psi) - n * math.sin(psi)
    rho = air_density(lip_z, env[:, ph.ENV_TEMPERATURE_OFFSET])
    mass = scenario.performer.mass + scenario.bike.mass
    cda = scenario.performer.drag_areas[ramp.on_bike_configuration]
    target = np.where(holding, launch_speed, np.inf)
    # a sample that never reached the lip has a NaN launch speed, and its NaN passes through;
    # comparing it inside the kernels raises the invalid-operation flag, which is not news here
    with np.errstate(invalid="ignore"):
        force = longitudinal_force_demand(
            launch_speed, launch_speed - along * math.cos(ramp.slope), target, ramp.slope, mass,
            scenario.bike.drive_power, ramp.traction_coefficient, ramp.rolling_resistance, cda, rho, STANDARD_GRAVITY,
        )
        limit = crosswind_limit(mass, ramp.slope, ramp.traction_coefficient, force, ramp.side_drag_area, rho,
                                STANDARD_GRAVITY)
    return crit.crosswind_gust_factor * np.abs(cross), np.asarray(limit, float)


def evaluate(
    scenario, compiled: CompiledScenario, nominal: EnsembleResult, off_heading: list[EnsembleResult], env: np.ndarray
) -> Margins:
    """Margins of every applicable criterion for n samples.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario (limits, zones, ramp figures).
    compiled : CompiledScenario
    nominal : EnsembleResult
        Runs on the planned opening heading.
    off_heading : list of EnsembleResult
        The same samples with the canopy opening off heading (may be empty).
    env : ndarray, shape (n or 1, N_ENV)
        The environment each sample ran in.
    """
    crit, para, lz = scenario.criteria, scenario.parachute, scenario.landing_zone
    n = nominal.status.shape[0]
    env = np.broadcast_to(env, (n, env.shape[1]))
    rider = compiled.body_names[0]
    r = 0
    info: dict[str, CriterionInfo] = {}
    value: dict[str, np.ndarray] = {}
    margin: dict[str, np.ndarray] = {}
    scale: dict[str, float] = {}

    def add(key, title, unit, limit_text, val, marg, sc):
        info[key] = CriterionInfo(key, title, unit, limit_text)
        value[key] = np.asarray(val, float)
        margin[key] = np.asarray(marg, float)
        scale[key] = float(sc)

    motorcycle = scenario.ramp is not None
    if motorcycle:
        ramp = scenario.ramp
        launch = _state(nominal, r, compiled.phase_index(rider, "launch"))
        speed = np.linalg.norm(launch[:, 3:], axis=1)
        add("launch_speed", "Launch speed at the lip", "m/s",
            f"{ramp.launch_speed_min:.1f} to {ramp.launch_speed_max:.1f} m/s", speed,
            np.minimum(speed - ramp.launch_speed_min, ramp.launch_speed_max - speed),
            (ramp.launch_speed_max - ramp.launch_speed_min) / 2)
        holding = _reached(nominal, r, compiled.phase_index(rider, "ramp hold"))
        gusted, limit = crosswind_on_ramp(scenario, compiled, env, speed, holding)
        add("ramp_crosswind", "Gusted crosswind on the ramp", "m/s",
            f"below the tyre-grip limit ({np.nanmin(limit):.1f} m/s)", gusted, limit - gusted, float(np.nanmin(limit)))
        k = compiled.body_index("bike")
        stretch = compiled.phase_index(rider, "inflation")
        sys_state = nominal.entry_state[:, r, stretch]
        gap = np.linalg.norm(sys_state[:, 6 * r : 6 * r + 3] - sys_state[:, 6 * k : 6 * k + 3], axis=1)
        gap = np.where(_reached(nominal, r, stretch), gap, 0.0)
        add("separation", "Rider-bike distance at line stretch", "m",
            f">= {crit.min_separation_at_line_stretch:.0f} m", gap, gap - crit.min_separation_at_line_stretch,
            crit.min_separation_at_line_stretch)
    flight_phases = ["separation", "freefall", "pilot chute", "inflation", "canopy"]
    clear = _flight_clearance(compiled, nominal, rider, flight_phases)
    add("clearance", "Terrain clearance, on heading", "m", f">= {crit.min_terrain_clearance:.0f} m", clear,
        clear - crit.min_terrain_clearance, crit.min_terrain_clearance)
    if off_heading:
        clear_off = np.min([_flight_clearance(compiled, res, rider, flight_phases) for res in off_heading], axis=0)
        add("clearance_off_heading", f"Terrain clearance, opening {math.degrees(para.off_heading_check):.0f} deg off heading",
            "m", f">= {crit.min_terrain_clearance:.0f} m", clear_off, clear_off - crit.min_terrain_clearance,
            crit.min_terrain_clearance)
    full = compiled.phase_index(rider, "canopy")
    s_full = _state(nominal, r, full)
    agl = s_full[:, 2] - compiled.terrain.height(s_full[:, 0], s_full[:, 1])
    agl = np.where(_reached(nominal, r, full), agl, 0.0)
    add("full_canopy_height", "Height above ground at full canopy", "m",
        f">= {crit.min_full_canopy_height_agl:.0f} m", agl, agl - crit.min_full_canopy_height_agl,
        crit.min_full_canopy_height_agl)
    # the opening: inflation and the surge into glide under the full canopy
    load = np.maximum(nominal.peak_load[:, r, compiled.phase_index(rider, "inflation")],
                      nominal.peak_load[:, r, compiled.phase_index(rider, "canopy")])
    add("opening_load", "Peak opening load", "g", f"<= {crit.max_opening_load:.1f} g", load,
        crit.max_opening_load - load, crit.max_opening_load)
    touchdown = compiled.phase_index(rider, "touchdown")
    impact = compiled.phase_index(rider, "impact")
    landed = _reached(nominal, r, touchdown)
    rest = np.where(landed[:, None], _state(nominal, r, touchdown), _state(nominal, r, impact))
    dist = np.hypot(rest[:, 0] - lz.east, rest[:, 1] - lz.north)
    # a flight that met the ground before the flare did not land: no margin (fails)
    add("landing_zone", f"Distance from the centre of the landing zone ({lz.name})", "m", f"<= {lz.radius:.0f} m",
        dist, np.where(landed, lz.radius - dist, np.nan), lz.radius)
    sink = -rest[:, 5]
    add("touchdown_speed", "Vertical speed at touchdown", "m/s",
        f"<= {crit.max_touchdown_vertical_speed:.1f} m/s", sink, crit.max_touchdown_vertical_speed - sink,
        crit.max_touchdown_vertical_speed)
    if motorcycle and scenario.exclusion_zones:
        k = compiled.body_index("bike")
        bike_rest = _state(nominal, k, compiled.phase_index("bike", "impact"))
        outside = np.min([np.hypot(bike_rest[:, 0] - z.east, bike_rest[:, 1] - z.north) - z.radius
                          for z in scenario.exclusion_zones], axis=0)
        add("bike_exclusion", "Bike impact outside the exclusion zones", "m", "> 0 m outside every zone",
            outside, outside, min(z.radius for z in scenario.exclusion_zones))
    return Margins(info, value, margin, scale)
