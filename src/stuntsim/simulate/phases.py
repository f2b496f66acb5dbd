"""Phases as data: the layout of the tables the flight engine reads.

Each body (performer, bike) runs a small state machine of up to ``MAX_PHASES``
phases. A phase is one row of floats: which derivative it uses (its kind), its
configuration (mass, drag area, canopy coefficients, ramp figures), how it is
entered (an impulse, the kick at the ramp lip, the canopy settling into glide)
and how it ends (a scheduled time, a duration that depends on the airspeed at
entry, a height above ground, reaching the ramp lip or the target speed, or
ground contact), each exit naming the next
phase. New stunt phases are new rows, not new engine code.

State layout, per body: ``[east, north, altitude_msl, v_east, v_north, v_up]``
[m, m, m, m s-1, m s-1, m s-1] in the local ENU frame with its origin at the
scenario's datum (east/north) and altitudes above mean sea level.

Time. The engine's clock starts at 0 with the first phase. The datum event (the
ramp lip, the exit) is the entry into a phase flagged ``sets_datum`` (time 0 if
none is); scheduled times (separation, pull) count from it, and results report
times relative to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

# state indices per body
X, Y, Z, VX, VY, VZ = range(6)
STATE_SIZE = 6
MAX_BODIES = 2
MAX_PHASES = 12


class Kind(IntEnum):
    """Which derivative a phase integrates."""

    FROZEN = 0  # at rest after touchdown or impact; the state is kept as it was at contact
    RAMP = 1  # on a straight ramp: motion along the ramp only (physics.ramp)
    FLIGHT = 2  # gravity and drag along the air-relative velocity; drag area may grow
    GLIDE = 3  # ram-air canopy: lift and drag from a glide polar, banked toward a target


class Entry(IntEnum):
    """What happens to the velocity when a phase is entered."""

    NONE = 0
    IMPULSE = 1  # add (dv_east, dv_north, dv_up)
    LIP = 2  # redirect the velocity to the lip angle at the same speed
    GLIDE = 3  # the canopy turns the horizontal airspeed to its opening heading (speeds kept)


class Duration(IntEnum):
    """How a phase's scheduled end is set."""

    NONE = 0  # no scheduled end
    ABSOLUTE = 1  # ends c0 after the datum event (t_datum + c0)
    AFTER_ENTRY = 2  # ends c0 + c1 / airspeed_at_entry after entry (Knacke fill time, line stretch; c1 = 0: a fixed duration)


# column indices of one phase row
(
    KIND,
    MASS,
    DRAG_AREA_START,
    DRAG_AREA,
    GROW_EXPONENT,
    TIME_STEP,
    DURATION_MODE,
    DURATION_C0,
    DURATION_C1,
    NEXT_ON_TIME,
    NEXT_ON_CONTACT,
    EXIT_HEIGHT_AGL,
    NEXT_ON_HEIGHT,
    ENTRY,
    DV_EAST,
    DV_NORTH,
    DV_UP,
    HEADING,
    RAMP_SLOPE,
    LIP_ANGLE,
    RAMP_LIP_ALTITUDE,
    TARGET_SPEED,
    DRIVE_POWER,
    TRACTION,
    ROLLING_RESISTANCE,
    LIFT_AREA,
    TARGET_EAST,
    TARGET_NORTH,
    BANK_GAIN,
    MAX_BANK,
    REACTION_TIME,
    NEXT_ON_LIP,
    SETS_DATUM,
    LIFT_AREA_START,
    GROW_TIME,
    MONITOR_CLEARANCE,
    NEXT_ON_SPEED,
    RAMP_AXIS_EAST,
    RAMP_AXIS_NORTH,
    RAMP_AXIS_UP,
    SIN_RAMP_SLOPE,
    COS_RAMP_SLOPE,
    NEAR_DISTANCE,
    NEXT_ON_NEAR,
    HOLDING_TURN,
    HOLDING_RADIUS,
) = range(46)
N_PARAMS = 46

