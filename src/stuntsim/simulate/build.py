"""Turn a validated scenario into the engine's inputs: phase tables, initial state, terrain, wind.

This is where a stunt's sequence of phases is written down, once per kind of
stunt: a jump from an exit point (freefall, then canopy if the scenario has a
parachute) and the motorcycle launch (ramp, rider and bike together, separation,
freefall, pilot chute, inflation, canopy, flare). Every number comes from the
scenario; nothing here is a hidden default except the integration steps of the
fast phases, which are named constants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from stuntsim.physics.canopy import glide_coefficients_from_polar, nominal_diameter_from_area
from stuntsim.physics.drag import STANDARD_GRAVITY
from stuntsim.physics.terrain import TerrainGrid, flat_terrain, grid_terrain, profile_terrain
from stuntsim.physics.wind import power_law_layers, wind_components_from_speed_direction
from stuntsim.simulate import phases as ph
from stuntsim.simulate.engine import Wind

#: Integration steps of the phases whose step is not the scenario's [s]: inflation
#: (the load peaks within a few tenths of a second), under canopy near the object
#: (the clearance watch) and in the flare, on the approach (a smooth glide toward
#: the landing zone; the point-mass glider's time constant is ~ V/g ~ 1 s) and over
#: the landing zone (within NEAR_TARGET_DISTANCE of its centre, where the canopy
#: circles the centre and the bearing to it turns fast). tests/analysis/test_plan_physics.py
#: checks that halving them moves no criterion value by more than its stated tolerance.
INFLATION_TIME_STEP = 0.04
#: The riderless bike's fall: a smooth drag fall whose ground contact is a located
#: event, so RK4 at 0.25 s is far inside the criteria's tolerances; a coarse step here
#: keeps the rider's canopy from being stepped finely while the bike still falls.
BIKE_FALL_TIME_STEP = 0.25
GLIDE_TIME_STEP = 0.25
APPROACH_TIME_STEP = 1.0
OVER_LANDING_ZONE_TIME_STEP = 0.5
#: [m] horizontal distance from the landing-zone centre where the approach's coarse step
#: ends: the bearing to the centre turns at V / distance, under 0.1 rad/s out there.
NEAR_TARGET_DISTANCE = 150.0
#: The edges of RK4's stability region on the imaginary axis (an undamped oscillation of
#: angular frequency w is stable for h w up to 2 sqrt(2)) and on the negative real axis
#: (a decay of rate k for h k up to 2.785).
RK4_IMAGINARY_LIMIT = 2.0 * math.sqrt(2.0)
RK4_REAL_LIMIT = 2.785
#: A gliding phase steps at most this fraction of RK4's stability limit on the glider's modes.
GLIDE_STABILITY_FRACTION = 0.5


def glide_step(step: float, airspeed: float, bank_gain: float) -> float:
    """The step of a gliding phase [s]: ``step``, or half the longest stable step if that is shorter.

    Two modes of the point-mass glider bound RK4's step: the phugoid, a lightly damped
    oscillation of angular frequency ``sqrt(2) g / V`` (Lanchester's result for a point mass
    at a constant lift-to-drag ratio), and the heading's return to the target under steering
    (bank ``bank_gain`` times the heading error, turn rate ``g tan(bank) / V``), a decay of rate
    ``g bank_gain / V``. Both are faster for a slower canopy. At Helsetkopen's 9.4 m/s airspeed
    the phugoid allows 1.92 s (the approach goes unstable at 2 s), so its 1 s approach step
    becomes 0.96 s; a 4.3 m/s canopy, stepped at 1 s, never landed.

    Parameters
    ----------
    step : float
        The phase's usual step [s].
    airspeed : float
        The polar's airspeed, ``hypot(forward_speed, sink_rate)`` at the reference density [m s-1]
        (higher, hence safer, in thinner air).
    bank_gain : float
        Bank per heading error [-]; 0 without steering.
    """
    g = STANDARD_GRAVITY
    limit = RK4_IMAGINARY_LIMIT * airspeed / (math.sqrt(2.0) * g)
    if bank_gain > 0.0:
        limit = min(limit, RK4_REAL_LIMIT * airspeed / (g * bank_gain))
    return min(step, GLIDE_STABILITY_FRACTION * limit)


@dataclass(frozen=True)
class CompiledScenario:
    """The engine's inputs for one scenario, plus the names that give them meaning."""

    name: str
    scenario_hash: str
    bodies: tuple[ph.Body, ...]
    tables: np.ndarray  # (1, B, MAX_PHASES, N_PARAMS)
    init: np.ndarray  # (1, B, 6)
    terrain: TerrainGrid
    wind: Wind
    env: np.ndarray  # (1, N_ENV)
    max_time: float
    datum_elevation_msl: float

    @property
    def body_names(self) -> list[str]:
        return [b.name for b in self.bodies]

    def body_index(self, name: str) -> int:
        return self.body_names.index(name)

    def phase_index(self, body: str, phase: str) -> int:
        return self.bodies[self.body_index(body)].index(phase)

    def has_phase(self, body: str, phase: str) -> bool:
        return body in self.body_names and any(p.name == phase for p in self.bodies[self.body_index(body)].phases)


