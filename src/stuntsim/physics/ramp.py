"""The motorcycle on the launch ramp: 1-D motion along a straight ramp.

Conventions (SI throughout):

- ``slope`` is the ramp angle *below* the horizontal in the direction of
  travel [rad]: positive is downhill, negative uphill.
- ``speed`` is the bike's ground speed along the ramp [m s-1], >= 0.
- ``airspeed_along`` is the bike's speed relative to the air along the ramp
  direction, i.e. ``speed`` minus the along-ramp component of the wind
  [m s-1]; it may be negative in a strong tailwind.
- Longitudinal tyre force is positive when it drives the bike forward and
  negative when it brakes.

The scalar kernels (``*_kernel``) are numba-compiled functions of floats for
the flight engine's inner loop; the functions without the suffix are numpy
versions that broadcast over arrays.
"""

import math

import numba
import numpy as np

__all__ = [
    "ramp_acceleration_kernel",
    "ramp_acceleration",
    "longitudinal_force_demand_kernel",
    "longitudinal_force_demand",
    "crosswind_side_force",
    "lateral_grip_available",
    "crosswind_limit",
    "launch_velocity",
]

#: Speed floor under the power-limited drive term P / (m v) [m s-1].
POWER_SPEED_FLOOR = 1.0


@numba.njit(cache=True, inline="always")
def _ramp_limits(
    speed,
    airspeed_along,
    sin_slope,
    cos_slope,
    mass,
    drive_power,
    traction_coefficient,
    rolling_resistance,
    drag_area,
    air_density,
    g,
):
    """Return (coasting, max drive, max braking) accelerations [m s-2]."""
    coast = (
        g * sin_slope
        - rolling_resistance * g * cos_slope
        - 0.5 * air_density * drag_area * airspeed_along * abs(airspeed_along) / mass
    )
    grip = traction_coefficient * g * cos_slope
    drive = min(drive_power / (mass * max(speed, POWER_SPEED_FLOOR)), grip)
    return coast, drive, grip


@numba.njit(cache=True, inline="always")
def ramp_acceleration_trig_kernel(
    speed, airspeed_along, target_speed, sin_slope, cos_slope, mass, drive_power, traction_coefficient,
    rolling_resistance, drag_area, air_density, g=9.80665,
):
    """:func:`ramp_acceleration_kernel` with the slope given by its sine and cosine.

    For inner loops that hold the ramp's trigonometry fixed; same model, same units.
    """
    coast, drive, brake = _ramp_limits(
        speed, airspeed_along, sin_slope, cos_slope, mass, drive_power, traction_coefficient, rolling_resistance,
        drag_area, air_density, g,
    )
    # selects, not branches: the engine's lane loops vectorise
    hold = min(max(0.0, coast - brake), coast + drive)
    a = coast + drive if speed < target_speed else hold
    return math.nan if speed < 0.0 else a