NO_NEXT = -1.0

# columns of the per-sample environment vector: temperature offset [K], wind speed
# factor [-], wind rotation (veer, clockwise) [rad], fixed air density [kg m-3]
# (0 = the standard atmosphere; a positive value holds density constant, for
# analytic checks and for a density measured on the day)
ENV_TEMPERATURE_OFFSET, ENV_WIND_FACTOR, ENV_WIND_ROTATION, ENV_AIR_DENSITY = range(4)
N_ENV = 4
DEFAULT_ENV = (0.0, 1.0, 0.0, 0.0)


@dataclass
class Phase:
    """One phase of one body, in SI; converted to a table row by :func:`phase_table`.

    Attributes mirror the columns above; ``next_on_*`` are phase names resolved
    against the body's list. Unused attributes keep their defaults.
    """

    name: str
    kind: Kind
    mass: float
    time_step: float
    drag_area: float = 0.0
    drag_area_start: float | None = None
    grow_exponent: int = 0
    duration: Duration = Duration.NONE
    duration_c0: float = 0.0
    duration_c1: float = 0.0
    next_on_time: str | None = None
    next_on_contact: str | None = None
    exit_height_agl: float = -np.inf
    next_on_height: str | None = None
    next_on_lip: str | None = None
    next_on_speed: str | None = None  # RAMP: the speed reaches target_speed
    near_distance: float = 0.0  # [m] horizontal distance to (target_east, target_north) that ends the phase
    next_on_near: str | None = None  # in the air: within near_distance of the target
    sets_datum: bool = False
    entry: Entry = Entry.NONE
    dv_enu: tuple[float, float, float] = (0.0, 0.0, 0.0)
    heading: float = 0.0
    ramp_slope: float = 0.0
    lip_angle: float = 0.0
    ramp_lip_altitude: float = 0.0
    target_speed: float = np.inf
    drive_power: float = 0.0
    traction: float = 0.0
    rolling_resistance: float = 0.0
    lift_area: float = 0.0
    lift_area_start: float | None = None
    grow_time: float = 0.0  # > 0: areas grow over this time; 0: over the phase's scheduled duration
    monitor_clearance: bool = False  # keep the minimum distance to terrain during this phase
    target_east: float = 0.0
    target_north: float = 0.0
    bank_gain: float = 0.0
    max_bank: float = 0.0
    reaction_time: float = 0.0
    # +1 (right) or -1 (left): the canopy holds over its target turning this way, at full
    # bank within holding_radius [m] (physics.canopy.steering_bank_kernel); 0: pure pursuit
    holding_turn: float = 0.0
    holding_radius: float = 0.0


@dataclass
class Body:
    """A body's name and its phases, the first being where it starts."""

    name: str
    phases: list[Phase] = field(default_factory=list)

    def index(self, phase_name: str) -> int:
        for i, p in enumerate(self.phases):
            if p.name == phase_name:
                return i
        raise KeyError(f"body {self.name!r} has no phase {phase_name!r}")