def terrain_from_scenario(scenario) -> TerrainGrid:
    """The scenario's terrain in the engine's representation."""
    t = scenario.terrain
    if t.kind == "flat":
        return flat_terrain(t.elevation_msl)
    if t.kind == "profile":
        d, z = np.array(t.points, dtype=float).T
        return profile_terrain(d, z, scenario.site.heading_true)
    return grid_terrain(t.grid.elevation_msl, t.spacing, t.origin_east, t.origin_north)


def wind_from_scenario(scenario) -> Wind:
    """The scenario's wind as a layered profile (a power law is tabulated; see physics.wind)."""
    w = scenario.wind
    if w.model == "calm":
        return Wind.calm()
    if w.model == "power_law":
        h, e, n = power_law_layers(w.reference_speed, w.direction_from, w.reference_height, w.exponent)
        return Wind(np.asarray(h, float), np.asarray(e, float), np.asarray(n, float))
    heights = np.array([layer.height_agl for layer in w.layers])
    speeds = np.array([layer.speed for layer in w.layers])
    directions = np.array([layer.direction_from for layer in w.layers])
    east, north = wind_components_from_speed_direction(speeds, directions)
    return Wind(heights, np.asarray(east, float), np.asarray(north, float))


def _unit_vector(heading: float, elevation: float) -> np.ndarray:
    return np.array([math.cos(elevation) * math.sin(heading), math.cos(elevation) * math.cos(heading), math.sin(elevation)])