@numba.njit(cache=True)
def ramp_acceleration_kernel(
    speed,
    airspeed_along,
    target_speed,
    slope,
    mass,
    drive_power,
    traction_coefficient,
    rolling_resistance,
    drag_area,
    air_density,
    g=9.80665,
):
    """Acceleration of rider and bike along a straight ramp (scalar kernel).

    Parameters
    ----------
    speed : float
        Ground speed along the ramp [m s-1], >= 0.
    airspeed_along : float
        Speed relative to the air along the ramp direction (speed minus the
        along-ramp wind component) [m s-1].
    target_speed : float
        Speed the rider aims to reach and then hold [m s-1].
    slope : float
        Ramp angle below the horizontal in the direction of travel
        (positive downhill) [rad].
    mass : float
        Mass of rider plus bike [kg].
    drive_power : float
        Power delivered at the rear wheel, taken as constant over speed
        (ASSUMPTION: the rider keeps the engine near peak power) [W].
    traction_coefficient : float
        Tyre-ramp friction coefficient mu (ASSUMPTION: one value for drive,
        braking and side grip) [-].
    rolling_resistance : float
        Rolling-resistance coefficient Crr [-].
    drag_area : float
        Frontal drag area Cd*A of rider plus bike [m2].
    air_density : float
        Air density [kg m-3].
    g : float, optional
        Gravitational acceleration [m s-2].

    Returns
    -------
    float
        Acceleration along the ramp [m s-2]; NaN if ``speed < 0``.

    Notes
    -----
    Coasting acceleration (gravity, rolling resistance, quadratic drag on the
    relative airspeed :math:`v_a`)

    .. math:: a_c = g\\sin\\theta - C_{rr} g\\cos\\theta
              - \\frac{\\rho C_dA\\, v_a |v_a|}{2m}

    Largest drive acceleration, power- and traction-limited,

    .. math:: a_d = \\min\\left(\\frac{P}{m\\max(v, 1)}, \\mu g\\cos\\theta\\right)

    The 1 m/s floor removes the P/v singularity at standstill; below
    1 m/s the drive is traction-limited for any realistic P/m anyway.
    Largest braking deceleration :math:`a_b = \\mu g\\cos\\theta`.

    Rider behaviour (ASSUMPTION): full throttle while ``speed <
    target_speed``; at or above the target the rider holds it, using as much
    throttle or brake as needed within the limits,

    .. math:: a = \\mathrm{clip}(0,\\ a_c - a_b,\\ a_c + a_d)

    so the bike keeps speeding up on a slope too steep to hold (a_c > a_b)
    and slows down when the drive cannot beat the drag.

    Assumptions and validity: forward motion (speed >= 0); a rigid bike on a
    straight ramp; the whole normal load m g cos(slope) is available to the
    driving wheel (an upper bound: a motorcycle drives the rear wheel only,
    and wheelie and stoppie limits are ignored); no aerodynamic lift; rolling
    resistance independent of speed. For scale, a 2020 Honda CRF250R makes
    about 39 hp (29 kW) at the rear wheel on a dyno (REFERENCE.md §5).

    References
    ----------
    .. [1] T. D. Gillespie, *Fundamentals of Vehicle Dynamics*, SAE, 1992
       (acceleration performance: power- and traction-limited acceleration;
       road loads: rolling resistance and aerodynamic drag).
    .. [2] V. Cossalter, *Motorcycle Dynamics*, 2nd ed., 2006 (motorcycle in
       straight running: motion resistances and aerodynamic drag).
    """
    return ramp_acceleration_trig_kernel(
        speed, airspeed_along, target_speed, math.sin(slope), math.cos(slope), mass, drive_power,
        traction_coefficient, rolling_resistance, drag_area, air_density, g,
    )


@numba.njit(cache=True)
def longitudinal_force_demand_kernel(
    speed,
    airspeed_along,
    target_speed,
    slope,
    mass,
    drive_power,
    traction_coefficient,
    rolling_resistance,
    drag_area,
    air_density,
    g=9.80665,
):
    """Longitudinal tyre force the rider applies on the ramp (scalar kernel).

    Parameters
    ----------
    speed, airspeed_along, target_speed, slope, mass, drive_power, \
traction_coefficient, rolling_resistance, drag_area, air_density, g : float
        As in :func:`ramp_acceleration_kernel`.

    Returns
    -------
    float
        Tyre longitudinal force [N]: positive when driving, negative when
        braking, zero when coasting; NaN if ``speed < 0``.

    Notes
    -----
    The force is :math:`F_x = m (a - a_c)` with :math:`a` from
    :func:`ramp_acceleration_kernel` and :math:`a_c` its coasting
    acceleration: :math:`m a_d` at full throttle, :math:`-m a_b` at full
    brake, :math:`-m a_c` while holding the target speed. It is the
    longitudinal force that enters the friction circle of
    :func:`lateral_grip_available`. The same assumptions apply.

    References
    ----------
    .. [1] T. D. Gillespie, *Fundamentals of Vehicle Dynamics*, SAE, 1992
       (acceleration performance).
    """
    if speed < 0.0:
        return math.nan
    coast, drive, brake = _ramp_limits(
        speed, airspeed_along, math.sin(slope), math.cos(slope), mass, drive_power, traction_coefficient,
        rolling_resistance, drag_area, air_density, g,
    )
    if speed < target_speed:
        return mass * drive
    if coast - brake > 0.0:
        return -mass * brake
    if coast + drive < 0.0:
        return mass * drive
    return -mass * coast


_SIGNATURE = ["float64(" + ",".join(["float64"] * 11) + ")"]
# the numpy versions are the kernels themselves, compiled as ufuncs: one model, no second copy
_ramp_acceleration_ufunc = numba.vectorize(_SIGNATURE, cache=True)(ramp_acceleration_kernel.py_func)
_longitudinal_force_ufunc = numba.vectorize(_SIGNATURE, cache=True)(longitudinal_force_demand_kernel.py_func)