def phase_table(bodies: list[Body]) -> np.ndarray:
    """Rows of all bodies' phases, shape (n_bodies, MAX_PHASES, N_PARAMS)."""
    if not 1 <= len(bodies) <= MAX_BODIES:
        raise ValueError(f"between 1 and {MAX_BODIES} bodies, got {len(bodies)}")
    table = np.zeros((len(bodies), MAX_PHASES, N_PARAMS))
    table[:, :, NEXT_ON_TIME] = NO_NEXT
    table[:, :, NEXT_ON_CONTACT] = NO_NEXT
    table[:, :, NEXT_ON_HEIGHT] = NO_NEXT
    table[:, :, NEXT_ON_LIP] = NO_NEXT
    table[:, :, NEXT_ON_SPEED] = NO_NEXT
    table[:, :, NEXT_ON_NEAR] = NO_NEXT
    table[:, :, EXIT_HEIGHT_AGL] = -np.inf
    table[:, :, TIME_STEP] = 1.0
    for b, body in enumerate(bodies):
        if len(body.phases) > MAX_PHASES:
            raise ValueError(f"body {body.name!r} has more than {MAX_PHASES} phases")

        def ref(name):
            return NO_NEXT if name is None else float(body.index(name))

        for i, p in enumerate(body.phases):
            row = table[b, i]
            row[KIND] = int(p.kind)
            row[MASS] = p.mass
            row[DRAG_AREA] = p.drag_area
            row[DRAG_AREA_START] = p.drag_area if p.drag_area_start is None else p.drag_area_start
            row[GROW_EXPONENT] = p.grow_exponent
            row[TIME_STEP] = p.time_step
            row[DURATION_MODE] = int(p.duration)
            row[DURATION_C0] = p.duration_c0
            row[DURATION_C1] = p.duration_c1
            row[NEXT_ON_TIME] = ref(p.next_on_time)
            row[NEXT_ON_CONTACT] = ref(p.next_on_contact)
            row[EXIT_HEIGHT_AGL] = p.exit_height_agl
            row[NEXT_ON_HEIGHT] = ref(p.next_on_height)
            row[NEXT_ON_LIP] = ref(p.next_on_lip)
            row[NEXT_ON_SPEED] = ref(p.next_on_speed)
            row[NEXT_ON_NEAR] = ref(p.next_on_near)
            row[NEAR_DISTANCE] = p.near_distance
            if p.kind == Kind.RAMP:
                # derived once here so kernels need no trigonometry: the unit vector down
                # the ramp (east, north, up) and the slope's sine and cosine
                row[SIN_RAMP_SLOPE], row[COS_RAMP_SLOPE] = math.sin(p.ramp_slope), math.cos(p.ramp_slope)
                row[RAMP_AXIS_EAST] = row[COS_RAMP_SLOPE] * math.sin(p.heading)
                row[RAMP_AXIS_NORTH] = row[COS_RAMP_SLOPE] * math.cos(p.heading)
                row[RAMP_AXIS_UP] = -row[SIN_RAMP_SLOPE]
            row[SETS_DATUM] = float(p.sets_datum)
            row[ENTRY] = int(p.entry)
            row[DV_EAST], row[DV_NORTH], row[DV_UP] = p.dv_enu
            row[HEADING] = p.heading
            row[RAMP_SLOPE] = p.ramp_slope
            row[LIP_ANGLE] = p.lip_angle
            row[RAMP_LIP_ALTITUDE] = p.ramp_lip_altitude
            row[TARGET_SPEED] = p.target_speed
            row[DRIVE_POWER] = p.drive_power
            row[TRACTION] = p.traction
            row[ROLLING_RESISTANCE] = p.rolling_resistance
            row[LIFT_AREA] = p.lift_area
            row[LIFT_AREA_START] = p.lift_area if p.lift_area_start is None else p.lift_area_start
            row[GROW_TIME] = p.grow_time
            row[MONITOR_CLEARANCE] = float(p.monitor_clearance)
            row[TARGET_EAST] = p.target_east
            row[TARGET_NORTH] = p.target_north
            row[BANK_GAIN] = p.bank_gain
            row[MAX_BANK] = p.max_bank
            row[REACTION_TIME] = p.reaction_time
            row[HOLDING_TURN] = p.holding_turn
            row[HOLDING_RADIUS] = p.holding_radius
            if p.holding_turn != 0.0 and not p.holding_radius > 0.0:
                raise ValueError(f"phase {p.name!r}: a holding turn needs a positive holding radius")
            if p.kind != Kind.FROZEN and p.time_step <= 0:
                raise ValueError(f"phase {p.name!r}: time step must be positive")
    return table