def _canopy_phases(scenario, mass: float, step: float) -> list[ph.Phase]:
    """Pilot chute, inflation, glide, flare and the two ways a flight ends, for a performer with a parachute."""
    para, canopy, lz = scenario.parachute, scenario.canopy, scenario.landing_zone
    g = STANDARD_GRAVITY
    rho_ref = canopy.reference_density
    lift, drag = glide_coefficients_from_polar(canopy.forward_speed, canopy.sink_rate, mass, rho_ref, g)
    flare_lift, flare_drag = glide_coefficients_from_polar(
        canopy.flare_forward_speed, canopy.flare_sink_rate, mass, rho_ref, g
    )
    freefall_area = scenario.performer.drag_areas[scenario.performer.freefall_configuration]
    # ASSUMPTION: at full inflation the canopy carries its whole glide force as drag,
    # C_R S = sqrt(C_L^2 + C_D^2) S, so the drag-only descent matches the polar's airspeed
    full_area = float(math.hypot(lift, drag))
    d0 = float(nominal_diameter_from_area(para.canopy_area))
    heading = scenario.site.heading_true + para.opening_heading_error
    common = dict(next_on_contact="impact")
    watched = dict(monitor_clearance=True, **common)  # object clearance counts in these phases
    # ASSUMPTION: over the landing zone the pilot holds in a right-hand turn at full bank
    # within one turn radius of the centre (that of the polar's forward speed at full bank)
    holding_radius = canopy.forward_speed**2 / (g * math.tan(canopy.max_bank))
    airspeed = math.hypot(canopy.forward_speed, canopy.sink_rate)
    flare_airspeed = math.hypot(canopy.flare_forward_speed, canopy.flare_sink_rate)
    glide = dict(
        kind=ph.Kind.GLIDE, mass=mass, time_step=glide_step(GLIDE_TIME_STEP, airspeed, canopy.bank_gain),
        target_east=lz.east, target_north=lz.north, bank_gain=canopy.bank_gain, max_bank=canopy.max_bank,
    )
    return [
        ph.Phase(
            "pilot chute", ph.Kind.FLIGHT, mass, step, drag_area=freefall_area,
            duration=ph.Duration.AFTER_ENTRY, duration_c0=para.throw_delay,
            duration_c1=para.pilot_chute_fill_constant * para.pilot_chute_diameter + para.bridle_length + para.line_length,
            next_on_time="inflation", **watched,
        ),
        ph.Phase(
            "inflation", ph.Kind.FLIGHT, mass, INFLATION_TIME_STEP, drag_area=full_area,
            drag_area_start=freefall_area, grow_exponent=para.growth_exponent,
            duration=ph.Duration.AFTER_ENTRY, duration_c1=para.fill_constant * d0, next_on_time="canopy", **watched,
        ),
        # "canopy" is the full canopy near the object, watched for terrain clearance for
        # criteria.clearance_watch_time; "approach" is the rest of the flight to the flare
        ph.Phase(
            "canopy", entry=ph.Entry.GLIDE, heading=heading, lift_area=lift, drag_area=drag,
            reaction_time=para.turn_reaction_time, exit_height_agl=canopy.flare_height_agl, next_on_height="flare",
            duration=ph.Duration.AFTER_ENTRY, duration_c0=scenario.criteria.clearance_watch_time,
            next_on_time="approach", **glide, **watched,
        ),
        ph.Phase(
            "approach", lift_area=lift, drag_area=drag, exit_height_agl=canopy.flare_height_agl,
            next_on_height="flare", near_distance=NEAR_TARGET_DISTANCE, next_on_near="over landing zone",
            **{**glide, "time_step": glide_step(APPROACH_TIME_STEP, airspeed, canopy.bank_gain)}, **common,
        ),
        ph.Phase(
            "over landing zone", lift_area=lift, drag_area=drag, exit_height_agl=canopy.flare_height_agl,
            next_on_height="flare", holding_turn=1.0, holding_radius=holding_radius,
            **{**glide, "time_step": glide_step(OVER_LANDING_ZONE_TIME_STEP, airspeed, canopy.bank_gain)}, **common,
        ),
        # the brakes go down over canopy.flare_time; no steering in the flare
        ph.Phase(
            "flare", lift_area=flare_lift, drag_area=flare_drag, lift_area_start=lift, drag_area_start=drag,
            grow_exponent=1, grow_time=canopy.flare_time, next_on_contact="touchdown",
            **{**glide, "bank_gain": 0.0, "time_step": glide_step(GLIDE_TIME_STEP, flare_airspeed, 0.0)},
        ),
        ph.Phase("touchdown", ph.Kind.FROZEN, mass, step),
        ph.Phase("impact", ph.Kind.FROZEN, mass, step),
    ]


def _jump_bodies(scenario) -> tuple[list[ph.Body], np.ndarray]:
    """A performer leaving an exit point: freefall, then the canopy if there is a parachute."""
    p, ex, step = scenario.performer, scenario.exit, scenario.simulation.time_step
    area = p.drag_areas[p.freefall_configuration]
    has_canopy = scenario.parachute is not None
    freefall = ph.Phase(
        "freefall", ph.Kind.FLIGHT, p.mass, step, drag_area=area, next_on_contact="impact", monitor_clearance=True
    )
    if has_canopy:
        freefall = replace(
            freefall, duration=ph.Duration.ABSOLUTE, duration_c0=scenario.parachute.pull_time, next_on_time="pilot chute"
        )
        phases = [freefall, *_canopy_phases(scenario, p.mass, step)]
    else:
        phases = [freefall, ph.Phase("impact", ph.Kind.FROZEN, p.mass, step)]
    height = ex.height if ex is not None else 0.0
    speed = ex.speed if ex is not None else 0.0
    angle = ex.flight_path_angle if ex is not None else 0.0
    v = speed * _unit_vector(scenario.exit_heading_true, angle)
    init = np.array([[[0.0, 0.0, scenario.site.datum_elevation_msl + height, *v]]])
    return [ph.Body(p.name, phases)], init