def ramp_acceleration(
    speed, airspeed_along, target_speed, slope, mass, drive_power, traction_coefficient, rolling_resistance,
    drag_area, air_density, g=9.80665,
):
    """Acceleration along the ramp, broadcasting over arrays.

    Parameters
    ----------
    speed, airspeed_along, target_speed, slope, mass, drive_power, \
traction_coefficient, rolling_resistance, drag_area, air_density, g : array_like
        As in :func:`ramp_acceleration_kernel`, in the same units.

    Returns
    -------
    numpy.ndarray or float
        Acceleration along the ramp [m s-2]; NaN where ``speed < 0``.

    Notes
    -----
    :func:`ramp_acceleration_kernel` compiled as a numpy ufunc.
    """
    return _ramp_acceleration_ufunc(
        speed, airspeed_along, target_speed, slope, mass, drive_power, traction_coefficient, rolling_resistance,
        drag_area, air_density, g,
    )[()]


def longitudinal_force_demand(
    speed, airspeed_along, target_speed, slope, mass, drive_power, traction_coefficient, rolling_resistance,
    drag_area, air_density, g=9.80665,
):
    """Longitudinal tyre force the rider applies, broadcasting over arrays.

    Parameters
    ----------
    speed, airspeed_along, target_speed, slope, mass, drive_power, \
traction_coefficient, rolling_resistance, drag_area, air_density, g : array_like
        As in :func:`ramp_acceleration_kernel`, in the same units.

    Returns
    -------
    numpy.ndarray or float
        Tyre longitudinal force [N], positive driving, negative braking;
        NaN where ``speed < 0``.

    Notes
    -----
    :func:`longitudinal_force_demand_kernel` compiled as a numpy ufunc.
    """
    return _longitudinal_force_ufunc(
        speed, airspeed_along, target_speed, slope, mass, drive_power, traction_coefficient, rolling_resistance,
        drag_area, air_density, g,
    )[()]


def crosswind_side_force(crosswind_speed, side_drag_area, air_density):
    """Aerodynamic side force on rider and bike from a crosswind.

    Parameters
    ----------
    crosswind_speed : array_like
        Wind component across the ramp, signed (either side) [m s-1].
    side_drag_area : array_like
        Side-on drag area C_y*A_side of rider plus bike [m2].
    air_density : array_like
        Air density [kg m-3].

    Returns
    -------
    numpy.ndarray or float
        Side force, with the sign of ``crosswind_speed`` [N].

    Notes
    -----
    .. math:: F_y = \\tfrac12 \\rho\\, (C_yA)_{side}\\, v_c |v_c|

    Assumes the cross-flow acts alone: the side force is computed from the
    crosswind component only, not from the full relative-wind vector at its
    yaw angle (a small-yaw simplification; the real side force coefficient
    depends on the yaw angle of the relative wind).

    References
    ----------
    .. [1] V. Cossalter, *Motorcycle Dynamics*, 2nd ed., 2006 (aerodynamic
       forces on a motorcycle: drag, lift and side force).
    """
    crosswind_speed = np.asarray(crosswind_speed, dtype=float)
    force = 0.5 * air_density * side_drag_area * crosswind_speed * np.abs(crosswind_speed)
    return force[()]


def lateral_grip_available(
    mass, slope, traction_coefficient, longitudinal_force, g=9.80665
):
    """Lateral tyre force left over by the friction circle.

    Parameters
    ----------
    mass : array_like
        Mass of rider plus bike [kg].
    slope : array_like
        Ramp angle below the horizontal (positive downhill) [rad].
    traction_coefficient : array_like
        Tyre-ramp friction coefficient mu [-].
    longitudinal_force : array_like
        Longitudinal tyre force in use, drive or brake [N] (e.g. from
        :func:`longitudinal_force_demand`).
    g : float, optional
        Gravitational acceleration [m s-2].

    Returns
    -------
    numpy.ndarray or float
        Largest lateral tyre force still available [N], >= 0.

    Notes
    -----
    Friction circle (Kamm circle): the resultant tyre force cannot exceed
    :math:`\\mu N` with :math:`N = m g \\cos\\theta`, so

    .. math:: F_{y,max} = \\sqrt{\\max\\left((\\mu m g\\cos\\theta)^2 - F_x^2,\\ 0\\right)}

    Assumptions: an isotropic friction circle (a real tyre has a friction
    ellipse); both wheels together, with the whole normal load; no
    aerodynamic lift; no banking of the ramp.

    References
    ----------
    .. [1] H. B. Pacejka, *Tire and Vehicle Dynamics*, 3rd ed.,
       Butterworth-Heinemann, 2012 (combined slip; the friction circle).
    .. [2] V. Cossalter, *Motorcycle Dynamics*, 2nd ed., 2006 (motorcycle
       tyres: combined longitudinal and lateral force, friction ellipse).
    """
    normal_grip = traction_coefficient * mass * g * np.cos(slope)
    longitudinal_force = np.asarray(longitudinal_force, dtype=float)
    grip = np.sqrt(
        np.maximum(normal_grip * normal_grip - longitudinal_force * longitudinal_force, 0.0)
    )
    return grip[()]


def crosswind_limit(
    mass,
    slope,
    traction_coefficient,
    longitudinal_force,
    side_drag_area,
    air_density,
    g=9.80665,
):
    """Crosswind at which the side force uses up the lateral grip.

    Parameters
    ----------
    mass : array_like
        Mass of rider plus bike [kg].
    slope : array_like
        Ramp angle below the horizontal (positive downhill) [rad].
    traction_coefficient : array_like
        Tyre-ramp friction coefficient mu [-].
    longitudinal_force : array_like
        Longitudinal tyre force in use [N].
    side_drag_area : array_like
        Side-on drag area of rider plus bike [m2].
    air_density : array_like
        Air density [kg m-3].
    g : float, optional
        Gravitational acceleration [m s-2].

    Returns
    -------
    numpy.ndarray or float
        Crosswind speed magnitude at the limit [m s-1].

    Notes
    -----
    Setting :func:`crosswind_side_force` equal to
    :func:`lateral_grip_available`,

    .. math:: v_{c,lim} = \\sqrt{\\frac{2 F_{y,max}}{\\rho (C_yA)_{side}}}

    This is a tyre-slide limit only. It ignores the lean the rider needs to
    balance a side force acting above the ground, gusts acting faster than
    the rider can react, and the lateral drift a narrow ramp can tolerate,
    any of which may bind first.

    References
    ----------
    .. [1] H. B. Pacejka, *Tire and Vehicle Dynamics*, 3rd ed.,
       Butterworth-Heinemann, 2012 (the friction circle).
    """
    grip = lateral_grip_available(mass, slope, traction_coefficient, longitudinal_force, g)
    limit = np.sqrt(2.0 * grip / (air_density * np.asarray(side_drag_area, dtype=float)))
    return limit[()]


def launch_velocity(speed, slope, lip_angle):
    """Velocity leaving the ramp lip, redirected to the lip angle.

    Parameters
    ----------
    speed : array_like
        Speed along the ramp on reaching the lip [m s-1].
    slope : array_like
        Ramp angle below the horizontal (positive downhill) [rad].
    lip_angle : array_like
        Lip (kicker) angle above the horizontal [rad].

    Returns
    -------
    horizontal : numpy.ndarray or float
        Horizontal velocity component along the ramp heading [m s-1].
    vertical : numpy.ndarray or float
        Vertical velocity component, positive up [m s-1].
        Both are NaN where the kicker would turn the path by a negative angle
        or by more than pi/2, i.e. outside ``0 <= slope + lip_angle <= pi/2``.

    Notes
    -----
    .. math:: (v_h, v_z) = v\\,(\\cos\\alpha, \\sin\\alpha)

    ASSUMPTION: a short kicker that turns the velocity from the ramp
    direction to the lip angle with no loss of speed (no time on the kicker,
    no suspension or tyre losses). The result does not depend on ``slope``;
    it is used only to check the turn angle ``slope + lip_angle``: a lip that
    points further down than the ramp is a convex edge, where the bike may
    leave the surface before the lip.

    References
    ----------
    .. [1] Elementary kinematics; see e.g. the motorcycle-jump projectile
       problem quoted in REFERENCE.md §5.
    """
    speed = np.asarray(speed, dtype=float)
    turn = slope + np.asarray(lip_angle, dtype=float)
    valid = (turn >= 0.0) & (turn <= 0.5 * np.pi)
    horizontal = np.where(valid, speed * np.cos(lip_angle), np.nan)
    vertical = np.where(valid, speed * np.sin(lip_angle), np.nan)
    return horizontal[()], vertical[()]