def _motorcycle_bodies(scenario) -> tuple[list[ph.Body], np.ndarray]:
    """Rider and bike: ramp, flight together, separation, then each on its own."""
    p, bike, ramp, sep = scenario.performer, scenario.bike, scenario.ramp, scenario.separation
    step = scenario.simulation.time_step
    heading = scenario.site.heading_true
    lip_z = scenario.site.datum_elevation_msl
    m_total = p.mass + bike.mass
    together = p.drag_areas[ramp.on_bike_configuration]
    ramp_phase = ph.Phase(
        "ramp", ph.Kind.RAMP, m_total, ramp.time_step, drag_area=together, heading=heading,
        ramp_slope=ramp.slope, ramp_lip_altitude=lip_z, target_speed=ramp.target_speed,
        drive_power=bike.drive_power, traction=ramp.traction_coefficient,
        rolling_resistance=ramp.rolling_resistance, next_on_lip="launch", next_on_speed="ramp hold",
    )
    # reaching the target speed is a located event: the throttle law switches there
    # (full throttle below, hold above), a kink a fixed step would smear
    hold_phase = replace(ramp_phase, name="ramp hold", next_on_speed=None)
    launch = ph.Phase(
        "launch", ph.Kind.FLIGHT, m_total, step, drag_area=together, entry=ph.Entry.LIP, heading=heading, sets_datum=True,
        lip_angle=ramp.lip_angle, duration=ph.Duration.ABSOLUTE, duration_c0=sep.time,
        next_on_time="separation", next_on_contact="impact",
    )
    push = _unit_vector(heading + sep.push_azimuth, sep.push_elevation) * sep.impulse
    rider = ph.Body(p.name, [
        ramp_phase, hold_phase, launch,
        ph.Phase(
            "separation", ph.Kind.FLIGHT, p.mass, step, drag_area=p.drag_areas[p.freefall_configuration],
            entry=ph.Entry.IMPULSE, dv_enu=tuple(push / p.mass), duration=ph.Duration.ABSOLUTE,
            duration_c0=scenario.parachute.pull_time, next_on_time="pilot chute", next_on_contact="impact",
            monitor_clearance=True,
        ),
        *_canopy_phases(scenario, p.mass, step),
    ])
    bike_body = ph.Body("bike", [
        ramp_phase, hold_phase, launch,
        ph.Phase(
            "separation", ph.Kind.FLIGHT, bike.mass, BIKE_FALL_TIME_STEP, drag_area=bike.drag_area, entry=ph.Entry.IMPULSE,
            dv_enu=tuple(-push / bike.mass), next_on_contact="impact",
        ),
        ph.Phase("impact", ph.Kind.FROZEN, bike.mass, step),
    ])
    # start at rest (or entry speed) at the top of the ramp, ramp.length before the lip
    axis = _unit_vector(heading, -ramp.slope)
    start = -ramp.length * axis
    start[2] += lip_z
    v0 = ramp.entry_speed * axis
    init = np.array([[[*start, *v0], [*start, *v0]]])
    return [rider, bike_body], init


def compile_scenario(scenario) -> CompiledScenario:
    """The engine's inputs for a validated :class:`~stuntsim.scenario.model.Scenario`."""
    if getattr(scenario, "ramp", None) is not None:
        bodies, init = _motorcycle_bodies(scenario)
    else:
        bodies, init = _jump_bodies(scenario)
    env = np.array([ph.DEFAULT_ENV])
    env[0, ph.ENV_TEMPERATURE_OFFSET] = scenario.atmosphere.temperature_offset
    return CompiledScenario(
        name=scenario.scenario.name,
        scenario_hash=scenario.scenario_hash,
        bodies=tuple(bodies),
        tables=ph.phase_table(bodies)[None],
        init=init,
        terrain=terrain_from_scenario(scenario),
        wind=wind_from_scenario(scenario),
        env=env,
        max_time=scenario.simulation.max_time,
        datum_elevation_msl=scenario.site.datum_elevation_msl,
    )

